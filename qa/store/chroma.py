"""The article store: Chroma (embedded or a server) plus the derived lexical index.

``Store.open(settings, model)`` opens it for an embedding model's identity (``ModelInfo``;
``None`` opens it for maintenance: delete, repair, rebuild, stats). Rows: ``qa.store.schema``;
the connection: ``qa.store.connection``; the lexical index kept in step: ``qa.store.sync``.
Writes follow the crash-safe protocol of ``qa.store.write``. Searches take filters as a
value (``qa.store.filters`` translates them); callers never see Chroma's syntax. Reading,
cleaning, chunking and embedding are ``ingest``'s job; ranking is ``qa.search``'s.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from qa.errors import StoreUnavailableError
from qa.settings import Settings
from qa.store import models, schema
from qa.store.connection import Connection
from qa.store.filters import FilterLike, chroma_where
from qa.store.ledger import LedgerReads
from qa.store.lexical import LexicalIndex
from qa.store.migrate import ChunkMigration
from qa.store.models import LedgerState
from qa.store.paths import lexical_path
from qa.store.pending import PendingReads
from qa.store.schema import ArticleWrite, ChunkOrigin, ChunkRecord, ModelInfo
from qa.store.stories import StoryIndex
from qa.store.sync import LexicalSync, store_stats
from qa.store.write import VectorFill, Writer

T = TypeVar("T")


class Store(LedgerReads, PendingReads):
    """Chroma collections + lexical index for one ``Settings``. Create with ``Store.open``.
    Ledger reads (``article_states``, ``all_articles``, ``copies_of``, ...) come from
    ``qa.store.ledger.LedgerReads``; those of articles still waiting for their vectors
    (``pending_articles``, ``indexing``) from ``qa.store.pending.PendingReads``."""

    def __init__(self, settings: Settings, model: ModelInfo | None, create: bool) -> None:
        self.settings = settings
        self._conn = Connection(settings, model, create)
        self.lexical = LexicalIndex(lexical_path(settings))
        self._guard = self._conn.guard
        self._sync = LexicalSync(self)
        self._writer = Writer(self._conn, lambda: self.lexical)
        self._stories: StoryIndex | None = None
        self._stories_at = ""

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
        """Release the store: its lexical index, and its reference to the process's
        Chroma client of the directory (closed when no other ``Store`` uses it)."""
        self.lexical.close()
        if self._stories is not None:
            self._stories.close()
        self._conn.close()

    # ---- reads ------------------------------------------------------------------------
    def count(self) -> int:
        with self._guard("counting chunks"):
            return self._conn.chunks.count()

    def get_chunks(self, ids: Sequence[str], embeddings: bool = False) -> list[ChunkRecord]:
        """The stored chunks of these ids (unknown ones left out), in the order asked; with
        ``embeddings`` each record carries its vector (None: its article is searchable by
        keywords only until the backfill adds its vectors)."""
        if not ids:
            return []
        include = ["documents", "metadatas", *(["embeddings"] if embeddings else [])]
        got = self._read("reading chunks",
                         lambda: self._conn.chunks.get(ids=list(ids), include=include))
        vecs = got["embeddings"] if embeddings else [None] * len(got["ids"])
        by_id = {i: ChunkRecord(i, d, m, embedding=v) for i, d, m, v in
                 zip(got["ids"], got["documents"], got["metadatas"], vecs, strict=True)}
        if len(by_id) < len(set(ids)):  # lexical-only chunks (or deleted a moment ago)
            by_id.update(self.lexical_only_records([i for i in ids if i not in by_id]))
        return [by_id[i] for i in ids if i in by_id]

    def chunk_origins(self, ids: Sequence[str]) -> dict[str, ChunkOrigin]:
        """Each chunk's article, date and source (unknown ids left out): from the lexical
        index's side table (cheap), or from Chroma for chunks it does not hold yet."""
        out = {cid: schema.origin_of_lexical(row)
               for cid, row in self.lexical.chunk_rows(ids).items()}
        for r in self.get_chunks([cid for cid in ids if cid not in out]):
            out[r.id] = schema.origin_of_meta(r.meta)
        return out

    def article_chunks(self, article_id: str) -> list[ChunkRecord]:
        """The stored chunks of one article, in order (of one still waiting for its
        vectors: rebuilt from the ledger, exactly as they will be stored)."""
        if self.is_lexical_only(article_id) and (recs := self.lexical_only_chunks(article_id)):
            return recs
        got = self._read("reading chunks", lambda: self._conn.chunks.get(
            where={schema.ARTICLE_ID: article_id}, include=["documents", "metadatas"]))
        recs = [ChunkRecord(i, d, m) for i, d, m in
                zip(got["ids"], got["documents"], got["metadatas"], strict=True)]
        return sorted(recs, key=lambda r: schema.chunk_index(r.meta))

    def dense(self, embedding: Sequence[float], k: int, filters: FilterLike | None = None,
              ids: Sequence[str] | None = None) -> list[ChunkRecord]:
        """Nearest chunks by cosine similarity (score = 1 - distance), best first, under
        ``filters`` (Chroma's ``where``: linear in the matches); only among ``ids`` if given."""
        got = self._nearest(embedding, k, ["documents", "metadatas", "distances"],
                            chroma_where(filters), ids)
        if got is None:
            return []
        return [
            ChunkRecord(i, d, m, 1.0 - float(dist))
            for i, d, m, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0],
                                     got["distances"][0], strict=True)
            if d is not None and m is not None  # deleted by another process a moment ago
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
        if ids is not None:
            ids = self.drop_lexical_only(ids)
            if not ids:
                return None

        def query() -> Any:
            chunks = self._conn.chunks
            n = chunks.count()
            if n == 0:
                return None
            return chunks.query(
                query_embeddings=[list(map(float, embedding))], n_results=min(k, n),
                where=where or None, ids=list(ids) if ids is not None else None,
                include=include)

        return self._read("searching", query)

    def _read(self, what: str, read: Callable[[], T]) -> T:
        """``read()`` under the guard; if it fails, reopen the client and try once more:
        chunks another process wrote a moment ago are in SQLite (the lexical index finds
        them) before this process's vector index has been reloaded."""
        for attempt in range(3):
            try:
                with self._guard(what):
                    return read()
            except StoreUnavailableError as e:  # a server flushing a new vector index
                if self._conn.reopen():  # fails reads a moment (Chroma #4212): wait
                    break
                if attempt == 2 or "Nothing found on disk" not in str(e):
                    raise
                time.sleep(0.25)
        with self._guard(what):
            return read()

    def generation(self) -> str:
        """The ledger's generation stamp: changes with every write, delete, repair or
        re-embedding switch."""
        return self.state().generation

    def state(self) -> LedgerState:
        """The ledger's record of the store (generation, active chunk collection, a
        re-embedding's switch). Reading it notices a switch to another chunk collection
        made since this store was opened: reopens, or raises ``ModelMismatchError``."""
        with self._guard("reading the store generation"):
            meta = self._conn.ledger_metadata()
        self._conn.follow(meta)
        self._conn.freshen(meta)  # another process wrote: see its passages
        return LedgerState.of(self.settings.collection, meta)

    def collections(self) -> list[str]:
        """The ledger, the active chunk collection and any other (a re-embedding's, or one
        a crash left), sorted."""
        base = self.settings.collection
        with self._guard("listing collections"):
            cols = self._conn.collections()
        return sorted(n for n, m in cols.items()
                      if n == models.ledger_name(base) or models.is_chunk_collection(base, n, m))

    def reembedding(self, model: ModelInfo | Any) -> ChunkMigration:
        """Re-embedding for ``model`` (``qa.store.migrate``; ``ingest.reembed`` drives it)."""
        return ChunkMigration(self._conn, self._writer, ModelInfo.of(model))

    # ---- writes (the protocol is qa.store.write) --------------------------------------
    def write(self, batch: Sequence[ArticleWrite]) -> None:
        """Store new or changed articles with the crash-safe protocol."""
        self._writer.write(batch)

    def fill_vectors(self, fills: Sequence[VectorFill]) -> list[str]:
        """Add vectors to articles stored lexical-only: (article id, content hash,
        vectors) each; returns the ids filled (``qa.store.write``)."""
        return self._writer.fill_vectors(fills)

    def delete_articles(self, article_ids: Sequence[str]) -> list[str]:
        """Delete articles entirely; returns the ids that existed."""
        existing = list(self.article_states(article_ids))
        if existing:
            self._writer.remove(existing, "deleting articles")
        return existing

    def repair(self) -> int:
        """Remove articles a crash left half-written; returns how many."""
        return self._writer.repair()

    def relink(self, on_page: Callable[[int, int], None] | None = None, every: bool = False
               ) -> int:
        """Re-add chunks dense search cannot reach (``qa.store.relink``); how many."""
        return self._writer.relink_vectors(on_page, every)

    def reset_vectors(self) -> tuple[int, int, int]:
        """Empty the damaged vector index; articles queued for the backfill (``Writer``)."""
        return self._writer.reset_vectors()
    # ---- lexical index and overview (qa.store.sync) --------------------------------------
    def sync_lexical(self, force: bool = False, every: float = 0.0,
                     sketches: bool = False) -> int:
        """Make the lexical index agree with the ledger (``sketches``: and hold every
        canonical article's near-copy sketch, for ingestion); returns articles changed (see
        ``qa.store.sync.LexicalSync.sync``)."""
        return self._sync.sync(force=force, every=every, sketches=sketches)

    def rebuild_lexical(self) -> int:
        """Drop and rebuild the lexical index from Chroma; returns articles indexed."""
        return self._sync.rebuild()

    def stories(self) -> StoryIndex:
        """The story threads (``qa.store.stories``), first brought in step with the ledger
        when it changed since the last call (new articles are assigned, deleted ones
        dropped)."""
        if self._stories is None:
            self._stories = StoryIndex(lexical_path(self.settings))
        gen = self.generation()
        if gen != self._stories_at:
            live = [a for a in self.all_articles().values() if a.complete]
            self._stories.sync(live, self.article_texts)
            self._stories_at = gen
        return self._stories

    def stats(self) -> dict:
        """Articles, chunks, sources, newest article date, where the store is, its model."""
        return store_stats(self)
