"""HTML for the web chat: an ``Answer`` (or an error, a collection summary, an ingest report)
turned into a self-contained, safe HTML fragment.

Pure functions, no gradio import. Article text is untrusted: every value that comes from an
article or a user (title, source, author, passage, URL, file name, question) is HTML-escaped
here, and only http(s) URLs ever become links. The markup we build is the only markup in the
output; gradio's own sanitizer is a second line of defence, not the first. Text cannot lie
about itself either: explicit bidi controls (U+202A-U+202E, U+2066-U+2069, which can make
"gnp.exe" display as "exe.png") are dropped, and titles, sources, authors, dates, file names
and source names sit in <bdi>, so right-to-left text cannot reorder what is around it. The
answer's
spans (``Answer.spans``: the date, number or name asked for) are shown in <strong>. It does
not decide what to answer, and it does not talk to the store.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping

from qa.alsoin import also_in_text
from qa.types import Answer, Citation
from web.urls import safe_url

CONTEXT = 180  # chars of passage shown either side of the highlighted sentence
_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")  # embeddings, overrides, isolates


def esc(text: object) -> str:
    """HTML-escape anything (quotes too), for text and attribute values alike; explicit
    bidi controls are dropped."""
    return html.escape(_BIDI.sub("", "" if text is None else str(text)), quote=True)


def strip_bidi(text: str) -> str:
    """``text`` without explicit bidi controls: for labels gradio shows as text."""
    return _BIDI.sub("", text)


def iso(text: object) -> str:
    """Escaped ``text`` in <bdi>: its direction neither leaks out nor is bent from outside."""
    return f"<bdi>{esc(text)}</bdi>"


def _paragraphs(text: str) -> str:
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text or "") if b.strip()]
    return "".join(f"<p>{'<br>'.join(b.splitlines())}</p>" for b in blocks)


def _story(escaped: str) -> str:
    """A story answer (timeline, changes, coverage, digest): its heading lines as
    paragraphs, its dated lines ("- May 23, 2025 (Outlet): ...") as a timeline list with
    the date (and outlet) set apart."""
    out: list[str] = []
    items: list[str] = []
    for line in escaped.split("\n") + [""]:
        if line.startswith("- "):
            head, sep, rest = line[2:].partition(": ")
            body = f'<span class="nqa-when">{head}</span>: {rest}' if sep and \
                len(head) <= 90 else line[2:]
            items.append(f"<li>{body}</li>")
            continue
        if items:
            out.append(f'<ul class="nqa-timeline">{"".join(items)}</ul>')
            items = []
        if line.strip():
            out.append(f"<p>{line}</p>")
    return "".join(out)


def link_markers(escaped: str, key: str, numbers: Iterable[int]) -> str:
    """Turn ``[n]`` (and ``[1, 2]``) in already-escaped text into links to card ``n``."""
    known = set(numbers)

    def one(m: re.Match[str]) -> str:
        nums = [int(x) for x in re.split(r"\s*,\s*", m.group(1))]
        if not all(n in known for n in nums):
            return m.group(0)
        return "".join(f'<a class="nqa-cite" href="#{key}-c{n}">[{n}]</a>' for n in nums)

    return _MARKER.sub(one, escaped)


def _marked(text: str, a: int, b: int, lo: int, hi: int) -> str:
    """Escaped ``text[lo:hi]`` with ``text[a:b]`` (clipped to it) inside <mark>."""
    a, b = max(a, lo), min(b, hi)
    if a >= b:
        return esc(text[lo:hi])
    return f"{esc(text[lo:a])}<mark>{esc(text[a:b])}</mark>{esc(text[b:hi])}"


def _window(text: str, a: int, b: int) -> tuple[int, int]:
    """About ``CONTEXT`` chars either side of ``text[a:b]``, cut at sentence or word ends."""
    lo, hi = max(0, a - CONTEXT), min(len(text), b + CONTEXT)
    if lo > 0:
        head = text[lo:a]
        cut = max(head.find(". "), head.find("\n"))
        lo += cut + 1 if cut >= 0 else max(head.find(" "), 0)
    if hi < len(text):
        tail = text[b:hi]
        cut = max(tail.rfind(". "), tail.rfind("\n"))
        hi = b + (cut + 1 if cut >= 0 else max(tail.rfind(" "), 0))
    return lo, hi


def _passage(c: Citation) -> str:
    """The passage around its highlighted sentence; the whole of it one click away."""
    text, span = c.passage or "", c.highlight
    a, b = span if span and 0 <= span[0] < span[1] <= len(text) else (0, 0)
    if len(text) <= 2 * CONTEXT + 120:
        return _marked(text, a, b, 0, len(text)).replace("\n", "<br>")
    lo, hi = _window(text, a, b) if b else (0, _window(text, 0, CONTEXT)[1])
    lo = lo if text[:lo].strip() else 0
    part = _marked(text, a, b, lo, hi).strip().replace("\n", " ")
    part = ("… " if lo else "") + part + (" …" if hi < len(text) else "")
    whole = _marked(text, a, b, 0, len(text)).replace("\n", "<br>")
    return (f'{part}<details class="nqa-more"><summary>whole passage</summary>'
            f"{whole}</details>")


def render_card(c: Citation, card_id: str) -> str:
    """One numbered source card: title (linked if http/https), source, date, passage."""
    title = iso(c.title or "Untitled article")
    url = safe_url(c.url)
    if url:
        title = (f'<a href="{esc(url)}" target="_blank" rel="noopener noreferrer">'
                 f"{title}</a>")
    meta = [iso(x) for x in (c.source or "source unknown",
                             c.published.isoformat() if c.published else "", c.author) if x]
    also = also_in_text(c)  # the story's other outlets (syndicated copies)
    also_html = f'<div class="nqa-also">{iso(also)}</div>' if also else ""
    from web.articles import read_ref  # the page's article view (the title opens it too)
    ref = read_ref(c.article_id, c.start, c.end, c.highlight)
    read = (f'<div class="nqa-tools"><a class="nqa-read" href="{esc(ref)}">Read the whole '
            "article</a></div>") if ref else ""
    return (f'<div class="nqa-card" id="{esc(card_id)}">'
            f'<div class="nqa-card-head"><span class="nqa-num">[{c.number}]</span>{title}</div>'
            f'<div class="nqa-meta">{" · ".join(meta)}</div>{also_html}'
            f'<blockquote class="nqa-passage">{_passage(c)}</blockquote>{read}</div>')


def strong_spans(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Escaped ``text`` with each valid span (the answer's date, number or name) in
    <strong>; spans that overlap, fall outside the text or cross a line are ignored."""
    out, at = [], 0
    for a, b in sorted(spans):
        if at <= a < b <= len(text) and "\n" not in text[a:b]:
            out += [esc(text[at:a]), "<strong>", esc(text[a:b]), "</strong>"]
            at = b
    return "".join(out) + esc(text[at:])


