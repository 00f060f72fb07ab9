"""Byte-level helpers shared by the readers and the fetcher.

Turns bytes into text (declared charset, BOMs, UTF-8, then a Windows-1252 fallback: never
fails), spots binary data, guesses what a payload is (html / feed / json / jsonl / pdf /
text) from its content type, name and first bytes (name suffixes from ``ingest.formats``),
and formats sizes for messages. It does no I/O and knows nothing about articles.
"""

from __future__ import annotations

import codecs
import re

from ingest.formats import suffixes_of

_NAME = rb"([A-Za-z0-9_.:-]{1,40})"
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*""" + _NAME, re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']""" + _NAME, re.I)
_NOT_ASCII_OK = re.compile("[^\x00-\x7f\ufffd]")
_BROKEN = re.compile("\ufffd+")
# WHATWG: pages labelled latin-1/ascii are really Windows-1252.
_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
            "us-ascii": "cp1252", "ascii": "cp1252", "iso8859-1": "cp1252"}


def human_size(n: int) -> str:
    """``20_000_000 -> "20 MB"``, ``1500 -> "1.5 kB"``, ``12 -> "12 bytes"``."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.3g} MB"
    if n >= 1_000:
        return f"{n / 1_000:.3g} kB"
    return f"{n} bytes"


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML/XML document declares in its first bytes, if any."""
    head = data[:4096]
    m = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii").lower() if m else None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = _ALIASES.get(name.strip().lower(), name.strip().lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode ``data`` without ever failing.

    Order: byte-order mark; the declared charset (if it decodes cleanly); UTF-8; UTF-8 with
    replacement characters when valid UTF-8 characters are at least as many as broken
    stretches; else Windows-1252 (a superset of Latin-1), with replacement for the few
    undefined bytes.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    codec = _codec(declared)
    if codec and codec != "utf-8":
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", "replace")
    good = len(_NOT_ASCII_OK.findall(text))
    # a corrupted stretch counts once however many bytes it spans; in Latin-1 text each
    # accented letter is a stretch of its own (and Latin-1 is rarely valid UTF-8)
    if good and good >= len(_BROKEN.findall(text)):
        return text  # real UTF-8 with a few broken bytes
    return data.decode(codec or "cp1252", "replace")


def looks_binary(data: bytes) -> bool:
    """True for data with NUL bytes near the start (UTF-16 with a BOM is text)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in data[:8192]


_FEED_ROOT = re.compile(rb"<(rss|feed|rdf:rdf)[\s>]", re.I)
_HTML_ROOT = re.compile(rb"<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.I)
_JSON_TYPES = ("json", "ld+json", "feed+json")
_JSONL_TYPES = ("x-ndjson", "ndjson", "jsonl", "x-jsonlines", "jsonlines")
_FEED_TYPES = ("rss+xml", "atom+xml", "rdf+xml")


def sniff_kind(content_type: str, name: str, head: bytes) -> str:
    """Guess a payload's kind: ``html``, ``feed``, ``json``, ``jsonl``, ``pdf`` or ``text``.

    ``content_type`` is a bare media type ("" if unknown), ``name`` a URL or file name,
    ``head`` the first kilobytes of the payload.
    """
    ct = content_type.lower()
    sub = ct.partition("/")[2]
    lname = name.lower().split("?", 1)[0]
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if ct == "application/pdf" or start.startswith(b"%PDF-"):
        return "pdf"
    if sub in _FEED_TYPES:
        return "feed"
    if sub in _JSONL_TYPES or lname.endswith(suffixes_of("jsonl")):
        return "jsonl"
    if sub in _JSON_TYPES or sub.endswith("+json"):
        return "json"
    window = start[:2048]
    if _FEED_ROOT.search(window) and not _HTML_ROOT.search(window):
        return "feed"
    if "html" in sub or _HTML_ROOT.search(window):
        return "html"
    if start[:1] in (b"{", b"[") and ct in ("", "text/plain"):
        return "json"
    return "text"
