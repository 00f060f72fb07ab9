"""Token-aware, sentence-respecting chunking with exact character offsets.

``chunk_article(article, max_tokens, overlap)`` packs whole sentences (``qa.text.sentences``)
into chunks of at most ``max_tokens`` cl100k tokens (tiktoken, offline), repeating up to
``overlap`` tokens of trailing sentences at the start of the next chunk. A sentence longer
than the limit is cut at token boundaries. Every chunk satisfies
``article.text[chunk.start:chunk.end] == chunk.text``. ``embed_text(article, chunk)`` adds
the title and date, which give the chunk its context for embedding. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.records import Article
from qa.text.sentences import sentence_spans
from qa.text.tokens import encoding


@dataclass(frozen=True)
class Chunk:
    """One passage of an article: ``text == article.text[start:end]``."""

    index: int
    start: int
    end: int
    text: str
    tokens: int


def _split_long(text: str, start: int, end: int, max_tokens: int) -> list[tuple[int, int, int]]:
    """Cut text[start:end] into pieces of <= max_tokens tokens, at spaces where possible."""
    enc = encoding()
    pieces: list[tuple[int, int, int]] = []
    pos = start
    while pos < end:
        while pos < end and text[pos].isspace():
            pos += 1
        if pos >= end:
            break
        window = min(end, pos + max_tokens * 16)  # a token never spans 16 chars on average
        toks = enc.encode_ordinary(text[pos:window])
        if len(toks) <= max_tokens and window == end:
            cut = end
        else:
            head = b"".join(enc.decode_single_token_bytes(t) for t in toks[:max_tokens])
            cut = pos + len(head.decode("utf-8", errors="ignore"))  # whole chars only
            space = text.rfind(" ", pos, cut)
            if space > pos + (cut - pos) // 2:
                cut = space
            cut = max(cut, pos + 1)
            while cut > pos + 1 and len(enc.encode_ordinary(text[pos:cut])) \
                    > max_tokens:
                cut -= 1
        b = cut
        while b > pos and text[b - 1].isspace():
            b -= 1
        n = len(enc.encode_ordinary(text[pos:b]))
        pieces.append((pos, b, n))
        pos = cut
    return pieces


def _units(text: str, max_tokens: int) -> list[tuple[int, int, int]]:
    """Sentences as (start, end, tokens); over-long sentences pre-cut."""
    enc = encoding()
    spans = sentence_spans(text)
    units: list[tuple[int, int, int]] = []
    for a, b in spans:
        n = len(enc.encode_ordinary(text[a:b]))  # encode_batch spawns threads: slower here
        if n > max_tokens:
            units.extend(_split_long(text, a, b, max_tokens))
        else:
            units.append((a, b, n))
    return units


def chunk_text(text: str, max_tokens: int = 200, overlap: int = 30) -> list[Chunk]:
    """Chunks of ``text``; the token count of a chunk is the sum of its sentences'."""
    if max_tokens < 8:
        raise ValueError("max_tokens must be at least 8")
    overlap = max(0, min(overlap, max_tokens // 2))
    units = _units(text, max_tokens)
    chunks: list[Chunk] = []
    i = 0
    while i < len(units):
        j, total = i, 0
        while j < len(units) and total + units[j][2] + (1 if j > i else 0) <= max_tokens:
            total += units[j][2] + (1 if j > i else 0)
            j += 1
        j = max(j, i + 1)
        a, b = units[i][0], units[j - 1][1]
        chunks.append(Chunk(len(chunks), a, b, text[a:b], total))
        if j >= len(units):
            break
        # step back over trailing sentences that fit in the overlap budget
        back, used = j, 0
        while back - 1 > i and used + units[back - 1][2] <= overlap:
            used += units[back - 1][2]
            back -= 1
        i = back
    return chunks


def chunk_article(article: Article, max_tokens: int = 200, overlap: int = 30) -> list[Chunk]:
    """Chunks of the article's cleaned text."""
    return chunk_text(article.text, max_tokens, overlap)


def embed_text(article: Article, chunk: Chunk) -> str:
    """What gets embedded for a chunk: title and date for context, then the passage."""
    head = article.title
    if article.published:
        day = article.published.isoformat()
        head = f"{head} ({day})" if head else day
    return f"{head}\n{chunk.text}" if head else chunk.text
