"""Parsing what the web page and the /ask API receive: dates, source filters, history,
and the NEWSQA_AUTH login spec. Each bad value becomes a ``QAError`` whose message says what
is expected. No gradio, no store access.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

from qa.dates import read_date
from qa.errors import ConfigError, QAError


def _json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise QAError(f"{name} is not valid JSON.") from None


def parse_day(text: str | None, end: bool = False, name: str = "date") -> date | None:
    """A date field of the page: what ``qa.dates.read_date`` accepts (2025-05-01, 2025-05,
    2025; the last day of a month or year when ``end``)."""
    return read_date(text, end=end, name=name)


def parse_filters(since: str | None, until: str | None, source: Any,
                  names: tuple[str, str] = ("since", "until")) -> dict[str, Any]:
    """The page's filter fields as keyword arguments for ``qa.ask``: ``since``, ``until``
    (the end of a month or year given alone) and ``sources``. ``names`` are the fields' names
    in error messages (the page says "from"/"to", the API "since"/"until")."""
    return {"since": parse_day(since, name=names[0]),
            "until": parse_day(until, end=True, name=names[1]),
            "sources": parse_sources(source)}


def parse_auth(spec: str) -> list[tuple[str, str]] | None:
    """NEWSQA_AUTH: 'user:password', or a file with one 'user:password' per line."""
    spec = (spec or "").strip()
    if not spec:
        return None
    lines = [spec]
    if os.path.isfile(spec):
        lines = Path(spec).read_text(encoding="utf-8").splitlines()
    pairs = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, pw = line.partition(":")
        if not sep or not user or not pw:
            raise ConfigError("NEWSQA_AUTH must be 'user:password' or a file of such lines.")
        pairs.append((user, pw))
    if not pairs:
        raise ConfigError(f"NEWSQA_AUTH file {spec} holds no 'user:password' line.")
    return pairs


def parse_sources(source: Any) -> list[str] | None:
    """A source filter: one name, a JSON list of names, or a list (from the dropdown)."""
    if not source:
        return None
    if isinstance(source, str):
        source = source.strip()
        if source.startswith("["):
            source = _json(source, "source")
        else:
            source = [source] if source else []
    if not isinstance(source, list | tuple):
        raise QAError("source must be a name or a JSON list of names.")
    return [str(s) for s in source if s] or None


def parse_history(history: Any) -> list:
    """API history: a JSON list of [question, answer] pairs or {role, content} messages."""
    if isinstance(history, str):
        history = _json(history, "history") if history.strip() else []
    if not isinstance(history, list):
        raise QAError("history must be a JSON list of [question, answer] pairs or messages.")
    return [tuple(h) if isinstance(h, list) else h for h in history]


__all__ = ["parse_auth", "parse_day", "parse_filters", "parse_history", "parse_sources"]
