"""Extractive answers: the sentences of the retrieved passages that answer the question.

No model beyond the embedder, and fast: every sentence of the top passages gets a lexical
score (IDF-weighted share of the question's terms it contains); the best few are embedded
and scored by similarity to the question; a small bonus goes to sentences holding what the
question asks for (a date for "when", a number for "how many", a name for "who"). The best
sentence (and a second one if nearly as good and not a repeat) becomes the answer, each
cited. Whether to refuse is ``qa.answer.grounding``'s call; LLM answers live in
``qa.answer.generate``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from qa.answer.citations import with_markers
from qa.answer.grounding import (
    EMBED_MODEL,
    EMBED_MODELS,
    RERANK_MODEL,
    Window,
    grounding,
    signals,
)
from qa.answer.refusal import year_refusal
from qa.answer.story import label, missing_years, years_held
from qa.text.sentences import sentence_spans
from qa.text.terms import facts, terms
from qa.types import Citation

EMBED_TOP = 4  # sentences embedded per question: 8 cost 70 ms more for no gain (RESULTS.md)


@dataclass(frozen=True)
class AnswerConfig:
    """Knobs of the reranked extractive answer (chosen on RealTime QA's even weeks)."""

    sentence_passages: int = 4  # passages whose sentences the cross-encoder reads
    second_margin: float = 1.0  # a second sentence within this many logits of the best
    type_bonus: float = 0.0  # logits for holding what the question asks for (date, number)
    lexical_weight: float = 2.0  # logits per share of the question's terms a sentence holds

_DATEY = re.compile(
    r"\b(19|20)\d\d\b|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|"
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today)\b",
    re.I,
)
_NUM = re.compile(r"\d")
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+")


