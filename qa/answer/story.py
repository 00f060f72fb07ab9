"""Stories that move on: years a question names that its answer's articles do not have, and
labels for earlier statements.

A news question that names a year ("Who won the 2025 championship?") is not answered by an
article about another year's event: when no chosen passage mentions the year (in its text or
its article's title) and none was published in it, the answer is refused with the years
the archive does have. When an answer shows a second statement from an older article than
the one that leads (a figure that was revised, a date that moved), it is labelled with its
date, so the newest statement as of ``as_of`` reads as the answer and the earlier one as
history. Heuristics on text and dates; no models, no retrieval here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from qa.types import Citation

_YEAR = re.compile(r"(?<![\d.,$€£])\b(19[5-9]\d|20\d\d)\b(?![\d,.]\d|\s*(?:%|percent|people))")
LABEL = re.compile(r"^Earlier \(([A-Z][a-z]+ \d{1,2}, \d{4})\): ")


def named_years(question: str) -> set[int]:
    """The years a question names ("the 2025 final", "in 2019")."""
    return {int(y) for y in _YEAR.findall(question)}


def missing_years(question: str, used: Sequence[Citation]) -> set[int]:
    """Years the question names that none of ``used`` mentions or was published in (empty
    when it names none, or when the passages do have them)."""
    years = named_years(question)
    if not years or not used:
        return set()
    have: set[int] = set()
    for c in used:
        have |= {int(y) for y in _YEAR.findall(f"{c.title} {c.passage}")}
        if c.published:
            have.add(c.published.year)
    return years - have


def years_held(passages: Sequence[Citation]) -> list[int]:
    """The publication years of the passages, newest first."""
    return sorted({c.published.year for c in passages if c.published}, reverse=True)


def label(day: date) -> str:
    """The prefix of an earlier statement: ``Earlier (April 14, 2025): ``."""
    return f"Earlier ({day.strftime('%B')} {day.day}, {day.year}): "


def strip_label(sentence: str) -> tuple[str, str]:
    """(label, sentence without it): labels are ours, checked against the article's date,
    not against the passage text."""
    m = LABEL.match(sentence)
    return (m.group(0), sentence[m.end():]) if m else ("", sentence)
