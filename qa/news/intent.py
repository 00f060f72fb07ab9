"""Which questions are about a story as news — its timeline, what changed, who covered it,
what is new — rather than about a fact in it.

``read(question)`` returns a ``NewsQuestion`` (its kind and the words that name the story)
or None for an ordinary question. Patterns on the wording only; the time words ("since
June", "this week", "since yesterday") are read by ``qa.search.timewords`` as for every
question, and ``subject`` drops them.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from qa.text.terms import terms

_I = re.I
_KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("digest", re.compile(
        r"^\W*(?:so\s+)?(?:what(?:'|’)?s|what\s+is|anything)\s+new\b(?!\s+(?:with|about|on|in)\b)"
        r"|\b(?:latest|recent|today'?s|this\s+week'?s)\s+(?:news|headlines|stories|articles)\b"
        r"(?!\s+(?:about|on|with)\b)|\bnews\s+digest\b|\bcatch\s+me\s+up\b(?!\s+on\b)", _I)),
    ("coverage", re.compile(
        r"\b(?:which|what)\s+(?:\w+\s+)?(?:outlets|publications|newspapers|news\s+(?:outlets|"
        r"organi[sz]ations|sites|agencies))\b|\b(?:which|what)\s+(?:\w+\s+)?(?:sources|papers|"
        r"media)\b(?=.*\b(?:cover|covered|report|reported|wrote|write|ran|carried|published)\b)"
        r"|\bwho\s+(?:else\s+)?(?:covered|has\s+covered|reported\s+on|wrote\s+about)\b"
        r"|\bhow\s+many\s+(?:articles|stories|reports|pieces|news\s+items)\b"
        r"|\bhow\s+much\s+coverage\b", _I)),
    ("changes", re.compile(
        r"\bwhat(?:'|’)?s?\s+(?:has\s+|have\s+)?changed\b|\bwhat\s+changed\b"
        r"|\b(?:was|were|has|have|been)\s+(?:[\w'’]+\s+){0,9}revised\b|\brevisions?\b"
        r"|\bwhat(?:'|’)?s\s+new\s+(?:with|about|on|in)\b|\bany\s+updates?\s+(?:on|to|about)\b"
        r"|\bhow\s+(?:has|have|did)\s+(?:the\s+)?(?:\w+\s+){0,3}(?:figures?|estimates?|toll|"
        r"forecast|numbers?|date|timetable|schedule)\s+changed?\b", _I)),
    ("timeline", re.compile(
        r"\btime\s?line\b|\bchronolog(?:y|ical)\b|\bsequence\s+of\s+events\b"
        r"|\bhow\s+(?:did|has|have|had)\b.*\b(?:unfold(?:ed)?|develop(?:ed)?|evolve[d]?|"
        r"progress(?:ed)?|play(?:ed)?\s+out|gone|go|went)\b"
        r"|\bwhat\s+(?:has|have)\s+happened\s+(?:with|to|in|at|since|so\s+far)\b"
        r"|\bwhat\s+happened\s+(?:with|since|so\s+far)\b"
        r"|\b(?:history|story\s+so\s+far|background)\s+of\b|\bwalk\s+me\s+through\b"
        r"|\bfrom\s+start\s+to\s+finish\b|\bstep\s+by\s+step\b", _I)),
]

#: words that ask for the kind of answer, not which story
_META = set(terms(
    "timeline time line chronology chronological sequence events event unfold unfolded "
    "develop developed evolve evolved progress progressed play played out gone go went "
    "happened happen history story stories so far background walk me through start finish "
    "step changed change changes revised revision revisions update updates updated new "
    "latest recent news headlines digest catch up which what who outlets outlet publications "
    "publication newspapers newspaper papers paper sources source media organisations "
    "organizations sites agencies covered cover coverage reported report reports wrote write "
    "about how many much articles article pieces piece items item has have did does been else "
    "figure figures estimate estimates numbers number since yesterday today tonight week "
    "weeks month months year lately recently ago last past days day published publish "
    "posted run ran"))


class NewsQuestion(NamedTuple):
    """A question about a story as news."""

    kind: str  # "timeline", "changes", "coverage" or "digest"
    subject: str  # the words that name the story ("" for a digest of everything)
    count: bool = False  # "how many articles ...": a count of the coverage


def subject_words(text: str) -> set[str]:
    """The folded content words of ``text`` that name a story."""
    text = re.sub(r"(?i)\b(what|that|it|who|there|here)['’]s\b", " ", text)
    return set(terms(text.replace("-", " "))) - _META


def read(question: str, text: str | None = None) -> NewsQuestion | None:
    """The news kind of ``question`` (see the module docstring), or None. ``text`` is the
    question without its time words, when the caller has it (the subject comes from it)."""
    for kind, pattern in _KINDS:
        if pattern.search(question):
            words = subject_words(question if text is None else text)
            if kind == "digest" and words:
                kind = "changes"  # "what's new in the port strike" is about one story
            if kind != "digest" and not words:
                if kind in ("changes", "timeline"):
                    return None  # "what changed?" names nothing: an ordinary question
                kind = "digest" if kind == "coverage" else kind
            count = kind == "coverage" and bool(re.search(r"\bhow\s+many\b", question, _I))
            return NewsQuestion(kind, question if text is None else text, count)
    return None
