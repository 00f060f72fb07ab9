"""Keeping the lexical index in step with Chroma, and the collection overview.

A mixin for ``qa.store.Store``: ``sync_lexical`` compares the lexical index's article
hashes with the Chroma ledger (cheap when the ledger's generation stamp is unchanged) and
re-indexes only what differs; ``rebuild_lexical`` starts from scratch; ``stats`` summarises
the collection. How app replicas on one Chroma server stay in sync is described in the
README ("Scaling out"). No Chroma calls of its own: it uses the Store's methods.
"""

from __future__ import annotations

import time
from typing import Any


class LexicalSync:
    """Methods that need ``self.lexical``, ``self.generation()``, ``self.all_articles()``,
    ``self.article_chunks()``, ``self.count()`` and ``self.settings`` from the Store."""

    lexical: Any
    settings: Any
    model_name: str
    _last_sync_check: float

    # ---- lexical index sync -------------------------------------------------------------
    def sync_lexical(self, force: bool = False, every: float = 0.0) -> int:
        """Make the lexical index agree with Chroma's ledger; returns articles changed.

        Cheap when nothing changed (one generation read). With ``every`` > 0, checks at
        most once per ``every`` seconds (how app replicas follow a shared Chroma server).
        """
        now = time.monotonic()
        if not force and every and now - self._last_sync_check < every:
            return 0
        self._last_sync_check = now
        gen = self.generation()
        if not force and gen and gen == self.lexical.get_meta("generation"):
            return 0
        want = {a: m.get("hash", "") for a, m in self.all_articles().items()
                if m.get("state") == "ok"}
        have = self.lexical.article_hashes()
        stale = [a for a in have if a not in want]
        todo = [a for a, h in want.items() if have.get(a) != h]
        if stale:
            self.lexical.delete_articles(stale)
        for aid in todo:
            recs = self.article_chunks(aid)
            self.lexical.replace_articles(
                [(aid, want[aid])],
                [(r.id, aid, r.text, r.meta.get("published", 0), r.meta.get("source_key", ""))
                 for r in recs],
            )
        self.lexical.set_meta("generation", gen)
        return len(stale) + len(todo)

    def rebuild_lexical(self) -> int:
        """Drop and rebuild the lexical index from Chroma; returns articles indexed."""
        self.lexical.clear()
        self.sync_lexical(force=True)
        return len(self.lexical.article_hashes())

    # ---- overview ----------------------------------------------------------------------
    def stats(self) -> dict:
        """Articles, chunks, sources, newest article date, and where the store is."""
        arts = self.all_articles()
        ok = [m for m in arts.values() if m.get("state") == "ok"]
        sources: dict[str, int] = {}
        for m in ok:
            if m.get("source"):
                sources[m["source"]] = sources.get(m["source"], 0) + 1
        dates = [m.get("published_iso") for m in ok if m.get("published_iso")]
        return {
            "articles": len(ok),
            "chunks": self.count(),
            "sources": dict(sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
            "newest": max(dates) if dates else None,
            "where": self.settings.where,
            "embedder": self.model_name,
        }
