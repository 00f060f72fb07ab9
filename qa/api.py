"""The public functions ``ask``, ``ask_stream``, ``retrieve``, ``collection_stats``: each
uses the default ``QA`` instance for its ``Settings`` (one per process and settings, so the
models and the store open once). Scripts may omit settings: then ``Settings.from_env()`` is
read once, here at the edge. Loose filter arguments become one ``Filters`` value here.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from qa.dates import DateLike
from qa.search.filters import Filters
from qa.service import QA
from qa.settings import Settings
from qa.types import Answer, Citation, Response

Names = Sequence[str] | str | None

# ---- the default instances (one per Settings) and the module-level API ---------------------
_DEFAULTS: dict[Settings, QA] = {}
_DEFAULTS_LOCK = threading.Lock()


def default(settings: Settings | None = None) -> QA:
    """The shared ``QA`` for these settings (``Settings.from_env()`` when None)."""
    settings = settings or Settings.from_env()
    with _DEFAULTS_LOCK:
        qa = _DEFAULTS.get(settings)
        if qa is None:
            qa = _DEFAULTS[settings] = QA(settings)
        return qa


def retrieve(question: str, k: int = 10, since: DateLike = None, until: DateLike = None,
             sources: Names = None, as_of: DateLike = None, *, article_ids: Names = None,
             exclude_ids: Names = None, settings: Settings | None = None) -> list[Citation]:
    """Ranked passages for ``question`` (best first, numbered 1..k)."""
    f = Filters.of(since, until, sources, as_of, article_ids, exclude_ids)
    return default(settings).retrieve(question, k, f)


def ask(question: str, history: Sequence[Any] | None = None, k: int | None = None,
        since: DateLike = None, until: DateLike = None, sources: Names = None,
        as_of: DateLike = None, *, article_ids: Names = None, exclude_ids: Names = None,
        settings: Settings | None = None, llm: Any = None) -> Answer:
    """Answer ``question`` from the stored articles, with checked citations."""
    f = Filters.of(since, until, sources, as_of, article_ids, exclude_ids)
    return default(settings).ask(question, history, k, f, llm)


def ask_stream(question: str, history: Sequence[Any] | None = None, k: int | None = None,
               since: DateLike = None, until: DateLike = None, sources: Names = None,
               as_of: DateLike = None, *, article_ids: Names = None,
               exclude_ids: Names = None, settings: Settings | None = None,
               llm: Any = None) -> Response:
    """Like ``ask``, streamed: iterate the ``Response`` for text, then read ``.answer``."""
    f = Filters.of(since, until, sources, as_of, article_ids, exclude_ids)
    return default(settings).ask_stream(question, history, k, f, llm)


def collection_stats(settings: Settings | None = None) -> dict:
    """The collection at a glance: articles, chunks, sources, newest article, where."""
    return default(settings).stats()


__all__ = ["ask", "ask_stream", "collection_stats", "default", "retrieve"]
