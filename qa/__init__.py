"""newsqa query side: ask questions of the stored news articles.

    from qa import ask, retrieve, Answer, Citation, QAError
    ans = ask("When did the Harbor Bridge reopen?")
    print(ans.text)                      # "... [1]"
    for c in ans.citations: print(c.number, c.title, c.url, c.passage)

See ``qa.api`` for the parameters (history, k, since, until, sources, as_of). The names
are loaded lazily (PEP 562): ``import qa`` loads neither llama-index nor chromadb; the first
use of ``ask`` does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "ask": "qa.api", "ask_stream": "qa.api", "collection_stats": "qa.api",
    "retrieve": "qa.api", "QA": "qa.service", "Response": "qa.types",
    "QAError": "qa.errors", "Settings": "qa.settings", "Filters": "qa.search.filters",
    "Answer": "qa.types", "Citation": "qa.types", "StoryCopy": "qa.types",
    "TimelineItem": "qa.types",
    "also_in_text": "qa.alsoin",
}

__all__ = ["QA", "Answer", "Citation", "Filters", "QAError", "Response", "Settings",
           "StoryCopy", "TimelineItem", "also_in_text", "ask", "ask_stream",
           "collection_stats", "retrieve"]

if TYPE_CHECKING:  # pragma: no cover
    from qa.alsoin import also_in_text
    from qa.api import ask, ask_stream, collection_stats, retrieve
    from qa.errors import QAError
    from qa.search.filters import Filters
    from qa.service import QA
    from qa.settings import Settings
    from qa.types import Answer, Citation, Response, StoryCopy, TimelineItem


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'qa' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
