"""Fact answers about a figure the story revised: the newest version leads, the earlier ones
follow with their dates.

"When will the Harbor Bridge reopen?" answered from the newest article ("... reopened to
traffic ... May 22 [1]") says what earlier articles of the story had said: "Earlier
reports of the reopening: late April on February 10, 2025 [2]; the second half of May on
April 14, 2025 [3]." The revised figures are ``qa.news.changes``'s, of the story of the
answer's first citation, within the question's filters (``as_of`` hides what was
published later). When the question asks about that figure (it names it: "reopen", "death
toll", "cost" ...) and the answer does not lead with its newest version — the newest
article's sentence chosen was "will not reopen in late April as planned" rather than "now
expects ... the second half of May" — the newest version is put first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from qa.news.articles import StoryArticle, canonical, day, load, renumber
from qa.news.changes import SLOT_OF, Revision, revisions
from qa.search.filters import Filters
from qa.store import Store
from qa.text.sentences import sentences
from qa.text.terms import terms
from qa.types import Citation

_MARK = re.compile(r"\s*\[\d+(?:\s*[,;]\s*\d+)*\]")
#: questions that ask for a figure's value (a date, a number), not why or how it changed
_ASKS_VALUE = re.compile(r"^\W*(?:when\b|by\s+when\b|how\s+(?:many|much|long|soon)\b|"
                         r"what\s+(?:date|day|time|month|year|is|was|are|were|will)\b)", re.I)


class Revised(NamedTuple):
    """The answer with its revisions: the text, its citations, and what was added at the
    end (for a stream that already sent the rest)."""

    text: str
    citations: tuple[Citation, ...]
    note: str = ""


def _story(store: Store, lead: Citation, limits: Filters) -> list[StoryArticle]:
    index = store.stories()
    story = index.story_of([lead.article_id]).get(lead.article_id)
    ids = index.members(story) if story else []
    if len(ids) < 2:
        return []
    members = canonical(store, ids, limits)
    return load(store, members) if len(members) > 1 else []


def revise(question: str, text: str, cites: Sequence[Citation], store: Store,
           limits: Filters, lead: bool = True) -> Revised:
    """``text`` with its figure's newest version leading (with ``lead``, when the question
    names the figure) and the earlier versions noted; unchanged when no revised figure of
    the story is in its first sentence (or, with ``lead``, asked about)."""
    out = Revised(text, tuple(cites))
    if not cites or not text:
        return out
    first = _MARK.sub("", (sentences(text) or [text])[0]).strip()
    arts = _story(store, cites[0], limits)
    asked = {SLOT_OF[t] for t in terms(question) if t in SLOT_OF} \
        if _ASKS_VALUE.search(question) else set()
    for chain in revisions(arts) if arts else []:
        at = [i for i, v in enumerate(chain.versions) if v.sentence.text in first]
        last = len(chain.versions) - 1
        if lead and chain.word in asked and (not at or at[0] < last):
            return _lead_with_newest(out, chain)
        if at and at[0] > 0:
            return _with_note(out, chain, at[0])
    return out


_SENTENCE = re.compile(r"(.+?\[\d+(?:\s*[,;]\s*\d+)*\]\.?)(?:\s+|$)", re.S)


def _lead_with_newest(out: Revised, chain: Revision) -> Revised:
    """The newest version first; the answer's sentences that are versions of the figure go
    (the note lists the earlier ones)."""
    newest = chain.versions[-1]
    n = len(out.citations) + 1
    cite = newest.article.cite(n, newest.sentence)
    versions = {v.sentence.text.rstrip(".") for v in chain.versions}
    kept = [m.group(1) for m in _SENTENCE.finditer(out.text)
            if _MARK.sub("", m.group(1)).strip().rstrip(".") not in versions]
    text = " ".join([f"{newest.sentence.text.rstrip('.')} [{n}].", *kept])
    return _renumbered(_with_note(Revised(text, (*out.citations, cite)), chain,
                                  len(chain.versions) - 1))


def _with_note(out: Revised, chain: Revision, upto: int) -> Revised:
    """The versions before ``upto`` as a cited note at the end."""
    extra: list[Citation] = []
    parts = []
    for v in chain.versions[:upto]:
        n = len(out.citations) + len(extra) + 1
        extra.append(v.article.cite(n, v.sentence))
        parts.append(f"{v.value} on {day(v.article.published)} [{n}]")
    if not parts:
        return out
    note = f"Earlier reports of the {chain.word}: " + "; ".join(parts) + "."
    return Revised(f"{out.text} {note}", (*out.citations, *extra), note)


def _renumbered(out: Revised) -> Revised:
    """Citations numbered in order of first mention (the answer's contract)."""
    text, cites, _ = renumber(out.text, out.citations)
    return Revised(text, tuple(cites), out.note)
