"""Read one time phrase out of a news question: ``read_time(question, as_of) -> TimeHint``.

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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta


@dataclass(frozen=True)
class TimeHint:
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


Span = tuple[date | None, date | None]
_DAY = timedelta(days=1)
_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
_WEEKDAYS = "mon tue wed thu fri sat sun".split()
_NUMS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
         "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
         "few": 3, "couple": 2, "several": 4}
_MON = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
        r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_WD = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_NUM = r"\d{1,3}|couple\s+of|" + "|".join(sorted(_NUMS, key=len, reverse=True))
_Y = r"(?:19|20)\d\d"
_ORD = r"(?:st|nd|rd|th)?"
_PART = r"(?:\s+(?:morning|afternoon|evening|night))?"
_POS = r"(?:['’]s)?"
_EDGE = r"(?:(?:early|mid|late)[-\s]+)?"
_ON = rf"(?:{_WD},?\s+)?"  # "Sunday, June 12"
_COUNT = (r"(?:%|percent|people|persons|troops|soldiers|police|cases|deaths|votes|jobs|homes"
          r"|workers|residents|fans|feet|metres|meters|miles|km|tons|tonnes|units|points)")


def _num(s: str) -> int:
    s = s.split()[0].lower()
    return int(s) if s.isdigit() else _NUMS[s]


def _step(unit: str, n: int) -> relativedelta:
    return relativedelta(**{unit + "s": n})


def _start(unit: str, d: date) -> date:
    if unit == "week":
        return d - d.weekday() * _DAY
    return {"day": d, "month": d.replace(day=1), "year": date(d.year, 1, 1)}[unit]


def _end(unit: str, d: date) -> date:
    return _start(unit, d) + _step(unit, 1) - _DAY


def _ymd(y: int, m: int, d: int) -> Span | None:
    try:
        day = date(y, m, d)
    except ValueError:
        return None
    return day, day


def _mon(s: str) -> int:
    return int(s) if s.isdigit() else _MONTHS.index(s[:3].lower()) + 1


def _r_date(m: re.Match, as_of: date, year: int | None) -> Span | None:
    mon, d, y = _mon(m["mon"]), int(m["d"]), m.groupdict().get("y")
    if y or year:
        return _ymd(int(y or year), mon, d)
    y = as_of.year if (mon, d) <= (as_of.month, as_of.day) else as_of.year - 1
    for back in range(8):  # 29 February: the most recent leap year
        if found := _ymd(y - back, mon, d):
            return found
    return None


def _r_month(m: re.Match, as_of: date, year: int | None) -> Span | None:
    mon, groups = _mon(m["mon"]), m.groupdict()
    if groups.get("y"):
        y = int(groups["y"])
    elif groups.get("rel"):
        y = as_of.year - (groups["rel"].lower() == "last")
    else:
        y = year or (as_of.year if mon <= as_of.month else as_of.year - 1)
    return date(y, mon, 1), _end("month", date(y, mon, 1))


def _r_year(m: re.Match, as_of: date, year: int | None) -> Span | None:
    y, decade = int(m["y"]), len(m["y"]) == 3  # "2021" or "the 1990s"
    return date(y * 10 if decade else y, 1, 1), date(y * 10 + 9 if decade else y, 12, 31)


def _r_rel(m: re.Match, as_of: date, year: int | None) -> Span | None:
    w, unit = m["w"].split()[0].lower(), m["u"].lower()
    if w in ("this", "earlier"):  # calendar period so far
        return None if m["n"] or unit in ("day", "hour") else (_start(unit, as_of), as_of)
    if not m["n"] and not m["the"] and w != "past":  # "last week": the previous calendar one
        if unit in ("day", "hour"):
            return None
        return _start(unit, as_of - _step(unit, 1)), _start(unit, as_of) - _DAY
    n = _num(m["n"]) if m["n"] else 1  # "the past 3 weeks": a rolling window
    if unit == "hour":
        return as_of - -(-n // 24) * _DAY, as_of
    return as_of - _step(unit, n), as_of


def _r_ago(m: re.Match, as_of: date, year: int | None) -> Span | None:
    unit = m["u"].lower()
    d = as_of - _step(unit, _num(m["n"]))
    return _start(unit, d), _end(unit, d)


def _r_weekend(m: re.Match, as_of: date, year: int | None) -> Span | None:
    sat = as_of - ((as_of.weekday() - 5) % 7) * _DAY
    if m["w"].lower() == "last" and sat + _DAY >= as_of:
        sat -= 7 * _DAY
    elif m["w"].lower() == "this" and as_of.weekday() < 5:
        sat += 7 * _DAY  # the coming weekend: in the future, so ignored
    return sat, sat + _DAY


def _r_day(m: re.Match, as_of: date, year: int | None) -> Span | None:
    w = m["w"].lower()
    if w.startswith(("today", "tonight")) and m.group().endswith(("'s", "’s")):
        return None  # "today's teens": a recency word, not a date
    if w.startswith("yesterday"):
        return as_of - _DAY, as_of - _DAY
    return (as_of - _DAY, as_of) if w.startswith("last") else (as_of, as_of)


def _r_weekday(m: re.Match, as_of: date, year: int | None) -> Span | None:
    back = (as_of.weekday() - _WEEKDAYS.index(m["wd"][:3].lower())) % 7 or 7
    return as_of - back * _DAY, as_of - back * _DAY


Resolver = Callable[[re.Match, date, int | None], Span | None]
# (pattern, resolver, may stand without a preposition); earlier = more specific
_SPANS: list[tuple[str, Resolver, bool]] = [
    (rf"(?P<y>{_Y})-(?P<mon>[01]\d)-(?P<d>[0-3]\d)", _r_date, True),
    (rf"{_ON}(?P<mon>{_MON})\.?\s+(?P<d>\d{{1,2}}){_ORD},?\s+(?P<y>{_Y})", _r_date, True),
    (rf"{_ON}(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<mon>{_MON})\.?,?\s+(?P<y>{_Y})",
     _r_date, True),
    (rf"{_EDGE}(?P<mon>{_MON})\.?,?\s+(?P<y>{_Y})", _r_month, True),
    (rf"{_ON}(?P<mon>{_MON})\.?\s+(?P<d>\d{{1,2}}){_ORD}(?![,.:]?\d)", _r_date, False),
    (rf"{_ON}(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<mon>{_MON})", _r_date, False),
    (rf"{_EDGE}(?P<mon>{_MON})\s+(?P<rel>this|last)\s+year", _r_month, False),
    (rf"{_EDGE}(?P<mon>{_MON})", _r_month, False),
    (rf"(?:(?P<the>the|this)\s+)?(?P<w>past|last|previous|this|earlier\s+this)\s+"
     rf"(?:(?P<n>{_NUM})\s+)?(?P<u>day|week|month|year|hour)s?(?!['’]s)", _r_rel, True),
    (rf"(?P<n>{_NUM})\s+(?P<u>day|week)s?\s+ago", _r_ago, True),
    (rf"(?:(?:over|at|on|during)\s+)?(?P<w>the|this|last|(?:this|the)\s+past)\s+weekend{_POS}",
     _r_weekend, True),
    (r"(?:(?:early|late)\s+)?(?P<w>today|tonight|yesterday|last\s+night"
     rf"|this\s+(?:morning|afternoon|evening)){_PART}{_POS}", _r_day, True),
    (rf"(?:(?:last|this|past|early|late)\s+)?(?P<wd>{_WD}){_PART}{_POS}", _r_weekday, True),
    (r"(?:the\s+)?(?P<y>(?:19|20)\d)0['’]?s", _r_year, False),
    (rf"(?:the\s+year\s+)?{_EDGE}(?P<y>{_Y})(?![-–,.]?\d|\s+{_COUNT}\b)", _r_year, False),
]
_COMPILED = [(re.compile(p, re.I), fn) for p, fn, _ in _SPANS]


def _alt(patterns: list[str]) -> str:
    return "|".join("(?:" + re.sub(r"\(\?P<\w+>", "(?:", p) + ")" for p in patterns)


_ANY, _BARE = _alt([s[0] for s in _SPANS]), _alt([s[0] for s in _SPANS if s[2]])
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
    rf"|next\s+(?:week|month|year|{_WD})|this\s+weekend"
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


def _resolve(s: str, as_of: date, year: int | None = None) -> Span | None:
    for rx, fn in _COMPILED:
        if m := rx.fullmatch(s):
            return fn(m, as_of, year)
    return None


def _year_in(s: str) -> int | None:
    m = re.search(rf"\b{_Y}\b", s)
    return int(m.group()) if m else None


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
        b = _resolve(m["b"], as_of, _year_in(a))
        if not b or not b[0]:
            return None
        ra = _resolve(a, as_of, b[0].year)
        if ra and ra[0] and ra[0] > b[0] and _year_in(a) is None:
            ra = _resolve(a, as_of, b[0].year - 1)
        span: Span | None = (ra[0], b[1]) if ra else None
    elif kind == "op":
        op = m["op"].lower()
        found = _resolve(a, as_of, as_of.year if op[0] in "bp" else None)
        if not found or not found[0] or not found[1]:
            return None
        if op[0] in "bp":  # before / prior to
            return (None, found[0] - _DAY) if found[0] - _DAY < as_of else None
        span = (found[0], as_of) if op == "since" else (found[1] + _DAY, as_of)
    else:
        if kind == "bare" and re.match(rf"(?:today|{_WD})", a, re.I) and _is_name(
                text, m.start("a"), m.end("a")):
            return None
        span = _resolve(a, as_of)
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


def read_time(question: str, as_of: date) -> TimeHint:
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
        return TimeHint(None, None, False, "", question)
    ranged = [c for c in cands if c[2]]
    start, end, span, keep = min(ranged or cands, key=lambda c: (_width(c[2], as_of), c[0]))
    # "album of the last 12 months", "than a year ago": part of the sentence, not a filter
    keep = keep or bool(re.search(_COMPLEMENT, text[:start]))
    since, until = span or (None, None)
    return TimeHint(since, until, span is None, text[start:end],
                    question if keep else _cut(text, start, end))
