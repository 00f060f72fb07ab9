"""The public entry points: ``ask``, ``ask_stream`` and ``retrieve``.

``ask`` = rewrite a follow-up into a standalone query -> hybrid retrieval under the filters
-> an extractive answer (default) or an LLM answer whose citations are checked -> refusal
when the articles do not support an answer. Everything returned is a ``qa.types`` value.
Settings default to ``Settings.from_env()``; pass them (or an LLM object) explicitly in
scripts and tests. The UI and CLI call only these functions.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from qa.answer.citations import check_answer
from qa.answer.extractive import REFUSE_BELOW, extractive
from qa.answer.rewrite import standalone
from qa.dates import DateLike
from qa.errors import QAError
from qa.search.hybrid import get_engine, resolve_filters, search, to_citations
from qa.settings import Settings
from qa.types import Answer, Citation

REFUSAL = "The articles I have do not answer this question."


def _settings(settings: Settings | None) -> Settings:
    return settings or Settings.from_env()


def _llm(settings: Settings, llm: Any) -> Any:
    if llm is not None:
        return llm
    if settings.llm in ("", "extractive"):
        return None
    from qa.llm import make_llm

    return make_llm(settings)


def retrieve(question: str, k: int = 10, since: DateLike = None, until: DateLike = None,
             sources: Sequence[str] | str | None = None, as_of: DateLike = None, *,
             article_ids: Sequence[str] | None = None,
             exclude_ids: Sequence[str] | None = None,
             settings: Settings | None = None) -> list[Citation]:
    """Ranked passages for ``question`` (best first, numbered 1..k)."""
    if not question or not question.strip():
        raise QAError("The question is empty.")
    settings = _settings(settings)
    text, f = resolve_filters(question, since, until, sources, article_ids, as_of, exclude_ids)
    recs, _ = search(get_engine(settings), text, f, k)
    return to_citations(recs)


def ask(question: str, history: Sequence[Any] | None = None, k: int | None = None,
        since: DateLike = None, until: DateLike = None,
        sources: Sequence[str] | str | None = None, as_of: DateLike = None, *,
        article_ids: Sequence[str] | None = None, exclude_ids: Sequence[str] | None = None,
        settings: Settings | None = None, llm: Any = None) -> Answer:
    """Answer ``question`` from the stored articles, with checked citations."""
    answer = None
    for item in ask_stream(question, history, k, since, until, sources, as_of,
                           article_ids=article_ids, exclude_ids=exclude_ids,
                           settings=settings, llm=llm):
        if isinstance(item, Answer):
            answer = item
    assert answer is not None
    return answer


def ask_stream(question: str, history: Sequence[Any] | None = None, k: int | None = None,
               since: DateLike = None, until: DateLike = None,
               sources: Sequence[str] | str | None = None, as_of: DateLike = None, *,
               article_ids: Sequence[str] | None = None,
               exclude_ids: Sequence[str] | None = None, settings: Settings | None = None,
               llm: Any = None) -> Iterator[str | Answer]:
    """Yield answer text increments as they are produced, then the final ``Answer``.

    The final Answer is authoritative: with an LLM, sentences that fail the citation check
    are removed from it even if they were streamed.
    """
    if not question or not question.strip():
        raise QAError("The question is empty.")
    settings = _settings(settings)
    t_all = time.perf_counter()
    timings: dict[str, float] = {}
    model = _llm(settings, llm)
    t = time.perf_counter()
    query = standalone(question.strip(), history, model)
    timings["rewrite"] = time.perf_counter() - t
    text, f = resolve_filters(query, since, until, sources, article_ids, as_of, exclude_ids)
    engine = get_engine(settings)
    recs, qvec = search(engine, text, f, k or settings.k, timings)
    passages = to_citations(recs)
    threshold = settings.refuse_below if settings.refuse_below >= 0 else REFUSE_BELOW
    t = time.perf_counter()
    window = (f.since, f.until) if f.soft else None  # dates the question's time words name
    body, _, refused, sig = extractive(text, passages, qvec, engine.embedder, threshold, window)
    timings["extract"] = time.perf_counter() - t
    base = Answer(question=question, text="", citations=(), refused=True, query=query,
                  related=tuple(passages[:3]), mode="extractive", filters=f.describe())
    mode, dropped = "extractive", ()
    if refused:
        text_out, cites = _refusal(f), ()
    elif model is None:
        checked = check_answer(body, passages)
        text_out, cites = checked.text, checked.citations
    else:
        mode = f"llm:{getattr(model, 'name', 'llm')}"
        t = time.perf_counter()
        raw = ""
        for piece in _llm_stream(model, text, passages):
            raw += piece
            yield piece
        timings["generate"] = time.perf_counter() - t
        from qa.answer.generate import declined

        checked = check_answer(raw, passages)
        dropped = checked.dropped
        if checked.citations:
            text_out, cites = checked.text, checked.citations
        elif declined(raw) and sig["grounding"] < threshold + 0.1:
            text_out, cites, refused = _refusal(f), (), True
        else:  # nothing the model said survived the check: fall back to the extractive one
            fallback = check_answer(body, passages)
            text_out, cites = fallback.text, fallback.citations
            mode += "+extractive"
    timings["total"] = time.perf_counter() - t_all
    if model is None or refused:
        yield from _pieces(text_out)
    yield replace(base, text=text_out, citations=tuple(cites), refused=refused or not cites,
                  related=tuple(passages[:3]) if (refused or not cites) else (),
                  dropped=tuple(dropped), mode=mode, timings=timings,
                  grounding=sig["grounding"], signals=sig)


def collection_stats(settings: Settings | None = None) -> dict:
    """The collection at a glance: articles, chunks, sources, newest article, where."""
    return get_engine(_settings(settings)).open().stats()


def _refusal(f: Any) -> str:
    scope = f.describe()
    dates = f"{scope.get('since', 'any time')} to {scope.get('until', 'now')}"
    if f.soft and f.phrase:  # the dates came from the question's own words
        return (f"{REFUSAL[:-1]} for {f.phrase} ({dates}). The closest passages, which may be "
                "from other dates, are listed below as related.")
    extra = f" (searched articles dated {dates})" if "since" in scope or "until" in scope else ""
    return REFUSAL + extra + " The closest passages are listed below as related."


def _llm_stream(model: Any, question: str, passages: list[Citation]) -> Iterator[str]:
    from qa.answer.generate import generate_stream

    try:
        yield from generate_stream(model, question, passages)
    except QAError:
        raise
    except Exception as e:  # backends raise anything; the user needs one line
        raise QAError(f"the LLM failed while answering: {e}") from e


def _pieces(text: str) -> Iterator[str]:
    words = text.split(" ")
    for i in range(0, len(words), 4):
        yield " ".join(words[i : i + 4]) + (" " if i + 4 < len(words) else "")


__all__ = ["ask", "ask_stream", "collection_stats", "retrieve"]
