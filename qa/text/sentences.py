"""Sentence spans with exact character offsets.

``sentence_spans(text)`` returns ``(start, end)`` pairs such that ``text[start:end]`` is a
sentence with no surrounding whitespace. Paragraph breaks always end a sentence; inside a
paragraph a sentence ends at ``.``, ``!`` or ``?`` (plus closing quotes/brackets) followed by
space and a capital, digit or quote — except after common abbreviations ("Mr.", "U.S.",
"Oct.", initials). It is a fast rule-based splitter for news prose, not a linguistic parser.
Used by chunking (ingest) and by extractive answers (qa).
"""

from __future__ import annotations

import re

_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "col", "lt", "sgt", "capt",
    "st", "jr", "sr", "inc", "co", "corp", "ltd", "no", "vs", "etc", "approx", "dept", "est",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "mon", "tue", "tues", "wed", "thu", "thurs", "fri", "sat", "sun", "fig", "ft", "mt",
    "a.m", "p.m", "u.s", "u.k", "u.n", "e.u", "d.c", "i.e", "e.g", "ph.d", "pres",
}
# candidate boundary: terminal punctuation, optional closers, whitespace, then a likely start
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_PARA = re.compile(r"\n\s*\n")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the '.' at ``dot`` ends an abbreviation or an initial, not a sentence."""
    m = _WORD_BEFORE.search(text, max(0, dot - 12), dot)
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    if word in _ABBREV:
        return True
    # single initials ("J. Smith") and dotted acronyms ("U.S.", "N.Y.")
    return len(word) == 1 or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """All sentences of ``text`` as (start, end) offsets, in order, covering every word."""
    spans: list[tuple[int, int]] = []
    para_start = 0
    breaks = [m.start() for m in _PARA.finditer(text)] + [len(text)]
    for para_end in breaks:
        cur = para_start
        for m in _BOUNDARY.finditer(text, para_start, para_end):
            dot = m.start()
            if text[dot] == "." and m.end() - dot == 1 and _is_abbreviation(text, dot):
                continue
            span = _trim(text, cur, m.end())
            if span:
                spans.append(span)
            cur = m.end()
        span = _trim(text, cur, para_end)
        if span:
            spans.append(span)
        nxt = _PARA.match(text, para_end)
        para_start = nxt.end() if nxt else para_end
    return spans


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` as strings."""
    return [text[a:b] for a, b in sentence_spans(text)]
