"""Questions about the articles themselves — who wrote it, which outlet reported it, when it
was published — answered from the stored byline, source and date, not from the article text.

``about_article(question, query, passages, filters)`` detects the kind of question
(``kind``), picks the article the question is about from the retrieved passages (the one
whose title and passages cover the question's subject best; none when no passage covers it,
so an unknown story is refused by the normal path), and composes one sentence that cites
its best passage as ``[1]``, with the answer's span marked. An empty stored field is said
plainly ("… does not name its author"). The sentence states stored metadata of the cited
article, so it does not go through ``check_answer`` (which checks claims against passage
text). It answers about one article; it does not search, and it never guesses a byline
from the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from qa.answer.citations import best_sentence
from qa.text.terms import terms
from qa.types import Answer, Citation

_DOC = r"(?:article|story|stories|piece|report|coverage|item|news)"
_OUTLET = (r"(?:outlet|publication|newspaper|publisher|website|media\s+outlet|wire\s+service|"
           r"news\s*(?:outlet|organi[sz]ation|site|agency|service|source|paper))")
_REPORTED = r"(?=.*\b(?:report|reported|publish|published|cover|covered|ran|run|carried|broke)\b)"
_KINDS = {
    "author": re.compile(
        rf"\bwho\s+(?:wrote|writes|authored|penned|is\s+the\s+author|was\s+the\s+author)\b"
        rf"(?=.*\b(?:{_DOC}|about)\b)|\b(?:author|byline|writer|reporter|journalist)s?\s+"
        rf"(?:of|for|behind)\s+(?:the|this|that)\s+{_DOC}\b|\bwhose\s+byline\b|"
        r"^\W*who\s+(?:wrote|authored|penned)\s+(?:it|this|that)\W*$", re.I),
    "source": re.compile(
        rf"\b(?:which|what)\s+(?:\w+\s+)?{_OUTLET}\b{_REPORTED}|\bwho\s+(?:published|ran|carried)\s+"
        rf"(?:the|this|that)\s+{_DOC}\b|\bwhere\s+(?:was|were)\s+(?:the|this|that)\s+{_DOC}"
        rf"\b.*\b(?:published|reported|printed)\b|\b(?:which|what)\s+source\s+"
        rf"(?:reported|published|ran|carried)\b", re.I),
    "published": re.compile(
        rf"\bwhen\s+(?:was|were|did)\s+(?:the|this|that)\s+{_DOC}\b.*\b(?:published|posted|"
        rf"released|printed|come\s+out|appear|run)\b|\b(?:publication|publishing)\s+date\b|"
        rf"\bwhat\s+(?:date|day)\s+(?:was|were)\s+(?:the|this|that)\s+{_DOC}\b.*\b"
        rf"(?:published|posted)\b", re.I),
}
# words that say what is asked about the article, not which article
_META = set(terms("who wrote writes written author authored penned byline writer reporter "
                  "journalist article story stories piece report reported coverage item news "
                  "outlet publication newspaper paper publisher website site wire media "
                  "source published publish posted released printed come out appear run "
                  "ran carried covered date day when which what where"))
MIN_COVER = 0.5  # share of the subject's words the chosen article must contain


def kind(question: str) -> str | None:
    """"author", "source" or "published" for a question about an article; else None."""
    for name, pattern in _KINDS.items():
        if pattern.search(question):
            return name
    return None


def _words(text: str) -> set[str]:
    return set(terms(text.replace("-", " ")))


def subject(question: str) -> set[str]:
    """The question's words that say which article it is about."""
    return _words(question) - _META


def pick(question: str, passages: Sequence[Citation]) -> Citation | None:
    """The best passage of the article the question is about, or None when no retrieved
    article covers the question's subject."""
    want = subject(question)
    by_article: dict[str, list[Citation]] = {}
    for c in passages:
        by_article.setdefault(c.article_id, []).append(c)
    best, best_score = None, 0.0
    for rank, cites in enumerate(by_article.values()):
        if not want:
            return cites[0]  # nothing names the article: the best-ranked one
        title = _words(cites[0].title)
        text = title.union(*(_words(c.passage) for c in cites))
        cover = len(want & text) / len(want)
        if cover < MIN_COVER:
            continue
        score = cover + 0.5 * len(want & title) / len(want) - 0.02 * rank
        if score > best_score:
            best, best_score = cites[0], score
    return best


def _day(d: date) -> str:
    return f"{d:%B} {d.day}, {d.year}"


def compose(what: str, c: Citation) -> tuple[str, tuple[int, int] | None]:
    """The answer sentence (with its ``[1]`` marker) and the span of the fact in it."""
    title = f"“{c.title}”" if c.title else "The article"
    day = _day(c.published) if c.published else ""
    if what == "author":
        where = ", ".join(x for x in (c.source, day) if x)
        where = f" ({where})" if where else ""
        if not c.author:
            lead = "The article " + title if c.title else "The article"
            return f"{lead}{where} does not name its author [1].", None
        return f"{c.author} wrote {title}{where} [1].", (0, len(c.author))
    if what == "source":
        if not c.source:
            lead = "The article " + title if c.title else "The article"
            return f"{lead} does not name the outlet that published it [1].", None
        return (f"{c.source} published {title}{' on ' + day if day else ''} [1].",
                (0, len(c.source)))
    by = f" ({c.source})" if c.source else ""
    lead = "The article " + title if c.title else "The article"
    if not day:
        return f"{lead}{by} has no publication date [1].", None
    head = f"{lead}{by} was published on "
    return f"{head}{day} [1].", (len(head), len(head) + len(day))


def about_article(question: str, query: str, passages: Sequence[Citation],
                  filters: dict[str, str] | None = None,
                  timings: dict[str, float] | None = None) -> Answer | None:
    """The answer to a question about an article's byline, outlet or date (``query`` is
    what was searched: the question, rewritten if it was a follow-up), or None when the
    question is not one, or when no retrieved article is the one it asks about."""
    what = kind(query) or kind(question)
    if what is None or not passages:
        return None
    c = pick(query, passages)
    if c is None:
        return None
    text, span = compose(what, c)
    cite = replace(c, number=1, highlight=best_sentence(c.passage, " ".join(subject(query))))
    return Answer(question=question, text=text, citations=(cite,), refused=False, query=query,
                  mode="metadata", timings=timings if timings is not None else {},
                  filters=dict(filters or {}), grounding=1.0, spans=(span,) if span else ())
