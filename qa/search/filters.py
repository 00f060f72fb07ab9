"""What restricts a search, as values: ``Filters`` (hard limits), ``TimeHint`` (what the
question's own time words suggest) and ``Scope`` (a question resolved for search).

``Filters.matches`` is the one reference predicate: the Chroma ``where`` clause and the SQL
conditions that ``qa.store.filters`` derives from a ``Filters`` are tested against it, and
post-filtering calls it directly. A ``TimeHint`` is a preference, never a limit: results
inside its window are searched separately and count twice, results outside it can still be
found. No searching here, and no store code (translations live in ``qa.store.filters``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from qa.dates import DateLike, read_date
from qa.search.timewords import read_time


def _names(value: str | Iterable[str] | None) -> tuple[str, ...]:
    if not value:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    return tuple(dict.fromkeys(str(v) for v in items if v))


@dataclass(frozen=True)
class Filters:
    """Hard limits on what a search may return. Dates are inclusive. ``as_of`` also drops
    articles published after it (undated ones stay); ``since``/``until`` drop undated ones.
    Sources match case-insensitively."""

    since: date | None = None
    until: date | None = None
    as_of: date | None = None
    sources: tuple[str, ...] = ()
    article_ids: tuple[str, ...] = ()
    exclude_ids: tuple[str, ...] = ()

    @classmethod
    def of(cls, since: DateLike = None, until: DateLike = None,
           sources: str | Iterable[str] | None = None, as_of: DateLike = None,
           article_ids: str | Iterable[str] | None = None,
           exclude_ids: str | Iterable[str] | None = None) -> Filters:
        """Filters from loose values: dates as ``qa.dates.read_date`` reads them (``until``
        "2025-05" means to the end of May), names as one string or several."""
        return cls(since=read_date(since, name="since"),
                   until=read_date(until, end=True, name="until"),
                   as_of=read_date(as_of, name="as_of"), sources=_names(sources),
                   article_ids=_names(article_ids), exclude_ids=_names(exclude_ids))

    def matches(self, published: date | None, source: str = "", article_id: str = "") -> bool:
        """The reference predicate: whether an article with these fields passes."""
        if self.since and (published is None or published < self.since):
            return False
        if self.until and (published is None or published > self.until):
            return False
        if self.as_of and published is not None and published > self.as_of:
            return False
        if self.sources and source.lower() not in {s.lower() for s in self.sources}:
            return False
        if self.article_ids and article_id not in self.article_ids:
            return False
        return article_id not in self.exclude_ids

    @property
    def narrow(self) -> bool:
        """Whether a source or article list limits the search (cheap for Chroma's where)."""
        return bool(self.sources or self.article_ids)

    @property
    def empty(self) -> bool:
        return self == Filters()

    def with_range(self, since: date | None, until: date | None) -> Filters:
        return replace(self, since=since, until=until)

    def describe(self) -> dict[str, str]:
        """The filters for people (and ``Answer.filters``)."""
        out: dict[str, str] = {}
        if self.since:
            out["since"] = self.since.isoformat()
        if self.until:
            out["until"] = self.until.isoformat()
        if self.sources:
            out["sources"] = ", ".join(self.sources)
        if self.as_of:
            out["as_of"] = self.as_of.isoformat()
        return out


@dataclass(frozen=True)
class TimeHint:
    """What a question's time words say: a preferred date window and/or "the latest"."""

    since: date | None = None
    until: date | None = None
    phrase: str = ""
    recency: bool = False

    @property
    def window(self) -> tuple[date | None, date | None] | None:
        return (self.since, self.until) if (self.since or self.until) else None


@dataclass(frozen=True)
class Scope:
    """A question resolved for search: the text to search, the hard filters, the hint."""

    text: str
    filters: Filters
    hint: TimeHint = TimeHint()

    @property
    def windowed(self) -> Filters | None:
        """The filters narrowed to the hint's window (None when the hint has none)."""
        w = self.hint.window
        return self.filters.with_range(*w) if w else None

    def describe(self) -> dict[str, str]:
        out = self.filters.describe()
        if self.hint.window:
            since, until = self.hint.window
            if since:
                out["since"] = since.isoformat()
            if until:
                out["until"] = until.isoformat()
        if self.hint.phrase:
            out["time_phrase"] = self.hint.phrase
        return out


def resolve(question: str, filters: Filters) -> Scope:
    """Read the question's time words relative to ``filters.as_of`` (default today). Explicit
    dates win: with ``since``/``until`` given, time words only set "the latest"."""
    hint = read_time(question, filters.as_of or date.today())
    text = question
    window = TimeHint(recency=hint.recency)
    if filters.since is None and filters.until is None and (hint.since or hint.until):
        since, until = hint.since, hint.until
        if since and until and since == until:
            until = since + timedelta(days=1)  # a day's news is often published next day
        window = TimeHint(since, until, hint.phrase, hint.recency)
        text = hint.question or question
    return Scope(text=text, filters=filters, hint=window)
