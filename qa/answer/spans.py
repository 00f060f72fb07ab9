"""The answer inside the answer: char spans of the date, number, name or place that the
question asks for, found in the answer's first sentence (shown bold by the CLI and the page).

``answer_spans(question, text)``: ``kinds(question)`` says what is asked — "when" (a date
like "Thursday, May 22" or "November 20, 2025", else a weekday or a year), "number" ("How
many/much", "what share": a number with its qualifier, currency and unit, like "About
1,900", "$53.2 million", "7 percent"; the one next to the counted noun, or the money/percent
the question wants), "who" (a capitalised name the question does not contain) and "where"
(a capitalised place after in/at/near not in the question). A question may ask for several
("Who won…, and with what share?"). Pure regex and heuristics over one sentence: no models;
it marks nothing rather than guess when the first sentence holds no such thing, and it does
not judge whether the sentence is right.
"""

from __future__ import annotations

import re

from qa.text.sentences import sentence_spans
from qa.text.terms import STOPWORDS, fold, terms

Span = tuple[int, int]

_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|"
          r"December|Jan\.|Feb\.|Mar\.|Apr\.|Jun\.|Jul\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)")
_DATES = [re.compile(p) for p in (
    rf"(?:{_WEEKDAY},?\s+)?{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}}\b)?",
    rf"(?:{_WEEKDAY},?\s+)?\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}}\b)?",
    rf"\b(?:(?:[Ee]arly|[Mm]id|[Ll]ate)[-\s]+|the\s+(?:end|start|beginning|middle|"
    rf"(?:first|second)\s+half)\s+of\s+){_MONTH}(?:\s+\d{{4}}\b)?",
    rf"{_MONTH}\s+\d{{4}}\b",
)]
_WEEKDAY_RE = re.compile(rf"\b{_WEEKDAY}\b")
_YEAR = re.compile(r"\b(?:in|since|until|by|from|before|after)\s+((?:19|20)\d\d)\b")
_TIME = re.compile(r"\b\d{1,2}(?::\d\d)?\s*(?:a\.m\.|p\.m\.|am\b|pm\b)|\b\d{1,2}:\d\d\b")

_WORDNUM = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
            r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|"
            r"sixty|seventy|eighty|ninety|hundred|a\s+dozen|dozens|hundreds|thousands)")
_QUAL = (r"(?:\b(?:about|around|roughly|nearly|almost|approximately|over|under|some|just\s+over|"
         r"just\s+under|more\s+than|less\s+than|fewer\s+than|up\s+to|at\s+least|as\s+many\s+as|"
         r"as\s+much\s+as)\s+)?")
_SCALE = r"(?:\s+(?:million|billion|trillion|thousand|hundred))?"
_UNIT = (r"(?:\s*%|\s+(?:percent|per\s+cent|percentage\s+points?|centimet(?:er|re)s?|cm|"
         r"met(?:er|re)s?|kilomet(?:er|re)s?|km|miles?|mph|km/h|inches|feet|tons?|tonnes?|kg|"
         r"degrees(?:\s+(?:Celsius|Fahrenheit))?|°[CF]|dollars|euros|pounds|votes|seats))?")
_NUMBER = re.compile(
    rf"{_QUAL}(?:[$€£]\s?\d[\d,]*(?:\.\d+)?{_SCALE}"
    rf"|(?<![\d.,$€£])\d[\d,]*(?:\.\d+)?(?:-[a-z]+\b)?{_SCALE}{_UNIT}"
    rf"|\b{_WORDNUM}\b{_SCALE}{_UNIT})", re.I)
_MONEY = re.compile(r"[$€£]|dollars|euros|pounds", re.I)
_PERCENT = re.compile(r"%|percent|per cent", re.I)

_NAME = re.compile(r"\b[A-Z][\w'’\-]*\.?(?:\s+(?:(?:of|de|da|van|von|al)\s+)?"
                   r"[A-Z][\w'’\-]*\.?)*")
_TITLES = {"dr", "mr", "mrs", "ms", "prof", "jr", "sr", "st", "gen", "gov", "sen", "rep"}
_DATELINE = re.compile(r"^[A-ZÀ-Þ][A-ZÀ-Þ .,'’\-]+\s+[—–-]+\s+")
_PLACE = re.compile(r"\b(?:in|at|near|outside|inside|from)\s+(?:the\s+)?(?=[A-Z])")

_KINDS = {
    "when": re.compile(r"^\W*(?:(?:and|but|so)\s+)?when\b|\bwhen\s+(?:did|was|were|will|is|"
                       r"does|do|has|had)\b|\bwhat\s+(?:date|day|year|month|time)\b|"
                       r"\bsince\s+when\b|,\s*and\s+when\b", re.I),
    "number": re.compile(r"\bhow\s+(?:many|much|long|far|big|large|tall|high|deep|old|fast)\b|"
                         r"\bwhat\s+(?:share|percentage|percent|proportion|fraction|amount|"
                         r"price|sum|number|temperature|speed|distance|height|depth|size|"
                         r"(?:pay\s+)?(?:rise|raise|increase))\b", re.I),
    "who": re.compile(r"^\W*(?:(?:and|but|so)\s+)?who\b|\bwhom\b|\bwho\s+(?:won|scored|"
                      r"leads?|led|said|is|was|were)\b|\bwhich\s+(?:person|candidate|player|"
                      r"team|company|firm|official|party)\b", re.I),
    "where": re.compile(r"^\W*(?:(?:and|but|so)\s+)?where\b|\bwhere\s+(?:did|was|were|is|"
                        r"will|does)\b|\b(?:in\s+)?(?:which|what)\s+(?:city|country|town|"
                        r"place|region|state)\b", re.I),
}


