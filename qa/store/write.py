"""The crash-safe write protocol of the store, and removal (delete, repair).

``Writer.write(batch)`` for new or changed articles: ledger ``state=writing`` -> old chunks
of changed articles deleted -> new chunks upserted -> lexical index replaced -> ledger
``state=ok`` (with the text) -> generation bumped -> lexical generation stamp. The lexical
step also records each article's near-copy group and sketch (``schema.sketch_row``); a
near-copy (``ArticleWrite.dup_of``) has no chunks. An article left ``writing`` by a crash
is removed entirely by ``repair()`` at the next ingestion, which then re-adds it; every
removal bumps the generation so replicas drop it from their lexical copies. Writes and
removals first check that re-embedding is not switching the chunks to another collection
(``Connection.check_writable``), and check again before ``state=ok``: an article written
into a collection that was switched away from stays ``writing``. What a row holds is
``qa.store.schema``; no reads beyond what the protocol needs.

Lexical first: an article written without vectors (``ArticleWrite.vectors is None``) gets
no chunks in Chroma and ends ``state=lexical`` (searchable by BM25, its chunk offsets in
the ledger) instead of ``ok``. ``fill_vectors`` then adds its vectors, under the lock:
for each article still ``lexical`` at the same content hash, chunks upserted (the rows
the ledger's offsets give, the same ids as in the lexical index) -> ledger ``state=ok``
-> generation bumped. Killed in between, the article stays ``lexical`` (perhaps with some
chunks in Chroma, which the next fill upserts again: same ids), never half-visible.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from qa.errors import StoreUnavailableError
from qa.store import models, relink, salvage, schema
from qa.store.connection import Connection
from qa.store.lexical import LexicalIndex
from qa.store.schema import ArticleWrite

VectorFill = tuple[str, str, Any]  # article id, the content hash embedded, its vectors


class Writer:
    """Writes and removals on one store's collections and lexical index."""

    def __init__(self, conn: Connection, lexical: Callable[[], LexicalIndex]) -> None:
        self._conn = conn
        self._lexical_of = lexical  # the store's current lexical index
        self._guard = conn.guard
        self._written: list[str] = []  # chunk ids written since ``relink_vectors``

    @property
    def _lexical(self) -> LexicalIndex:
        return self._lexical_of()

    def write(self, batch: Sequence[ArticleWrite]) -> None:
        """Store new or changed articles with the crash-safe protocol (module docstring),
        holding the store's write lock."""
        if not batch:
            return
        with self._conn.write_lock.held():
            self._write(batch)

    def _write(self, batch: Sequence[ArticleWrite]) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self._conn.check_writable()
        ids = [w.article_id for w in batch]
        with self._guard("checking for stored versions"):  # another writer may have added
            existed = self._conn.ledger.get(ids=ids, include=[])["ids"]  # one meanwhile
        self._ledger_put(batch, schema.STATE_WRITING, now, "starting a write")
        self._delete_chunks_of(existed)
        dense = [w for w in batch if w.vectors is not None]
        self._upsert([r for w in dense for r in schema.chunk_rows(w)],
                     [v for w in dense for v in w.vectors])
        self._lexical.replace_articles([(w.article_id, w.content_hash) for w in batch],
                                       [r for w in batch for r in schema.lexical_rows(w)],
                                       [schema.sketch_row(w.article_id, w.dup_of, w.sketch)
                                        for w in batch])
        self._conn.check_writable()  # switched meanwhile: left `writing`, repaired later
        self._ledger_put(batch, schema.STATE_OK, now, "finishing a write")
        self._stamp()

    def fill_vectors(self, fills: Sequence[VectorFill]) -> list[str]:
        """Add the vectors of articles stored lexical-only (module docstring); returns the
        ids filled (an article changed, deleted or filled meanwhile is left out)."""
        if not fills:
            return []
        with self._conn.write_lock.held():
            self._conn.check_writable()
            with self._guard("reading the article ledger"):
                got = self._conn.ledger.get(ids=[f[0] for f in fills],
                                            include=["metadatas", "documents"])
            stored = {i: (m, d) for i, m, d in zip(got["ids"], got["metadatas"],
                                                   got["documents"], strict=True)}
            done, rows, vectors, metas, texts = [], [], [], [], []
            for aid, digest, vecs in fills:
                meta, text = stored.get(aid, ({}, ""))
                mine = schema.ledger_chunk_rows(aid, meta, text)
                if meta.get(schema.STATE) != schema.STATE_LEXICAL or \
                        meta.get(schema.HASH) != digest or len(mine) != len(vecs):
                    continue
                done.append(aid)
                rows += mine
                vectors += list(vecs)
                metas.append({**meta, schema.STATE: schema.STATE_OK})
                texts.append(text)
            if not done:
                return []
            self._upsert(rows, vectors)
            self._conn.check_writable()
            with self._guard("finishing a write"):
                self._conn.ledger.upsert(ids=done, metadatas=metas, documents=texts,
                                         embeddings=[[1.0]] * len(done))
                self._bump_generation()
            self._stamp()
        return done

    def _upsert(self, rows: list[tuple[str, str, dict]], vectors: list) -> None:
        """Chunks with their vectors, under the interrupted-write marker; their ids are
        kept for the reachability check at the end of the run (``relink_vectors``)."""
        with self._guard("writing chunks"), relink.writing(self._conn.settings):
            for lo in range(0, len(rows), 2000):
                part = rows[lo : lo + 2000]
                self._conn.chunks.upsert(
                    ids=[r[0] for r in part], documents=[r[1] for r in part],
                    metadatas=[r[2] for r in part], embeddings=vectors[lo : lo + 2000])
        self._written += [r[0] for r in rows]

    def relink_vectors(self, on_page: Callable[[int, int], None] | None = None,
                       every: bool = False) -> int:
        """Re-add the chunks dense search cannot reach (``qa.store.relink``): every chunk
        after a writer died writing vectors (the marker) or when asked (``every``), then
        those written since the last call. Returns how many."""
        with self._conn.write_lock.held():
            n = relink.relink(self._conn, self._conn.settings, on_page, every)
            written, self._written = self._written, []
            if not written:
                return n
            with self._guard("checking the chunks just written"), \
                    relink.writing(self._conn.settings):
                return n + relink.check(self._conn.chunks, written)

    def reset_vectors(self) -> tuple[int, int, int]:
        """Drop the active chunk collection, whose vector index Chroma cannot read any more,
        and make it again, empty; every complete article that keeps its chunk offsets goes
        back to ``lexical`` (searchable by BM25; the backfill embeds it again). A ledger
        Chroma cannot read is made again first from Chroma's tables (``qa.store.salvage``).
        Killed part-way, run it again. Returns (articles queued, articles with chunks but
        no stored offsets: stored before the ledger kept them, left keyword-only, ledger
        records salvaged)."""
        with self._conn.write_lock.held():
            salvaged = self._salvage_ledger()
            with self._guard("reading the article ledger"):
                got = self._conn.ledger.get(where={schema.STATE: schema.STATE_OK},
                                            include=["metadatas"])
            rows = list(zip(got["ids"], got["metadatas"], strict=True))
            redo = [(i, m) for i, m in rows if m.get(schema.SPANS)]
            kept = sum(1 for _, m in rows if not m.get(schema.SPANS) and m.get("n_chunks"))
            with self._guard("making the vector index again"):
                self._conn.recreate()
                for lo in range(0, len(redo), 500):
                    part = redo[lo : lo + 500]
                    self._conn.ledger.update(ids=[i for i, _ in part], metadatas=[
                        {**m, schema.STATE: schema.STATE_LEXICAL} for _, m in part])
                self._bump_generation()
            self._stamp()
            return len(redo), kept, salvaged

    def _salvage_ledger(self) -> int:
        """0 if Chroma reads the ledger; else its records put back from Chroma's SQLite
        tables into a ledger made again (how many)."""
        settings = self._conn.settings
        try:
            with self._guard("reading the article ledger"):
                self._conn.ledger.count()
            return 0
        except StoreUnavailableError as e:
            if models.UNREPLAYABLE not in str(e) or settings.chroma_url:
                raise
        rows = salvage.rows(settings.store_dir, models.ledger_name(settings.collection))
        with self._guard("making the article ledger again"):
            self._conn.recreate(ledger=True)
            for lo in range(0, len(rows), 500):
                part = rows[lo : lo + 500]
                self._conn.ledger.add(
                    ids=[r[0] for r in part], documents=[r[1] for r in part],
                    metadatas=[{k: v for k, v in r[2].items() if v is not None}
                               for r in part], embeddings=[[1.0]] * len(part))
        return len(rows)

    def _stamp(self) -> None:
        """The lexical index is in step with the generation this process just wrote."""
        with self._guard("reading the store generation"):
            gen = str(self._conn.ledger_metadata().get("generation", ""))
        self._lexical.set_meta("generation", gen)

    def repair(self) -> int:
        """Remove articles a crash left half-written; returns how many. Under the write
        lock, so an article another process is writing now is not one of them."""
        with self._conn.write_lock.held():
            return self._repair()

    def _repair(self) -> int:
        with self._guard("checking for interrupted writes"):
            got = self._conn.ledger.get(where={schema.STATE: schema.STATE_WRITING},
                                        include=[])
        broken = list(got["ids"])
        if broken:
            self.remove(broken, "repairing")
        return len(broken)

    def remove(self, article_ids: list[str], what: str) -> None:
        """Remove articles entirely: chunks, lexical rows, ledger records."""
        with self._conn.write_lock.held():
            self._conn.check_writable()
            self._delete_chunks_of(article_ids)
            self._lexical.delete_articles(article_ids)
            with self._guard(what):
                self._conn.ledger.delete(ids=article_ids)
                self._bump_generation()

    def _ledger_put(self, batch: Sequence[ArticleWrite], state: str, now: str,
                    what: str) -> None:
        """Upsert the batch's ledger records in ``state``; ``ok`` stores the text too and
        bumps the generation."""
        done = state == schema.STATE_OK
        queued = time.time_ns() // 1000  # backfill order: this batch's articles in turn
        with self._guard(what):
            self._conn.ledger.upsert(
                ids=[w.article_id for w in batch],
                metadatas=[schema.ledger_row(
                    w, schema.STATE_LEXICAL if done and w.vectors is None and w.chunks
                    else state, now, queued + i) for i, w in enumerate(batch)],
                embeddings=[[1.0]] * len(batch),
                documents=[w.text if done else "" for w in batch],
            )
            if done:
                self._bump_generation()

    def _delete_chunks_of(self, article_ids: Sequence[str]) -> None:
        with self._guard("deleting old chunks"), relink.writing(self._conn.settings):
            for lo in range(0, len(article_ids), 200):
                self._conn.chunks.delete(
                    where={schema.ARTICLE_ID: {"$in": list(article_ids[lo:lo + 200])}})

    def _bump_generation(self) -> None:
        # read afresh: the handle's metadata is as opened, and re-embedding may have
        # recorded its state in the ledger's metadata since
        gen = f"{time.time():.6f}"
        self._conn.update_ledger_metadata({"generation": gen, models.REEMBEDDED_FROM: ""})
        self._conn.wrote(gen)
