"""Inputs -> raw records: ``iter_records(inputs, settings)``.

An input is a file, a folder (read recursively, hidden files and folders skipped, sorted
for determinism), a glob (``*.html``, ``dir/**/*.jsonl``) or an http(s) URL (an article
page, an RSS/Atom feed, JSON or JSONL). Files are chosen by suffix from the one list in
``ingest.formats`` (text, Markdown, HTML, JSON, JSON Lines streamed line by line with the
size cap per line, RSS/Atom feeds, PDF with pypdf); a feed file that turns out to be HTML
is read as HTML. Nothing here raises on bad input: each problem becomes a
``Failure(origin, reason)`` and reading goes on. It does not clean or deduplicate (see
``ingest.clean`` and ``ingest.pipeline``).
"""

from __future__ import annotations

import glob
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from ingest.fetch import fetch
from ingest.formats import is_markdown, kind_of, suffix_list
from ingest.read_feed import feed_records
from ingest.read_json import iter_jsonl, records_from_json_bytes
from ingest.records import Failure, RawRecord
from ingest.textio import declared_charset, decode_bytes, human_size, looks_binary, sniff_kind
from qa.settings import Settings

Result = RawRecord | Failure


def iter_records(inputs: list[str], settings: Settings) -> Iterator[RawRecord | Failure]:
    """Yield a ``RawRecord`` for every article found and a ``Failure`` for every problem."""
    for raw in inputs:
        item = str(raw).strip()
        try:
            yield from _read_input(item, settings)
        except Exception as err:  # last resort: one bad input never stops the others
            yield Failure(item, f"unexpected error: {type(err).__name__}: {err}")


def _read_input(item: str, settings: Settings) -> Iterator[Result]:
    if not item:
        yield Failure(item, "empty input")
        return
    low = item.lower()
    if low.startswith(("http://", "https://")):
        yield from read_url(item, settings)
        return
    if "://" in item:
        yield Failure(item, f"unsupported URL scheme {item.split('://')[0]}: newsqa reads "
                            "files, folders and http(s) URLs")
        return
    path = Path(os.path.expanduser(item))
    if not path.exists() and not path.is_symlink() and any(c in item for c in "*?["):
        matches = sorted(glob.glob(os.path.expanduser(item), recursive=True))
        if not matches:
            yield Failure(item, "no files match this pattern")
        for m in matches:
            yield from _read_path(Path(m), settings)
        return
    yield from _read_path(path, settings)


def _os_reason(err: OSError) -> str:
    if isinstance(err, FileNotFoundError):
        return "no such file or directory"
    if isinstance(err, PermissionError):
        return "permission denied"
    return (err.strerror or str(err)).lower()


def _read_path(path: Path, settings: Settings) -> Iterator[Result]:
    try:
        is_dir = path.is_dir()
        if not is_dir:
            path.stat()
    except OSError as err:
        yield Failure(str(path), _os_reason(err))
        return
    if is_dir:
        yield from _read_dir(path, settings)
    else:
        yield from read_file(path, settings)


