"""What a story revised: a date or figure that later articles of the story give differently
("reopen in late April" → "in the second half of May" → "reopened ... May 22"; a death
toll of four → nine → eleven).

A *claim* is a value in a sentence — a date ("May 22", "late April", "the second half of
May"), a sum of money, a percentage or a count — with the content words around it (its
*anchor*: "reopen", "toll", "killed"). Claims of different articles are versions of one
figure when they share an anchor word and a kind and their values differ. ``revisions``
returns each such figure's versions, oldest article first, one per article (the value that
article adds; the one nearest in wording to the others when it gives several), repeated
values dropped. Heuristics on wording; no models.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from qa.news.articles import Sentence, StoryArticle
from qa.text.terms import terms

_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|"
          r"November|December|Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)")
_PART = (r"(?:early|mid|late|the\s+(?:first|second)\s+half\s+of|the\s+(?:end|start|"
         r"beginning|middle)\s+of)")
_NUMWORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
_VALUE = re.compile(
    rf"(?P<date>(?:{_PART}[\s-]+)?{_MONTH}(?:\s+\d{{1,2}}(?:st|nd|rd|th)?\b)?(?!\s+(?:be|have|not)\b))"
    r"|(?P<money>[$€£]\s?\d[\d,]*(?:\.\d+)?(?:\s+(?:million|billion|thousand))?)"
    r"|(?P<percent>\b\d[\d,]*(?:\.\d+)?\s*(?:%|percent\b|per\s+cent\b))"
    r"|(?P<count>(?<![\d:.,$€£])\b(?:\d[\d,]*(?:\.\d+)?(?:\s+(?:million|billion|thousand))?"
    rf"|(?i:{'|'.join(_NUMWORDS)}))\b(?![:.,]?\d|\s*(?:a\.m|p\.m|%|percent|per\s+cent)))")
_YEARLIKE = re.compile(r"^(?:19|20)\d\d$")
WINDOW = 8  # anchor words: this many words either side of the value
#: the figures news revises as a story moves on, and the words that name each; a revision
#: is only looked for beside one of these (precision first: a story holds many dates and
#: numbers of different events, and only a shared figure word says two are one figure)
SLOTS = {
    "reopening": "reopen reopened reopening reopens",
    "opening": "open opens opened opening",
    "death toll": "toll dead deaths death died killed killing kill fatalities lives",
    "injured": "injured injuries wounded hurt",
    "missing": "missing unaccounted",
    "displaced": "evacuated evacuation displaced homeless",
    "cost": "cost costs costing budget price overrun",
    "estimate": "estimate estimated estimates forecast projected projection",
    "turnout": "turnout",
    "pay rise": "raise raises offer offered pay salary wage wages",
    "power cuts": "outage outages power",
    "completion": "completion complete completed finish finished delayed postponed "
                  "rescheduled deadline due",
}
SLOT_OF = {t: slot for slot, words in SLOTS.items() for t in terms(words)}
#: words that sit beside any figure in news copy and say nothing about which figure it is
_GENERIC = set(terms(
    "said says say told according officials official spokesman spokeswoman statement "
    "added million billion thousand percent year years week weeks day days month months "
    "time times about nearly almost least more than less after before since until during "
    "on in at by from monday tuesday wednesday thursday friday saturday sunday"))


class Claim(NamedTuple):
    """A value one sentence of one article gives."""

    article: int  # index into the story's articles
    sentence: Sentence
    kind: str
    value: str  # normalised, for comparison
    shown: str  # as written
    anchor: frozenset[str]  # the content words around the value
    keys: frozenset[str]  # those that can tie versions together (no names, no story words)


class Version(NamedTuple):
    """One version of a revised figure."""

    article: StoryArticle
    sentence: Sentence
    value: str  # as written


class Revision(NamedTuple):
    """A revised figure: what it is ("reopening", "death toll": ``SLOTS``) and its
    versions, oldest first."""

    word: str
    versions: list[Version]


def _norm(kind: str, text: str) -> str:
    t = re.sub(r"\s+", " ", text.lower().replace(",", "")).strip()
    t = re.sub(r"^the ", "", t)
    if kind == "count" and t in _NUMWORDS:
        return str(_NUMWORDS[t])
    return t


def claims(articles: Sequence[StoryArticle]) -> list[Claim]:
    """Every dated or numeric value in the articles' sentences, with its anchor words (the
    words most of the story's headlines share, which name the story rather than a figure,
    left out)."""
    out = []
    titles = Counter(w for a in articles for w in set(terms(a.meta.title)))
    story = {w for w, n in titles.items() if 2 * n > len(articles)} | _GENERIC
    for ai, art in enumerate(articles):
        for s in art.sentences:
            for m in _VALUE.finditer(s.text):
                kind = m.lastgroup or ""
                shown = m.group(0)
                if kind == "count" and (_YEARLIKE.match(shown) or shown.lower() in ("one",)):
                    continue
                near = terms(s.text[:m.start()])[-WINDOW:] + terms(s.text[m.end():])[:WINDOW]
                keys = set(_lower_terms(s.text[:m.start()])[-WINDOW:]
                           + _lower_terms(s.text[m.end():])[:WINDOW])
                out.append(Claim(ai, s, kind, _norm(kind, shown), shown.strip(),
                                 frozenset(near) - _GENERIC, frozenset(keys - story)))
    return out


def _lower_terms(text: str) -> list[str]:
    """Content words not written with a capital (names say who, not which figure)."""
    return terms(" ".join(re.findall(r"(?<![\w'’])[a-z][\w'’\-]*|\d[\d,.]*", text)))


def revisions(articles: Sequence[StoryArticle], max_chains: int = 3) -> list[Revision]:
    """The story's revised figures (see the module docstring), most widely revised first."""
    every = claims(articles)
    by_anchor: dict[tuple[str, str], list[Claim]] = {}
    for c in every:
        for slot in {SLOT_OF[w] for w in c.keys if w in SLOT_OF}:
            by_anchor.setdefault((c.kind, slot), []).append(c)
    # how many of the story's claims each word sits next to: a word beside every figure
    # (the story's own name) anchors nothing
    spread = {key: len(cs) for key, cs in by_anchor.items()}
    chains: list[tuple[tuple, str, list[Claim]]] = []
    for key, cs in by_anchor.items():
        chain = _chain(cs)
        if chain is None:
            continue
        values = {c.value for c in chain}
        rank = (len({c.article for c in chain}), -spread[key], len(values))
        chains.append((rank, key[1], chain))
    chains.sort(key=lambda rc: rc[0], reverse=True)
    out: list[Revision] = []
    used: set[tuple[int, int]] = set()
    for _, word, chain in chains:
        keys = {(c.article, c.sentence.position) for c in chain}
        if keys & used:
            continue  # the same sentences, found again through another anchor word
        used |= keys
        out.append(Revision(word, [Version(articles[c.article], c.sentence, c.shown)
                                   for c in chain]))
        if len(out) == max_chains:
            break
    return out


def _chain(cs: Sequence[Claim]) -> list[Claim] | None:
    per_article: dict[int, list[Claim]] = {}
    for c in cs:
        per_article.setdefault(c.article, []).append(c)
    if len(per_article) < 2 or any(len(v) > 3 for v in per_article.values()):
        return None
    chain: list[Claim] = []
    seen: set[str] = set()
    for ai in sorted(per_article):
        options = per_article[ai]
        new = [c for c in options if c.value not in seen] or options
        if chain:
            pick = max(new, key=lambda c: (sum(len(c.anchor & p.anchor) for p in chain),
                                           -c.sentence.position))
        else:
            pick = new[-1] if len(new) > 1 else new[0]
        seen |= {c.value for c in options}
        if not chain or pick.value != chain[-1].value:
            chain.append(pick)
    if len({c.value for c in chain}) < 2:
        return None
    return chain
