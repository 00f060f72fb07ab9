"""Publication dates from the strings pages and records carry.

``parse_date(s)`` returns a ``datetime.date`` or ``None`` -- never raises: ISO and
``YYYY/MM/DD`` directly, everything else through dateutil with the time zone ignored (the
date is the one written); a leading "Published:"/"Updated"/"Posted on" is ignored. A
string missing its year or day ("June 2022", "June 12") gives ``None`` rather than a
guess, as do impossible dates ("2024-20-29"), years outside 1900-2100, and text that does
not look like a date at all. ``date_line(s)`` recognises a short line that is only a date.
No relative dates ("3 hours ago"): there is nothing to anchor them to.
"""

from __future__ import annotations

import re
import warnings
from datetime import date, datetime

from dateutil import parser as _dateutil

_MONTHS = (r"jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|"
           r"sep(t(ember)?)?|oct(ober)?|nov(ember)?|dec(ember)?")
_HINT = re.compile(rf"\b({_MONTHS})\b\.?|\d{{1,4}}[-/.]\d{{1,2}}[-/.]\d{{1,4}}", re.I)
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[T\s])")
_SLASHED = re.compile(r"^\s*(\d{4})/(\d{1,2})/(\d{1,2})\b")
_PREFIX = re.compile(r"^\s*(?:(?:first\s+|last\s+)?(?:published|updated|posted|modified)"
                     r"(?:\s+on)?|dated?|on)\s*[:\-–—]?\s*", re.I)
_DEFAULTS = (datetime(1901, 1, 1), datetime(1902, 2, 2))


def _valid(y: int, m: int, d: int) -> date | None:
    if not 1900 <= y <= 2100:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_date(value: object) -> date | None:
    """A calendar date from ``value`` (a str, date or datetime), or None."""
    if isinstance(value, datetime):
        return _valid(value.year, value.month, value.day)
    if isinstance(value, date):
        return _valid(value.year, value.month, value.day)
    if not isinstance(value, str):
        return None
    s = _PREFIX.sub("", " ".join(value.split()), count=1)
    if not s or len(s) > 80 or not any(c.isdigit() for c in s):
        return None
    for pattern in (_ISO, _SLASHED):
        m = pattern.match(s)
        if m:
            return _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if not _HINT.search(s):
        return None
    results = []
    for default in _DEFAULTS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results.append(_dateutil.parse(s, default=default, ignoretz=True))
        except (ValueError, OverflowError, TypeError, ArithmeticError):
            return None
    a, b = results
    if (a.year, a.month, a.day) != (b.year, b.month, b.day):  # a part was missing: no guess
        return None
    return _valid(a.year, a.month, a.day)


def date_line(line: str) -> date | None:
    """The date when ``line`` is only a date (maybe "Published: ..."), else None."""
    s = line.strip()
    if not s or len(s.split()) > 12:
        return None
    return parse_date(s)
