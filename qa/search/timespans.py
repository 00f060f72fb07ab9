"""The grammar of single time spans in a question ("March 2022", "last week", "2 days ago",
"on Tuesday", "yesterday") and their resolution to an inclusive date range relative to
``as_of``. ``SPANS`` lists (pattern, resolver, may-stand-alone); ``resolve_span`` reads one
span. Combining spans ("between May and July", "since 2021") and deciding which phrase of a
question counts is ``qa.search.timewords``' job. Pure: stdlib + dateutil, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

Span = tuple[date | None, date | None]
DAY = timedelta(days=1)
_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
_WEEKDAYS = "mon tue wed thu fri sat sun".split()
_NUMS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
         "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
         "few": 3, "couple": 2, "several": 4}
_MON = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
        r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
WD = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_NUM = r"\d{1,3}|couple\s+of|" + "|".join(sorted(_NUMS, key=len, reverse=True))
_Y = r"(?:19|20)\d\d"
_ORD = r"(?:st|nd|rd|th)?"
_PART = r"(?:\s+(?:morning|afternoon|evening|night))?"
_POS = r"(?:['’]s)?"
_EDGE = r"(?:(?:early|mid|late)[-\s]+)?"
_ON = rf"(?:{WD},?\s+)?"  # "Sunday, June 12"
_COUNT = (r"(?:%|percent|people|persons|troops|soldiers|police|cases|deaths|votes|jobs|homes"
          r"|workers|residents|fans|feet|metres|meters|miles|km|tons|tonnes|units|points)")


def _num(s: str) -> int:
    s = s.split()[0].lower()
    return int(s) if s.isdigit() else _NUMS[s]


def _step(unit: str, n: int) -> relativedelta:
    return relativedelta(**{unit + "s": n})


def _start(unit: str, d: date) -> date:
    if unit == "week":
        return d - d.weekday() * DAY
    return {"day": d, "month": d.replace(day=1), "year": date(d.year, 1, 1)}[unit]


def _end(unit: str, d: date) -> date:
    return _start(unit, d) + _step(unit, 1) - DAY


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
        return _start(unit, as_of - _step(unit, 1)), _start(unit, as_of) - DAY
    n = _num(m["n"]) if m["n"] else 1  # "the past 3 weeks": a rolling window
    if unit == "hour":
        return as_of - -(-n // 24) * DAY, as_of
    return as_of - _step(unit, n), as_of


def _r_ago(m: re.Match, as_of: date, year: int | None) -> Span | None:
    unit = m["u"].lower()
    d = as_of - _step(unit, _num(m["n"]))
    return _start(unit, d), _end(unit, d)


def _r_weekend(m: re.Match, as_of: date, year: int | None) -> Span | None:
    sat = as_of - ((as_of.weekday() - 5) % 7) * DAY
    if m["w"].lower() == "last" and sat + DAY >= as_of:
        sat -= 7 * DAY
    elif m["w"].lower() == "this" and as_of.weekday() < 5:
        sat += 7 * DAY  # the coming weekend: in the future, so ignored
    return sat, sat + DAY


def _r_day(m: re.Match, as_of: date, year: int | None) -> Span | None:
    w = m["w"].lower()
    if w.startswith(("today", "tonight")) and m.group().endswith(("'s", "’s")):
        return None  # "today's teens": a recency word, not a date
    if w.startswith("yesterday"):
        return as_of - DAY, as_of - DAY
    return (as_of - DAY, as_of) if w.startswith("last") else (as_of, as_of)


def _r_weekday(m: re.Match, as_of: date, year: int | None) -> Span | None:
    back = (as_of.weekday() - _WEEKDAYS.index(m["wd"][:3].lower())) % 7 or 7
    return as_of - back * DAY, as_of - back * DAY


Resolver = Callable[[re.Match, date, int | None], Span | None]
# (pattern, resolver, may stand without a preposition); earlier = more specific
SPANS: list[tuple[str, Resolver, bool]] = [
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
    (rf"(?:(?:last|this|past|early|late)\s+)?(?P<wd>{WD}){_PART}{_POS}", _r_weekday, True),
    (r"(?:the\s+)?(?P<y>(?:19|20)\d)0['’]?s", _r_year, False),
    (rf"(?:the\s+year\s+)?{_EDGE}(?P<y>{_Y})(?![-–,.]?\d|\s+{_COUNT}\b)", _r_year, False),
]
_COMPILED = [(re.compile(p, re.I), fn) for p, fn, _ in SPANS]


def resolve_span(s: str, as_of: date, year: int | None = None) -> Span | None:
    for rx, fn in _COMPILED:
        if m := rx.fullmatch(s):
            return fn(m, as_of, year)
    return None


def year_in(s: str) -> int | None:
    m = re.search(rf"\b{_Y}\b", s)
    return int(m.group()) if m else None


