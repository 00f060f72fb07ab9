"""Words: stopwords, search terms (``query_terms``, for BM25), and light text matching
shared by extractive answers and citation checking.

Content terms (lower-cased words minus stopwords, with a crude plural/verb-suffix fold) and
"facts" (numbers, years, month names, capitalised names) that a supported sentence must find
in the passage it cites. Cheap, deterministic, no models; not a linguistic analysis.
"""

from __future__ import annotations

import re

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    out over own same she should so some such than that the their theirs them then there these
    they this those through to too under until up very was we were what when where which while
    who whom why will with would you your yours week weeks month year years day days recently
    recent latest new news according said says say tell told""".split()
)
_SEARCH_WORD = re.compile(r"\w+", re.UNICODE)


def query_terms(text: str) -> list[str]:
    """The searchable words of a question: lower-cased, stopwords removed, de-duplicated."""
    seen: dict[str, None] = {}
    for w in _SEARCH_WORD.findall(text.lower()):
        if w not in STOPWORDS and (len(w) > 1 or w.isdigit()):
            seen.setdefault(w, None)
    return list(seen)


_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-.]*[A-Za-z0-9]|[A-Za-z0-9]")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
# a number with the unit that changes its meaning: "38%" is not "38 centimeters"
_SCALED = re.compile(r"(\d[\d,.]*\d|\d)\s*(%|percent\b|per cent\b|million\b|billion\b|"
                     r"trillion\b|thousand\b)", re.I)
_UNIT = {"%": "%", "percent": "%", "per cent": "%"}
_MONTHS = ("january february march april may june july august september october november "
           "december").split()
_CAPWORD = re.compile(r"\b[A-Z][a-zA-Z'’\-]+(?:\s+[A-Z][a-zA-Z'’\-]+)*")
_MARK = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\]")


def fold(word: str) -> str:
    """A crude stem: lower-case, strip possessive and common suffixes."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.strip("'.-")
    for suf in ("ing", "ed", "es", "s"):
        if len(w) > len(suf) + 3 and w.endswith(suf):
            return w[: -len(suf)]
    return w


def terms(text: str) -> list[str]:
    """Folded content words of ``text`` (stopwords removed), in order, with repeats."""
    out = []
    for w in _WORD.findall(_MARK.sub(" ", text)):
        lw = w.lower()
        if lw in STOPWORDS or (len(lw) < 2 and not lw.isdigit()):
            continue
        out.append(fold(w))
    return out


def facts(sentence: str) -> set[str]:
    """Numbers, month names and capitalised names (not sentence-initial) in a sentence."""
    s = _MARK.sub(" ", sentence)
    found = {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(s)}
    for m in _SCALED.finditer(s):
        unit = m.group(2).lower()
        found.add(m.group(1).replace(",", "").rstrip(".") + " " + _UNIT.get(unit, unit))
    low = s.lower()
    found |= {m for m in _MONTHS if re.search(rf"\b{m}\b", low) and m != "may"}
    for m in _CAPWORD.finditer(s):
        words = m.group(0).split()
        if m.start() == 0 or s[: m.start()].rstrip().endswith((".", "!", "?", '"', "“")):
            words = words[1:]  # a sentence-initial capital tells nothing
        for w in words:
            lw = w.lower()
            if lw not in STOPWORDS and lw not in _MONTHS:
                found.add(fold(w))
    return found


def fact_in(fact: str, passage_low: str, passage_terms: set[str]) -> bool:
    """Whether a fact from ``facts()`` occurs in the passage."""
    if fact[:1].isdigit():
        compact = passage_low.replace(",", "")
        number, _, unit = fact.partition(" ")
        tail = r"(?![\d])"
        if unit == "%":
            tail = r"\s*(%|percent\b|per cent\b)"
        elif unit:
            tail = rf"\s*{re.escape(unit)}"
        return re.search(rf"(?<![\d.]){re.escape(number)}{tail}", compact) is not None
    return fact in passage_terms or fact in passage_low


def support(sentence: str, passage: str) -> tuple[float, list[str]]:
    """(share of the sentence's content terms found in the passage, facts missing from it)."""
    st = terms(sentence)
    low = passage.lower()
    pt = set(terms(passage))
    share = sum(1 for t in st if t in pt) / len(st) if st else 0.0
    missing = sorted(f for f in facts(sentence) if not fact_in(f, low, pt))
    return share, missing