def _same(a: str, b: str) -> bool:
    return " ".join(a.lower().split()).strip(" ?.!") == " ".join(b.lower().split()).strip(" ?.!")


def _notes(answer: Answer) -> str:
    notes = []
    if answer.query and not _same(answer.query, answer.question):
        notes.append(f"Searched for: “{esc(answer.query)}”")  # the user's words, quoted
    if answer.filters:
        notes.append("Filters: " + iso(", ".join(f"{k.replace('_', ' ')} {v}"
                                                  for k, v in answer.filters.items())))
    if answer.dropped:
        n = len(answer.dropped)
        notes.append(f"{n} sentence{'s' if n > 1 else ''} removed: not supported by the "
                     "articles")
    total = answer.timings.get("total") if answer.timings else None
    notes.append(esc(answer.mode) + (f" · {total:.2f} s" if total is not None else ""))
    return "".join(f'<div class="nqa-note">{n}</div>' for n in notes)


def render_answer(answer: Answer, key: str, tools: str = "") -> str:
    """The assistant bubble: text with linked markers + source cards, or a refusal box;
    ``tools`` (our own markup: the Copy/Download row, ``web.actions``) ends it.

    ``key`` makes the card ids unique within the page (one key per answer); it must be made
    of letters, digits and ``-`` only.
    """
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", key):
        raise ValueError(f"bad key {key!r}")
    if answer.refused or not answer.citations:
        related = "".join(render_card(c, f"{key}-r{c.number}") for c in answer.related)
        rel = ""
        if related:
            rel = ('<div class="nqa-note">Related passages:</div>'
                   f'<div class="nqa-cards nqa-related">{related}</div>')
        return (f'<div class="nqa-answer nqa-refused"><span class="nqa-badge">Not in the '
                f'articles</span>{_paragraphs(esc(answer.text))}{rel}{_notes(answer)}'
                f'{tools}</div>')
    body = _story(esc(answer.text)) if answer.kind != "answer" else \
        _paragraphs(strong_spans(answer.text, answer.spans))
    text = link_markers(body, key, (c.number for c in answer.citations))
    cards = "".join(render_card(c, f"{key}-c{c.number}") for c in answer.citations)
    return (f'<div class="nqa-answer">{text}<div class="nqa-cards">{cards}</div>'
            f"{_notes(answer)}{tools}</div>")


