"""Article records from JSON values and JSON Lines streams.

Accepts one record, a list of records, a wrapper object (``{"articles": [...]}`` and
similar), and the RealTime QA shape (``{"search_result": [{url, title, text, ...}]}``).
Maps common field names (url/link, title/headline, text/body/content/article/maintext,
author/authors/byline, published/publish_date/date/pubDate/datePublished...,
source/site_name/publisher, nested ``{"name": ...}``) onto ``RawRecord`` fields, coercing
wrongly typed values when that is sensible and failing the record with a reason when not.
It never raises on bad data and does not clean text (see ``ingest.clean``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any

from ingest.records import Failure, RawRecord
from ingest.textio import decode_bytes, human_size

URL_KEYS = ("url", "link", "canonical_url", "href", "source_url")
TITLE_KEYS = ("title", "headline", "name")
TEXT_KEYS = ("text", "body", "content", "article", "maintext", "full_text", "fulltext",
             "article_text", "articlebody", "article_body", "story", "description", "summary")
AUTHOR_KEYS = ("author", "authors", "byline", "creator", "by")
DATE_KEYS = ("published", "publish_date", "published_at", "date", "pubdate",
             "datepublished", "date_publish", "publication_date", "published_date",
             "pub_date", "date_published", "created_at", "time", "timestamp")
SOURCE_KEYS = ("source", "site_name", "sitename", "publisher", "source_name", "outlet",
               "source_domain", "domain")
WRAPPER_KEYS = ("articles", "items", "results", "records", "data", "entries", "documents",
                "docs", "stories", "news")
_INNER_TEXT = ("rendered", "text", "value", "name", "title", "#text", "content", "body")


def json_type(value: Any) -> str:
    """How a JSON value is called in messages: "an object", "a number"..."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "null"
    return "a string"


def records_from_value(value: Any, origin: str, *, allow_list: bool = True
                       ) -> Iterator[RawRecord | Failure]:
    """Records in one parsed JSON value (a file's content or one JSONL line)."""
    if isinstance(value, dict):
        lowered = {str(k).lower(): v for k, v in value.items()}
        nested = lowered.get("search_result")
        if isinstance(nested, list):
            yield from _items(nested, origin)
            return
        if not any(k in lowered for k in TEXT_KEYS[:-2]):  # not description/summary
            for key in WRAPPER_KEYS:
                if isinstance(lowered.get(key), list):
                    yield from _items(lowered[key], origin)
                    return
        yield record_from_object(value, origin)
    elif isinstance(value, list) and allow_list:
        yield from _items(value, origin)
    else:
        what = "line" if not allow_list else "JSON value"
        yield Failure(origin, f"{what} is {json_type(value)}, not an article object")


def _items(items: list, origin: str) -> Iterator[RawRecord | Failure]:
    if not items:
        yield Failure(origin, "empty list of articles")
    for i, item in enumerate(items):
        where = f"{origin}[{i}]"
        if isinstance(item, dict):
            yield from records_from_value(item, where, allow_list=False)
        else:
            yield Failure(where, f"item is {json_type(item)}, not an article object")


class _BadField(Exception):
    pass


def _as_text(value: Any, key: str, *, numbers_ok: bool, sep: str) -> str:
    """Coerce a field value to text, or raise _BadField with a reason."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise _BadField(f"field '{key}' is a boolean, not text")
    if isinstance(value, int | float):
        if numbers_ok:
            return str(value)
        raise _BadField(f"field '{key}' is a number, not text")
    if isinstance(value, list):
        parts = [_as_text(v, key, numbers_ok=numbers_ok, sep=sep) for v in value]
        return sep.join(p.strip() for p in parts if p and p.strip())
    if isinstance(value, dict):
        low = {str(k).lower(): v for k, v in value.items()}
        for inner in _INNER_TEXT:
            if isinstance(low.get(inner), str):
                return low[inner]
        raise _BadField(f"field '{key}' is an object without text")
    raise _BadField(f"field '{key}' has an unsupported type")


def _pick(obj: dict, keys: tuple[str, ...]) -> tuple[str, Any]:
    for key in keys:
        if key in obj and obj[key] not in (None, "", [], {}):
            return key, obj[key]
    return "", None


def _date_text(value: Any, key: str) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value  # epoch milliseconds
        try:
            return datetime.fromtimestamp(seconds, UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return ""
    return _as_text(value, key, numbers_ok=True, sep=" ")


def record_from_object(obj: dict, origin: str) -> RawRecord | Failure:
    """One ``RawRecord`` (kind ``"fields"``) from one JSON object, or a Failure."""
    low = {str(k).lower(): v for k, v in obj.items()}
    key, text_value = _pick(low, TEXT_KEYS)
    if not key:
        return Failure(origin, "record has no article text (expected a field like text, "
                               "body, content, article or maintext)")
    warnings: list[str] = []
    try:
        text = _as_text(text_value, key, numbers_ok=False, sep="\n\n")
    except _BadField as err:
        return Failure(origin, str(err))
    if not text.strip():
        return Failure(origin, f"field '{key}' is empty")
    fields: dict[str, str] = {}
    for name, keys in (("url", URL_KEYS), ("title", TITLE_KEYS), ("author", AUTHOR_KEYS),
                       ("published", DATE_KEYS), ("source", SOURCE_KEYS)):
        fkey, value = _pick(low, keys)
        if not fkey:
            continue
        try:
            if name == "published":
                fields[name] = _date_text(value, fkey)
            else:
                sep = ", " if name == "author" else " "
                fields[name] = _as_text(value, fkey, numbers_ok=name in ("title", "source"),
                                        sep=sep)
        except _BadField as err:
            warnings.append(str(err))  # metadata is optional: keep the article
    extra = {"part": True}
    if warnings:
        extra["warnings"] = warnings
    return RawRecord(origin=origin, kind="fields", body=text, extra=extra,
                     **{k: v.strip() for k, v in fields.items()})


def records_from_json_bytes(data: bytes, origin: str) -> Iterator[RawRecord | Failure]:
    """Records from a whole JSON document."""
    try:
        value = json.loads(decode_bytes(data))
    except json.JSONDecodeError as err:
        yield Failure(origin, f"invalid JSON: {err.msg} at line {err.lineno} column {err.colno}")
        return
    except RecursionError:
        yield Failure(origin, "invalid JSON: nested too deeply")
        return
    yield from records_from_value(value, origin)


def iter_jsonl(stream: IO[bytes], origin: str, max_line_bytes: int
               ) -> Iterator[RawRecord | Failure]:
    """Records from a JSON Lines stream, read line by line (bounded memory).

    A bad line yields ``Failure("origin:N", ...)`` and reading goes on with the next line.
    """
    n = 0
    found = False
    while True:
        line = stream.readline(max_line_bytes + 1)
        if not line:
            break
        n += 1
        where = f"{origin}:{n}"
        if len(line) > max_line_bytes and not line.endswith(b"\n"):
            while True:  # skip the rest of the oversized line
                rest = stream.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            found = True
            yield Failure(where, f"line {n} is over the {human_size(max_line_bytes)} limit "
                                 "(NEWSQA_MAX_BYTES)")
            continue
        text = decode_bytes(line).strip()
        if not text:
            continue
        found = True
        try:
            value = json.loads(text)
        except json.JSONDecodeError as err:
            yield Failure(where, f"invalid JSON at line {n}: {err.msg} (column {err.colno})")
            continue
        except RecursionError:
            yield Failure(where, f"invalid JSON at line {n}: nested too deeply")
            continue
        yield from records_from_value(value, where, allow_list=False)
    if not found:
        yield Failure(origin, "no JSON records in file")
