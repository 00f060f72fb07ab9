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
from dataclasses import dataclass

import numpy as np

from qa.answer.citations import with_markers
from qa.answer.grounding import REFUSE_BELOW, Window, grounding, signals
from qa.text.sentences import sentence_spans
from qa.text.terms import terms
from qa.types import Citation

EMBED_TOP = 4  # sentences embedded per question: 8 cost 70 ms more for no gain (RESULTS.md)

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


def extractive(question: str, passages: list[Citation], qvec: np.ndarray | None,
               embedder: object | None, refuse_below: float = REFUSE_BELOW,
               window: Window | None = None,
               ) -> Extract:
    """The extractive answer (or a refusal) for ``question`` from ``passages``. Marker
    numbers in its text refer to ``passages``; the caller renumbers by first mention."""
    ranked = score_sentences(question, passages, qvec, embedder)
    best = ranked[0] if ranked else None
    sig = signals(question, best, passages, window)
    sig["grounding"] = g = grounding(sig)
    if best is None or g < refuse_below:
        return Extract("", (), True, g, sig)
    chosen = [best]
    for s in ranked[1:4]:
        if s.score < 0.85 * best.score or len(chosen) == 2:
            break
        if _similar(s.text, best.text):
            continue
        chosen.append(s)
    text = " ".join(with_markers(s.text.rstrip(), [s.number]) for s in chosen)
    return Extract(text, tuple(chosen), False, g, sig)


def _similar(a: str, b: str) -> bool:
    ta, tb = set(terms(a)), set(terms(b))
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) > 0.7
