"""The article store: Chroma (embedded or a server) plus the derived lexical index.

``Store.open(settings, model)`` opens it for an embedding model's identity (``ModelInfo``;
``None`` opens it for maintenance: delete, repair, rebuild, stats). What the two collections
and the lexical index hold is ``qa.store.schema``; the connection is
``qa.store.connection``; keeping the lexical index in step is ``qa.store.sync``.

Write protocol of ``Store.write(batch)`` for new or changed articles (crash-safe):
ledger ``state=writing`` -> old chunks of changed articles deleted -> new chunks upserted ->
lexical index replaced -> ledger ``state=ok`` (with the text) -> generation bumped ->
lexical generation stamp. An article left ``writing`` by a crash is removed entirely by
``repair()`` at the next ingestion, which then re-adds it. Reading, cleaning, chunking and
embedding are ``ingest``'s job; ranking is ``qa.search``'s.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from qa.settings import Settings
from qa.store import schema
from qa.store.connection import Connection, lexical_path
from qa.store.lexical import LexicalIndex
from qa.store.schema import ArticleWrite, ChunkRecord, ModelInfo, StoredArticle
from qa.store.sync import LexicalSync, store_stats


class Store:
    """Chroma collections + lexical index for one ``Settings``. Create with ``Store.open``."""

    def __init__(self, settings: Settings, model: ModelInfo | None, create: bool) -> None:
        self.settings = settings
        self._conn = Connection(settings, model, create)
        self.lexical = LexicalIndex(lexical_path(settings))
        self._guard = self._conn.guard
        self._sync = LexicalSync(self)

    @classmethod
    def open(cls, settings: Settings, model: ModelInfo | Any | None,
             create: bool = False) -> Store:
        """Open (with ``create``: make) the store for ``model``: a ``ModelInfo`` (anything
        with ``.name`` and ``.dim`` is read as one). ``None`` opens an existing store without
        the model check, for maintenance (delete, repair, rebuild_lexical, stats)."""
        return cls(settings, None if model is None else ModelInfo.of(model), create)

    @property
    def model(self) -> ModelInfo | None:
        """The embedding model the store was opened for (or, without one, built with)."""
        return self._conn.model

    def close(self) -> None:
        """Release the store: the lexical index, and the Chroma client of its directory.

        Needed before another *process* writes the directory (embedded Chroma is
        single-process). Other ``Store`` objects of the same directory in this process
        share the client, so close only when none is in use; open a new one afterwards.
        """
        self.lexical.close()
        self._conn.close()

    # ---- reads ------------------------------------------------------------------------
    def count(self) -> int:
        with self._guard("counting chunks"):
            return self._conn.chunks.count()

    def article_states(self, article_ids: Sequence[str]) -> dict[str, StoredArticle]:
        """Ledger records of the given articles that exist (id -> record), in any state."""
        out: dict[str, StoredArticle] = {}
        with self._guard("reading the article ledger"):
            for lo in range(0, len(article_ids), 500):
                got = self._conn.ledger.get(ids=list(article_ids[lo : lo + 500]),
                                            include=["metadatas"])
                out.update((i, schema.stored_article(i, m))
                           for i, m in zip(got["ids"], got["metadatas"], strict=True))
        return out

    def all_articles(self) -> dict[str, StoredArticle]:
        """Every ledger record (id -> record), in any state, read in pages."""
        out: dict[str, StoredArticle] = {}
        with self._guard("reading the article ledger"):
            offset = 0
            while True:
                got = self._conn.ledger.get(include=["metadatas"], limit=5000, offset=offset)
                out.update((i, schema.stored_article(i, m))
                           for i, m in zip(got["ids"], got["metadatas"], strict=True))
                if len(got["ids"]) < 5000:
                    return out
                offset += 5000

    def complete_by_hash(self, hashes: Iterable[str], *, raw: bool = False) -> dict[str, str]:
        """Which of these content hashes (``raw``: raw-input hashes) complete articles
        carry: hash -> article id."""
        key = schema.RAW_HASH if raw else schema.HASH
        wanted = list(dict.fromkeys(hashes))
        out: dict[str, str] = {}
        with self._guard("checking for known articles"):
            for lo in range(0, len(wanted), 500):
                got = self._conn.ledger.get(where={key: {"$in": wanted[lo : lo + 500]}},
                                            include=["metadatas"])
                for i, m in zip(got["ids"], got["metadatas"], strict=True):
                    if m.get(schema.STATE) == schema.STATE_OK and key in m:
                        out[m[key]] = i
        return out

    def article_text(self, article_id: str) -> str | None:
        with self._guard("reading an article"):
            got = self._conn.ledger.get(ids=[article_id], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    def get_chunks(self, ids: Sequence[str], embeddings: bool = False) -> list[ChunkRecord]:
        """The stored chunks of these ids (unknown ones left out), in the order asked; with
        ``embeddings`` each record carries its vector."""
        if not ids:
            return []
        include = ["documents", "metadatas", *(["embeddings"] if embeddings else [])]
        with self._guard("reading chunks"):
            got = self._conn.chunks.get(ids=list(ids), include=include)
        vecs = got["embeddings"] if embeddings else [None] * len(got["ids"])
        by_id = {i: ChunkRecord(i, d, m, embedding=v) for i, d, m, v in
                 zip(got["ids"], got["documents"], got["metadatas"], vecs, strict=True)}
        return [by_id[i] for i in ids if i in by_id]

    def article_chunks(self, article_id: str) -> list[ChunkRecord]:
        """The stored chunks of one article, in order."""
        with self._guard("reading chunks"):
            got = self._conn.chunks.get(where={schema.ARTICLE_ID: article_id},
                                        include=["documents", "metadatas"])
        recs = [ChunkRecord(i, d, m) for i, d, m in
                zip(got["ids"], got["documents"], got["metadatas"], strict=True)]
        return sorted(recs, key=lambda r: schema.chunk_index(r.meta))

    def dense(self, embedding: Sequence[float], k: int, where: dict | None,
              ids: Sequence[str] | None = None) -> list[ChunkRecord]:
        """Nearest chunks by cosine similarity (score = 1 - distance), best first; only
        among ``ids`` when given."""
        got = self._nearest(embedding, k, ["documents", "metadatas", "distances"], where, ids)
        if got is None:
            return []
        return [
            ChunkRecord(i, d, m, 1.0 - float(dist))
            for i, d, m, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0],
                                     got["distances"][0], strict=True)
        ]

    def dense_ids(self, embedding: Sequence[float], k: int) -> list[tuple[str, float]]:
        """Nearest chunk ids with cosine similarity, best first, no filter: the cheap form of
        ``dense`` (reading metadata costs ~0.1 ms per result, the ids alone almost nothing)."""
        got = self._nearest(embedding, k, ["distances"])
        if got is None:
            return []
        return [(i, 1.0 - float(d)) for i, d in zip(got["ids"][0], got["distances"][0],
                                                    strict=True)]

    def _nearest(self, embedding: Sequence[float], k: int, include: list[str],
                 where: dict | None = None, ids: Sequence[str] | None = None) -> Any:
        """Chroma's query result for the ``k`` nearest chunks, or None when there are none
        to search (an empty store, or an empty ``ids`` restriction)."""
        if ids is not None and not ids:
            return None
        with self._guard("searching"):
            chunks = self._conn.chunks
            n = chunks.count()
            if n == 0:
                return None
            return chunks.query(
                query_embeddings=[list(map(float, embedding))], n_results=min(k, n),
                where=where or None, ids=list(ids) if ids is not None else None,
                include=include)

    def generation(self) -> str:
        """The ledger's generation stamp: changes with every write, delete or repair."""
        with self._guard("reading the store generation"):
            return str(self._conn.ledger_metadata().get("generation", ""))

    # ---- writes -----------------------------------------------------------------------
    def write(self, batch: Sequence[ArticleWrite]) -> None:
        """Store new or changed articles with the crash-safe protocol (module docstring)."""
        if not batch:
            return
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self._ledger_put(batch, schema.STATE_WRITING, now, "starting a write")
        self._delete_chunks_of([w.article_id for w in batch if w.existed])
        rows = [r for w in batch for r in schema.chunk_rows(w)]
        vectors = [v for w in batch for v in w.vectors]
        with self._guard("writing chunks"):
            for lo in range(0, len(rows), 2000):
                part = rows[lo : lo + 2000]
                self._conn.chunks.upsert(
                    ids=[r[0] for r in part], documents=[r[1] for r in part],
                    metadatas=[r[2] for r in part], embeddings=vectors[lo : lo + 2000])
        self.lexical.replace_articles([(w.article_id, w.content_hash) for w in batch],
                                      [r for w in batch for r in schema.lexical_rows(w)])
        self._ledger_put(batch, schema.STATE_OK, now, "finishing a write")
        self.lexical.set_meta("generation", self.generation())

    def _ledger_put(self, batch: Sequence[ArticleWrite], state: str, now: str,
                    what: str) -> None:
        """Upsert the batch's ledger records in ``state``; ``ok`` stores the text too and
        bumps the generation."""
        done = state == schema.STATE_OK
        with self._guard(what):
            self._conn.ledger.upsert(
                ids=[w.article_id for w in batch],
                metadatas=[schema.ledger_row(w, state, now) for w in batch],
                embeddings=[[1.0]] * len(batch),
                documents=[w.text if done else "" for w in batch],
            )
            if done:
                self._bump_generation()

    def _delete_chunks_of(self, article_ids: Sequence[str]) -> None:
        with self._guard("deleting old chunks"):
            for lo in range(0, len(article_ids), 200):
                self._conn.chunks.delete(
                    where={schema.ARTICLE_ID: {"$in": list(article_ids[lo:lo + 200])}})

    def _bump_generation(self) -> None:
        ledger = self._conn.ledger
        meta = dict(ledger.metadata or {})
        meta["generation"] = f"{time.time():.6f}"
        meta.pop("hnsw:space", None)
        ledger.modify(metadata=meta)

    def delete_articles(self, article_ids: Sequence[str]) -> list[str]:
        """Delete articles entirely; returns the ids that existed."""
        existing = list(self.article_states(article_ids))
        if existing:
            self._remove(existing, "deleting articles")
        return existing

    def repair(self) -> int:
        """Remove articles a crash left half-written; returns how many."""
        with self._guard("checking for interrupted writes"):
            got = self._conn.ledger.get(where={schema.STATE: schema.STATE_WRITING},
                                        include=[])
        broken = list(got["ids"])
        if broken:
            self._remove(broken, "repairing")  # replicas drop them from their lexical copies
        return len(broken)

    def _remove(self, article_ids: list[str], what: str) -> None:
        self._delete_chunks_of(article_ids)
        self.lexical.delete_articles(article_ids)
        with self._guard(what):
            self._conn.ledger.delete(ids=article_ids)
            self._bump_generation()

    # ---- lexical index and overview (qa.store.sync) --------------------------------------
    def sync_lexical(self, force: bool = False, every: float = 0.0) -> int:
        """Make the lexical index agree with the ledger; returns articles changed (see
        ``qa.store.sync.LexicalSync.sync``)."""
        return self._sync.sync(force=force, every=every)

    def rebuild_lexical(self) -> int:
        """Drop and rebuild the lexical index from Chroma; returns articles indexed."""
        return self._sync.rebuild()

    def stats(self) -> dict:
        """Articles, chunks, sources, newest article date, where the store is, its model."""
        return store_stats(self)