class Reranker(Protocol):
    """A cross-encoder as the answer needs it (``qa.search.rerank.CrossEncoder`` is one)."""

    def score(self, question: str, passages: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Scored:
    """One candidate sentence: passage number, span inside the passage, scores."""

    number: int
    start: int
    end: int
    text: str
    lexical: float
    dense: float
    score: float
    relevance: float = 0.0  # the cross-encoder's logit (before any recency preference)


@dataclass(frozen=True)
class Extract:
    """An extractive answer: text with ``[n]`` markers, the sentences chosen, whether it is
    refused, and the grounding with the signals it was computed from (``signals`` includes
    ``grounding`` itself)."""

    text: str
    sentences: tuple[Scored, ...]
    refused: bool
    grounding: float
    signals: dict[str, float]
    threshold: float = 0.0  # the grounding below which it refused
    note: str = ""  # a refusal that says more than "not in the articles" (years asked/held)


def _wants(question: str) -> str:
    q = question.lower()
    if re.search(r"\bwhen\b|what (year|date|day|month)|which (year|date|day|month)", q):
        return "date"
    if re.search(r"\bhow (many|much|long|old|far)\b|what (percentage|share|number|amount)", q):
        return "number"
    if re.search(r"\bwho\b|\bwhom\b|whose", q):
        return "name"
    return ""


def _bonus(kind: str, sentence: str, question: str) -> float:
    if kind == "date" and _DATEY.search(sentence):
        return 0.08
    if kind == "number" and _NUM.search(sentence):
        return 0.08
    if kind == "name":
        qlow = question.lower()
        if any(m.group(0).lower() not in qlow for m in _NAME.finditer(sentence)):
            return 0.05
    return 0.0


def score_sentences(question: str, passages: list[Citation], qvec: np.ndarray | None,
                    embedder: object | None) -> list[Scored]:
    """All sentences of the passages, best first."""
    qterms = list(dict.fromkeys(terms(question)))
    cands: list[tuple[int, int, int, str, set[str], int]] = []
    for rank, p in enumerate(passages):
        for a, b in sentence_spans(p.passage):
            text = p.passage[a:b]
            if len(text) < 12:
                continue
            cands.append((p.number, a, b, text, set(terms(text)), rank))
    if not cands:
        return []
    n = len(cands)
    df = {t: sum(1 for c in cands if t in c[4]) for t in qterms}
    idf = {t: math.log(1 + n / (1 + df[t])) + (0.5 if df[t] == 0 else 0.0) for t in qterms}
    total = sum(idf.values()) or 1.0
    kind = _wants(question)
    pre = []
    for num, a, b, text, ts, rank in cands:
        lex = sum(idf[t] for t in qterms if t in ts) / total
        prior = 0.06 / (1 + rank)
        pre.append((lex + prior + _bonus(kind, text, question), lex, num, a, b, text))
    pre.sort(key=lambda x: -x[0])
    dense = {}
    if qvec is not None and embedder is not None:
        top = pre[:EMBED_TOP]
        vecs = embedder.embed([x[5] for x in top])  # type: ignore[attr-defined]
        dense = {(x[2], x[3]): float(v @ qvec) for x, v in zip(top, vecs, strict=True)}
    out = []
    for base, lex, num, a, b, text in pre:
        d = dense.get((num, a), 0.0)
        out.append(Scored(num, a, b, text, lex, d, 0.5 * d + 0.5 * base if dense else base))
    out.sort(key=lambda s: -s.score)
    return out


def rerank_sentences(question: str, passages: list[Citation], reranker: Reranker,
                     prior: dict[int, float] | None = None,
                     cfg: AnswerConfig = AnswerConfig()) -> list[Scored]:
    """The sentences of the best ``sentence_passages`` passages scored by the cross-encoder
    (each read with its article's title) plus their passage's ``prior`` (by passage number:
    the preference for newer articles, in logits), best first; ``lexical`` is the term
    share."""
    cands = [(p, a, b) for p in passages[: cfg.sentence_passages]
             for a, b in sentence_spans(p.passage) if b - a >= 12]
    if not cands:
        return []
    logits = reranker.score(question, [f"{p.title}\n{p.passage[a:b]}" if p.title else
                                       p.passage[a:b] for p, a, b in cands])
    qterms = set(terms(question))
    kind = _wants(question) if cfg.type_bonus else ""
    out = []
    for (p, a, b), logit in zip(cands, logits, strict=True):
        text = p.passage[a:b]
        share = len(qterms & set(terms(text))) / len(qterms) if qterms else 0.0
        extra = (prior or {}).get(p.number, 0.0) + cfg.lexical_weight * share
        if kind and _bonus(kind, text, question):
            extra += cfg.type_bonus
        out.append(Scored(p.number, a, b, text, share, 0.0, float(logit) + extra, float(logit)))
    out.sort(key=lambda s: -s.score)
    return out


def _adds(s: Scored, chosen: list[Scored]) -> bool:
    """Whether a sentence says something the chosen ones do not (a new fact, not a repeat)."""
    if any(_similar(s.text, c.text) for c in chosen):
        return False
    have = set().union(*(facts(c.text) for c in chosen))
    return bool(facts(s.text) - have)


def extractive(question: str, passages: list[Citation], qvec: np.ndarray | None,
               embedder: object | None, refuse_below: float | None = None,
               window: Window | None = None, reranker: Reranker | None = None,
               prior: dict[int, float] | None = None, cfg: AnswerConfig = AnswerConfig(),
               ) -> Extract:
    """The extractive answer (or a refusal) for ``question`` from ``passages``. Marker
    numbers in its text refer to ``passages``; the caller renumbers by first mention."""
    model = RERANK_MODEL if reranker is not None else EMBED_MODELS.get(
        getattr(embedder, "name", ""), EMBED_MODEL)
    if reranker is not None:
        ranked = rerank_sentences(question, passages, reranker, prior, cfg)
    else:
        ranked = score_sentences(question, passages, qvec, embedder)
    best = ranked[0] if ranked else None
    sig = signals(question, best, passages, window, model)
    sig["grounding"] = g = grounding(sig, model.weights, model.bias)
    threshold = model.threshold if refuse_below is None else refuse_below
    if best is None or g < threshold:
        return Extract("", (), True, g, sig, threshold)
    chosen = [best]
    for s in ranked[1:4]:
        if len(chosen) == 2:
            break
        if reranker is not None:  # a second sentence only when nearly as relevant and new
            if s.score >= best.score - cfg.second_margin and _adds(s, chosen):
                chosen.append(s)
            continue
        if s.score < 0.85 * best.score:
            break
        if _similar(s.text, best.text):
            continue
        chosen.append(s)
    by_number = {p.number: p for p in passages}
    gone = missing_years(question, [by_number[s.number] for s in chosen])
    if gone:  # "the 2025 final" when only 2024's is stored
        return Extract("", (), True, g, sig, threshold, year_refusal(
            sorted(gone), years_held([by_number[s.number] for s in chosen])))
    lead = by_number[chosen[0].number].published
    parts = []
    for s in chosen:
        day = by_number[s.number].published
        tag = label(day) if lead and day and day < lead else ""
        parts.append(tag + with_markers(s.text.rstrip(), [s.number]))
    return Extract(" ".join(parts), tuple(chosen), False, g, sig, threshold)


def _similar(a: str, b: str) -> bool:
    ta, tb = set(terms(a)), set(terms(b))
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) > 0.7
