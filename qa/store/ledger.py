"""Reads of the article ledger (``<collection>-articles``): records, texts, hashes, groups.

``LedgerReads`` is mixed into ``qa.store.chroma.Store``; it needs the store's connection
(``_conn``) and failure guard (``_guard``). What a ledger record holds is
``qa.store.schema``; no writes here (``qa.store.write``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from qa.store import schema
from qa.store.schema import StoredArticle


class LedgerReads:
    """The Store's ledger reads (see the module docstring)."""

    _conn: Any
    _guard: Callable[[str], AbstractContextManager[None]]

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
        """The full cleaned text of an article (None when there is no such article)."""
        with self._guard("reading an article"):
            got = self._conn.ledger.get(ids=[article_id], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    def article_texts(self, article_ids: Sequence[str]) -> dict[str, str]:
        """The texts of the articles that exist (id -> text), read in pages."""
        out: dict[str, str] = {}
        with self._guard("reading articles"):
            for lo in range(0, len(article_ids), 200):
                got = self._conn.ledger.get(ids=list(article_ids[lo : lo + 200]),
                                            include=["documents"])
                out.update(zip(got["ids"], got["documents"], strict=True))
        return out

    def copies_of(self, article_ids: Sequence[str]) -> dict[str, list[StoredArticle]]:
        """The complete near-copies grouped under these canonical articles: canonical id ->
        its copies, earliest ingested first (only canonicals that have copies appear)."""
        out: dict[str, list[StoredArticle]] = {}
        ids = list(dict.fromkeys(article_ids))
        with self._guard("reading copies of articles"):
            for lo in range(0, len(ids), 500):
                got = self._conn.ledger.get(where={schema.DUP_OF: {"$in": ids[lo : lo + 500]}},
                                            include=["metadatas"])
                for i, m in zip(got["ids"], got["metadatas"], strict=True):
                    rec = schema.stored_article(i, m)
                    if rec.complete:
                        out.setdefault(rec.dup_of, []).append(rec)
        for recs in out.values():
            recs.sort(key=lambda r: (r.ingested_at, r.article_id))
        return out
