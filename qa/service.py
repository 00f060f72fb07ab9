"""``QA(settings)``: one newsqa instance that owns its store, embedder and LLM.

The module-level ``qa.ask``/``qa.retrieve`` use a default instance per ``Settings``
(``qa.api``).

``ask`` = rewrite a follow-up into a standalone query -> hybrid retrieval under the filters
-> an extractive answer (default) or an LLM answer whose citations are checked -> refusal
when the articles do not support an answer. Everything returned is a ``qa.types`` value.
The answer text itself is composed in ``qa.answer``; retrieval is ``qa.search``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from qa.answer.about import about_article
from qa.answer.citations import check_answer, make_citation, with_copies
from qa.answer.extractive import AnswerConfig, extractive
from qa.answer.refusal import refusal_text
from qa.answer.rewrite import standalone
from qa.answer.spans import answer_spans
from qa.errors import LLMError, QAError
from qa.news import news_answer
from qa.news.revised import revise
from qa.search.filters import Filters, Scope, resolve
from qa.search.hybrid import SearchConfig, search
from qa.search.rerank import make_reranker
from qa.settings import Settings
from qa.store import Store
from qa.types import Answer, Citation, Response, indexing_notice

_UNSET: Any = object()


class QA:
    """newsqa over one store. Models and the store open on first use; use as a context
    manager (or call ``close``) to release the store."""

    def __init__(self, settings: Settings, *, embedder: Any = None, llm: Any = None,
                 reranker: Any = _UNSET, search_config: SearchConfig | None = None,
                 answer_config: AnswerConfig | None = None) -> None:
        self.settings = settings
        self.search_config = search_config or SearchConfig(
            prior_half_life=settings.prefer_recent)
        self.answer_config = answer_config or AnswerConfig()
        self._embedder = embedder
        self._reranker: Any = _UNSET if reranker is _UNSET else reranker
        self._llm = llm
        self._llm_loaded = llm is not None
        self._store: Store | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> QA:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- what it owns ---------------------------------------------------------------
    @property
    def embedder(self) -> Any:
        with self._lock:
            if self._embedder is None:
                from qa.embed import make_embedder

                self._embedder = make_embedder(self.settings)
            return self._embedder

    @property
    def reranker(self) -> Any:
        """The cross-encoder that reorders candidates and picks answer sentences, or None
        (``NEWSQA_RERANK=off``)."""
        with self._lock:
            if self._reranker is _UNSET:
                self._reranker = make_reranker(self.settings)
            return self._reranker

    @property
    def llm(self) -> Any:
        """The configured chat LLM, or None for extractive answers."""
        with self._lock:
            if not self._llm_loaded:
                if self.settings.llm not in ("", "extractive"):
                    from qa.llm import make_llm

                    self._llm = make_llm(self.settings)
                self._llm_loaded = True
            return self._llm

    @property
    def store(self) -> Store:
        """The store, kept in step with other writers (checked at most every second)."""
        embedder = self.embedder
        with self._lock:
            if self._store is None:
                self._store = Store.open(self.settings, embedder)
        self._store.sync_lexical(every=1.0)
        return self._store

    def close(self) -> None:
        with self._lock:
            store, self._store = self._store, None
        if store is not None:
            store.close()

    # ---- questions --------------------------------------------------------------------
    def retrieve(self, question: str, k: int = 10, filters: Filters | None = None) -> \
            list[Citation]:
        """Ranked passages for ``question`` (best first, numbered 1..k)."""
        scope = resolve(_question(question), filters or Filters())
        found = search(self.store, self.embedder, scope, k, self.search_config,
                       reranker=self.reranker)
        return with_copies(to_citations(found.records), self.store)

    def ask(self, question: str, history: Sequence[Any] | None = None, k: int | None = None,
            filters: Filters | None = None, llm: Any = None) -> Answer:
        """Answer ``question`` from the stored articles, with checked citations."""
        return self.ask_stream(question, history, k, filters, llm).answer

    def ask_stream(self, question: str, history: Sequence[Any] | None = None,
                   k: int | None = None, filters: Filters | None = None,
                   llm: Any = None) -> Response:
        """A ``Response``: iterate it for the answer text as it is produced; ``.answer`` is
        the final, authoritative ``Answer`` (with an LLM, sentences that fail the citation
        check are removed from it even if they were streamed)."""
        question = _question(question)
        return Response(self._answer(question, history, k, filters or Filters(), llm))

    def article_text(self, article_id: str) -> str | None:
        """The full cleaned text of a stored article (None when there is no such article)."""
        return self.store.article_text(article_id)

    def stats(self) -> dict:
        """The collection at a glance: articles, chunks, sources, newest article, where."""
        return self.store.stats()

    def _answer(self, question: str, history: Sequence[Any] | None, k: int | None,
                filters: Filters, llm: Any) -> Iterator[str | Answer]:
        t_all = time.perf_counter()
        timings: dict[str, float] = {}
        model = llm if llm is not None else self.llm
        t = time.perf_counter()
        query = standalone(question, history, model)
        timings["rewrite"] = time.perf_counter() - t
        scope = resolve(query, filters)
        found = search(self.store, self.embedder, scope, k or self.settings.k,
                       self.search_config, timings, self.reranker)
        passages = with_copies(to_citations(found.records), self.store)
        about = about_article(question, query, passages, scope.describe(), timings) or \
            news_answer(question, scope, passages, self.store, self.reranker, query, timings)
        indexing = self._indexing()
        if about is not None:  # stored metadata (who wrote ...) or a story (timeline ...)
            timings["total"] = time.perf_counter() - t_all
            about = replace(about, text=_noted(about.text, indexing), indexing=indexing)
            yield from _pieces(about.text)
            yield about
            return
        s = self.settings
        t = time.perf_counter()
        ex = extractive(scope.text, passages, found.qvec, self.embedder,
                        s.refuse_below if s.refuse_below >= 0 else None, scope.hint.window,
                        self.reranker, {p.number: found.prior.get(p.chunk_id, 0.0)
                                        for p in passages}, self.answer_config)
        timings["extract"] = time.perf_counter() - t
        refused, mode, dropped = ex.refused, "extractive", ()
        if refused:
            text_out, cites = ex.note or _refusal(scope), ()
        elif model is None:
            checked = check_answer(ex.text, passages)
            text_out, cites = checked.text, checked.citations
        else:
            mode = f"llm:{getattr(model, 'name', 'llm')}"
            t = time.perf_counter()
            raw = ""
            for piece in _llm_stream(model, scope.text, passages):
                raw += piece
                yield piece
            timings["generate"] = time.perf_counter() - t
            from qa.answer.generate import declined

            checked = check_answer(raw, passages)
            dropped = checked.dropped
            if checked.citations:
                text_out, cites = checked.text, checked.citations
            elif declined(raw) and ex.grounding < ex.threshold + 0.1:
                text_out, cites, refused = _refusal(scope), (), True
            else:  # nothing the model said survived the check: the extractive answer
                fallback = check_answer(ex.text, passages)
                text_out, cites = fallback.text, fallback.citations
                mode += "+extractive"
        if not refused and cites:  # a figure the story revised: newest first, then history
            rev = revise(scope.text, text_out, cites, self.store, scope.filters,
                         lead=model is None)  # a streamed LLM answer already began
            if rev.citations != tuple(cites):  # the added ones with their copies too
                text_out, cites = rev.text, tuple(with_copies(list(rev.citations), self.store))
            if rev.note and model is not None:
                yield " " + rev.note
        timings["total"] = time.perf_counter() - t_all
        if indexing and model is not None and not refused:
            yield " " + indexing_notice(*indexing)
        spans = () if refused else answer_spans(query, text_out)
        text_out = _noted(text_out, indexing)
        if model is None or refused:
            yield from _pieces(text_out)
        refused = refused or not cites
        yield Answer(question=question, text=text_out, citations=tuple(cites),
                     refused=refused, query=query,
                     related=tuple(passages[:3]) if refused else (),
                     dropped=tuple(dropped), mode=mode, timings=timings,
                     filters=scope.describe(), grounding=ex.grounding, signals=ex.signals,
                     spans=() if refused else spans, indexing=indexing)

    def _indexing(self) -> tuple[int, int] | tuple[()]:
        """(still waiting for vectors, stored) while a backfill runs, else ()."""
        pending, total = self.store.indexing()
        return (pending, total) if pending else ()


def to_citations(recs: Sequence[Any]) -> list[Citation]:
    """Stored chunk records as citations numbered 1..n in order."""
    return [make_citation(i + 1, r) for i, r in enumerate(recs)]


def _noted(text: str, indexing: tuple[int, ...]) -> str:
    return f"{text} {indexing_notice(*indexing)}" if indexing else text


def _refusal(scope: Scope) -> str:
    return refusal_text(scope.describe(), scope.hint.phrase if scope.hint.window else "")


def _question(question: str) -> str:
    if not question or not question.strip():
        raise QAError("The question is empty.")
    return question.strip()


def _llm_stream(model: Any, question: str, passages: list[Citation]) -> Iterator[str]:
    from qa.answer.generate import generate_stream

    try:
        yield from generate_stream(model, question, passages)
    except QAError:
        raise
    except Exception as e:  # backends raise anything; the user needs one line
        raise LLMError(f"the LLM failed while answering: {e}") from e


def _pieces(text: str) -> Iterator[str]:
    words = text.split(" ")
    for i in range(0, len(words), 4):
        yield " ".join(words[i : i + 4]) + (" " if i + 4 < len(words) else "")
