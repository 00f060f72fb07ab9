"""Answers with their citations as documents: Markdown to read or paste, JSON for programs.

    answer_markdown(ans)          one answer: the question, the text, each source (title,
                                  outlet, date, URL, the exact passage, its offsets)
    answer_json(ans)              ``Answer.to_dict()`` as JSON (what ``python -m qa --json``
                                  prints)
    conversation_markdown(turns)  several answers, in order, as one document
    conversation_json(turns)      the same as one JSON object (``turns``: answer dicts)
    citations_markdown(cites)     passages alone (``--passages``)

Article text is untrusted, so every piece of it (question, answer, titles, outlets,
passages) is escaped: Markdown punctuation that could open emphasis, a link, an image, a
code span, a table or math is backslash-escaped, ``<``, ``>`` and ``&`` become entities
(no raw HTML survives any renderer), a line may not start a heading, list, quote or code
block, and bidi controls are dropped (as on the page). A URL becomes a link only when it is
a plain http(s) URL; otherwise it is shown as text. Rendered, a passage reads exactly as
stored; its offsets say where it sits in the article (``article[start:end] == passage``).
This module formats only: it asks nothing and reads no store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from qa.alsoin import also_in_text
from qa.types import Answer, Citation

FORMAT = "newsqa.conversation/1"  # the ``format`` key of ``conversation_json``
_BIDI = dict.fromkeys(map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                               "\u2066\u2067\u2068\u2069"))
_ENTITY = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_INLINE = re.compile(r"[&<>]|[\\`*_\[\]|~$]")
_LINE_START = re.compile(r"^(\d{1,9})([.)])|^([-+*=#>:])")
_SAFE_URL = re.compile(r"https?://[^\s<>\"'`\\\x00-\x1f\x7f]+", re.IGNORECASE)


def escape(text: str) -> str:
    """``text`` as Markdown that renders as exactly this text (whitespace aside): inline
    markup escaped, HTML as entities, no line that starts a block, line breaks kept, bidi
    controls dropped."""
    lines = []
    for line in text.translate(_BIDI).split("\n"):
        line = _INLINE.sub(lambda m: _ENTITY.get(m[0]) or "\\" + m[0], line.strip())
        m = _LINE_START.match(line)
        if m:
            at = m.start(2) if m[2] else 0  # "1." -> "1\.", "- x" -> "\- x"
            line = line[:at] + "\\" + line[at:]
        lines.append(line)
    # a line break stays one (a backslash hard break); a blank line still ends a paragraph
    return "\n".join(line + "\\" if line and nxt else line
                     for line, nxt in zip(lines, lines[1:] + [""], strict=True))


def _one_line(text: str) -> str:
    return escape(" ".join(text.split()))


def _link(url: str) -> str:
    """An autolink for a plain http(s) URL; anything else as escaped text."""
    url = url.strip().translate(_BIDI)
    if _SAFE_URL.fullmatch(url):
        return f"<{url}>"
    return _one_line(url)


def _quote(text: str, indent: str) -> list[str]:
    """``text`` as a block quote (paragraphs kept), each line under ``indent``."""
    out = []
    for line in escape(text).split("\n"):
        out.append(f"{indent}> {line}".rstrip())
    while out and out[-1].strip() == ">":
        out.pop()
    return out


def _source(c: Citation, label: str) -> list[str]:
    """One numbered source: title, outlet and date, URL, offsets, the passage quoted."""
    indent = " " * (len(label) + 1)
    origin = _one_line(c.source) if c.source else "source unknown"
    if c.author:
        origin += f", by {_one_line(c.author)}"
    if c.published:
        origin += f", {c.published.isoformat()}"
    lines = [f"{label} **{_one_line(c.title or c.article_id)}** — {origin}  "]
    if c.url:
        lines.append(f"{indent}{_link(c.url)}  ")
    if also := also_in_text(c):
        lines.append(f"{indent}{_one_line(also)}  ")
    lines.append(f"{indent}article `{_code(c.article_id)}`, characters {c.start}–{c.end}:")
    lines.append("")
    lines += _quote(c.passage, indent)
    return lines


def _code(text: str) -> str:
    """An id inside a code span (ids are hex; anything else loses its backticks)."""
    return text.replace("`", "'").replace("\n", " ") or "?"


def citations_markdown(citations: Sequence[Citation]) -> str:
    """Numbered sources with their passages (e.g. ``retrieve``'s results)."""
    out: list[str] = []
    for c in citations:
        out += _source(c, f"{c.number}.") + [""]
    return "\n".join(out).rstrip() + "\n"


def _filters(filters: Mapping[str, str]) -> str:
    words = {"since": "since", "until": "until", "sources": "from", "as_of": "as of",
             "time_phrase": "time words"}
    parts = [f"{words.get(k, k)} {_one_line(str(v))}" for k, v in filters.items() if v]
    return f"*Searched {'; '.join(parts)}.*" if parts else ""


def _answer_body(ans: Answer) -> list[str]:
    out = [escape(ans.text), ""]
    if ans.query and ans.query != ans.question:
        out += [f"*Searched for: {_one_line(ans.query)}*", ""]
    if f := _filters(ans.filters):
        out += [f, ""]
    if ans.dropped:
        out += [f"*{len(ans.dropped)} unsupported sentence(s) removed from the answer.*", ""]
    if ans.citations:
        out += ["**Sources**", ""]
        for c in ans.citations:
            out += _source(c, f"{c.number}.") + [""]
    elif ans.related:
        out += ["**Closest passages** (they do not answer the question)", ""]
        for i, c in enumerate(ans.related, 1):
            out += _source(c, f"{i}.") + [""]
    return out


def answer_markdown(answer: Answer, heading: str = "##") -> str:
    """One answer as Markdown: the question as a heading, the answer with its ``[n]``
    markers, then each cited source with title, outlet, date, URL, the offsets and the
    exact passage (a refusal lists the closest passages, marked as not an answer)."""
    out = [f"{heading} {_one_line(answer.question)}", ""] + _answer_body(answer)
    return "\n".join(out).rstrip() + "\n"


def answer_json(answer: Answer) -> str:
    """One answer as JSON: ``Answer.to_dict()`` (citations with title, source, published,
    url, passage, start, end, highlight, ...), as ``python -m qa --json`` prints it."""
    return json.dumps(answer.to_dict(), indent=2)


def conversation_markdown(turns: Iterable[Answer], title: str = "newsqa conversation",
                          meta: Mapping[str, str] | None = None) -> str:
    """Answers in order as one Markdown document: a title, optional ``meta`` lines (e.g.
    the store, the date), then each turn as ``answer_markdown`` with a numbered heading."""
    out = [f"# {_one_line(title)}", ""]
    for key, value in (meta or {}).items():
        out.append(f"- {_one_line(key)}: {_one_line(str(value))}")
    if meta:
        out.append("")
    for i, ans in enumerate(turns, 1):
        out += [f"## {i}. {_one_line(ans.question)}", ""] + _answer_body(ans)
        out += ["---", ""]
    return "\n".join(out).rstrip() + "\n"


def conversation_json(turns: Iterable[Answer], meta: Mapping[str, Any] | None = None) -> str:
    """Answers in order as one JSON object: ``{"format", **meta, "turns": [answer dicts]}``."""
    doc: dict[str, Any] = {"format": FORMAT, **(meta or {})}
    doc["turns"] = [a.to_dict() for a in turns]
    return json.dumps(doc, indent=2)


__all__ = ["FORMAT", "answer_json", "answer_markdown", "citations_markdown",
           "conversation_json", "conversation_markdown", "escape"]
