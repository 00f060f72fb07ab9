"""The shapes of the MCP tools' results (``newsqa.mcp_server``), as TypedDicts: the SDK
publishes them as each tool's output schema and checks every result against them. The keys
are those of ``Answer.to_dict``/``Citation.to_dict`` (``source`` is the outlet,
``published`` the date, ``start``/``end`` the passage's offsets in the article text), so
MCP, ``newsqa ask --format json`` and the web app's ``/ask`` speak one vocabulary.
``typing_extensions.TypedDict``: pydantic needs it on Python < 3.12.
"""

from __future__ import annotations

from typing_extensions import TypedDict


class Copy(TypedDict):
    source: str
    url: str
    published: str | None
    title: str
    article_id: str


class Passage(TypedDict):
    number: int
    article_id: str
    title: str
    source: str
    author: str
    published: str | None
    url: str
    passage: str
    start: int
    end: int
    score: float
    highlight: list[int] | None
    also_in: list[Copy]


class Item(TypedDict):
    """One dated line of a story answer (``TimelineItem.to_dict``)."""

    published: str | None
    text: str
    citation: int
    source: str
    revised: bool
    figure: str


class AskResult(TypedDict):
    question: str
    text: str
    refused: bool
    query: str
    citations: list[Passage]
    related: list[Passage]
    dropped: list[str]
    filters: dict[str, str]
    grounding: float
    kind: str
    items: list[Item]


class SearchResult(TypedDict):
    query: str
    passages: list[Passage]


class Source(TypedDict):
    source: str
    articles: int
    first: str | None
    last: str | None


class SourcesResult(TypedDict):
    articles: int
    chunks: int
    first: str | None
    last: str | None
    sources: list[Source]


class Article(TypedDict):
    article_id: str
    title: str
    source: str
    author: str
    published: str | None
    url: str
    copy_of: str | None
    chars: int
    text: str


class IngestResult(TypedDict):
    added: int
    updated: int
    unchanged: int
    grouped: int
    failed: list[dict[str, str]]
    summary: str


__all__ = ["Article", "AskResult", "Copy", "IngestResult", "Passage", "SearchResult",
           "Source", "SourcesResult"]
