"""Read one time phrase out of a news question: ``read_time(question, as_of) -> TimeReading``.

Finds a phrase such as "yesterday", "last month", "in the past 3 weeks", "in March 2022",
"on June 12", "since 2021", "before May 2022", "between May and July 2022", "over the
weekend", "on Tuesday" or "2 days ago" and turns it into an inclusive date range relative to
``as_of`` (today). Without a range, words like "recently", "latest", "current", "now", "new",
"this week's" or "next month" set ``recency`` (prefer newer articles). A pure filter phrase
is cut out of ``question`` so retrieval searches the rest; noun modifiers ("the latest",
"this week's", "Sunday's") and complements ("the album of the last 12 months") stay in.
Pure: no I/O, stdlib + dateutil only.

What it does not do (known limits):
- One phrase per question: the most specific (narrowest) range wins, then the earliest,
  and a longer phrase beats one inside it ("since last week" over "last week"); recency
  only when there is no range. "The 2013-2017 leaks published this week" -> this week.
- No times of day, time zones, holidays, seasons, quarters, fiscal years, "N months/years
  ago" (in news these are comparisons: "higher than a year ago"), or numeric dates other
  than ISO "2022-06-12". Only the first 2000 characters are read.
- Dates after ``as_of`` are ignored (nothing is published in the future: "in 2050", "this
  weekend" asked on a weekday); ranges running past it end at ``as_of``; impossible dates
  ("June 31", "29 February 2023") are ignored.
- Year-less dates mean the most recent one not after ``as_of`` ("in April" on 2024-03-01
  is April 2023; "between May and July" in June 2022 is 2021); "before <month>" uses the
  current year. Weekdays mean the most recent such day strictly before ``as_of`` (1..7 days
  back), so "on Tuesday" asked on a Tuesday is a week ago. Day ranges are exact: a story
  from Tuesday may be published on Wednesday, so callers may widen them.
- Heuristics, not parsing: a month alone or a year alone counts only after a preposition
  ("in May", "since 2021"), so "Who may win?" and "2000 people" are left alone; "Today" or
  a weekday right after a capitalised word or a known modifier ("USA Today", "Bloody
  Sunday", "the Sunday Times", "next Tuesday") is not taken as a date, which also drops
  "Biden Tuesday said". "since May took office" (Theresa May) still misreads.
- An absolute date may describe the story rather than when it was reported ("for the first
  time since 2019", "what happened in 1989?"); callers should treat ranges as soft filters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from qa.search.timespans import DAY, SPANS, WD, Span, resolve_span, year_in


@dataclass(frozen=True)
class TimeReading:
    since: date | None  # inclusive
    until: date | None  # inclusive
    recency: bool  # no range, but the question wants the newest articles
    phrase: str  # the time phrase found, "" if none
    question: str  # the question, minus the phrase when it was a pure filter

    def to_dict(self) -> dict:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "recency": self.recency,
            "phrase": self.phrase,
            "question": self.question,
        }


def _alt(patterns: list[str]) -> str:
    return "|".join("(?:" + re.sub(r"\(\?P<\w+>", "(?:", p) + ")" for p in patterns)


_ANY, _BARE = _alt([s[0] for s in SPANS]), _alt([s[0] for s in SPANS if s[2]])
_END = r"(?![\w-])"
_TOP = [
    ("pair", re.compile(rf"\b(?:between|from)\s+(?P<a>{_ANY}){_END}\s*(?:and|to|until|till"
                        rf"|through|-|–)\s*(?P<b>{_ANY}){_END}", re.I)),
    ("op", re.compile(rf"\b(?P<op>since|after|before|prior\s+to)\s+(?P<a>{_ANY}){_END}", re.I)),
    ("in", re.compile(rf"\b(?:in|on|during|throughout|over|within|as\s+of)\s+"
                      rf"(?P<a>{_ANY}){_END}", re.I)),
    ("bare", re.compile(rf"\b(?P<a>{_BARE}){_END}", re.I)),
]
_RECENT = re.compile(
    r"\b(?:(?P<drop>recently|lately|currently|nowadays|these\s+days|(?:right|just)\s+now|now"
    r"|at\s+(?:the\s+)?(?:moment|present)|in\s+recent\s+(?:days|weeks|months|years|times))"
    r"|(?P<keep>latest|newest|most\s+recent|recent|current|up[-\s]to[-\s]date|new|today['’]s"
    r"|(?:this|last)\s+(?:week|month|year)['’]s|later\s+this\s+(?:week|month|year)"
    rf"|next\s+(?:week|month|year|{WD})|this\s+weekend"
    r"|(?:the\s+)?(?:coming|upcoming)\s+(?:days|weeks|months)))"
    r"(?![\w-])", re.I)
_COMPLEMENT = r"\b(?:of|to|than|for|from|at|by|with|about|until|till)\s+$"
_NAMED = {"the", "a", "next", "every", "each", "coming", "following", "bloody", "super",
          "black", "cyber", "good", "easter", "ash", "holy", "palm", "shrove", "giving", "fat",
          "maundy", "mothering", "usa"}
_NAME_AFTER = re.compile(r"\s+(?:Times|Telegraph|Mirror|Express|Post|Herald|Mail|Night Live"
                         r"|Football|(?i:show|programme|program))\b")
_PLACE_AFTER = re.compile(r"\s+(?:york|zealand|jersey|delhi|hampshire|mexico|orleans|guinea"
                          r"|south\s+wales|caledonia|brunswick|haven)\b", re.I)


def _is_name(text: str, start: int, end: int) -> bool:
    """'USA Today', 'Bloody Sunday', 'the Sunday Times': a name, not a date."""
    if _NAME_AFTER.match(text, end):
        return True
    m = re.search(r"(\w+)(?:['’]s)?\s+$", text[:start])
    if not m:
        return False
    word, head = m.group(1), text[: m.start()].rstrip()
    first = not head or head[-1] in ".?!:\"“‘('"
    return word.lower() in _NAMED or (word[0].isupper() and not first and not text.isupper())


def _span_of(kind: str, m: re.Match, text: str, as_of: date) -> Span | None:
    a = m["a"]
    if kind == "pair":
        b = resolve_span(m["b"], as_of, year_in(a))
        if not b or not b[0]:
            return None
        ra = resolve_span(a, as_of, b[0].year)
        if ra and ra[0] and ra[0] > b[0] and year_in(a) is None:
            ra = resolve_span(a, as_of, b[0].year - 1)
        span: Span | None = (ra[0], b[1]) if ra else None
    elif kind == "op":
        op = m["op"].lower()
        found = resolve_span(a, as_of, as_of.year if op[0] in "bp" else None)
        if not found or not found[0] or not found[1]:
            return None
        if op[0] in "bp":  # before / prior to
            return (None, found[0] - DAY) if found[0] - DAY < as_of else None
        span = (found[0], as_of) if op == "since" else (found[1] + DAY, as_of)
    else:
        if kind == "bare" and re.match(rf"(?:today|{WD})", a, re.I) and _is_name(
                text, m.start("a"), m.end("a")):
            return None
        span = resolve_span(a, as_of)
    if not span or (span[0] and span[0] > as_of):
        return None
    until = min(span[1], as_of) if span[1] else None
    return None if span[0] and until and span[0] > until else (span[0], until)


def _width(span: Span | None, as_of: date) -> int:
    """How much time a range covers: the narrowest is the most specific."""
    if not span:
        return 0
    return ((span[1] or as_of) - (span[0] or date.min)).days


def _cut(text: str, start: int, end: int) -> str:
    q = re.sub(r"\s+", " ", text[:start] + " " + text[end:])
    q = re.sub(r"\s+([?.!,;:)])", r"\1", q)
    q = re.sub(r"[,;:](?=[?.!,;:])", "", q).lstrip(" ,;:–—-").strip()
    if not re.search(r"\w", q):
        return text.strip()
    return q[0].upper() + q[1:] if text.lstrip()[:1].isupper() else q


def read_time(question: str, as_of: date) -> TimeReading:
    """The first (most specific) time phrase in ``question``, as a range up to ``as_of``."""
    text = question or ""
    scan = text[:2000]  # a question, not a book
    cands: list[tuple[int, int, Span | None, bool]] = []  # start, end, span, keep in question
    spans: list[tuple[int, int]] = []  # every phrase, also those ignored ("after June 2030")
    for kind, rx in _TOP:
        for m in rx.finditer(scan):
            spans.append(m.span())
            if span := _span_of(kind, m, text, as_of):
                cands.append((m.start(), m.end(), span, m.group().endswith(("'s", "’s"))))
    for m in _RECENT.finditer(scan):
        if (m["keep"] or "").lower() == "new" and (
            _PLACE_AFTER.match(text, m.end())
            or (re.match(r"\s+[A-Z]", text[m.end():]) and not text.isupper())
        ):
            continue  # New York, New Zealand, "the new Prime Minister"
        cands.append((m.start(), m.end(), None, bool(m["keep"])))
        spans.append(m.span())
    cands = [c for c in cands  # a phrase inside a longer one is part of it
             if not any(o[0] <= c[0] and c[1] <= o[1] and o[1] - o[0] > c[1] - c[0]
                        for o in spans)]
    if not cands:
        return TimeReading(None, None, False, "", question)
    ranged = [c for c in cands if c[2]]
    start, end, span, keep = min(ranged or cands, key=lambda c: (_width(c[2], as_of), c[0]))
    # "album of the last 12 months", "than a year ago": part of the sentence, not a filter
    keep = keep or bool(re.search(_COMPLEMENT, text[:start]))
    since, until = span or (None, None)
    return TimeReading(since, until, span is None, text[start:end],
                    question if keep else _cut(text, start, end))