def render_user(text: str) -> str:
    """The user's own message, as text."""
    return f'<div class="nqa-question">{_paragraphs(esc(text))}</div>'


def render_pending(text: str = "") -> str:
    """The assistant bubble while the answer streams in."""
    body = _paragraphs(esc(text)) if text.strip() else "<p>Searching the articles…</p>"
    return f'<div class="nqa-answer nqa-pending">{body}</div>'


def render_signed_in(user: str | None) -> str:
    """Who is logged in (next to the log-out button); empty without a login."""
    return f'<div class="nqa-user">Signed in as <b>{iso(user)}</b></div>' if user else ""


def render_error(message: str) -> str:
    """An error bubble: what went wrong, in the user's words."""
    return (f'<div class="nqa-answer nqa-error"><span class="nqa-badge">Problem</span>'
            f"<p>{esc(message)}</p></div>")


def render_stats(stats: Mapping | None, problem: str = "") -> str:
    """The collection at a glance (``qa.collection_stats``), or why it is unavailable."""
    if stats is None:
        return f'<div class="nqa-stats"><p>{esc(problem or "No articles yet.")}</p></div>'
    srcs = stats.get("sources") or {}
    items = "".join(f"<li>{iso(name)} ({int(n)})</li>" for name, n in list(srcs.items())[:12])
    more = f"<li>… {len(srcs) - 12} more</li>" if len(srcs) > 12 else ""
    return ('<div class="nqa-stats">'
            f'<p><b>{int(stats.get("articles", 0))}</b> articles · '
            f'<b>{int(stats.get("chunks", 0))}</b> passages · <b>{len(srcs)}</b> sources<br>'
            f'Newest article: {esc(stats.get("newest") or "unknown")}<br>'
            f'Store: <code>{esc(stats.get("where", ""))}</code></p>'
            f"{'<ul>' + items + more + '</ul>' if items else ''}</div>")


def render_report(report: Mapping, rejected: Iterable[tuple[str, str]] = ()) -> str:
    """An ingest report (``IngestReport.to_dict()``) plus inputs refused before ingesting."""
    fails = [(f["input"], f["reason"]) for f in report.get("failed", [])] + list(rejected)
    counts = (f"<b>{report.get('added', 0)}</b> added · <b>{report.get('updated', 0)}</b> "
              f"updated · <b>{report.get('unchanged', 0)}</b> unchanged")
    if report.get("duplicates"):
        counts += f" · <b>{report['duplicates']}</b> duplicate"
    counts += f" · <b>{len(fails)}</b> failed"
    items = "".join(f'<li class="nqa-fail">{iso(i)}: {esc(r)}</li>' for i, r in fails)
    return (f'<div class="nqa-report"><p>{counts}</p>'
            f"{'<ul>' + items + '</ul>' if items else ''}</div>")


__all__ = ["esc", "iso", "link_markers", "render_answer", "render_card", "render_error",
           "render_pending", "render_report", "render_signed_in", "render_stats", "render_user",
           "safe_url", "strip_bidi", "strong_spans"]
