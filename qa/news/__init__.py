"""News-native answers: a story's timeline, what changed in it, who covered it and how
much, and what is new — composed from the story threads the store keeps
(``Store.stories``), dated and cited line by line.

``news_answer(question, scope, passages, store, reranker)`` returns the ``Answer`` for a
question of one of those kinds (``qa.news.intent``), or None: for an ordinary question,
and when the story is not in the archive or is a single article (the ordinary path then
answers or refuses). Its ``kind`` says which ("timeline", "changes", "coverage",
"digest"); ``items`` carries the dated lines. Rooms: ``intent`` (which question),
``articles`` (which story, its sentences), ``changes`` (revised figures), ``timeline``
and ``coverage`` (the texts).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from typing import Any

from qa.answer.citations import with_copies
from qa.news import coverage
from qa.news.articles import day, find_story, load, renumber
from qa.news.intent import read, subject_words
from qa.news.timeline import Lines, compose_changes, compose_timeline
from qa.search.filters import Scope
from qa.store import Store
from qa.types import Answer, Citation


def news_answer(question: str, scope: Scope, passages: Sequence[Citation], store: Store,
                reranker: Any, query: str = "",
                timings: dict[str, float] | None = None) -> Answer | None:
    """The story answer to ``question`` (see the module docstring), or None."""
    t = time.perf_counter()
    asked = query or question
    nq = read(asked, scope.text)
    if nq is None:
        return None
    window = scope.hint.window
    limits = scope.filters.with_range(*window) if window else scope.filters
    since, until = window or (None, None)
    if nq.kind == "digest":
        text, lines, said = coverage.digest(store, scope.filters, since, until, reranker)
        if not text:
            text = f"No new articles were published {said}." if said else \
                "There are no dated articles in the archive yet."
        return _answer(question, asked, scope, text, lines, "digest", t, timings, store)
    words = subject_words(nq.subject)
    subject = " ".join(sorted(words))
    if nq.kind == "changes":
        members, _ = find_story(store, words, passages, scope.filters)
        arts = load(store, members)
        if len(arts) < 2:
            return None
        text, lines = compose_changes(arts, subject, reranker, since)
        return _answer(question, asked, scope, text, lines, "changes", t, timings, store)
    members, total = find_story(store, words, passages, limits)
    arts = load(store, members)
    if not arts:
        return None
    if nq.kind == "coverage":
        if nq.count:
            said = f" from {day(since)} to {day(until)}" if since and until else \
                f" since {day(since)}" if since else ""
            text, lines = coverage.count(arts, total, subject, reranker, said)
        else:
            text, lines = coverage.outlets(store, arts, subject, reranker)
        return _answer(question, asked, scope, text, lines, "coverage", t, timings, store)
    if len(arts) < (1 if since else 2):
        return None  # one article is not a timeline: the ordinary answer says what it says
    heading = f"What happened since {day(since)}" if since else "How the story unfolded"
    text, lines = compose_timeline(arts, subject, total, reranker, heading)
    return _answer(question, asked, scope, text, lines, "timeline", t, timings, store)


def _answer(question: str, query: str, scope: Scope, text: str, lines: Lines, kind: str,
            started: float, timings: dict[str, float] | None, store: Store) -> Answer:
    text, cites, items = _renumber(text, lines, kind)
    cites = with_copies(cites, store)  # each cited story's copies in other outlets
    timings = timings if timings is not None else {}
    timings["story"] = time.perf_counter() - started
    return Answer(question=question, text=text, citations=tuple(cites), refused=False,
                  query=query, mode="story", timings=timings, filters=scope.describe(),
                  grounding=1.0 if cites else 0.0, kind=kind, items=tuple(items))


def _renumber(text: str, lines: Lines, kind: str) -> tuple[str, list[Citation], list]:
    """Citations numbered in order of first mention in ``text`` (only those it cites)."""
    text, cites, order = renumber(text, lines.citations)
    items = [i._replace(citation=order[i.citation]) for i in lines.items
             if i.citation in order]
    if kind != "digest":  # oldest first (a digest lists the newest first)
        items.sort(key=lambda i: (i.published is None, i.published or date.min))
    return text, cites, items
