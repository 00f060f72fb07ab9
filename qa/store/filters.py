"""Search filters in the store's two query languages: a Chroma ``where`` clause and SQL
conditions on the lexical index's chunk table.

Both take any value with the attributes of ``qa.search.filters.Filters`` (since, until,
as_of: dates; sources, article_ids, exclude_ids: tuples) — the store does not import the
search package. ``Filters.matches`` is the reference these two are tested against
(tests/test_filters.py, on generated filters and records, embedded and server Chroma).
Dates are compared as the yyyymmdd integers the store keeps (0 = undated).
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from qa.dates import ymd


class FilterLike(Protocol):
    since: date | None
    until: date | None
    as_of: date | None
    sources: tuple[str, ...]
    article_ids: tuple[str, ...]
    exclude_ids: tuple[str, ...]


def chroma_where(f: FilterLike | None) -> dict | None:
    """The Chroma ``where`` clause (None when nothing restricts)."""
    if f is None:
        return None
    conds: list[dict] = []
    if f.since:
        conds.append({"published": {"$gte": ymd(f.since)}})
    if f.until:
        conds += [{"published": {"$gt": 0}}, {"published": {"$lte": ymd(f.until)}}]
    if f.as_of:
        conds.append({"published": {"$lte": ymd(f.as_of)}})
    if f.sources:
        conds.append({"source_key": {"$in": sorted({s.lower() for s in f.sources})}})
    if f.article_ids:
        conds.append({"article_id": {"$in": list(f.article_ids)}})
    if f.exclude_ids:
        conds.append({"article_id": {"$nin": list(f.exclude_ids)}})
    if not conds:
        return None
    return conds[0] if len(conds) == 1 else {"$and": conds}


def sql_conditions(f: FilterLike | None, col: str = "") -> tuple[str, list[object]]:
    """The filters as `` AND ...`` SQL on the lexical chunks table (columns prefixed
    ``col``, e.g. ``"c."``), with its arguments."""
    sql, args = "", []
    if f is None:
        return sql, args
    if f.since:
        sql += f" AND {col}published >= ?"
        args.append(ymd(f.since))
    if f.until:
        sql += f" AND {col}published > 0 AND {col}published <= ?"
        args.append(ymd(f.until))
    if f.as_of:
        sql += f" AND {col}published <= ?"
        args.append(ymd(f.as_of))
    sources = sorted({s.lower() for s in f.sources})
    for name, values, op in (("source", sources, "IN"),
                             ("article_id", list(f.article_ids), "IN"),
                             ("article_id", list(f.exclude_ids), "NOT IN")):
        if values:
            sql += f" AND {col}{name} {op} ({','.join('?' * len(values))})"
            args.extend(values)
    return sql, args
