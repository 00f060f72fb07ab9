"""Main text and metadata of a whole HTML page, with trafilatura behind guards.

``extract_page(html, url)`` strips scripts/styles/SVG/comments (keeping JSON-LD), reads the
page's own metadata (og:title, og:site_name, article:published_time, author, canonical
link) with ``ingest.html_text``, and runs ``trafilatura.bare_extraction`` (favoring
precision) only when the page is small enough for it to finish quickly: trafilatura was
measured at ~2 s for 15,000 tags and 10 s for 60,000, so bigger pages -- and pages where
trafilatura fails or finds nothing -- use the linear fallback text instead. A missing or
broken trafilatura install also falls back. It returns candidate texts, best first; it
does not remove site clutter from them (``ingest.clutter`` does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice

from ingest.html_text import Page, parse_page

MAX_TAGS = 15_000  # above this, trafilatura is too slow: use the fallback text
FALLBACK_MAX_CHARS = 1_000_000  # the fallback reads at most this much HTML
_RAW_OPEN = re.compile(r"<(!--|script|style|svg|noscript|template)(?![a-z0-9])")
_STRAY_LT = re.compile(r"<(?![A-Za-z/!?])")  # html.parser is slow on floods of these
_TAG_START = re.compile(r"<[A-Za-z]")
_HEAD_END = re.compile(r"</head\s*>|<body[\s>]", re.I)


@dataclass
class PageExtract:
    """Candidate main texts (best first, each paragraphs separated by blank lines) and the
    page's metadata as found (dates unparsed). ``fallback_text(page)`` computes the linear
    fallback text on demand."""

    texts: list[str] = field(default_factory=list)
    html: str = field(default="", repr=False)
    title: str = ""
    author: str = ""
    published: str = ""
    sitename: str = ""
    url: str = ""
    description: str = ""


def strip_raw_blocks(html: str) -> str:
    """Remove comments and script/style/svg/noscript/template blocks (keeps JSON-LD), and
    escape a ``<`` that cannot open a tag. Linear: regex scans plus ``str.find``.
    """
    out: list[str] = []
    low = html.lower()
    i = 0
    n = len(html)
    while i < n:
        m = _RAW_OPEN.search(low, i)
        if m is None:
            out.append(html[i:])
            break
        j = m.start()
        out.append(html[i:j])
        if m.group(1) == "!--":
            k = low.find("-->", j + 4)
            i = n if k < 0 else k + 3
            continue
        tag = m.group(1)
        open_end = low.find(">", j)
        if tag == "script" and "ld+json" in low[j:open_end if open_end > 0 else n]:
            k = low.find("</script", j)
            k = n if k < 0 else k
            out.append(html[j:k])  # keep JSON-LD for trafilatura's metadata
            i = k
            if i < n:
                close = low.find(">", i)
                out.append(html[i:n if close < 0 else close + 1])
                i = n if close < 0 else close + 1
            continue
        k = low.find("</" + tag, j)
        close = -1 if k < 0 else low.find(">", k)
        i = n if close < 0 else close + 1
    return _STRAY_LT.sub("&lt;", "".join(out))


def _first(meta: dict[str, str], *keys: str) -> str:
    for k in keys:
        v = meta.get(k, "").strip()
        if v:
            return v
    return ""


def extract_page(html: str, url: str = "") -> PageExtract:
    """Extract one page. Never raises; ``texts`` may be empty when nothing is readable."""
    html = strip_raw_blocks(html)
    m = _HEAD_END.search(html, 0, 2_000_000)
    head = parse_page(html[: m.start() if m else 200_000], collect_text=False)
    meta = head.meta
    out = PageExtract(
        title=_first(meta, "og:title", "twitter:title", "headline", "title"),
        author=_first(meta, "author", "article:author", "byl", "dc.creator",
                      "parsely-author", "sailthru.author"),
        published=_first(meta, "article:published_time", "datepublished", "pubdate",
                         "publishdate", "publish-date", "date", "dc.date", "dc.date.issued",
                         "parsely-pub-date", "sailthru.date", "citation_publication_date",
                         "og:published_time"),
        sitename=_first(meta, "og:site_name", "application-name", "publisher"),
        url=head.canonical or _first(meta, "og:url"),
        description=_first(meta, "og:description", "description"),
    )
    if out.author.startswith(("http://", "https://")):
        out.author = ""  # article:author is often a profile URL
    doc = None
    if sum(1 for _ in islice(_TAG_START.finditer(html), MAX_TAGS + 1)) <= MAX_TAGS:
        doc = _trafilatura(html, url)
    if doc is not None:
        out.texts.append(doc.get("text") or "")
        out.title = out.title or (doc.get("title") or "")
        out.author = out.author or (doc.get("author") or "")
        out.published = out.published or (doc.get("date") or "")
        site = str(doc.get("sitename") or "")
        if not re.fullmatch(r"[\w.-]+\.[\w-]+(:\d+)?", site):  # not just the host name
            out.sitename = out.sitename or site
        out.url = out.url or (doc.get("url") or "")
    out.texts = [t for t in out.texts if t.strip()]
    out.html = html
    if not out.texts or not out.title or not out.published:
        full = _full_parse(out)
        out.title = out.title or full.h1 or full.title or head.title
        out.published = out.published or full.time
    return out


def _full_parse(out: PageExtract) -> Page:
    cached = getattr(out, "_full", None)
    if cached is None:
        cached = parse_page(out.html[:FALLBACK_MAX_CHARS])
        out._full = cached  # type: ignore[attr-defined]
    return cached


def fallback_text(out: PageExtract) -> str:
    """The linear fallback text of the page (computed once, on demand)."""
    return _full_parse(out).text


def _trafilatura(html: str, url: str) -> dict | None:
    try:
        import trafilatura
    except Exception:  # not installed, or a broken dependency (e.g. lxml_html_clean)
        return None
    try:
        doc = trafilatura.bare_extraction(
            html, url=url or None, with_metadata=True, favor_precision=True,
            include_comments=False, include_tables=True, include_images=False,
            deduplicate=False,
            date_extraction_params={"extensive_search": False, "original_date": True})
    except Exception:  # trafilatura/lxml can fail on hostile markup: use the fallback
        return None
    if doc is None:
        return None
    fields = ("text", "title", "author", "date", "sitename", "url")
    if isinstance(doc, dict):
        result = {k: doc.get(k) for k in fields}
    else:
        result = {k: getattr(doc, k, None) for k in fields}
    # trafilatura puts one paragraph per line; make paragraphs explicit
    lines = str(result["text"] or "").split("\n")
    result["text"] = "\n\n".join(line for line in lines if line.strip())
    return result
