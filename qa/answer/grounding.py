"""Refusal: whether the articles answer a question, as a probability ("grounding").

A logistic model of five signals — the best sentence's similarity to the question and its
term share, the best passage's similarity, how much of the question the top passages cover,
and how far the best sentence's article lies outside the dates the question's own time words
name ("this week") — fitted on data (see WEIGHTS). Below REFUSE_BELOW the answer is refused.
No sentence choice here (``qa.answer.extractive``), and no wording (``qa.answer.refusal``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from qa.text.terms import terms
from qa.types import Citation

REFUSE_BELOW = 0.355  # default grounding threshold (a probability); see WEIGHTS
OFF_WINDOW_DAYS = 28  # "off_window" reaches 1 this many days outside the question's time words

Window = tuple[date | None, date | None]  # the dates a question's time words name


class Best(Protocol):
    """The best candidate sentence, as far as the signals need it."""

    number: int
    lexical: float
    dense: float
    relevance: float


#: the refusal model: logistic regression of "the articles answer" on the signals, fitted
#: by `python bench/answer.py` on the even weeks of RealTime QA 2022 (answerable questions vs
#: the same questions with their week's articles taken out, leaving out those whose answer
#: other weeks' articles still hold); REFUSE_BELOW is the threshold that refuses most of the
#: latter with <= 8 % of the former, leaving a margin under the 10 % target (bench/RESULTS.md)
WEIGHTS = {"dense": 0.272, "lexical": 5.454, "passage": 8.323, "coverage": 1.625,
           "off_window": -1.243}
BIAS = -8.347


@dataclass(frozen=True)
class Model:
    """A refusal model: logistic weights over named signals, a bias, and the threshold."""

    weights: dict[str, float]
    bias: float
    threshold: float


#: answers chosen by embedding similarity (no reranker: NEWSQA_RERANK=off), per embedder:
#: cosine similarities differ in scale between models. MiniLM's is the model above; bge's
#: was fitted the same way (``bench/refusal.py --signals bge --cap 0.07``, all five signals)
EMBED_MODEL = Model(WEIGHTS, BIAS, REFUSE_BELOW)
EMBED_MODELS = {
    "all-MiniLM-L6-v2-int8-onnx": EMBED_MODEL,
    "bge-small-en-v1.5-int8-onnx": Model({"dense": 1.465, "lexical": 6.130, "passage": 12.289,
                                          "coverage": 0.820, "off_window": -1.569},
                                         -12.812, 0.297),
}
#: answers chosen by the cross-encoder (the default): ``rerank`` is the best sentence's
#: logit, ``passage_rerank`` the best reranked passage's. Fitted like the one above on the
#: even weeks with bge-small + cross-encoder (``python bench/quality.py`` then ``python
#: bench/refusal.py --signals bge+ce --cap 0.07 rerank,lexical,coverage,off_window``): four
#: strong signals, refusing at most 7 % of the even weeks' answerable questions (a margin:
#: fitted on the first half's even weeks, the later half refuses 5.3 %; bench/RESULTS.md)
RERANK_MODEL = Model({"rerank": 0.388, "lexical": 1.094, "coverage": 1.974,
                      "off_window": -1.899}, -2.911, 0.370)


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


def signals(question: str, best: Best | None, passages: list[Citation],
            window: Window | None = None, model: Model = EMBED_MODEL) -> dict[str, float]:
    """What refusal is decided on: the best sentence's similarity (``dense``, or its
    cross-encoder logit ``rerank``) and term share, the best passage's similarity (and its
    cross-encoder logit), how much of the question the top passages cover, and how far the
    best sentence's article lies outside the dates the question's time words name."""
    if best is None or not passages:
        return dict.fromkeys(model.weights, 0.0)
    cited = next((p for p in passages if p.number == best.number), None)
    out = {"dense": best.dense, "lexical": best.lexical,
           "passage": max(p.score for p in passages),
           "coverage": coverage(question, passages),
           "off_window": off_window(cited.published if cited else None, window)}
    if "rerank" in model.weights:
        out["rerank"] = best.relevance
        out["passage_rerank"] = max((p.relevance for p in passages
                                     if p.relevance is not None), default=0.0)
    return out


def grounding(sig: dict[str, float], weights: dict[str, float] | None = None,
              bias: float | None = None) -> float:
    """How likely the articles answer the question, 0..1: a logistic model of the signals
    (the shipped WEIGHTS and BIAS unless others are given, as the benchmark's fit does)."""
    weights = WEIGHTS if weights is None else weights
    z = (BIAS if bias is None else bias) + sum(w * sig.get(k, 0.0) for k, w in weights.items())
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


