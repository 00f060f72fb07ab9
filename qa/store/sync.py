"""Keeping the lexical index in step with Chroma, and the collection overview.

``LexicalSync(store)`` compares the lexical index's article hashes with the Chroma ledger
(cheap when the ledger's generation stamp is unchanged, or changed only by a re-embedding
switch, which keeps every chunk id and text) and re-indexes only what differs;
``rebuild`` starts from scratch. The near-copy index in the same file follows the ledger
too: an article whose group (``dup_of``) changed is re-indexed (a copy promoted to
canonical gains its chunks), and a re-indexed canonical's sketch is computed from its
ledger text. Only ingestion needs the sketches of *every* canonical article, so only a
``sync(sketches=True)`` fills in the missing ones (an index made before sketches existed,
or with other sketch parameters: once, ~1 ms per article); readers never pay for that.
``store_stats(store)`` summarises the collection. The ``Store`` composes one
``LexicalSync`` and calls these from ``sync_lexical``, ``rebuild_lexical`` and ``stats``.
How app replicas on one Chroma server stay in sync is described in the README ("Scaling
out"). No Chroma calls of its own: it uses the Store's public reads and the schema's row
functions.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from qa.store.lexical import SketchRow
from qa.store.schema import sketch_row, stored_lexical_row
from qa.text import minhash

if TYPE_CHECKING:
    from qa.store.chroma import Store


class LexicalSync:
    """Brings one store's lexical index in step with its ledger."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._last_check = 0.0

    def sync(self, force: bool = False, every: float = 0.0, sketches: bool = False) -> int:
        """Make the lexical index agree with Chroma's ledger; returns articles changed.

        Cheap when nothing changed (one generation read). With ``every`` > 0, checks at
        most once per ``every`` seconds (how app replicas follow a shared Chroma server).
        With ``sketches`` (ingestion), also every canonical article's near-copy sketch.
        """
        now = time.monotonic()
        if not force and every and now - self._last_check < every:
            return 0
        self._last_check = now
        store, lexical = self._store, self._store.lexical
        state = store.state()
        gen, have_gen = state.generation, lexical.get_meta("generation")
        fill = sketches and lexical.get_meta("sketches") != minhash.VERSION
        if not force and not fill and gen and gen == have_gen:
            return 0
        if not force and not fill and have_gen and have_gen == state.reembedded_from:
            lexical.set_meta("generation", gen)  # only the vectors changed: same ids, texts
            return 0
        want = {a: s for a, s in store.all_articles().items() if s.complete}
        have = lexical.article_hashes()
        groups = lexical.groups()
        stale = [a for a in have if a not in want]
        todo = [a for a, s in want.items()
                if have.get(a) != s.hash or groups.get(a, s.dup_of) != s.dup_of]
        redo = set(todo)  # and, for ingestion, sketches missing or of other parameters:
        backfill = [a for a in want if a not in redo and (fill or (sketches and a not in groups))]
        if stale:
            lexical.delete_articles(stale)
        for lo in range(0, len(todo), 200):
            part = todo[lo : lo + 200]
            texts = store.article_texts([a for a in part if not want[a].dup_of])
            for aid in part:
                lexical.replace_articles(
                    [(aid, want[aid].hash)],
                    [stored_lexical_row(r) for r in store.article_chunks(aid)],
                    [_sketch_row(aid, want[aid].dup_of, texts.get(aid, ""))])
        for lo in range(0, len(backfill), 200):
            part = backfill[lo : lo + 200]
            texts = store.article_texts([a for a in part if not want[a].dup_of])
            lexical.put_sketches([_sketch_row(a, want[a].dup_of, texts.get(a, ""))
                                  for a in part])
        if sketches or force:
            lexical.set_meta("sketches", minhash.VERSION)
        lexical.set_meta("generation", gen)
        return len(stale) + len(todo)

    def rebuild(self) -> int:
        """Drop and rebuild the lexical index from Chroma; returns articles indexed."""
        self._store.lexical.clear()
        self.sync(force=True)
        return len(self._store.lexical.article_hashes())


def _sketch_row(article_id: str, dup_of: str, text: str) -> SketchRow:
    """A stored article's near-copy row: a copy's group, or a canonical's sketch."""
    return sketch_row(article_id, dup_of, None if dup_of else minhash.sketch(text))


def store_stats(store: Store) -> dict:
    """Articles, chunks, sources, newest article date, where the store is, its model."""
    ok = [a for a in store.all_articles().values() if a.complete]
    sources: dict[str, int] = {}
    for a in ok:
        if a.source:
            sources[a.source] = sources.get(a.source, 0) + 1
    dates = [a.published for a in ok if a.published]
    return {
        "articles": len(ok),
        "chunks": store.count(),
        "sources": dict(sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
        "newest": max(dates).isoformat() if dates else None,
        "where": store.settings.where,
        "embedder": store.model.name if store.model else None,
    }
