"""Names in news text — the people, places, organisations and things a story is about.

``entities(title, text)`` counts capitalised word runs ("Harbor Bridge", "Daniel Oduya",
"Keller & Obi Engineering", "Terminal 4"), lower-cased, with possessives dropped and
sentence-initial function words ("The", "But", "On") removed, plus each multi-word name's
last word ("Oduya" for "Daniel Oduya"), so a later "Oduya said" still matches. Title names
count double. Weekdays, months and honorifics are not names. Pure text; no models.
"""

from __future__ import annotations

import re
from collections import Counter

_WORD = r"[A-Z][\w'’\-]*(?:\.[A-Z][\w'’\-]*)*\.?(?<!\.)"
_RUN = re.compile(
    rf"\b{_WORD}(?:(?:[ \t]+|[ \t]+(?:&|of|de|del|la|van|von|al)[ \t]+)"
    rf"(?:{_WORD}|\d+[A-Za-z]?\b))*", re.UNICODE)
_NOT_NAMES = frozenset("""
a an the this that these those it its he she they we i you his her their our my your
in on at to for of by from with as and but or nor so yet if when while after before since
until during about over under into onto up down out off near among between within without
monday tuesday wednesday thursday friday saturday sunday
january february march april may june july august september october november december
mr mrs ms dr sir st mt jr sr gov sen rep gen col lt capt prof pres
there here what which who whom whose where why how all some many most more much no not
one two three four five six seven eight nine ten first second third last next new
said says according also other another each every both either neither such
monday's today tonight yesterday tomorrow
""".split())
_POSSESSIVE = re.compile(r"['’]s$")
WEIGHT_TITLE = 2


def _clean(run: str) -> list[str]:
    words = run.replace("’", "'").split()
    while words and words[0].lower().rstrip(".,") in _NOT_NAMES:
        words = words[1:]
    while words and words[-1].lower().rstrip(".,") in _NOT_NAMES | {"&", "of"}:
        words = words[:-1]
    return [w.rstrip(".,") for w in words]


def names(text: str, common: set[str] | None = None) -> list[str]:
    """The names in ``text`` in order (lower-cased; a multi-word name is followed by its
    last word). A one-word name, or a last word, that ``text`` also uses in lower case
    ("Drivers", "the bridge") is a common word, not a name (``common``: those words, when
    the caller already has them)."""
    out: list[str] = []
    lower = common if common is not None else lower_words(text)
    for m in _RUN.finditer(text):
        words = _clean(m.group(0))
        if not words:
            continue
        words[-1] = _POSSESSIVE.sub("", words[-1])
        name = " ".join(words).lower()
        if len(name) < 2 or name.isdigit() or (len(words) == 1 and name in lower):
            continue
        out.append(name)
        last = words[-1].lower()
        if len(words) > 1 and len(last) > 2 and not last.isdigit() and \
                last not in _NOT_NAMES and last not in lower:
            out.append(last)
    return out


def lower_words(text: str) -> set[str]:
    """The words ``text`` writes in lower case (possessives dropped)."""
    return {_POSSESSIVE.sub("", w.replace("’", "'"))
            for w in re.findall(r"\b[a-z][\w'’\-]*", text)}


def entities(title: str, text: str) -> Counter[str]:
    """How often each name occurs in an article (title names count ``WEIGHT_TITLE``×)."""
    common = lower_words(f"{title}\n{text}")
    counts: Counter[str] = Counter(names(text, common))
    for name in names(title, common):
        counts[name] += WEIGHT_TITLE
    return counts
