"""What restricts a search: ``Filters``, read from arguments and time words, and their two
translations — a Chroma ``where`` clause and the same test in Python on chunk metadata
(for post-filtering an unfiltered search; a test keeps the two equal). No searching here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from qa.dates import DateLike, read_date, ymd
from qa.search.timewords import read_time


@dataclass
class Filters:
    """What restricts a search. Dates are inclusive; ``as_of`` also drops later articles."""

    since: date | None = None
    until: date | None = None
    sources: tuple[str, ...] = ()
    article_ids: tuple[str, ...] = ()
    exclude_ids: tuple[str, ...] = ()
    as_of: date | None = None
    recency: bool = False
    phrase: str = ""
    soft: bool = False  # dates came from time words: prefer the range, don't require it

    def describe(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.since:
            out["since"] = self.since.isoformat()
        if self.until:
            out["until"] = self.until.isoformat()
        if self.sources:
            out["sources"] = ", ".join(self.sources)
        if self.as_of:
            out["as_of"] = self.as_of.isoformat()
        if self.phrase:
            out["time_phrase"] = self.phrase
        return out


def chroma_where(f: Filters) -> dict | None:
    """The Chroma ``where`` clause for filters (None when unfiltered)."""
    conds: list[dict] = []
    if f.since:
        conds.append({"published": {"$gte": ymd(f.since)}})
    if f.until:
        conds += [{"published": {"$gt": 0}}, {"published": {"$lte": ymd(f.until)}}]
    if f.as_of:
        conds.append({"published": {"$lte": ymd(f.as_of)}})
    if f.sources:
        conds.append({"source_key": {"$in": [s.lower() for s in f.sources]}})
    if f.article_ids:
        conds.append({"article_id": {"$in": list(f.article_ids)}})
    if f.exclude_ids:
        conds.append({"article_id": {"$nin": list(f.exclude_ids)}})
    if not conds:
        return None
    return conds[0] if len(conds) == 1 else {"$and": conds}


def resolve_filters(question: str, since: DateLike, until: DateLike,
                    sources: Any, article_ids: Any, as_of: DateLike,
                    exclude_ids: Any = None) -> tuple[str, Filters]:
    """Apply time words: returns (text to search, filters). Explicit dates win."""
    since, until = read_date(since, name="since"), read_date(until, end=True, name="until")
    as_of = read_date(as_of, name="as_of")
    hint = read_time(question, as_of or date.today())
    f = Filters(since=since, until=until, as_of=as_of,
                sources=tuple([sources] if isinstance(sources, str) else sources or ()),
                article_ids=tuple([article_ids] if isinstance(article_ids, str)
                                  else article_ids or ()),
                exclude_ids=tuple(exclude_ids or ()))
    text = question
    if since is None and until is None and (hint.since or hint.until):
        f.since, f.until, f.phrase, f.soft = hint.since, hint.until, hint.phrase, True
        if f.since and f.until and f.since == f.until:
            f.until = f.since + timedelta(days=1)  # a day's news is often published next day
        text = hint.question or question
    f.recency = hint.recency
    return text, f


def post_filter(f: Filters) -> Callable[[dict], bool] | None:
    """The date and exclusion filters as a test on chunk metadata, exactly as
    ``chroma_where`` has them (None when a narrow filter, source or article, is set)."""
    if f.sources or f.article_ids:
        return None
    since, until, as_of = ymd(f.since), ymd(f.until), ymd(f.as_of)
    excluded = set(f.exclude_ids)

    def keep(meta: dict) -> bool:
        p = int(meta.get("published", 0) or 0)
        return not ((since and p < since) or (until and not 0 < p <= until)
                    or (as_of and p > as_of) or meta.get("article_id") in excluded)

    return keep
