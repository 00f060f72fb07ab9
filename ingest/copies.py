"""Near-copies at ingestion: is a new or changed article a copy of a story already stored?

``Grouper(store)`` assigns each ``ingest.batch.Item``, in ingestion order, to the group of
the canonical article it nearly repeats — Jaccard similarity of their 5-word shingles at
least ``qa.text.minhash.THRESHOLD`` (the best match wins) — or makes it a
canonical article itself. The first copy ingested is the canonical one, so a group's
canonical is its earliest-ingested copy. Candidates come from the LSH band keys in the
store's lexical index (``BANDS`` indexed lookups per article, whatever the archive size)
and from the canonicals this run assigned but the writer thread has not stored yet;
a candidate is decided on the exact similarity of both texts (the canonical's read from the
ledger). ``lookups``, ``compared`` and ``seconds`` (CPU seconds, whichever thread did the
work: ingestion sketches in its reader thread, beside cleaning) say what detection cost.

When a group's canonical article changes or goes, its copies are assigned again
(``regroup``): one that still matches the new version stays; the others join another group
or become canonical (then they are chunked and embedded: the story stays answerable).
``orphans`` finds copies whose canonical is gone (removed by a repair, or deleted by another
tool); ``keep_stories`` regroups before ``ingest.delete`` deletes a canonical article. Two
ingestions running at once may each make a copy of the same story canonical (the known
limit: grouping is decided before the write lock is taken). A text that hardly mentions
its own headline is not grouped (``tells_its_story``: site boilerplate extracted in place
of the story).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from ingest.batch import Item, build, stored_item
from ingest.report import IngestReport
from qa.settings import Settings
from qa.store import Store
from qa.text.minhash import (
    THRESHOLD,
    VERIFY_FROM,
    Sketch,
    from_bytes,
    jaccard,
    shingle_hashes,
    similarity,
    sketch,
)
from qa.text.terms import terms

_SITE_SUFFIX = re.compile(r"\s+[|\-–—]\s+[^|\-–—]*$")


class Grouper:
    """Assigns near-copies to groups (see the module docstring). Thread-safe."""

    def __init__(self, store: Store, exclude: Iterable[str] = ()) -> None:
        self._store = store
        self._exclude = set(exclude)  # articles never to group with (being deleted)
        self._lock = threading.Lock()
        self._pending: dict[str, Sketch | None] = {}  # assigned, not stored yet
        self._keys: dict[int, set[str]] = {}  # band key -> pending canonical ids
        self.lookups = 0  # LSH band keys looked up
        self.compared = 0  # candidate signatures compared
        self.seconds = 0.0  # CPU seconds spent sketching, looking up and comparing

    def sketch(self, text: str) -> Sketch | None:
        """The text's sketch (any thread: ingestion sketches while it reads)."""
        t = time.thread_time()
        sk = sketch(text)
        with self._lock:
            self.seconds += time.thread_time() - t
        return sk

    def assign(self, item: Item) -> None:
        """Set ``item.dup_of`` ("" when it is canonical), and ``item.sketch`` if missing."""
        if not item.sketched:
            item.sketch, item.sketched = self.sketch(item.article.text), True
        t = time.thread_time()
        sk = item.sketch
        item.dup_of = self._best(item.id, sk) if sk is not None else ""
        if item.dup_of and not tells_its_story(item.article.title, item.article.text):
            item.dup_of = ""  # boilerplate where the story should be: not a copy of anything
        with self._lock:
            self._drop(item.id)
            self._pending[item.id] = None if item.dup_of else sk
            if sk is not None and not item.dup_of:
                for k in sk.bands:
                    self._keys.setdefault(k, set()).add(item.id)
            self.seconds += time.thread_time() - t

    def committed(self, article_ids: Iterable[str]) -> None:
        """These articles are in the store now (its index answers for them)."""
        with self._lock:
            for aid in article_ids:
                self._drop(aid)

    def _drop(self, aid: str) -> None:
        sk = self._pending.pop(aid, None)
        for k in sk.bands if sk is not None else ():
            ids = self._keys.get(k)
            if ids is not None:
                ids.discard(aid)
                if not ids:
                    del self._keys[k]

    def _best(self, aid: str, sk: Sketch) -> str:
        """The canonical article ``sk`` is a near-copy of, or "": the most similar candidate
        at ``THRESHOLD`` or above by the exact check (estimates from ``VERIFY_FROM`` up)."""
        with self._lock:  # before the lookup: an article stored meanwhile is in one of them
            busy = set(self._pending)  # assigned, not stored yet: stored rows may be stale
            pending = {a: p for k in sk.bands for a in self._keys.get(k, ())
                       if (p := self._pending.get(a)) is not None}
        stored = self._store.lexical.near_candidates(sk.bands)
        self.lookups += len(sk.bands)
        cands = {a: from_bytes(b) for a, b in stored.items() if a not in busy}
        cands.update((a, p.signature) for a, p in pending.items())
        near = [a for a in sorted(cands) if a != aid and a not in self._exclude
                and similarity(sk.signature, cands[a]) >= VERIFY_FROM]
        self.compared += len(near)
        texts = self._store.article_texts([a for a in near if a not in pending])
        best, best_id = THRESHOLD, ""
        for a in near:
            other = pending[a].shingles if a in pending else shingle_hashes(texts.get(a, ""))
            j = jaccard(sk.shingles, other)
            if j > best or (j == best and not best_id):
                best, best_id = j, a
        return best_id


