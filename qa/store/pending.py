"""Reads of a store whose vectors are still being filled in (lexical first, dense after).

An article stored without vectors is in ledger state ``lexical``: BM25 finds its chunks
(the lexical index holds them) but Chroma does not have them yet. ``PendingReads`` is
mixed into ``qa.store.chroma.Store`` and answers what search and the backfill need:
which articles wait for vectors, in the order they were queued (``pending_articles``);
how far the backfill is (``indexing``: still waiting, of all articles; read once per store
generation); the chunk records of lexical-only chunks (``lexical_only_records``: their
rows rebuilt from the ledger's offsets and text, exactly as Chroma will hold them, without
an embedding); and which chunk ids dense search must not ask Chroma for
(``drop_lexical_only``: Chroma fails a query restricted to ids it does not hold). It needs
the store's connection (``_conn``), guard (``_guard``), lexical index and ``generation``.
No writes here (``qa.store.write.Writer.fill_vectors``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from qa.store import schema
from qa.store.schema import ChunkRecord, StoredArticle

_SEARCHABLE = {schema.STATE: {"$in": [schema.STATE_OK, schema.STATE_LEXICAL]}}
_PENDING = {schema.STATE: schema.STATE_LEXICAL}


class PendingReads:
    """The Store's reads about vectors still to come (see the module docstring)."""

    _conn: Any
    _guard: Callable[[str], AbstractContextManager[None]]
    lexical: Any
    generation: Callable[[], str]
    _pending_at: tuple[str, frozenset[str], int] | None = None  # generation, keys, total
    _pending_read = 0.0  # when the generation was last compared (monotonic seconds)

    def pending_articles(self) -> list[StoredArticle]:
        """The articles waiting for their vectors, in the order they were queued."""
        out: list[StoredArticle] = []
        with self._guard("reading the article ledger"):
            offset = 0
            while True:
                got = self._conn.ledger.get(where=_PENDING, include=["metadatas"],
                                            limit=5000, offset=offset)
                out += [schema.stored_article(i, m)
                        for i, m in zip(got["ids"], got["metadatas"], strict=True)]
                if len(got["ids"]) < 5000:
                    break
                offset += 5000
        return sorted(out, key=lambda a: (a.queued, a.article_id))

    def indexing(self) -> tuple[int, int]:
        """(articles still waiting for their vectors, articles stored): (0, n) when every
        article is searchable both ways. One ledger read per store generation."""
        keys, total = self._pending_state()
        return len(keys), total

    def _pending_state(self, recent: float = 0.0) -> tuple[frozenset[str], int]:
        """(keys of the articles waiting, articles stored), as of the store's generation
        now, or as read in the last ``recent`` seconds."""
        cached = self._pending_at
        if cached is not None and recent and time.monotonic() - self._pending_read < recent:
            return cached[1], cached[2]
        gen = self.generation()
        self._pending_read = time.monotonic()
        if cached is not None and cached[0] == gen:
            return cached[1], cached[2]
        with self._guard("reading the article ledger"):
            pending = self._conn.ledger.get(where=_PENDING, include=[])["ids"]
            total = len(self._conn.ledger.get(where=_SEARCHABLE, include=[])["ids"]) \
                if pending else self._conn.ledger.count()
        keys = frozenset(_key(a) for a in pending)
        self._pending_at = (gen, keys, total)
        return keys, total

    def drop_lexical_only(self, chunk_ids: Sequence[str]) -> list[str]:
        """``chunk_ids`` without those of articles still waiting for their vectors."""
        keys, _ = self._pending_state()
        if not keys:
            return list(chunk_ids)
        return [c for c in chunk_ids if c.split(":", 1)[0] not in keys]

    def is_lexical_only(self, article_id: str) -> bool:
        """Whether the article waits for its vectors (as of the last second)."""
        return _key(article_id) in self._pending_state(recent=1.0)[0]

    def lexical_only_chunks(self, article_id: str) -> list[ChunkRecord]:
        """An article's chunk records from the ledger while it waits for its vectors."""
        with self._guard("reading articles"):
            got = self._conn.ledger.get(ids=[article_id], include=["metadatas", "documents"])
        if not got["ids"] or got["metadatas"][0].get(schema.STATE) != schema.STATE_LEXICAL:
            return []
        rows = schema.ledger_chunk_rows(article_id, got["metadatas"][0], got["documents"][0])
        return [ChunkRecord(c, t, m) for c, t, m in rows]

    def lexical_only_records(self, chunk_ids: Sequence[str]) -> dict[str, ChunkRecord]:
        """Records (no embedding) of the chunks among ``chunk_ids`` that the lexical index
        holds for articles stored lexical-only: chunk id -> record."""
        rows = self.lexical.chunk_rows(chunk_ids)
        if not rows:
            return {}
        wanted = set(rows)
        aids = list(dict.fromkeys(r[0] for r in rows.values()))
        with self._guard("reading articles"):
            got = self._conn.ledger.get(ids=aids, include=["metadatas", "documents"])
        out = {}
        for aid, meta, text in zip(got["ids"], got["metadatas"], got["documents"],
                                   strict=True):
            if meta.get(schema.STATE) != schema.STATE_LEXICAL:
                continue  # filled (Chroma has it) or being rewritten
            for cid, passage, m in schema.ledger_chunk_rows(aid, meta, text or ""):
                if cid in wanted:
                    out[cid] = ChunkRecord(cid, passage, m)
        return out


def _key(article_id: str) -> str:
    """The article part of its chunks' ids."""
    return schema.chunk_id(article_id, "", 0).split(":", 1)[0]
