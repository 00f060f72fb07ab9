"""Extractive answers: the sentences of the retrieved passages that answer the question.

No model beyond the embedder, and fast: every sentence of the top passages gets a lexical
score (IDF-weighted share of the question's terms it contains); the best few are embedded
and scored by similarity to the question; a small bonus goes to sentences holding what the
question asks for (a date for "when", a number for "how many", a name for "who"). The best
sentence (and a second one if nearly as good and not a repeat) becomes the answer, each
cited. ``grounding`` — a logistic model of five signals (the best sentence's similarity and
term share, the best passage's similarity, how much of the question the top passages cover,
and how far the best sentence's article lies outside the dates the question names, as in
"this week") — decides refusal; model and threshold were fitted on data (see WEIGHTS). LLM answers
live in ``qa.answer.generate``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

import numpy as np

from qa.answer.citations import with_markers
from qa.text.sentences import sentence_spans
from qa.text.terms import terms
from qa.types import Citation

REFUSE_BELOW = 0.355  # default grounding threshold (a probability); see WEIGHTS
EMBED_TOP = 4  # sentences embedded per question: 8 cost 70 ms more for no gain (RESULTS.md)
OFF_WINDOW_DAYS = 28  # "off_window" reaches 1 this many days outside the question's time words

Window = tuple[date | None, date | None]  # the dates a question's time words name

_DATEY = re.compile(
    r"\b(19|20)\d\d\b|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|"
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today)\b",
    re.I,
)
_NUM = re.compile(r"\d")
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+")


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


#: the refusal model: logistic regression of "the articles answer" on the signals, fitted
#: by `python bench/answer.py` on the even weeks of RealTime QA 2022 (answerable questions vs
#: the same questions with their week's articles taken out, leaving out those whose answer
#: other weeks' articles still hold); REFUSE_BELOW is the threshold that refuses most of the
#: latter with <= 8 % of the former, leaving a margin under the 10 % target (bench/RESULTS.md)
WEIGHTS = {"dense": 0.272, "lexical": 5.454, "passage": 8.323, "coverage": 1.625,
           "off_window": -1.243}
BIAS = -8.347


def coverage(question: str, passages: list[Citation], top: int = 3) -> float:
    """IDF-weighted share of the question's terms found in the top passages (any of them)."""
    qterms = list(dict.fromkeys(terms(question)))
    if not qterms or not passages:
        return 0.0
    sets = [set(terms(p.passage)) for p in passages]
    seen = set().union(*sets[:top])
    idf = {t: math.log(1 + len(sets) / (1 + sum(t in s for s in sets))) + 1.0 for t in qterms}
    return sum(idf[t] for t in qterms if t in seen) / sum(idf.values())


def off_window(published: date | None, window: Window | None) -> float:
    """How far outside the question's own dates ("this week", "in March") a passage lies:
    0 inside (or when the question names no dates), 1 at OFF_WINDOW_DAYS or more."""
    if not window or published is None:
        return 0.0
    since, until = window
    days = max((since - published).days if since else 0, (published - until).days if until else 0)
    return min(max(days, 0), OFF_WINDOW_DAYS) / OFF_WINDOW_DAYS


def signals(question: str, best: Scored | None, passages: list[Citation],
            window: Window | None = None) -> dict[str, float]:
    """What refusal is decided on: the best sentence's similarity and term share, the best
    passage's similarity, how much of the question the top passages cover, and how far the
    best sentence's article lies outside the dates the question's time words name."""
    if best is None or not passages:
        return dict.fromkeys(WEIGHTS, 0.0)
    cited = next((p for p in passages if p.number == best.number), None)
    return {"dense": best.dense, "lexical": best.lexical,
            "passage": max(p.score for p in passages),
            "coverage": coverage(question, passages),
            "off_window": off_window(cited.published if cited else None, window)}


def grounding(sig: dict[str, float], weights: dict[str, float] | None = None,
              bias: float | None = None) -> float:
    """How likely the articles answer the question, 0..1: a logistic model of the signals
    (the shipped WEIGHTS and BIAS unless others are given, as the benchmark's fit does)."""
    weights = WEIGHTS if weights is None else weights
    z = (BIAS if bias is None else bias) + sum(w * sig.get(k, 0.0) for k, w in weights.items())
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def extractive(question: str, passages: list[Citation], qvec: np.ndarray | None,
               embedder: object | None, refuse_below: float = REFUSE_BELOW,
               window: Window | None = None,
               ) -> tuple[str, list[tuple[int, tuple[int, int]]], bool, dict[str, float]]:
    """(answer text with [n] markers, [(passage number, highlight span)], refused, signals).

    ``signals`` includes ``grounding``. Marker numbers refer to ``passages``; the caller
    renumbers by first mention.
    """
    ranked = score_sentences(question, passages, qvec, embedder)
    best = ranked[0] if ranked else None
    sig = signals(question, best, passages, window)
    sig["grounding"] = g = grounding(sig)
    if best is None or g < refuse_below:
        return "", [], True, sig
    chosen = [best]
    for s in ranked[1:4]:
        if s.score < 0.85 * best.score or len(chosen) == 2:
            break
        if _similar(s.text, best.text):
            continue
        chosen.append(s)
    parts, used = [], []
    for s in chosen:
        parts.append(with_markers(s.text.rstrip(), [s.number]))
        used.append((s.number, (s.start, s.end)))
    return " ".join(parts), used, False, sig


def _similar(a: str, b: str) -> bool:
    ta, tb = set(terms(a)), set(terms(b))
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) > 0.7
