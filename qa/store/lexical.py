"""The lexical (BM25) side of hybrid search: a SQLite FTS5 index derived from Chroma.

Chroma is the source of truth; this index is a cache of the chunk texts that can always be
rebuilt from it. Each chunk is one FTS5 row (porter-stemmed, diacritics folded) whose rowid
points into a side table with its chunk id, article id, date and source, indexed by article,
so adding or replacing one article costs the same whatever the corpus size. The table
``articles`` records which version (content hash) of each article the index holds; the store
compares it with Chroma's article ledger to repair or sync (``qa.store.Store.sync_lexical``).

The same file keeps the near-copy index (``qa.text.minhash``): ``sketches`` holds each
article's group (``dup_of``, "" for a canonical article) and a canonical's MinHash
signature, ``bands`` its LSH band keys (indexed), so finding the candidates for one new
article is ``BANDS`` index lookups whatever the archive size. Like the chunk rows, it is
derived from the ledger and rebuilt from its texts. This module knows nothing about Chroma.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from qa.store.filters import FilterLike, sql_conditions
from qa.text.terms import query_terms

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE NOT NULL, article_id TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0, source TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
CREATE INDEX IF NOT EXISTS chunks_published ON chunks(published);
CREATE TABLE IF NOT EXISTS articles (article_id TEXT PRIMARY KEY, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    text, tokenize='porter unicode61 remove_diacritics 2');
CREATE TABLE IF NOT EXISTS sketches (
    article_id TEXT PRIMARY KEY, dup_of TEXT NOT NULL DEFAULT '', signature BLOB);
CREATE INDEX IF NOT EXISTS sketches_dup ON sketches(dup_of);
CREATE TABLE IF NOT EXISTS bands (key INTEGER NOT NULL, article_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS bands_key ON bands(key);
CREATE INDEX IF NOT EXISTS bands_article ON bands(article_id);
"""
SketchRow = tuple[str, str, "bytes | None", Sequence[int]]  # id, dup_of, signature, bands

