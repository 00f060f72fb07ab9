"""The words of a refusal: what the articles do not answer, and for which dates.

Refusal is *decided* in ``qa.answer.extractive`` (grounding below a threshold); this module
only says it, naming the dates searched or the dates the question's own time words meant.
"""

from __future__ import annotations

import re

REFUSAL = "The articles I have do not answer this question."
_PREPOSITION = re.compile(r"^(in|on|at|during|since|before|after|from|between|over|by)\b", re.I)


def refusal_text(shown: dict[str, str], phrase: str = "") -> str:
    """The refusal, given the filters as shown (``Scope.describe()``) and the time phrase
    the dates came from, if they came from the question's own words."""
    dates = f"{shown.get('since', 'any time')} to {shown.get('until', 'now')}"
    if phrase:  # the dates came from the question's own words
        words = phrase if _PREPOSITION.match(phrase) else f"for {phrase}"
        return (f"{REFUSAL[:-1]} {words} ({dates}). The closest passages, which may be from "
                "other dates, are listed below as related.")
    extra = f" (searched articles dated {dates})" if "since" in shown or "until" in shown else ""
    return REFUSAL + extra + " The closest passages are listed below as related."


def year_refusal(asked: list[int], held: list[int]) -> str:
    """The refusal for a question about a year the matching articles do not cover."""
    years = " or ".join(str(y) for y in asked)
    have = ", ".join(str(y) for y in held)
    extra = f" The closest articles are from {have}." if have else ""
    return (f"{REFUSAL[:-1]} for {years}: none of the matching articles is about {years}."
            f"{extra} They are listed below as related.")