def _read_dir(root: Path, settings: Settings) -> Iterator[Result]:
    """Depth-first, names sorted, files of a folder before its subfolders; no loops."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    found = False
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as err:
            yield Failure(str(folder), _os_reason(err))
            continue
        subdirs = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                subdirs.append(Path(entry.path))
            else:
                found = True
                yield from read_file(Path(entry.path), settings)
        stack.extend(reversed(subdirs))
    if not found:
        yield Failure(str(root), "no files in this folder")


def read_file(path: Path, settings: Settings) -> Iterator[RawRecord | Failure]:
    """Records from one file, chosen by its extension."""
    origin = str(path)
    kind = kind_of(path.name)
    try:
        st = path.stat()
    except OSError as err:
        yield Failure(origin, _os_reason(err))
        return
    if kind is None:
        shown = path.suffix.lower() or "(no extension)"
        yield Failure(origin, f"unsupported file type {shown} (newsqa reads {suffix_list()})")
        return
    if not stat.S_ISREG(st.st_mode):
        yield Failure(origin, "not a regular file")
        return
    if st.st_size == 0:
        yield Failure(origin, "empty file")
        return
    if kind != "jsonl" and st.st_size > settings.max_bytes:
        yield Failure(origin, f"file is {human_size(st.st_size)}, over the "
                              f"{human_size(settings.max_bytes)} limit (NEWSQA_MAX_BYTES)")
        return
    try:
        with open(path, "rb") as f:
            if kind == "jsonl":
                if looks_binary(f.read(8192)):
                    yield Failure(origin, "binary file, not text")
                    return
                f.seek(0)
                yield from iter_jsonl(f, origin, settings.max_bytes)
                return
            data = f.read(settings.max_bytes + 1)
    except OSError as err:
        yield Failure(origin, _os_reason(err))
        return
    if len(data) > settings.max_bytes:
        yield Failure(origin, f"file is over the {human_size(settings.max_bytes)} limit "
                              "(NEWSQA_MAX_BYTES)")
        return
    yield from _records_from_bytes(data, kind, origin, "", settings, from_url=False)


def _records_from_bytes(data: bytes, kind: str, origin: str, url: str, settings: Settings,
                        *, from_url: bool, charset: str | None = None) -> Iterator[Result]:
    if kind == "pdf":
        yield _read_pdf(data, origin, url)
        return
    if looks_binary(data):
        yield Failure(origin, "binary file, not text")
        return
    if kind == "json":
        yield from records_from_json_bytes(data, origin)
    elif kind == "jsonl":
        yield from iter_jsonl(io.BytesIO(data), origin, settings.max_bytes)
    elif kind == "feed":
        sniffed = sniff_kind("", origin, data[:4096])
        if sniffed == "html":
            yield from _records_from_bytes(data, "html", origin, url, settings,
                                           from_url=from_url, charset=charset)
            return
        if sniffed != "feed":
            yield Failure(origin, "XML is not an RSS or Atom feed")
            return
        reader = (lambda link: read_url(link, settings, follow_feeds=False)) if from_url \
            else None
        yield from feed_records(data, origin, read_link=reader)
    else:
        text = decode_bytes(data, charset or (declared_charset(data) if kind == "html" else None))
        extra = {"format": "markdown"} if is_markdown(origin) else {}
        yield RawRecord(origin=origin, kind=kind, body=text, url=url, extra=extra)


def read_url(url: str, settings: Settings, *, follow_feeds: bool = True) -> Iterator[Result]:
    """Records from one http(s) URL: a page, a feed (entries' links fetched), JSON, JSONL."""
    result = fetch(url, settings)
    if isinstance(result, Failure):
        yield result
        return
    kind = sniff_kind(result.content_type, result.url, result.data[:4096])
    if kind == "feed" and not follow_feeds:
        yield Failure(url, "the linked page is a feed, not an article")
        return
    yield from _records_from_bytes(result.data, kind, url, result.url, settings,
                                   from_url=True, charset=result.charset)


def _read_pdf(data: bytes, origin: str, url: str) -> Result:
    try:
        from pypdf import PdfReader
    except ImportError:
        return Failure(origin, "reading PDF needs pypdf: pip install newsqa[pdf]")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return Failure(origin, "encrypted PDF")
        pages = []
        for page in reader.pages:
            try:
                pages.append(page.extract_text() or "")
            except Exception:  # one unreadable page should not lose the rest
                continue
        title = ""
        if reader.metadata is not None and reader.metadata.title:
            title = str(reader.metadata.title)
    except Exception as err:  # pypdf raises many types on broken files
        return Failure(origin, f"unreadable PDF ({type(err).__name__}: {err})")
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        return Failure(origin, "PDF has no extractable text (a scanned image?)")
    return RawRecord(origin=origin, kind="text", body=text, url=url, title=title,
                     extra={"format": "pdf"})