class LexicalIndex:
    """BM25 over chunk texts in one SQLite file. Thread-safe (one connection, one lock; a
    second one for near-copy lookups, which need not wait for a write to finish)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._near = self._db if self.path == ":memory:" else sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None)
        self._near_lock = self._lock if self._near is self._db else threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()
        with self._near_lock:
            self._near.close()

    def replace_articles(
        self,
        articles: Sequence[tuple[str, str]],
        chunks: Iterable[tuple[str, str, str, int, str]],
        sketches: Sequence[SketchRow] = (),
    ) -> None:
        """Atomically drop the given articles' rows and add ``chunks`` and ``sketches``.

        ``articles`` are (article_id, content_hash) pairs; ``chunks`` are
        (chunk_id, article_id, text, published_yyyymmdd, source); ``sketches`` are
        (article_id, dup_of, MinHash signature or None, LSH band keys).
        """
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                self._delete(db, [a for a, _ in articles])
                for chunk_id, article_id, text, published, source in chunks:
                    cur = db.execute(
                        "INSERT INTO chunks(chunk_id, article_id, published, source) "
                        "VALUES (?,?,?,?)",
                        (chunk_id, article_id, int(published or 0), source or ""),
                    )
                    db.execute("INSERT INTO fts(rowid, text) VALUES (?,?)", (cur.lastrowid, text))
                db.executemany(
                    "INSERT OR REPLACE INTO articles(article_id, hash) VALUES (?,?)", articles
                )
                self._put_sketches(db, sketches)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    @staticmethod
    def _delete(db: sqlite3.Connection, article_ids: Sequence[str]) -> None:
        for aid in article_ids:
            rows = [r[0] for r in db.execute("SELECT rowid FROM chunks WHERE article_id=?", (aid,))]
            db.executemany("DELETE FROM fts WHERE rowid=?", [(r,) for r in rows])
            db.execute("DELETE FROM chunks WHERE article_id=?", (aid,))
            db.execute("DELETE FROM articles WHERE article_id=?", (aid,))
            db.execute("DELETE FROM sketches WHERE article_id=?", (aid,))
            db.execute("DELETE FROM bands WHERE article_id=?", (aid,))

    @staticmethod
    def _put_sketches(db: sqlite3.Connection, rows: Sequence[SketchRow]) -> None:
        for aid, dup_of, signature, keys in rows:
            db.execute("DELETE FROM bands WHERE article_id=?", (aid,))
            db.execute("INSERT OR REPLACE INTO sketches(article_id, dup_of, signature) "
                       "VALUES (?,?,?)", (aid, dup_of, signature))
            db.executemany("INSERT INTO bands(key, article_id) VALUES (?,?)",
                           [(int(k), aid) for k in keys])

    def delete_articles(self, article_ids: Sequence[str]) -> None:
        """Remove the articles' rows (no-op for unknown ids)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._delete(self._db, list(article_ids))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def clear(self) -> None:
        """Drop everything (before a rebuild)."""
        with self._lock:
            self._db.executescript(
                "DELETE FROM fts; DELETE FROM chunks; DELETE FROM articles; DELETE FROM meta;"
                "DELETE FROM sketches; DELETE FROM bands;")

    def article_hashes(self) -> dict[str, str]:
        """article_id -> content hash of every article the index holds."""
        with self._lock:
            return dict(self._db.execute("SELECT article_id, hash FROM articles"))

    def put_sketches(self, rows: Sequence[SketchRow]) -> None:
        """Replace these articles' near-copy rows only (filling in an older index)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._put_sketches(self._db, rows)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def groups(self) -> dict[str, str]:
        """article_id -> dup_of ("" for a canonical) of every article with a sketch row."""
        with self._lock:
            return dict(self._db.execute("SELECT article_id, dup_of FROM sketches"))

    def near_candidates(self, keys: Sequence[int]) -> dict[str, bytes]:
        """Canonical articles sharing at least one LSH band key: id -> MinHash signature."""
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        with self._near_lock:
            return dict(self._near.execute(
                "SELECT s.article_id, s.signature FROM sketches s WHERE s.article_id IN "
                f"(SELECT article_id FROM bands WHERE key IN ({marks})) AND s.dup_of = '' "
                "AND s.signature IS NOT NULL", [int(k) for k in keys]))

    def orphan_copies(self) -> list[str]:
        """Copies whose canonical article is gone (deleted, removed by a repair) or is no
        longer canonical: they need a new group."""
        with self._lock:
            return [r[0] for r in self._db.execute(
                "SELECT article_id FROM sketches WHERE dup_of != '' AND dup_of NOT IN "
                "(SELECT article_id FROM sketches WHERE dup_of = '')")]

    def count(self) -> int:
        """Number of chunks indexed."""
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?,?)", (key, value))

    def chunk_rows(self, chunk_ids: Sequence[str]) -> dict[str, tuple[str, int, str]]:
        """chunk_id -> (article_id, published yyyymmdd, source key) for the ids it holds."""
        out: dict[str, tuple[str, int, str]] = {}
        ids = list(chunk_ids)
        with self._lock:
            for i in range(0, len(ids), 500):
                part = ids[i : i + 500]
                out.update((r[0], (r[1], r[2], r[3])) for r in self._db.execute(
                    "SELECT chunk_id, article_id, published, source FROM chunks WHERE chunk_id "
                    f"IN ({','.join('?' * len(part))})", part))
        return out

    def chunk_ids(self, filters: FilterLike | None, limit: int = 50_000) -> list[str] | None:
        """Ids of the chunks the filters let through (the rules of ``qa.store.filters``);
        None when there are more than ``limit``."""
        cond, args = sql_conditions(filters)
        sql = "SELECT chunk_id FROM chunks WHERE 1" + cond
        with self._lock:
            ids = [r[0] for r in self._db.execute(sql + " LIMIT ?", [*args, limit + 1])]
        return None if len(ids) > limit else ids

    def search(self, text: str, k: int = 20,
               filters: FilterLike | None = None) -> list[tuple[str, float]]:
        """Best ``k`` chunks for ``text`` under ``filters`` as (chunk_id, score), higher is
        better."""
        terms = query_terms(text)
        if not terms:
            return []
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        cond, args = sql_conditions(filters, "c.")
        sql = ("SELECT c.chunk_id, -bm25(fts) AS s FROM fts JOIN chunks c ON c.rowid = fts.rowid "
               f"WHERE fts MATCH ?{cond} ORDER BY bm25(fts) LIMIT ?")
        args = [match, *args, int(k)]
        with self._lock:
            return [(r[0], float(r[1])) for r in self._db.execute(sql, args)]