def kinds(question: str) -> list[str]:
    """What the question asks for, in the order it asks: "when", "number", "who", "where"."""
    found = [(m.start(), k) for k, p in _KINDS.items() if (m := p.search(question))]
    return [k for _, k in sorted(found)]


def _dates(s: str) -> list[Span]:
    out: list[Span] = []
    for p in _DATES:
        for m in p.finditer(s):
            if not any(a <= m.start() < b or m.start() <= a < m.end() for a, b in out):
                out.append((m.start(), m.end()))
    return sorted(out)


def _when(s: str, question: str) -> Span | None:
    if re.search(r"\bwhat\s+time\b", question, re.I) and (t := _TIME.search(s)):
        return t.span()
    found = _dates(s)
    if found:
        return found[0]
    if m := _WEEKDAY_RE.search(s):
        return m.span()
    m = _YEAR.search(s)
    return m.span(1) if m else None


def _counted(question: str) -> set[str]:
    """The noun(s) a "how many/much" question counts: "how many electric ferries"."""
    m = re.search(r"\bhow\s+(?:many|much)\s+((?:[\w-]+\s+){0,2}[\w-]+)", question, re.I)
    if not m:
        return set()
    words = m.group(1).split()
    cut = next((i for i, w in enumerate(words) if w.lower() in STOPWORDS), len(words))
    return {fold(w) for w in words[:cut]}


def _number(s: str, question: str) -> Span | None:
    busy = _dates(s) + [m.span() for m in _TIME.finditer(s)]
    noun = _counted(question)
    wants_money = re.search(r"\b(?:cost|costs|pay|paid|spend|spent|price|worth|budget|fund)",
                            question, re.I)
    wants_pct = re.search(r"\b(?:share|percent|percentage|proportion|rate|rates|rise|raise|"
                          r"increase|decrease|fall|by\s+how\s+much)\b", question, re.I)
    wants_deg = re.search(r"\btemperature\b", question, re.I)
    best, best_score = None, -1.0
    for i, m in enumerate(_NUMBER.finditer(s)):
        a, b = m.span()
        text = m.group(0)
        if any(x <= a < y for x, y in busy) or re.fullmatch(r"(?:19|20)\d\d", text):
            continue
        after = {fold(w) for w in re.findall(r"[\w-]+", s[b:])[:4]}
        score = 3.0 * bool(noun & after) - 0.01 * i
        score += 2.0 * bool(wants_money and _MONEY.search(text))
        score += 2.0 * bool(wants_pct and _PERCENT.search(text))
        score += 2.0 * bool(wants_deg and re.search(r"degree|°", text))
        if score > best_score:
            best, best_score = (a, b), score
    return best


def _clean_name(s: str, a: int, b: int, head: int = 0) -> Span | None:
    """Trim a name run: a sentence-initial common word, a sentence-final full stop."""
    words = s[a:b].split()
    if a == head and words and words[0].lower() in STOPWORDS:
        a = s.index(words[1], a + len(words[0])) if len(words) > 1 else b
    if b > a and s[b - 1] == "." and s[a:b - 1].split()[-1].lower() not in _TITLES:
        b -= 1
    return (a, b) if b > a else None


def _is_new_name(s: str, span: Span, asked: set[str]) -> bool:
    words = terms(s[span[0]:span[1]])
    if not words or set(words) <= asked:
        return False
    return not re.fullmatch(rf"{_WEEKDAY}|{_MONTH}", s[span[0]:span[1]])


def _who(s: str, question: str) -> Span | None:
    asked = set(terms(question))
    head = m.end() if (m := _DATELINE.match(s)) else 0
    for m in _NAME.finditer(s, head):
        span = _clean_name(s, m.start(), m.end(), head)
        if span and _is_new_name(s, span, asked):
            return span
    return None


def _where(s: str, question: str) -> Span | None:
    asked = set(terms(question))
    for m in _PLACE.finditer(s):
        n = _NAME.match(s, m.end())
        if n and (span := _clean_name(s, n.start(), n.end())) and _is_new_name(s, span, asked):
            return span
    return None


_FIND = {"when": _when, "number": _number, "who": _who, "where": _where}


def answer_spans(question: str, text: str) -> tuple[Span, ...]:
    """Spans in ``text`` (offsets into it) of what ``question`` asks for, taken from the
    first sentence only; () when there is nothing of the kind there."""
    sents = sentence_spans(text)
    if not sents or not question:
        return ()
    lo, hi = sents[0]
    first = text[lo:hi]
    out: list[Span] = []
    for kind in kinds(question):
        span = _FIND[kind](first, question)
        if span and not any(a < span[1] and span[0] < b for a, b in out):
            out.append(span)
    return tuple(sorted((a + lo, b + lo) for a, b in out))
