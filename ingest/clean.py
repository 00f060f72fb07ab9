"""Raw record -> ``Article``: ``clean(raw)``, plus the stable ``article_id`` rule.

For whole HTML pages the main text comes from trafilatura (behind the guards in
``ingest.html_extract``); feed/JSON HTML fragments are converted to text; plain text is
used as is. All of them then go through the same clutter filter (``ingest.clutter``) and
header/bio detection (``ingest.header``). Metadata, first found wins:

* title:     record field > page og:title/<title> > first short line of the text
* author:    record field > page meta > byline ("By X", "X | Reuters") > closing bio
* published: record field > page meta > dateline/byline date  (a ``datetime.date``)
* source:    record field > og:site_name > "(c) 2025 X" copyright line > byline agency
             > feed title > the URL's host
* url:       the page's canonical link / og:url > the record's URL, normalised

Every input passes through ``clean``, so this is where Unicode bidi controls (U+202A-E,
U+2066-9, U+200E/F, U+061C: they make "gnp.exe" display as "exe.png") are stripped from
the title, author, source, URL, origin and text: from the record's fields on the way in,
from the article's on the way out (HTML entities decode in between).

Article id (``article_id``): a 16-hex-digit SHA-256 prefix of, in order of preference,
(1) the normalised URL (scheme-less, so http/https agree; lowercase host, no fragment, no
tracking parameters, no trailing slash, sorted query), (2) for a record that is one of many
in a file (a JSON/JSONL record or a feed entry) without a URL: its title and text, since a
line number changes when lines move, (3) for a whole file without a URL: its absolute
resolved path, so editing the file updates the same article. Never raises: an unexpected
problem becomes a Failure. It does not split, embed or store (see ``ingest.pipeline``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from ingest.clutter import count_words, filter_clutter, normalise, strip_bidi
from ingest.dates import parse_date
from ingest.header import is_person_name, join_names, take_bio, take_header
from ingest.html_extract import PageExtract, extract_page, fallback_text
from ingest.html_text import fragment_text
from ingest.records import Article, Failure, RawRecord

MIN_WORDS = 20  # less text than this after cleaning is not an article
_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|gclsrc|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|twclid|_ga|_gl|"
    r"_hsenc|_hsmi|mkt_tok|ref|ref_src|cmpid|ocid|smid|spm|guccounter|at_medium|at_campaign|"
    r"s_cid|wt\.mc_id|ito|sr_share)$", re.I)
_LOOKS_HTML = re.compile(r"</?(p|div|br|span|a|h[1-6]|li|ul|ol|strong|em|b|i|blockquote)\b"
                         r"[^>]*>", re.I)
_COPY_HEAD = re.compile(r"^\s*(copyright\b\s*)?(©|\(c\))?\s*(copyright\b)?\s*"
                        r"(\d{4}(\s*[-–]\s*\d{4})?)?[\s,.]*", re.I)
_CORP = re.compile(r",?\s+(inc|llc|ltd|limited|corp|corporation|co|plc|gmbh|s\.a)\.?$", re.I)


def canonical_url(url: str) -> str:
    """Normalised http(s) URL, or "" when ``url`` is not one."""
    try:
        parts = urlsplit(strip_bidi(url).strip())
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        return ""
    if port and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING.match(k)))
    return urlunsplit((scheme, host.lower(), parts.path.rstrip("/"), query, ""))


def article_id(url: str, origin: str, *, content: str = "") -> str:
    """Stable id: from the URL, else from ``content`` (title + text) if given, else the
    origin's absolute resolved path. See the module docstring for the rule."""
    canon = canonical_url(url)
    if canon:
        key = "url:" + canon.split("://", 1)[1]
    elif content:
        key = "text:" + " ".join(content.split()).lower()
    elif canonical_url(origin):
        key = "url:" + canonical_url(origin).split("://", 1)[1]
    else:
        try:
            key = "file:" + str(Path(origin).expanduser().resolve())
        except (OSError, RuntimeError, ValueError):
            key = "file:" + origin
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:16]


def source_from_copyright(line: str) -> str:
    """"(c) 2025 Newsmax. All rights reserved." -> "Newsmax" ("" when unclear)."""
    s = _COPY_HEAD.sub("", line, count=1)
    s = re.split(r"(?i)[.,;]?\s*all rights reserved", s)[0]
    s = re.sub(r"\s+\d{4}$", "", s.strip(" .,;:-"))
    s = _CORP.sub("", s).strip(" .,;:-")
    return s if s and 1 <= len(s.split()) <= 6 and any(c.isalpha() for c in s) else ""


