"""The articles of a story, read for story answers: which story a question is about, its
members in date order, their sentences, and a citation for any of those sentences.

``find_story`` starts from the retrieved passages: the best-ranked article whose title and
passages hold the question's subject words (``covers``: both of two, half of more) is the
seed; the story
threads (``Store.stories``) of the seed, and of other retrieved articles whose *title*
covers the subject as well, make the story. Near-copies are left out (their canonical
article speaks for them; ``Citation.also_in`` names them). Filters and the question's own
time window limit which members are read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from qa.answer.citations import make_citation
from qa.search.filters import Filters
from qa.store import ChunkRecord, Store, StoredArticle, chunk_fields
from qa.text.sentences import sentence_spans
from qa.text.terms import terms
from qa.types import Citation

_NUMBER = re.compile(r"\[(\d+)\]")
MAX_MEMBERS = 12  # a story answer reads at most this many articles


@dataclass
class Sentence:
    """One sentence of a story article, located in one of its chunks."""

    text: str
    chunk: int  # index into ``StoryArticle.chunks``
    start: int  # offsets in that chunk's text
    end: int
    position: int  # the sentence's rank in the article (0 = the lead)


@dataclass
class StoryArticle:
    """A member of a story with its stored chunks and sentences."""

    meta: StoredArticle
    chunks: list[ChunkRecord] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def published(self) -> date | None:
        return self.meta.published

    def cite(self, number: int, sentence: Sentence) -> Citation:
        """The chunk holding ``sentence`` as citation ``number``, the sentence highlighted."""
        c = make_citation(number, self.chunks[sentence.chunk])
        return replace(c, highlight=(sentence.start, sentence.end), score=0.0)


def _words(text: str) -> set[str]:
    return set(terms(text.replace("-", " ")))


def covers(words: set[str], text: str) -> bool:
    """Whether ``text`` holds enough of the subject ``words``: all of one or two, at least
    half of more (never fewer than two)."""
    if not words:
        return False
    need = min(len(words), max(2, -(-len(words) // 2)))
    return len(words & _words(text)) >= need


def cover(words: set[str], text: str) -> float:
    """The share of ``words`` that ``text`` contains."""
    return len(words & _words(text)) / len(words) if words else 0.0


def seeds(words: set[str], passages: Sequence[Citation]) -> list[str]:
    """The retrieved articles the subject is about: the seed first, then the others whose
    title covers the subject (empty when no retrieved article covers it)."""
    by_article: dict[str, list[Citation]] = {}
    for c in passages:
        by_article.setdefault(c.article_id, []).append(c)
    out: list[str] = []
    for aid, cites in by_article.items():
        text = cites[0].title + " " + " ".join(c.passage for c in cites)
        if covers(words, cites[0].title if out else text):
            out.append(aid)
    return out


def find_story(store: Store, words: set[str], passages: Sequence[Citation],
               limits: Filters) -> tuple[list[StoredArticle], int]:
    """The story's canonical articles within ``limits``, oldest first (at most
    ``MAX_MEMBERS``: those whose titles cover the subject best), and how many it has in all
    within the limits."""
    found = seeds(words, passages)
    if not found:
        return [], 0
    index = store.stories()
    ids: list[str] = []
    for story in dict.fromkeys(index.story_of(found).values()):
        ids += index.members(story)
    ids += [a for a in found if a not in ids]
    members = canonical(store, ids, limits)
    total = len(members)
    if total > MAX_MEMBERS:
        members.sort(key=lambda a: (-cover(words, a.title), -(a.published or date.min)
                                    .toordinal()))
        members = members[:MAX_MEMBERS]
    return sorted(members, key=_when), total


def canonical(store: Store, ids: Sequence[str], limits: Filters) -> list[StoredArticle]:
    """The stored articles of ``ids`` a story answer reads: complete, not a near-copy
    (its canonical speaks for it), within ``limits``; in the order of ``ids``."""
    order = list(dict.fromkeys(ids))
    states = store.article_states(order)
    return [a for a in (states[i] for i in order if i in states) if a.complete
            and not a.dup_of and limits.matches(a.published, a.source, a.article_id)]


def load(store: Store, members: Sequence[StoredArticle]) -> list[StoryArticle]:
    """Each member with its chunks and its sentences (each once, in article order)."""
    out = []
    for meta in members:
        art = StoryArticle(meta, store.article_chunks(meta.article_id))
        seen: set[int] = set()
        for ci, rec in enumerate(art.chunks):
            base = chunk_fields(rec.meta).start
            for s, e in sentence_spans(rec.text):
                if base + s in seen:
                    continue
                seen.add(base + s)
                art.sentences.append(Sentence(rec.text[s:e], ci, s, e, len(art.sentences)))
        if art.sentences:
            out.append(art)
    return out


def renumber(text: str, cites: Sequence[Citation]) -> tuple[str, list[Citation],
                                                           dict[int, int]]:
    """``text`` and ``cites`` with citations numbered in order of first mention (only those
    the text cites), and the old -> new numbers."""
    order: dict[int, int] = {}
    for m in _NUMBER.finditer(text):
        order.setdefault(int(m.group(1)), len(order) + 1)
    text = _NUMBER.sub(lambda m: f"[{order[int(m.group(1))]}]", text)
    out = sorted((replace(c, number=order[c.number]) for c in cites if c.number in order),
                 key=lambda c: c.number)
    return text, out, order


def _when(a: StoredArticle) -> tuple:
    return (a.published is None, a.published or date.min, a.article_id)


def day(d: date | None) -> str:
    """"May 23, 2025" (or "undated")."""
    return f"{d:%B} {d.day}, {d.year}" if d else "undated"
