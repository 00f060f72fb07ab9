"""The page's Articles tab and article view as HTML, and the article list behind them.

``ArticleList`` reads the store's ledger (``Store.all_articles``) once per store generation
and keeps the complete articles as light ``Row`` values, shared by every session: searching,
sorting and paging a 5,000-article archive then costs one generation read and a pass over
the rows, never a ledger read per keystroke. ``select`` filters (every word of the query in
the title or outlet) and sorts by date; ``render_list`` shows one page of it, with a delete
button per article for those who may change the collection.

The article view (``render_article``) is the whole cleaned text with the cited passage in
<mark> and its supporting sentence marked more strongly. A source card or a list entry
names the article to open by a link ``#nqa-read/<id>[/<start>/<end>[/<a>/<b>]]``
(``read_ref``); the page script hands that reference to the server, which accepts only
what ``parse_ref`` accepts (an article id of letters, digits, ``._-`` and integer offsets)
and reads nothing but that article from the store. Article text is untrusted: everything is
escaped by ``web.render.esc`` (bidi controls dropped), names are isolated in <bdi>, and only
an http(s) URL becomes the "original" link. No gradio import, no store writes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from web.render import esc, iso
from web.urls import safe_url

PER_PAGE = 50  # articles per page of the list
READ = "#nqa-read/"
_ID = re.compile(r"[A-Za-z0-9_.-]{1,80}")
_REF = re.compile(r"#?nqa-read/([A-Za-z0-9_.-]{1,80})((?:/\d{1,9}){0,4})")


@dataclass(frozen=True)
class Row:
    """One stored article as the list shows it."""

    article_id: str
    title: str
    source: str
    published: date | None
    url: str
    author: str = ""
    dup_of: str = ""

    @property
    def key(self) -> str:
        """What the search box looks in: title and outlet, lower-cased."""
        return f"{self.title}\n{self.source}".lower()


class ArticleList:
    """The complete articles of one store, re-read from the ledger only when the store's
    generation changed (a write or delete anywhere). ``store`` returns the ``qa.store.Store``
    (the app's default ``QA``'s)."""

    def __init__(self, store: Callable[[], Any]) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._gen: str | None = None
        self._rows: list[Row] = []
        self._by_id: dict[str, Row] = {}

    def rows(self) -> list[Row]:
        """Every complete article (in no particular order)."""
        store = self._store()
        gen = store.generation()
        with self._lock:
            if gen and gen == self._gen:
                return self._rows
        rows = [Row(a.article_id, a.title, a.source, a.published, a.url, a.author, a.dup_of)
                for a in store.all_articles().values() if a.complete]
        with self._lock:
            self._gen, self._rows = gen, rows
            self._by_id = {r.article_id: r for r in rows}
        return rows

    def store(self) -> Any:
        """The store the list reads (for the article view's text and after a delete)."""
        return self._store()

    def get(self, article_id: str) -> Row | None:
        """One article's row (None when it is not stored)."""
        self.rows()
        with self._lock:
            return self._by_id.get(article_id)


def select(rows: Sequence[Row], query: str = "", newest_first: bool = True) -> list[Row]:
    """The rows whose title or outlet holds every word of ``query`` (case-insensitive),
    by date (undated last), then title."""
    words = (query or "").lower().split()
    hits = [r for r in rows if all(w in r.key for w in words)]
    dated = sorted((r for r in hits if r.published), key=lambda r: (r.published, r.title),
                   reverse=newest_first)
    return dated + sorted((r for r in hits if not r.published), key=lambda r: r.title)


def pages(n: int) -> int:
    """How many pages ``n`` articles fill (at least one)."""
    return max(1, -(-n // PER_PAGE))


def read_ref(article_id: str, start: int | None = None, end: int | None = None,
             sentence: tuple[int, int] | None = None) -> str:
    """The link that opens an article in the page's view ("" for an id it would refuse);
    ``start``/``end`` mark a passage, ``sentence`` (inside the passage) its key sentence."""
    if not _ID.fullmatch(article_id or ""):
        return ""
    ref = READ + article_id
    if start is not None and end is not None and 0 <= start < end:
        ref += f"/{start}/{end}"
        if sentence and 0 <= sentence[0] < sentence[1]:
            ref += f"/{sentence[0]}/{sentence[1]}"
    return ref


@dataclass(frozen=True)
class Ref:
    """What to open: an article, and optionally a passage (article offsets) and a sentence
    in it (offsets inside the passage)."""

    article_id: str
    passage: tuple[int, int] | None = None
    sentence: tuple[int, int] | None = None


def parse_ref(text: str) -> Ref | None:
    """A ``read_ref`` link back to a ``Ref``; None for anything else."""
    m = _REF.fullmatch((text or "").strip())
    if not m:
        return None
    nums = [int(x) for x in m.group(2).split("/")[1:]]
    passage = (nums[0], nums[1]) if len(nums) >= 2 and nums[0] < nums[1] else None
    sentence = (nums[2], nums[3]) if passage and len(nums) == 4 and nums[2] < nums[3] else None
    return Ref(m.group(1), passage, sentence)


def _meta(row: Row) -> str:
    return " · ".join(iso(x) for x in (row.source or "source unknown",
                                        row.published.isoformat() if row.published else "")
                      if x)


def render_list(rows: Sequence[Row], page: int, total: int, query: str = "",
                can_delete: bool = False, note: str = "") -> str:
    """One page (0-based) of already selected ``rows`` out of ``total`` stored articles;
    ``note`` (plain text) says what just happened, e.g. a delete."""
    n = len(rows)
    page = min(max(page, 0), pages(n) - 1)
    shown = rows[page * PER_PAGE:(page + 1) * PER_PAGE]
    head = f"<b>{total}</b> article{'s' if total != 1 else ''}"
    if (query or "").strip():
        head += f" · <b>{n}</b> match “{esc(query.strip())}”"
    if n > PER_PAGE:
        head += (f" · {page * PER_PAGE + 1}–{page * PER_PAGE + len(shown)} shown, "
                 f"page {page + 1} of {pages(n)}")
    items = []
    for r in shown:
        title = iso(r.title or "Untitled article")
        ref = read_ref(r.article_id)
        link = f'<a class="nqa-read" href="{esc(ref)}">{title}</a>' if ref else title
        copy = ' · <span class="nqa-copy">copy of a story</span>' if r.dup_of else ""
        drop = ""
        if can_delete and ref:
            drop = (f'<button type="button" class="nqa-del" data-nqa-id="{esc(r.article_id)}"'
                    f' aria-label="Delete {esc(r.title or "this article")}">Delete</button>')
        items.append(f'<li class="nqa-art"><div class="nqa-art-title">{link}</div>'
                     f'<div class="nqa-meta">{_meta(r)}{copy}</div>{drop}</li>')
    empty = "" if items else \
        f"<p>{'No article matches.' if total else 'No articles yet.'}</p>"
    done = f'<p class="nqa-note" role="status">{esc(note)}</p>' if note else ""
    return (f'<div class="nqa-articles"><p class="nqa-count">{head}</p>{done}{empty}'
            f'<ul class="nqa-art-list">{"".join(items)}</ul></div>')


def _segments(text: str, lo: int, hi: int, cuts: list[tuple[int, int, str]]) -> str:
    """Escaped ``text[lo:hi]``; each (a, b, class) span inside <mark class=...> (inner
    spans listed after the outer ones they sit in), line breaks as <br>."""
    bounds = sorted({lo, hi, *(max(lo, min(hi, x)) for a, b, _ in cuts for x in (a, b))})
    out = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        part = esc(text[a:b]).replace("\n", "<br>")
        cls = [c for s, e, c in cuts if s <= a and b <= e]
        if cls and part:
            anchor = ' id="nqa-here"' if a == cuts[0][0] else ""
            part = f'<mark class="{cls[-1]}"{anchor}>{part}</mark>'
        out.append(part)
    return "".join(out)


def render_article(row: Row | None, text: str | None, ref: Ref) -> str:
    """The whole article, its passage marked when ``ref`` names one that fits the text."""
    if text is None:
        return ('<div class="nqa-article nqa-missing"><p>This article is no longer in the '
                "collection (it was deleted or replaced).</p></div>")
    row = row or Row(ref.article_id, "", "", None, "")
    cuts: list[tuple[int, int, str]] = []
    if ref.passage and ref.passage[1] <= len(text):
        a, b = ref.passage
        cuts.append((a, b, "nqa-psg"))
        if ref.sentence and a + ref.sentence[1] <= b:
            cuts.append((a + ref.sentence[0], a + ref.sentence[1], "nqa-hl"))
    paras = []
    for m in re.finditer(r"\S(?:.|\n(?!\s*\n))*", text):
        paras.append(f"<p>{_segments(text, m.start(), m.end(), cuts)}</p>")
    url = safe_url(row.url)
    original = (f'<a class="nqa-original" href="{esc(url)}" target="_blank" '
                f'rel="noopener noreferrer">Open the original ↗</a>') if url else ""
    byline = f" · {iso(row.author)}" if row.author else ""
    note = '<p class="nqa-note">The cited passage is highlighted.</p>' if cuts else ""
    return (f'<div class="nqa-article"><h3 class="nqa-article-title">'
            f'{iso(row.title or "Untitled article")}</h3>'
            f'<div class="nqa-meta">{_meta(row)}{byline}</div>'
            f'<div class="nqa-article-links">{original}</div>{note}'
            f'<div class="nqa-article-text">{"".join(paras)}</div></div>')


__all__ = ["PER_PAGE", "READ", "ArticleList", "Ref", "Row", "pages", "parse_ref",
           "read_ref", "render_article", "render_list", "select"]
