"""OPML subscription lists -> the feed URLs they name: ``opml_feeds(data, origin)``.

Reads every ``<outline xmlUrl="...">`` at any depth (folders of feeds are nested
outlines), in document order, without duplicates; ``xmlUrl`` is matched in any case, as
some exporters write ``xmlurl``. Only http(s) URLs are kept. Parsed with lxml without
entities, network or huge trees. Never raises on bad input: a file that is not OPML, broken
XML or an OPML without feeds is a ``Failure`` with a one-line reason. It does not fetch
anything (``ingest.watch`` fetches an OPML given as a URL with ``ingest.fetch``).
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from ingest.records import Failure
from ingest.textio import human_size

_ROOT = re.compile(rb"^\s*(<\?xml[^>]*\?>\s*)?(<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<opml\b",
                   re.S | re.I)


def looks_like_opml(data: bytes) -> bool:
    """True when the payload's root element is ``<opml>``."""
    return bool(_ROOT.match(data[:4096].lstrip(b"\xef\xbb\xbf")))


def opml_feeds(data: bytes, origin: str) -> list[str] | Failure:
    """The feed URLs of an OPML document, or a ``Failure(origin, reason)``."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        return Failure(origin, f"invalid OPML: {err}")
    if root is None or not isinstance(root.tag, str) or \
            etree.QName(root).localname.lower() != "opml":
        tag = etree.QName(root).localname if root is not None else "(none)"
        if tag.lower() in ("rss", "feed", "rdf"):
            return Failure(origin, "a feed file, not an OPML list: give the feed's http(s) "
                                   "URL to watch it")
        return Failure(origin, f"not an OPML list of feeds (root element <{tag}>)")
    urls: list[str] = []
    others = 0
    for el in root.iter():
        if not isinstance(el.tag, str) or etree.QName(el).localname.lower() != "outline":
            continue
        url = next((v.strip() for k, v in el.attrib.items() if str(k).lower() == "xmlurl"), "")
        if url.lower().startswith(("http://", "https://")):
            if url not in urls:
                urls.append(url)
        elif url:
            others += 1
    if not urls:
        extra = f" ({others} not http(s))" if others else ""
        return Failure(origin, f"OPML names no feeds (no <outline xmlUrl=\"http...\">){extra}")
    return urls


def read_opml_file(path: str | Path, max_bytes: int) -> list[str] | Failure:
    """The feed URLs of a local OPML file, or a ``Failure`` (missing, too big, not OPML)."""
    p = Path(path).expanduser()
    try:
        size = p.stat().st_size
        if size > max_bytes:
            return Failure(str(path), f"file is {human_size(size)}, over the "
                                      f"{human_size(max_bytes)} limit (NEWSQA_MAX_BYTES)")
        data = p.read_bytes()
    except FileNotFoundError:
        return Failure(str(path), "no such file (give feeds as http(s) URLs, or an OPML file)")
    except IsADirectoryError:
        return Failure(str(path), "a folder, not an OPML file")
    except OSError as err:
        return Failure(str(path), (err.strerror or str(err)).lower())
    return opml_feeds(data, str(path))