def _one_line(s: str) -> str:
    return " ".join(normalise(s or "").split())


def _key(s: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", s.lower()).split())


def _clean_author(a: str) -> str:
    a = re.sub(r"^(by|written by)\s+", "", _one_line(a), flags=re.I).replace(";", ",")
    if "http" in a or "@" in a or len(a) > 120:
        return ""
    names = [n.strip() for n in a.split(",") if n.strip()]
    if len(names) > 1 and all(is_person_name(n) for n in names):
        return join_names(names)  # "A, B" -> "A and B", like bylines
    return a.strip(" ,|")


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host[4:] if host.startswith("www.") else host


def _strip_site(title: str, source: str) -> str:
    if source:
        for sep in (" | ", " - ", " — ", " – ", " :: "):
            if title.lower().endswith((sep + source).lower()):
                return title[: -len(sep + source)].strip()
    return title


def clean(raw: RawRecord) -> Article | Failure:
    """Clean one raw record. Returns a Failure with a one-line reason instead of raising."""
    try:
        article = _clean(_without_bidi(raw))
    except Exception as err:  # one strange record must not stop an ingest
        return Failure(raw.origin, f"could not clean this article ({type(err).__name__}: {err})")
    if isinstance(article, Failure):
        return article
    return replace(article, **{name: strip_bidi(getattr(article, name)) for name in
                               ("text", "title", "author", "source", "url", "origin")})


def _without_bidi(raw: RawRecord) -> RawRecord:
    """The record with bidi controls stripped from its fields (``origin`` kept: it names
    the file, and a file's article id comes from its path)."""
    extra = {k: strip_bidi(v) if isinstance(v, str) else v for k, v in raw.extra.items()}
    return replace(raw, body=strip_bidi(raw.body), url=strip_bidi(raw.url),
                   title=strip_bidi(raw.title), author=strip_bidi(raw.author),
                   published=strip_bidi(raw.published), source=strip_bidi(raw.source),
                   extra=extra)


def _candidates(raw: RawRecord, page: PageExtract | None) -> Iterator[str]:
    """Texts to try, best first (the fallback is only computed if needed)."""
    if page is not None:
        yield from page.texts
        yield fallback_text(page)
    elif raw.kind == "html" or _LOOKS_HTML.search(raw.body[:20000]):
        yield fragment_text(raw.body)
    else:
        yield raw.body


def _clean(raw: RawRecord) -> Article | Failure:
    page = None
    if raw.kind == "html" and not raw.extra.get("fragment"):
        page = extract_page(raw.body, raw.url)
    known_title = _one_line(raw.title) or _one_line(page.title if page else "")
    known_author = _clean_author(raw.author) or _clean_author(page.author if page else "")
    fmt = str(raw.extra.get("format", ""))
    heading = re.match(r"\s*#\s+(.+)", raw.body) if fmt == "markdown" else None
    known_title = known_title or (_one_line(heading.group(1).strip("# ")) if heading else "")
    found = None
    for text in _candidates(raw, page):
        filtered = filter_clutter(text, fmt=fmt)
        paras, header = take_header(filtered.paragraphs, known_title, known_author)
        paras, bio_name = take_bio(paras, known_author or join_names(header.authors))
        title_key = _key(known_title or header.title)
        paras = [p for i, p in enumerate(paras)  # no repeated paragraphs, no repeated title
                 if (i == 0 or p != paras[i - 1]) and _key(p) != title_key]
        body = "\n\n".join(paras)
        if count_words(body) >= MIN_WORDS:
            found = (body, filtered, header, bio_name)
            break
    if found is None:
        return Failure(raw.origin, "no article text after cleaning")
    body, filtered, header, bio_name = found

    url = canonical_url(urljoin(raw.url, page.url) if page and page.url else "")
    if not urlsplit(url).path.strip("/"):  # a canonical link to a home page is a site bug
        url = canonical_url(raw.url)
    published = None
    for value in (raw.published, page.published if page else ""):
        published = published or parse_date(value)
    source = (_one_line(raw.source) or _one_line(page.sitename if page else "")
              or source_from_copyright(filtered.copyright) or header.agency
              or _one_line(str(raw.extra.get("feed_title", ""))) or _host(url))
    title = _strip_site(known_title or header.title, source)
    part = raw.kind == "fields" or bool(raw.extra.get("part"))
    return Article(
        id=article_id(url, raw.origin, content=f"{title}\n{body}" if part else ""),
        text=body,
        title=title,
        author=known_author or join_names(header.authors) or bio_name,
        published=published or header.published,
        source=source,
        url=url,
        origin=raw.origin,
    )