def tells_its_story(title: str, text: str) -> bool:
    """Whether a text mentions two content words of its own headline (one if that is all
    it has; a trailing "| Site" or "- Site" left out), or there is no headline to judge by.
    Consent, paywall and ad-survey boilerplate extracted in place of a story is word for
    word the same on every page of a site, under headlines it never mentions; grouping
    those pages would call different stories copies. On RealTime QA all 79 such pages fail
    (two share one word by chance: "publish", "tick"); 92 of 4,805 real articles (mostly
    daily digests under a generic headline) fail too, and are only left ungrouped."""
    head = set(terms(_SITE_SUFFIX.sub("", title)))
    return len(head & set(terms(text))) >= min(2, len(head))


def regroup(store: Store, grouper: Grouper, canonicals: Sequence[str],
            skip: Iterable[str] = ()) -> list[Item]:
    """The copies of these canonical articles (changed or going) whose group changes,
    assigned again, earliest ingested first; copies in ``skip`` are left alone (they are
    being written or deleted anyway)."""
    if not canonicals:
        return []
    skipped = set(skip)
    recs = [r for rs in store.copies_of(canonicals).values() for r in rs
            if r.article_id not in skipped]
    return _reassign(store, grouper, recs)


def orphans(store: Store, grouper: Grouper) -> list[Item]:
    """Copies whose canonical article is gone, assigned again (earliest ingested first)."""
    ids = store.lexical.orphan_copies()
    if not ids:
        return []
    recs = [r for r in store.article_states(ids).values() if r.complete and r.dup_of]
    return _reassign(store, grouper, recs)


def _reassign(store: Store, grouper: Grouper, recs: list) -> list[Item]:
    recs = sorted(recs, key=lambda r: (r.ingested_at, r.article_id))
    texts = store.article_texts([r.article_id for r in recs])
    out = []
    for rec in recs:
        if rec.article_id not in texts:
            continue  # deleted meanwhile
        item = stored_item(rec, texts[rec.article_id])
        grouper.assign(item)
        if item.dup_of == rec.dup_of:  # still a copy of the same canonical article
            grouper.committed([item.id])
        else:
            out.append(item)
    return out


def keep_stories(store: Store, doomed: Sequence[str], settings: Settings, embedder: Any,
                 report: IngestReport) -> None:
    """Before ``doomed`` articles are deleted: their copies are regrouped without them (the
    earliest becomes canonical and is chunked and embedded), so each story stays
    answerable. Written first, deleted after: a crash in between leaves the story twice,
    never gone. Loads the embedder only when there is a copy to promote."""
    states = store.article_states(doomed)
    canon = [a for a, s in states.items() if not s.dup_of]
    if not any(r.article_id not in states for rs in store.copies_of(canon).values()
               for r in rs):
        return
    from qa.embed import make_embedder

    embedder = embedder or make_embedder(settings)
    writable = Store.open(settings, embedder)  # the store's model must be this one
    try:
        writable.sync_lexical(sketches=True)
        items = regroup(writable, Grouper(writable, exclude=doomed), canon, skip=doomed)
        report.regrouped += len(items)
        if items:
            writable.write(build(items, settings, embedder, report))
    finally:
        writable.close()
