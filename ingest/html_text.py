"""A small, robust HTML reader: page metadata and a plain-text fallback.

Built on the standard library's ``html.parser`` (linear time, no tree, no recursion), so
10,000-deep nesting, unclosed tags or a megabyte attribute cost nothing special. It
collects ``<meta>`` tags, ``<link rel=canonical>``, ``<title>``, the first ``<h1>`` and
``<time datetime>``, and the visible text with paragraph breaks, skipping scripts, styles,
navigation, headers, footers, forms, asides, figures and elements whose class/id says
share/newsletter/cookie/related/comments/ad... Text inside ``<article>``/``<main>`` is
preferred when there is enough of it. It is the fallback when trafilatura cannot be used
and the converter for HTML fragments (feed content, JSON bodies); it is not a main-content
extractor in its own right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "keygen"}
SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "nav", "header", "footer",
             "form", "aside", "button", "select", "textarea", "iframe", "figure", "object",
             "canvas", "dialog", "menu"}
BLOCK = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section",
         "article", "main", "blockquote", "tr", "table", "pre", "hr", "dd", "dt", "dl",
         "figcaption", "address", "center", "td", "th"}
CLUTTER_TOKENS = {"nav", "navbar", "navigation", "menu", "share", "sharing", "social",
                  "newsletter", "subscribe", "signup", "cookie", "cookies", "consent",
                  "related", "recommended", "comments", "comment", "advert", "advertisement",
                  "ad", "ads", "promo", "sidebar", "breadcrumb", "breadcrumbs", "footer",
                  "paywall", "popup", "modal", "tags", "outbrain", "taboola"}
_TOKEN_SPLIT = re.compile(r"[\s_-]+")
_MAX_END_SEARCH = 30  # how far up the open-tag stack an end tag may close
# A "<" whose tag never closes before the next "<" is text. html.parser is quadratic on
# runs of such unterminated tags ("<a<a<a..."), so they are escaped first (linear scan).
_UNTERMINATED = re.compile(r"<(?=[A-Za-z/!?][^<>]*<)")


@dataclass
class Page:
    """What ``parse_page`` found. ``meta`` keys are lowercased name/property values."""

    meta: dict[str, str] = field(default_factory=dict)
    title: str = ""
    h1: str = ""
    canonical: str = ""
    time: str = ""
    text: str = ""


class _Parser(HTMLParser):
    def __init__(self, collect_text: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.collect = collect_text
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, skipping, is_main)
        self.skip = 0
        self.main = 0
        self.all_parts: list[str] = []
        self.main_parts: list[str] = []
        self.in_title = False
        self.in_h1 = False
        self.h1_done = False

    def _break(self) -> None:
        self.all_parts.append("\n\n")
        if self.main:
            self.main_parts.append("\n\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "")[:2000] for k, v in attrs[:50]}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content"):
                self.page.meta.setdefault(key.strip(), a["content"].strip())
            return
        if tag == "link":
            if "canonical" in a.get("rel", "").lower().split() and not self.page.canonical:
                self.page.canonical = a.get("href", "").strip()
            return
        if tag == "time" and not self.page.time and a.get("datetime"):
            self.page.time = a["datetime"].strip()
        if tag in VOID:
            if tag in ("br", "hr"):
                self._break()
            return
        classes = (a.get("class", "") + " " + a.get("id", "")).lower()
        skip = tag in SKIP_TAGS or a.get("aria-hidden") == "true" or bool(
            classes.strip() and CLUTTER_TOKENS.intersection(_TOKEN_SPLIT.split(classes)))
        is_main = tag in ("article", "main") or a.get("role") == "main"
        if tag in BLOCK:
            self._break()
        self.stack.append((tag, skip, is_main))
        self.skip += skip
        self.main += is_main
        if tag == "title" and not self.page.title and not self.skip:
            self.in_title = True
        elif tag == "h1" and not self.h1_done:
            self.in_h1 = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag == "h1" and self.in_h1:
            self.in_h1, self.h1_done = False, True
        depth = len(self.stack)
        for i in range(depth - 1, max(-1, depth - 1 - _MAX_END_SEARCH), -1):
            if self.stack[i][0] == tag:
                for _t, skip, is_main in self.stack[i:]:
                    self.skip -= skip
                    self.main -= is_main
                del self.stack[i:]
                break
        if tag in BLOCK:
            self._break()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.page.title += data
            return
        if self.skip:
            return
        if self.in_h1:
            self.page.h1 += data
        if self.collect:
            self.all_parts.append(data)
            if self.main:
                self.main_parts.append(data)


def _join(parts: list[str]) -> str:
    paragraphs = (" ".join(p.split()) for p in "".join(parts).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


def parse_page(html: str, *, collect_text: bool = True) -> Page:
    """Metadata and (optionally) fallback text of an HTML page or fragment. Never raises."""
    parser = _Parser(collect_text)
    try:
        parser.feed(_UNTERMINATED.sub("&lt;", html))
        parser.close()
    except Exception:  # html.parser is lenient; keep whatever was read
        pass
    page = parser.page
    page.title = " ".join(page.title.split())
    page.h1 = " ".join(page.h1.split())
    if collect_text:
        main = _join(parser.main_parts)
        page.text = main if len(main.split()) >= 50 else _join(parser.all_parts)
    return page


def fragment_text(html: str) -> str:
    """Plain text of an HTML fragment (feed content, a JSON body), paragraphs kept."""
    return parse_page(html).text
