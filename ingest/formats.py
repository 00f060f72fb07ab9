"""The one list of inputs newsqa reads: file suffix -> kind, with a description for people.

The readers (``ingest.read``, and ``ingest.textio`` where a name guides sniffing), the
command line's help (``ingest.cli``) and the web page's upload check (``web.uploads``) all
take their suffixes from here, so a file the command line reads is one the page accepts.
A kind says which reader handles the bytes: ``text``, ``html``, ``json``, ``jsonl``,
``feed`` (RSS/Atom) or ``pdf``. This module only names formats; it reads nothing and
imports nothing beyond the standard library. URLs are not listed here: a fetched payload is
recognised by its content type and first bytes (``ingest.textio.sniff_kind``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath


@dataclass(frozen=True)
class Format:
    """One family of files: its reader kind, its suffixes (lower case, with the dot) and
    what to call it in help texts."""

    kind: str
    suffixes: tuple[str, ...]
    description: str


FORMATS: tuple[Format, ...] = (
    Format("text", (".txt",), "plain text"),
    Format("text", (".md", ".markdown"), "Markdown"),
    Format("html", (".html", ".htm", ".xhtml"), "web pages (HTML)"),
    Format("json", (".json",), "JSON: one article or a list of them"),
    Format("jsonl", (".jsonl", ".ndjson"), "JSON Lines: one article per line"),
    Format("feed", (".xml", ".rss", ".atom"), "RSS and Atom feeds"),
    Format("pdf", (".pdf",), "PDF (needs pypdf: pip install newsqa[pdf])"),
)

SUFFIX_KINDS: dict[str, str] = {s: f.kind for f in FORMATS for s in f.suffixes}
SUFFIXES: tuple[str, ...] = tuple(SUFFIX_KINDS)
MARKDOWN_SUFFIXES: tuple[str, ...] = (".md", ".markdown")


def suffixes_of(kind: str) -> tuple[str, ...]:
    """All suffixes read as ``kind`` (e.g. ``"jsonl"`` -> ``(".jsonl", ".ndjson")``)."""
    return tuple(s for s, k in SUFFIX_KINDS.items() if k == kind)


def kind_of(name: str) -> str | None:
    """The reader kind for a file name or path (by its suffix, any case), or None when
    newsqa does not read that type."""
    return SUFFIX_KINDS.get(PurePosixPath(name).suffix.lower())


def is_markdown(name: str) -> bool:
    """True for a Markdown file name or URL (its text keeps Markdown structure)."""
    return name.lower().endswith(MARKDOWN_SUFFIXES)


def suffix_list(sep: str = " ") -> str:
    """Every supported suffix in one line: ``.txt .md .markdown .html ...``."""
    return sep.join(SUFFIXES)


def describe(indent: str = "  ") -> str:
    """One line per format, for help texts: ``  .html .htm .xhtml   web pages (HTML)``."""
    cols = [" ".join(f.suffixes) for f in FORMATS]
    width = max(len(c) for c in cols)
    return "\n".join(f"{indent}{c:<{width}}  {f.description}" for c, f in zip(cols, FORMATS,
                                                                            strict=True))


__all__ = ["FORMATS", "Format", "MARKDOWN_SUFFIXES", "SUFFIXES", "SUFFIX_KINDS", "describe",
           "is_markdown", "kind_of", "suffix_list", "suffixes_of"]
