"""The one date grammar of newsqa, for every date a user or a script gives us.

``read_date`` accepts a ``date``, a ``datetime`` (its time is dropped) or a string:
``2025-05-01``, ``2025-05`` or ``2025`` (a month or a year: its first day, or its last with
``end=True``), or an ISO date-time such as ``2025-05-01T09:30:00Z`` (the date part). The CLI,
the web page and the Python API all call it, so all accept the same things and say the same
thing about a bad value. ``ymd``/``from_ymd`` convert to and from the ``yyyymmdd`` integer the
store keeps. Dates found *inside articles* ("Published Oct. 3") are ``ingest.dates``' job.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from qa.errors import QAError

DateLike = date | str | None  # a date, or a string like 2025-05-01 / 2025-05 / 2025

_ISO = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_TIME = re.compile(r"[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


def read_date(value: DateLike | datetime, *, end: bool = False,
              name: str = "") -> date | None:
    """``value`` as a date (None for None or blank); a bad value raises a one-line QAError."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    m = _ISO.fullmatch(text[:10]) if len(text) > 10 and _TIME.fullmatch(text[10:]) else \
        _ISO.fullmatch(text)
    try:
        if m and (m.group(3) or len(text) > 10):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m and m.group(2):
            y, mo = int(m.group(1)), int(m.group(2))
            first = date(y, mo, 1)
            if not end:
                return first
            return date(y + mo // 12, mo % 12 + 1, 1) - timedelta(days=1)
        if m:
            y = int(m.group(1))
            return date(y, 12, 31) if end else date(y, 1, 1)
    except (ValueError, TypeError):
        pass
    label = f"The {name} date" if name else "The date"
    raise QAError(f"{label} {text!r} is not a date like 2025-05-01 "
                  "(or 2025-05, 2025).")


def ymd(d: date | None) -> int:
    """A date as the yyyymmdd integer the store keeps (0 for none)."""
    return d.year * 10000 + d.month * 100 + d.day if d else 0


def from_ymd(n: int | str | None) -> date | None:
    """The date of a stored yyyymmdd integer (None for 0, missing or invalid)."""
    try:
        v = int(n or 0)
        return date(v // 10000, v // 100 % 100, v % 100) if v else None
    except (ValueError, TypeError):
        return None
