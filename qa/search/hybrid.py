"""Hybrid retrieval: question (+ filters, time words) -> ranked, diversified passages.

Dense search (Chroma, cosine) and lexical search (SQLite FTS5 BM25) each return candidates
under the same filters (date range, source, article, ``as_of``); their ranks are fused with
reciprocal rank fusion, nudged toward recent articles (strongly when the question asks for
the latest news, mildly by default when it names no dates: news questions are usually about
the moment they are asked), and diversified so one article cannot fill the list while
others also match. What restricts a search (dates, sources, time words) is ``qa.search.filters``.
No answer composition here.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from qa.answer.citations import make_citation
from qa.dates import ymd
from qa.embed import make_embedder
from qa.search.filters import Filters, chroma_where, post_filter, resolve_filters
from qa.settings import Settings
from qa.store import ChunkRecord, Store
from qa.types import Citation

__all__ = ["Engine", "Filters", "chroma_where", "dense_search", "diversify", "fuse",
           "get_engine", "post_filter", "resolve_filters", "search", "to_citations"]

RRF_K = 60
OVERSAMPLE = 8  # unfiltered dense candidates per wanted one when dates are post-filtered
MIN_CANDIDATES = 200
MAX_ID_FILTER = 50_000  # a narrow date range searches its chunks by id up to this many
PER_ARTICLE = 2  # passages one article may hold in the top k while others are available
RECENT_WEIGHT, RECENT_HALF_LIFE = 1.0, 14.0  # "the latest ...": a first place, halving in 2 weeks
PRIOR_WEIGHT = 0.5  # no time words: half a first place for an article published on as_of


@dataclass
class Engine:
    """A store and embedder opened once and reused across questions."""

    settings: Settings
    embedder: Any = None
    store: Store | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self) -> Store:
        with self.lock:
            if self.embedder is None:
                self.embedder = make_embedder(self.settings)
            if self.store is None:
                self.store = Store.open(self.settings, self.embedder)
        self.store.sync_lexical(every=2.0)
        return self.store


_ENGINES: dict[Settings, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def get_engine(settings: Settings) -> Engine:
    """The shared engine for these settings (one per process and settings)."""
    with _ENGINES_LOCK:
        eng = _ENGINES.get(settings)
        if eng is None:
            eng = _ENGINES[settings] = Engine(settings)
        return eng


def fuse(lists: list[list[str]], bonus: dict[str, float] | None = None,
         ) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of ranked id lists (+ optional per-id bonus), best first."""
    score: dict[str, float] = {}
    for ranked in lists:
        for rank, cid in enumerate(ranked):
            score[cid] = score.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
    for cid, extra in (bonus or {}).items():
        if cid in score:
            score[cid] += extra
    return sorted(score.items(), key=lambda kv: -kv[1])


def diversify(ranked: list[ChunkRecord], k: int,
              per_article: int = PER_ARTICLE) -> list[ChunkRecord]:
    """Top ``k`` with at most ``per_article`` passages per article, unless too few others."""
    picked, spill, count = [], [], {}
    for rec in ranked:
        aid = rec.meta.get("article_id", rec.id)
        if count.get(aid, 0) < per_article:
            picked.append(rec)
            count[aid] = count.get(aid, 0) + 1
        else:
            spill.append(rec)
        if len(picked) >= k:
            return picked
    return picked + spill[: k - len(picked)]


def dense_search(store: Store, qvec: Any, f: Filters, n: int, want: int) -> list[ChunkRecord]:
    """Top ``n`` dense results under the filters.

    Chroma's ``where`` costs time in proportion to the chunks it matches (5 s for an
    ``as_of`` over 500k chunks), so date and exclusion filters are applied to an unfiltered
    search with OVERSAMPLE times the candidates instead, reading each candidate's date from
    the lexical index's side table (Chroma's own metadata costs ~0.1 ms per result; a chunk
    the lexical index does not hold yet is read from Chroma). Only when fewer than ``want``
    survive (a narrow range in a big archive) is the search restricted: to the range's
    chunk ids from the lexical index when it is in step with Chroma, else by ``where``.
    Source and article filters are narrow and always go to Chroma's ``where``.
    """
    where = chroma_where(f)
    keep = post_filter(f)
    if where is None or keep is None:
        return store.dense(qvec, n, where)
    m = max(OVERSAMPLE * n, MIN_CANDIDATES)
    raw = store.dense_ids(qvec, m)
    known = store.lexical.chunk_dates([cid for cid, _ in raw])
    metas = {cid: {"article_id": a, "published": p} for cid, (a, p) in known.items()}
    recs = {r.id: r for r in store.get_chunks([cid for cid, _ in raw if cid not in known])}
    metas.update((cid, r.meta) for cid, r in recs.items())
    got = [(cid, s) for cid, s in raw if cid in metas and keep(metas[cid])][:n]
    if len(got) >= want or len(raw) < m:  # enough, or the whole store was searched
        recs.update((r.id, r) for r in store.get_chunks([c for c, _ in got if c not in recs]))
        return [replace(recs[cid], score=s) for cid, s in got if cid in recs]
    # a narrow range: search only the chunks it holds, listed by the lexical index when
    # that is in step with Chroma (~50 ms at 500k chunks; Chroma's `where` took 3.7 s)
    gen = store.generation()
    if gen and gen == store.lexical.get_meta("generation"):
        ids = store.lexical.chunk_ids_dated(ymd(f.since), ymd(f.until), ymd(f.as_of),
                                            f.exclude_ids, MAX_ID_FILTER)
        if ids is not None:
            return store.dense(qvec, n, None, ids=ids)
    return store.dense(qvec, n, where)


