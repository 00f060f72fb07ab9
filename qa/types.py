"""Public result types: ``Citation`` (with its story's other copies, ``StoryCopy``),
``Answer`` (with a timeline's dated ``TimelineItem``s) and the streamed ``Response``.

Frozen dataclasses with ``to_dict()`` for JSON. No llama-index or chromadb type ever
appears here: these are what scripts, the CLI and the web app receive.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple


class StoryCopy(NamedTuple):
    """Another copy of a cited story: the same text in another outlet (or at another URL),
    stored in the story's group of near-copies (``Citation.also_in``)."""

    source: str
    url: str
    published: date | None
    title: str = ""
    article_id: str = ""

    def to_dict(self) -> dict:
        return {"source": self.source, "url": self.url,
                "published": self.published.isoformat() if self.published else None,
                "title": self.title, "article_id": self.article_id}


@dataclass(frozen=True)
class Citation:
    """One passage of one article. ``passage == article_text[start:end]`` exactly."""

    number: int
    article_id: str
    title: str
    url: str
    source: str
    author: str
    published: date | None
    passage: str
    start: int
    end: int
    score: float
    chunk_id: str = ""
    #: char span inside ``passage`` of the sentence that supports the answer, if known
    highlight: tuple[int, int] | None = None
    #: the cross-encoder's relevance logit for this passage, when search reranked it
    relevance: float | None = None
    #: the story's other copies (near-duplicates stored in its group), earliest first;
    #: ``qa.alsoin.also_in_text`` makes the card's "also in: ..." line
    also_in: tuple[StoryCopy, ...] = ()

    def to_dict(self) -> dict:
        return {
            "number": self.number,
            "article_id": self.article_id,
            "title": self.title,
            "url": self.url,
            "source": self.source,
            "author": self.author,
            "published": self.published.isoformat() if self.published else None,
            "passage": self.passage,
            "start": self.start,
            "end": self.end,
            "score": round(float(self.score), 6),
            "chunk_id": self.chunk_id,
            "highlight": list(self.highlight) if self.highlight else None,
            "relevance": None if self.relevance is None else round(float(self.relevance), 4),
            "also_in": [c.to_dict() for c in self.also_in],
        }


class TimelineItem(NamedTuple):
    """One dated line of a story answer (a timeline, what changed, a digest): what the
    article of citation ``citation`` said on ``published``."""

    published: date | None
    text: str
    citation: int
    source: str = ""
    revised: bool = False  # its figure replaces an earlier article's (see ``figure``)
    #: on the lines of a revised figure, which figure ("death toll", "reopening"); "" on
    #: the story's own lines (one per article)
    figure: str = ""

    def to_dict(self) -> dict:
        return {"published": self.published.isoformat() if self.published else None,
                "text": self.text, "citation": self.citation, "source": self.source,
                "revised": self.revised, "figure": self.figure}


@dataclass(frozen=True)
class Answer:
    """What ``qa.ask`` returns.

    ``text`` carries ``[n]`` markers; ``citations`` are exactly the passages the text cites,
    renumbered from 1 in order of first mention. When ``refused`` is true, ``text`` says
    plainly that the articles do not answer the question and ``related`` holds the closest
    passages (never presented as an answer).
    """

    question: str
    text: str
    citations: tuple[Citation, ...]
    refused: bool
    query: str = ""  # what was actually searched (a follow-up rewritten standalone)
    related: tuple[Citation, ...] = ()
    dropped: tuple[str, ...] = ()  # answer sentences removed because no passage supports them
    mode: str = "extractive"
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    filters: dict[str, str] = field(default_factory=dict)  # the date/source filters applied
    grounding: float = 0.0  # how well the articles support an answer; refused below threshold
    signals: dict[str, float] = field(default_factory=dict)  # what grounding is made of
    #: char offsets into ``text`` of the answer itself (a date, number, name or place)
    spans: tuple[tuple[int, int], ...] = ()
    #: what kind of answer: "answer" (a fact), "timeline" (a story, oldest first),
    #: "changes" (what a story revised or added), "coverage" (who covered it, how many
    #: articles) or "digest" (what is new)
    kind: str = "answer"
    #: the dated lines of a timeline, changes, coverage or digest answer, oldest first
    items: tuple[TimelineItem, ...] = ()
    #: (articles still waiting for their vectors, articles stored) while ingestion's
    #: backfill runs: those are found by keywords only for now; () when all are in
    indexing: tuple[int, int] | tuple[()] = ()

    @property
    def notice(self) -> str:
        """"Still indexing N of M articles ..." while the backfill runs, else ""."""
        return indexing_notice(*self.indexing) if self.indexing else ""

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "text": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "refused": self.refused,
            "query": self.query,
            "related": [c.to_dict() for c in self.related],
            "dropped": list(self.dropped),
            "mode": self.mode,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "filters": dict(self.filters),
            "grounding": round(float(self.grounding), 4),
            "signals": {k: round(float(v), 4) for k, v in self.signals.items()},
            "spans": [list(s) for s in self.spans],
            "kind": self.kind,
            "items": [i.to_dict() for i in self.items],
            "indexing": {"pending": self.indexing[0], "articles": self.indexing[1],
                         "notice": self.notice} if self.indexing else None,
        }


def indexing_notice(pending: int, articles: int) -> str:
    """The sentence an answer ends with while ``pending`` of ``articles`` articles wait
    for their vectors."""
    return (f"(Still indexing {pending} of {articles} articles: those are searched by "
            "keywords only until they are done.)")


class Response:
    """A streamed answer: iterate it for the answer text as it is produced; ``answer`` is the
    final ``Answer`` (reading it first consumes the rest of the stream)."""

    def __init__(self, events: Iterator[str | Answer]) -> None:
        self._events = events
        self._answer: Answer | None = None

    def __iter__(self) -> Iterator[str]:
        for event in self._events:
            if isinstance(event, Answer):
                self._answer = event
            else:
                yield event

    def close(self) -> None:
        """Stop producing: a chat that stopped reading (its user pressed Stop) releases the
        answer's work at once — an LLM's stream is closed, not left to the garbage
        collector. Safe to call more than once, and after the end."""
        close = getattr(self._events, "close", None)
        if close is not None:
            close()

    @property
    def answer(self) -> Answer:
        if self._answer is None:
            for _ in self:
                pass
        if self._answer is None:  # pragma: no cover - the producer always ends with one
            raise RuntimeError("the answer stream ended without an answer")
        return self._answer
