"""Re-embedding a store for another model: the store's side (collections, stages, recovery).

The chunks move to a new collection named after the model (``qa.store.models.chunks_name``)
beside the active one, with the same ids, texts and metadata and new vectors; then one
write of the ledger's metadata switches to it. The stages, and what a rerun does after a
crash (SIGKILL) in each:

1. ``prepare``: repair half-written articles, create (or reopen) the target collection,
   delete leftovers (a half-built collection for another model, an old collection a crash
   kept). Crash: nothing visible changed; the rerun prepares again.
2. ``plan`` + ``put``, repeated: sync the target to the active collection by chunk id
   (delete what the active one no longer has, embed what the target lacks), in batches;
   progress is what the target holds, shown as ``done``/``total`` on its metadata. Readers
   of the old model keep answering from the active collection. Crash: the rerun plans again
   and embeds only what is missing.
3. ``freeze``: the ledger records ``switching`` = target; writers refuse from now on (and a
   write under way stays ``writing``, repaired later), so one last ``plan`` + ``put`` makes
   the target exact. Crash: the rerun skips to this last pass.
4. ``switch``: one metadata write: ``chunks`` = target, ``switching`` cleared, generation
   bumped with ``reembedded_from`` = the old generation (lexical copies at that generation
   are still exact: same chunk ids and texts, so ``qa.store.sync`` only restamps them).
   Crash: before it, stage 3 again; after it, the store is done and the rerun finishes 5.
5. ``finish``: delete the old collection and leftovers, drop the progress keys.

Readers configured with the new model get a one-line error saying how far it has got until
the switch; open readers of the old model notice the switch (``Store.generation``) and get
the mismatch error. Known limit: an ingestion whose ledger update straddles the switch to
the microsecond could overwrite it; run re-embedding while nothing is ingesting.
No model and no text-building here: ``ingest.reembed`` embeds what ``plan`` lists.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qa.store import models, relink
from qa.store.connection import Connection
from qa.store.models import ModelInfo
from qa.store.schema import ARTICLE_ID, ChunkRecord
from qa.store.write import Writer

PAGE = 5000


@dataclass(frozen=True)
class Plan:
    """What the target still lacks: per article, its chunk ids (in store order)."""

    pending: dict[str, list[str]]
    total: int  # articles with chunks in the active collection

    @property
    def done(self) -> int:
        return self.total - len(self.pending)


class ChunkMigration:
    """Moving one store's chunks to ``model``'s collection (stages: module docstring).
    Made by ``Store.reembedding(model)`` on a store opened for maintenance."""

    def __init__(self, conn: Connection, writer: Writer, model: ModelInfo) -> None:
        self._conn, self._writer, self.model = conn, writer, model
        self._base = conn.settings.collection
        self.target = models.chunks_name(self._base, model)
        self._target: Any = None

    @property
    def source(self) -> ModelInfo | None:
        """The model of the active collection (the one being moved away from)."""
        return self._conn.model

    @property
    def needed(self) -> bool:
        """Whether the active collection was built with another model."""
        return self._conn.model != self.model

    @property
    def frozen(self) -> bool:
        """Stage 3 or later: the ledger records the switch to this target."""
        with self._conn.guard("reading the store's state"):
            return self._conn.ledger_metadata().get(models.SWITCHING) == self.target

    def prepare(self) -> int:
        """Stage 1; returns the half-written articles repaired."""
        conn = self._conn
        with conn.guard("preparing to re-embed"):
            switching = conn.ledger_metadata().get(models.SWITCHING)
            if switching and switching != self.target:  # a switch to another model, left
                conn.update_ledger_metadata({models.SWITCHING: ""})
        repaired = 0 if switching == self.target else self._writer.repair()
        with conn.guard("preparing to re-embed"):
            meta = conn.collections().get(self.target)
            if meta is not None and ModelInfo.from_collection_meta(meta) != self.model:
                conn.client.delete_collection(self.target)  # not ours to keep
            self._target = conn.chunk_collection(self.target, self.model,
                                                 {"reembed_of": conn.chunks_name})
            self._drop_leftovers({conn.chunks_name, self.target})
        return repaired

    def plan(self) -> Plan:
        """Sync the target's ids to the active collection's: delete the extra ones now,
        return the missing ones by article (stage 2, and the last pass of stage 3)."""
        by_article: dict[str, list[str]] = {}
        have: set[str] = set()
        with self._conn.guard("planning the re-embedding"):
            for ids, metas in _pages(self._conn.chunks, ["metadatas"]):
                for cid, meta in zip(ids, metas, strict=True):
                    by_article.setdefault(str(meta.get(ARTICLE_ID, "")), []).append(cid)
            for ids, _ in _pages(self._target, []):
                have.update(ids)
            extra = list(have - {c for cs in by_article.values() for c in cs})
            for lo in range(0, len(extra), 500):
                self._target.delete(ids=extra[lo : lo + 500])
        pending = {a: [c for c in cs if c not in have] for a, cs in by_article.items()}
        return Plan({a: cs for a, cs in pending.items() if cs}, len(by_article))

    def chunks(self, ids: Sequence[str]) -> list[ChunkRecord]:
        """The active collection's records of these chunk ids (texts and metadata)."""
        with self._conn.guard("reading chunks to re-embed"):
            got = self._conn.chunks.get(ids=list(ids), include=["documents", "metadatas"])
        return [ChunkRecord(i, d, m) for i, d, m in
                zip(got["ids"], got["documents"], got["metadatas"], strict=True)]

    def put(self, records: Sequence[ChunkRecord], vectors: Any, done: int,
            total: int) -> None:
        """Store re-embedded chunks (same ids, texts, metadata) in the target and record
        the progress (``done`` of ``total`` articles) on its metadata."""
        with self._conn.guard("writing re-embedded chunks"), \
                relink.writing(self._conn.settings):  # cut off: checked after the switch
            if records:
                self._target.upsert(ids=[r.id for r in records],
                                    documents=[r.text for r in records],
                                    metadatas=[r.meta for r in records],
                                    embeddings=[list(map(float, v)) for v in vectors])
            self._target.modify(metadata={**self.model.collection_meta(), "done": done,
                                          "total": total, "reembed_of": self._conn.chunks_name})

    def exclusive(self) -> Any:
        """The store's write lock (a context manager): held from the freeze to the switch,
        so other writers wait for the switch instead of failing."""
        return self._conn.write_lock.held()

    def freeze(self) -> None:
        """Stage 3: record the coming switch; writers refuse from now on."""
        with self._conn.guard("freezing the store for the switch"):
            self._conn.update_ledger_metadata({models.SWITCHING: self.target})

    def switch(self) -> bool:
        """Stage 4: make the target the active collection, in one metadata write. False if
        the freeze was lost (a write overwrote it): then freeze and sync again."""
        conn = self._conn
        with conn.guard("switching to the re-embedded chunks"):
            meta = conn.ledger_metadata()
            if meta.get(models.SWITCHING) != self.target:
                return False
            conn.update_ledger_metadata({
                models.ACTIVE: self.target, models.SWITCHING: "",
                "generation": f"{time.time():.6f}",
                models.REEMBEDDED_FROM: str(meta.get("generation", ""))})
            return conn.active_in(conn.ledger_metadata()) == self.target

    def finish(self) -> None:
        """Stage 5 (and a rerun after the switch): delete what is left of other models."""
        conn = self._conn
        with conn.guard("removing the old chunks"):
            meta = conn.ledger_metadata()
            active = conn.active_in(meta)
            if meta.get(models.SWITCHING):  # a switch to another model, abandoned
                conn.update_ledger_metadata({models.SWITCHING: ""})
            self._drop_leftovers({active})
            col = conn.client.get_collection(active, embedding_function=None)
            model = ModelInfo.from_collection_meta(col.metadata)
            if model is not None and {"done", "reembed_of"} & set(col.metadata or {}):
                col.modify(metadata=model.collection_meta())
        conn.follow(conn.ledger_metadata())

    def _drop_leftovers(self, keep: set[str]) -> None:
        for name, meta in self._conn.collections().items():
            if name not in keep and models.is_chunk_collection(self._base, name, meta):
                self._conn.client.delete_collection(name)


def _pages(col: Any, include: list[str]) -> Any:
    """(ids, metadatas) of a whole collection, page by page."""
    offset = 0
    while True:
        got = col.get(include=include, limit=PAGE, offset=offset)
        ids = got["ids"]
        yield ids, got.get("metadatas") or [None] * len(ids)
        if len(ids) < PAGE:
            return
        offset += PAGE
