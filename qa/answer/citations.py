"""Citations: building them from stored chunks, and checking an answer's ``[n]`` markers.

``check_answer(text, passages)`` never trusts a model's markers. For every sentence of the
answer it keeps only markers that name a given passage, then requires the sentence to be
supported by what it cites: most of its content words, and every number, month and name in
it, must occur in a cited passage (``qa.text.terms``). A sentence with no valid marker is
attributed to the passage that supports it, if any. Unsupported sentences are dropped and
reported. Citations are renumbered 1..n by first mention. ``with_copies`` adds each cited
story's other copies (``Citation.also_in``) from the store's ledger. No retrieval or LLM
calls here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from qa.answer.story import label, strip_label
from qa.store import ChunkRecord, Store, chunk_fields
from qa.text.sentences import sentence_spans
from qa.text.terms import support, terms
from qa.types import Citation, StoryCopy

MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
MIN_SHARE = 0.6  # share of a sentence's content words that its passage must contain


def make_citation(number: int, rec: ChunkRecord) -> Citation:
    """A Citation from a stored chunk record."""
    f = chunk_fields(rec.meta)
    return Citation(
        number=number, article_id=f.article_id, title=f.title, url=f.url, source=f.source,
        author=f.author, published=f.published, passage=rec.text, start=f.start, end=f.end,
        score=float(rec.score), chunk_id=rec.id, relevance=rec.relevance,
    )


def with_copies(cites: list[Citation], store: Store) -> list[Citation]:
    """``cites`` with each story's other stored copies in ``also_in`` (one ledger read)."""
    groups = store.copies_of([c.article_id for c in cites]) if cites else {}
    if not groups:
        return cites
    return [replace(c, also_in=tuple(
        StoryCopy(r.source, r.url, r.published, r.title, r.article_id)
        for r in groups.get(c.article_id, ()))) for c in cites]


def parse_markers(text: str) -> list[tuple[str, list[int]]]:
    """Split answer text into (sentence without markers, [cited numbers]) pairs."""
    out = []
    for a, b in sentence_spans(text):
        clean, nums = text[a:b], []
        while MARKER.search(clean):  # repeat: removing "[1]" from "[3[1]]" leaves "[3]"
            nums += [int(n) for m in MARKER.finditer(clean)
                     for n in re.split(r"[,;]\s*", m.group(1))]
            clean = MARKER.sub("", clean)
        clean = clean.strip()
        if clean and not re.fullmatch(r"[\W_]+", clean):
            out.append((clean, list(dict.fromkeys(nums))))
        elif nums and out:  # markers standing alone after a sentence belong to it
            out[-1][1].extend(n for n in nums if n not in out[-1][1])
    return out


def best_sentence(passage: str, sentence: str) -> tuple[int, int] | None:
    """Span in ``passage`` of its sentence sharing most content words with ``sentence``."""
    want = set(terms(sentence))
    best, span = 0.0, None
    for a, b in sentence_spans(passage):
        got = set(terms(passage[a:b]))
        score = len(want & got) / (len(got) ** 0.5 or 1.0)
        if score > best:
            best, span = score, (a, b)
    return span


def with_markers(sentence: str, numbers: list[int]) -> str:
    """``sentence`` with ``[n]`` markers placed before its final punctuation."""
    marks = "".join(f"[{n}]" for n in numbers)
    m = re.search(r"[.!?]+[\"'”’)]*$", sentence)
    if not m:
        return f"{sentence} {marks}"
    return f"{sentence[: m.start()]} {marks}{sentence[m.start():]}"


@dataclass(frozen=True)
class Checked:
    """The result of checking: rewritten text, citations used, dropped sentences."""

    text: str
    citations: tuple[Citation, ...]
    dropped: tuple[str, ...]


def _supported(sentence: str, passage: str) -> bool:
    share, missing = support(sentence, passage)
    return share >= MIN_SHARE and not missing


def check_answer(text: str, passages: list[Citation]) -> Checked:
    """Keep only supported sentences with valid markers; renumber citations from 1."""
    given = {c.number: c for c in passages}
    kept: list[tuple[str, list[int]]] = []
    dropped: list[str] = []
    for sent, nums in parse_markers(text):
        tag, sent = strip_label(sent)
        valid = [n for n in nums if n in given]
        ok = [n for n in valid if _supported(sent, given[n].passage)]
        if not ok and valid:
            joined = " ".join(given[n].passage for n in valid)
            ok = valid if _supported(sent, joined) else []
        if not ok:
            ok = [c.number for c in passages if _supported(sent, c.passage)][:1]
        if ok and tag and all(given[n].published and label(given[n].published) == tag
                              for n in ok):
            sent = tag + sent  # an earlier statement, labelled with its own article's date
        if ok:
            kept.append((sent, ok))
        else:
            dropped.append(sent)
    order: dict[int, int] = {}
    for _, nums in kept:
        for n in nums:
            order.setdefault(n, len(order) + 1)
    out_text = " ".join(
        with_markers(sent, [order[n] for n in nums]) for sent, nums in kept
    )
    cites = []
    for old, new in order.items():
        c = given[old]
        sents = [s for s, nums in kept if old in nums]
        cites.append(replace(c, number=new, highlight=best_sentence(c.passage, " ".join(sents))))
    return Checked(out_text.strip(), tuple(cites), tuple(dropped))