def _candidates(store: Store, qvec: Any, text: str, f: Filters, n: int, want: int,
                timings: dict[str, float]) -> tuple[list[ChunkRecord], list[str]]:
    t = time.perf_counter()
    dense = dense_search(store, qvec, f, n, want)
    timings["dense"] = timings.get("dense", 0.0) + time.perf_counter() - t
    t = time.perf_counter()
    lex = store.lexical.search(text, n, since=ymd(f.since), until=ymd(f.until),
                               as_of=ymd(f.as_of), sources=[s.lower() for s in f.sources],
                               article_ids=list(f.article_ids),
                               exclude_ids=list(f.exclude_ids))
    timings["lexical"] = timings.get("lexical", 0.0) + time.perf_counter() - t
    return dense, [cid for cid, _ in lex]


def search(engine: Engine, text: str, f: Filters, k: int,
           timings: dict[str, float] | None = None) -> tuple[list[ChunkRecord], Any]:
    """Ranked chunk records (score = cosine similarity to the query), and the query vector.

    A date range read from time words is soft: results inside it are searched separately
    and count twice in the fusion, but passages outside it can still be found.
    """
    timings = timings if timings is not None else {}
    store = engine.open()
    t = time.perf_counter()
    qvec = engine.embedder.embed_query(text)
    timings["embed"] = time.perf_counter() - t
    n = max(4 * k, 30)
    # a range from time words is a preference: never pay for Chroma's `where` on it
    dense, lex = _candidates(store, qvec, text, f, n, 0 if f.soft else k, timings)
    lists = [[r.id for r in dense], lex]
    if f.soft:
        wide = replace(f, since=None, until=None)
        d2, l2 = _candidates(store, qvec, text, wide, n, k, timings)
        lists += [[r.id for r in d2], l2]
        dense = dense + d2
    t = time.perf_counter()
    by_id = {r.id: r for r in dense}
    missing = list(dict.fromkeys(cid for ids in lists for cid in ids if cid not in by_id))
    if missing:
        with store._guard("reading passages"):
            got = store.chunks.get(ids=missing, include=["documents", "metadatas", "embeddings"])
        for cid, doc, meta, emb in zip(got["ids"], got["documents"], got["metadatas"],
                                       got["embeddings"], strict=True):
            by_id[cid] = ChunkRecord(cid, doc, meta, float(np.dot(np.asarray(emb), qvec)))
    bonus = None
    if f.recency:
        bonus = _recency_bonus(by_id, f, RECENT_WEIGHT, RECENT_HALF_LIFE)
    elif f.since is None and f.until is None and engine.settings.prefer_recent > 0:
        bonus = _recency_bonus(by_id, f, PRIOR_WEIGHT, engine.settings.prefer_recent)
    ranked = [by_id[cid] for cid, _ in fuse(lists, bonus) if cid in by_id]
    out = diversify(ranked, k)
    timings["fuse"] = time.perf_counter() - t
    return out, qvec


def _recency_bonus(recs: dict[str, ChunkRecord], f: Filters, weight: float,
                   half_life: float) -> dict[str, float]:
    """An RRF-scale bonus for newer articles: ``weight`` first places for one published on
    ``as_of``, halving every ``half_life`` days before it (undated articles get none)."""
    ref = ymd(f.as_of or date.today())
    ref_d = date(ref // 10000, ref // 100 % 100, ref % 100)
    out = {}
    for cid, r in recs.items():
        p = int(r.meta.get("published", 0) or 0)
        if p:
            days = max(0, (ref_d - date(p // 10000, p // 100 % 100, p % 100)).days)
            out[cid] = (weight / (RRF_K + 1)) * 0.5 ** (days / half_life)
    return out


def to_citations(recs: list[ChunkRecord]) -> list[Citation]:
    """Number records 1..n in order."""
    return [make_citation(i + 1, r) for i, r in enumerate(recs)]
