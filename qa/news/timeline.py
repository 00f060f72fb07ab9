"""Story answers as dated lines: a timeline ("How did the Harbor Bridge closure unfold?"),
what changed ("What changed in the port strike since September 10?"), and the revision
note a fact answer gets when its figure was revised.

Each article of the story gives one line: the sentence that says what it reported — its
lead, unless the cross-encoder finds a sentence among its first ``LEAD_SENTENCES`` that
fits the story's subject clearly better — dated and cited. Revised figures
(``qa.news.changes``) are added as "revised" lines: the earlier value, then each later
one with the date it was revised on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from qa.news.articles import Sentence, StoryArticle, day
from qa.news.changes import Revision, revisions
from qa.types import Citation, TimelineItem

LEAD_SENTENCES = 4
LEAD_BONUS = 2.0  # logits: the lead says what the article reported unless another is clearly better


class Lines:
    """Citations and dated lines being composed into one answer (numbers from 1)."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []
        self.items: list[TimelineItem] = []
        self._numbers: dict[tuple[str, int], int] = {}

    def cite(self, art: StoryArticle, sentence: Sentence) -> int:
        """The citation number of ``sentence`` (one citation per chunk)."""
        chunk = art.chunks[sentence.chunk]
        key = (chunk.id, sentence.start)
        if key not in self._numbers:
            self._numbers[key] = len(self.citations) + 1
            self.citations.append(art.cite(self._numbers[key], sentence))
        return self._numbers[key]

    def add(self, art: StoryArticle, sentence: Sentence, revised: bool = False,
            figure: str = "") -> TimelineItem:
        n = self.cite(art, sentence)
        item = TimelineItem(art.published, sentence.text, n, art.meta.source, revised, figure)
        self.items.append(item)
        return item


def key_sentence(art: StoryArticle, subject: str, reranker: Any) -> Sentence:
    """The sentence that says what ``art`` reported about ``subject``."""
    lead = art.sentences[:LEAD_SENTENCES]
    if reranker is None or len(lead) == 1:
        return lead[0]
    scores = reranker.score(subject, [s.text for s in lead])
    best = max(range(len(lead)), key=lambda i: float(scores[i]) + (LEAD_BONUS if i == 0 else 0))
    return lead[best]


def line(item: TimelineItem) -> str:
    """One line of the answer text: ``- May 23, 2025 (Northshore Daily): ... [3]``."""
    where = f" ({item.source})" if item.source else ""
    return f"- {day(item.published)}{where}: {item.text} [{item.citation}]"


def revision_lines(lines: Lines, chains: Sequence[Revision]) -> list[str]:
    """"Revised" lines for each revised figure: the word that names it, the first value
    and each later one with the date it was revised on, every version cited."""
    out = []
    for chain in chains:
        first, *later = chain.versions
        parts = [f"{first.value} on {day(first.article.published)} "
                 f"[{lines.add(first.article, first.sentence, figure=chain.word).citation}]"]
        for v in later:
            n = lines.add(v.article, v.sentence, revised=True, figure=chain.word).citation
            parts.append(f"revised on {day(v.article.published)} to {v.value} [{n}]")
        out.append(f"- {chain.word}: " + ", ".join(parts) + ".")
    return out


def compose_timeline(arts: Sequence[StoryArticle], subject: str, total: int,
                     reranker: Any, heading: str) -> tuple[str, Lines]:
    """The timeline answer: a heading, one dated line per article (oldest first), then the
    story's revised figures."""
    lines = Lines()
    body = [line(lines.add(a, key_sentence(a, subject, reranker))) for a in arts]
    dated = [a.published for a in arts if a.published]
    span = f", {day(dated[0])} to {day(dated[-1])}" if len(dated) > 1 else ""
    shown = f"{len(arts)} of {total}" if total > len(arts) else f"{len(arts)}"
    noun = "article" if total == 1 else "articles"
    order = ", oldest first" if len(arts) > 1 else ""
    text = f"{heading} ({shown} {noun}{span}{order}):\n" + "\n".join(body)
    chains = revisions(arts)
    if chains:
        text += "\nRevised figures:\n" + "\n".join(revision_lines(lines, chains))
    return text, lines


def compose_changes(arts: Sequence[StoryArticle], subject: str, reranker: Any,
                    since: date | None) -> tuple[str, Lines]:
    """What changed: the story's revised figures (with ``since``: those revised since
    then), then what each later article reported (those published since ``since``, or all
    but the first); or that nothing was reported since ``since``."""
    lines = Lines()
    newer = [a for a in arts if a.published and a.published >= since] if since else arts[1:]
    chains = [c for c in revisions(arts) if since is None or any(
        v.article.published and v.article.published >= since for v in c.versions[1:])]
    parts = []
    if since and not newer:
        latest = arts[-1]
        n = lines.add(latest, latest.sentences[0]).citation
        parts.append(f"Nothing in this story was reported since {day(since)}; its latest "
                     f"article is from {day(latest.published)} [{n}].")
    if chains:
        parts.append("Revised figures:\n" + "\n".join(revision_lines(lines, chains)))
    if newer:
        head = f"Reported since {day(since)}:" if since else "Later reports:"
        parts.append(head + "\n" + "\n".join(
            line(lines.add(a, key_sentence(a, subject, reranker))) for a in newer))
    return "\n".join(parts), lines
