"""Hybrid retrieval: a resolved question (``Scope``) -> ranked, diversified passages.

Dense search (Chroma, cosine) and lexical search (SQLite FTS5 BM25) each return candidates
under the same ``Filters``; their ranks are fused with reciprocal rank fusion, nudged toward
recent articles (strongly when the question asks for the latest news, mildly by default when
it names no dates: news questions are usually about the moment they are asked), and
diversified so one article cannot fill the list while others also match. While the
backfill is still adding vectors, dense search finds the articles that have them and BM25
all of them; a lexical-only passage that makes the top k gets its similarity from the
embedder then. Every knob is in
``SearchConfig``, which callers (the benchmark) pass in. What restricts a search is
``qa.search.filters``; the store and the embedder are passed in (``qa.service.QA`` owns
them). No answer composition here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from qa.search.filters import Filters, Scope
from qa.search.rerank import Reranker
from qa.store import ChunkRecord, Store
from qa.store.schema import chunk_fields, origin_of_meta


@dataclass(frozen=True)
class SearchConfig:
    """Retrieval knobs (chosen on RealTime QA's even weeks; bench/RESULTS.md)."""

    rrf_k: int = 60
    oversample: int = 8  # unfiltered dense candidates per wanted one when dates post-filter
    min_candidates: int = 200
    max_id_filter: int = 50_000  # a narrow date range searches its chunks by id up to this
    per_article: int = 2  # passages one article may hold in the top k while others exist
    recent_weight: float = 1.0  # "the latest ...": a first place for today's article,
    recent_half_life: float = 14.0  # halving every two weeks
    prior_weight: float = 0.5  # no time words: half a first place for one published on as_of
    prior_half_life: float = 30.0  # days (NEWSQA_PREFER_RECENT); 0 turns the prior off
    rerank_depth: int = 0  # best fused candidates the cross-encoder reorders (0: none; 10
    #                        cost 400 ms for +0.007 hit@1, -0.015 hit@3 on even weeks)
    rerank_prior: float = 5.0  # logits per first place of recency weight when reranking


@dataclass(frozen=True)
class Found:
    """A search result: ranked chunk records, the query vector (for answer scoring), and
    the recency preference in reranker logits per chunk id (for choosing answer sentences
    the way passages were ranked)."""

    records: list[ChunkRecord]
    qvec: Any
    prior: dict[str, float] = field(default_factory=dict)


def fuse(lists: list[list[str]], bonus: dict[str, float] | None = None,
         rrf_k: int = 60) -> list[tuple[str, float]]:
    """Reciprocal rank fusion of ranked id lists (+ optional per-id bonus), best first."""
    score: dict[str, float] = {}
    for ranked in lists:
        for rank, cid in enumerate(ranked):
            score[cid] = score.get(cid, 0.0) + 1.0 / (rrf_k + rank + 1)
    for cid, extra in (bonus or {}).items():
        if cid in score:
            score[cid] += extra
    return sorted(score.items(), key=lambda kv: -kv[1])


def diversify(ranked: list[ChunkRecord], k: int, per_article: int = 2) -> list[ChunkRecord]:
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


def dense_search(store: Store, qvec: Any, f: Filters, n: int, want: int,
                 cfg: SearchConfig = SearchConfig()) -> list[ChunkRecord]:
    """Top ``n`` dense results under the filters.

    Chroma's ``where`` costs time in proportion to the chunks it matches (5 s for an
    ``as_of`` over 500k chunks), so date and exclusion filters are applied to an unfiltered
    search with ``oversample`` times the candidates instead, testing each with
    ``Filters.matches`` on fields read from the lexical index's side table. Only when fewer
    than ``want`` survive (a narrow range in a big archive) is the search restricted: to the
    range's chunk ids from the lexical index when it is in step with Chroma, else by
    ``where``. Source and article filters are narrow and always go to Chroma's ``where``.
    """
    if f.empty or f.narrow:
        return store.dense(qvec, n, f)
    m = max(cfg.oversample * n, cfg.min_candidates)
    raw = store.dense_ids(qvec, m)
    origin = store.chunk_origins([cid for cid, _ in raw])
    got = [(cid, s) for cid, s in raw if cid in origin and f.matches(
        origin[cid].published, origin[cid].source, origin[cid].article_id)][:n]
    if len(got) >= want or len(raw) < m:  # enough, or the whole store was searched
        recs = {r.id: r for r in store.get_chunks([c for c, _ in got])}
        return [replace(recs[cid], score=s) for cid, s in got if cid in recs]
    # a narrow range: search only the chunks it holds, listed by the lexical index when
    # that is in step with Chroma (~50 ms at 500k chunks; Chroma's `where` took 3.7 s)
    gen = store.generation()
    if gen and gen == store.lexical.get_meta("generation"):
        ids = store.lexical.chunk_ids(f, cfg.max_id_filter)
        if ids is not None:
            return store.dense(qvec, n, None, ids=ids)
    return store.dense(qvec, n, f)


def _candidates(store: Store, qvec: Any, text: str, f: Filters, n: int, want: int,
                cfg: SearchConfig, timings: dict[str, float]) -> tuple[list[ChunkRecord],
                                                                       list[str]]:
    t = time.perf_counter()
    dense = dense_search(store, qvec, f, n, want, cfg)
    timings["dense"] = timings.get("dense", 0.0) + time.perf_counter() - t
    t = time.perf_counter()
    lex = store.lexical.search(text, n, f)
    timings["lexical"] = timings.get("lexical", 0.0) + time.perf_counter() - t
    return dense, [cid for cid, _ in lex]


def search(store: Store, embedder: Any, scope: Scope, k: int,
           cfg: SearchConfig = SearchConfig(), timings: dict[str, float] | None = None,
           reranker: Reranker | None = None) -> Found:
    """Ranked chunk records (score = cosine similarity to the query) and the query vector.

    A date window from the question's time words is soft: results inside it are searched
    separately and count twice in the fusion, but passages outside it can still be found.
    With a ``reranker``, the best ``rerank_depth`` fused candidates are reordered by it
    (each then carries its ``relevance``; the rest follow in fused order) before the final
    diversified top ``k``.
    """
    timings = timings if timings is not None else {}
    t = time.perf_counter()
    qvec = embedder.embed_query(scope.text)
    timings["embed"] = time.perf_counter() - t
    n = max(4 * k, 30)
    windowed = scope.windowed
    if windowed is not None:  # a preference: never pay for Chroma's `where` on it
        dense, lex = _candidates(store, qvec, scope.text, windowed, n, 0, cfg, timings)
        d2, l2 = _candidates(store, qvec, scope.text, scope.filters, n, k, cfg, timings)
        lists = [[r.id for r in dense], lex, [r.id for r in d2], l2]
        dense = dense + d2
    else:
        dense, lex = _candidates(store, qvec, scope.text, scope.filters, n, k, cfg, timings)
        lists = [[r.id for r in dense], lex]
    t = time.perf_counter()
    by_id = {r.id: r for r in dense}
    missing = list(dict.fromkeys(cid for ids in lists for cid in ids if cid not in by_id))
    unembedded = set()  # lexical-only: their articles' vectors are not in yet (backfill)
    for r in store.get_chunks(missing, embeddings=True):
        if r.embedding is None:
            by_id[r.id] = r
            unembedded.add(r.id)
        else:
            by_id[r.id] = replace(r, score=float(np.dot(np.asarray(r.embedding), qvec)))
    f = scope.filters
    weight, half_life = 0.0, 1.0
    if scope.hint.recency:
        weight, half_life = cfg.recent_weight, cfg.recent_half_life
    elif windowed is None and f.since is None and f.until is None and cfg.prior_half_life > 0:
        weight, half_life = cfg.prior_weight, cfg.prior_half_life
    fresh = _freshness(by_id, f.as_of, half_life) if weight else {}
    bonus = {cid: weight / (cfg.rrf_k + 1) * x for cid, x in fresh.items()}
    ranked = [by_id[cid] for cid, _ in fuse(lists, bonus, cfg.rrf_k) if cid in by_id]
    timings["fuse"] = time.perf_counter() - t
    prior = {cid: cfg.rerank_prior * weight * x for cid, x in fresh.items()}
    if reranker is not None and ranked and cfg.rerank_depth > 0:
        t = time.perf_counter()
        depth = cfg.rerank_depth
        ranked = rerank(reranker, scope.text, ranked[:depth], prior) + ranked[depth:]
        timings["rerank"] = time.perf_counter() - t
    out = _scored(embedder, diversify(ranked, k, cfg.per_article), unembedded, qvec)
    return Found(out, qvec, {r.id: prior[r.id] for r in out if r.id in prior})


def _scored(embedder: Any, recs: list[ChunkRecord], unembedded: set[str],
            qvec: Any) -> list[ChunkRecord]:
    """``recs`` with the cosine similarity of the lexical-only ones computed now (only
    the few that made the top k: their stored vectors are still to come)."""
    todo = [i for i, r in enumerate(recs) if r.id in unembedded]
    if not todo:
        return recs
    vecs = embedder.embed([passage_text(recs[i]) for i in todo])
    out = list(recs)
    for i, v in zip(todo, vecs, strict=True):
        out[i] = replace(out[i], score=float(np.dot(np.asarray(v), qvec)))
    return out


def rerank(reranker: Reranker, question: str, recs: list[ChunkRecord],
           prior: dict[str, float] | None = None) -> list[ChunkRecord]:
    """``recs`` reordered by the reranker's relevance (title and date given as context)
    plus a ``prior`` in logits per chunk id (the preference for newer articles)."""
    scores = reranker.score(question, [passage_text(r) for r in recs])
    scored = [replace(r, relevance=float(s)) for r, s in zip(recs, scores, strict=True)]
    prior = prior or {}
    return sorted(scored, key=lambda r: -((r.relevance or 0.0) + prior.get(r.id, 0.0)))


def passage_text(rec: ChunkRecord) -> str:
    """A passage as a reranker reads it: its article's title and date, then the text."""
    f = chunk_fields(rec.meta)
    head = " ".join(x for x in (f.title, f"({f.published.isoformat()})" if f.published
                                else "") if x)
    return f"{head}\n{rec.text}" if head else rec.text


def _freshness(recs: dict[str, ChunkRecord], as_of: date | None,
               half_life: float) -> dict[str, float]:
    """1 for an article published on ``as_of`` (default today), halving every ``half_life``
    days before it; undated articles get none."""
    ref = as_of or date.today()
    out = {}
    for cid, r in recs.items():
        published = origin_of_meta(r.meta).published
        if published:
            out[cid] = 0.5 ** (max(0, (ref - published).days) / half_life)
    return out
