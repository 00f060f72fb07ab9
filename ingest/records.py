"""Records that flow through ingestion: raw input, a cleaned ``Article``, a ``Failure``.

Readers (``ingest.read``) yield ``RawRecord`` or ``Failure``; cleaning turns a RawRecord
into an ``Article``. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class RawRecord:
    """One article as a reader found it, before cleaning.

    ``kind`` says how to clean ``body``: ``"html"`` (a whole page), ``"text"`` (plain text,
    possibly with site clutter, byline and dateline lines) or ``"fields"`` (already-separated
    fields from JSON/feeds; ``body`` is the article text, maybe with light clutter).
    """

    origin: str  # the input it came from: a path, "path:line", or a URL
    kind: str
    body: str
    url: str = ""
    title: str = ""
    author: str = ""
    published: str = ""  # as found; parsed during cleaning
    source: str = ""
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Failure:
    """An input that could not be ingested, with a one-line reason for the user."""

    origin: str
    reason: str


@dataclass(frozen=True)
class Article:
    """A cleaned article: main text plus metadata. ``id`` is stable across runs."""

    id: str
    text: str
    title: str = ""
    author: str = ""
    published: date | None = None
    source: str = ""
    url: str = ""
    origin: str = ""
