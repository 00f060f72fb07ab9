"""The store's schema: ids, metadata keys and rows, written and read in this one place.

Two Chroma collections per store: the chunk collection (``<name>``) holds one record per
chunk (embedding, exact passage text, metadata) and ``<name>-articles`` is the article
ledger, one record per article (metadata with its content hash and state, and the full
cleaned text; ``dup_of`` names the canonical article of a near-copy, which has no chunks).
The lexical index (``qa.store.lexical``) holds one row per chunk. What goes
in, as a typed value: ``ArticleWrite`` (one article of a ``Store.write``); what comes back:
``ChunkRecord`` (its ``meta`` is the raw chunk metadata, ``chunk_fields`` reads it typed)
and ``StoredArticle`` (a ledger record). An article is searchable lexically before its
vectors are in (state ``lexical``, ``ingest.backfill``): its ledger record keeps its chunks'
offsets (``spans``), from which ``ledger_chunk_rows`` makes exactly the chunk rows a write
with vectors makes. ``ModelInfo`` (``qa.store.models``, re-exported
here) is the embedding model's identity recorded on the store; after re-embedding the
chunks live in a collection named after the model, with the same ids and rows.

The on-disk layout is fixed: existing stores must keep working, so these keys and the chunk
id format never change. Dates are stored as ``yyyymmdd`` ints (``qa.dates.ymd``/``from_ymd``).
No Chroma or SQLite calls here; the write protocol is ``qa.store.chroma.Store.write``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from qa.dates import from_ymd, ymd
from qa.store.models import ModelInfo as ModelInfo  # re-exported (its home: qa.store.models)

STATE_WRITING, STATE_OK = "writing", "ok"  # ledger states (see ``Store.repair``)
STATE_LEXICAL = "lexical"  # stored and searchable by BM25; its vectors not yet in
SPANS, QUEUED = "spans", "queued"  # ledger: chunk offsets; backfill order (µs since 1970)
# keys the store filters on: ledger hash / raw-input hash / state, a chunk's article
HASH, RAW_HASH, STATE, ARTICLE_ID = "hash", "raw_hash", "state", "article_id"
DUP_OF = "dup_of"  # ledger: the canonical article of a near-copy's group ("" for none)
# ledger keys that the chunks do not repeat
_LEDGER_ONLY = ("n_chunks", "raw_hash", "origin", "ingested_at", DUP_OF, SPANS, QUEUED)


def chunk_id(article_id: str, content_hash: str, index: int) -> str:
    """Stable chunk id: short article key, content version, position."""
    key = hashlib.sha1(article_id.encode()).hexdigest()[:16]
    return f"{key}:{content_hash[:10]}:{index}"


class Passage(Protocol):
    """One chunk of an article to write (``ingest.chunk.Chunk`` is one)."""

    index: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class ArticleWrite:
    """One new or changed article for ``Store.write``: its fields, chunks and vectors.

    ``vectors[i]`` is the embedding of ``chunks[i]``; if the store already holds a version
    of the article, the writer deletes its old chunks first (it checks under its lock,
    ``qa.store.write``). A near-copy of a
    stored story (``dup_of``: the canonical article's id) has no chunks: the ledger keeps
    its text, source, URL and date, and retrieval finds the story through the canonical.
    ``sketch`` (``qa.text.minhash.Sketch``) is the canonical's near-copy sketch;
    ``ingested_at`` keeps an earlier ingestion time when an article is only regrouped.
    ``vectors=None`` (with chunks): stored for lexical search only, vectors to follow
    (``Store.fill_vectors``).
    """

    article_id: str
    content_hash: str
    raw_hash: str
    text: str
    chunks: Sequence[Passage]
    vectors: Any = field(compare=False, repr=False)
    title: str = ""
    url: str = ""
    source: str = ""
    author: str = ""
    published: date | None = None
    origin: str = ""
    dup_of: str = ""
    sketch: Any = field(default=None, compare=False, repr=False)
    ingested_at: str = ""


@dataclass(frozen=True)
class ChunkRecord:
    """A chunk as stored: id, passage text, metadata, a score when queried, and its
    embedding when asked for (``Store.get_chunks(ids, embeddings=True)``)."""

    id: str
    text: str
    meta: dict
    score: float = 0.0
    embedding: Any = field(default=None, compare=False, repr=False)
    relevance: float | None = None  # a reranker's logit, when search reranked it


@dataclass(frozen=True)
class ChunkFields:
    """A stored chunk's metadata, typed."""

    article_id: str
    index: int
    start: int
    end: int
    title: str
    url: str
    source: str
    author: str
    published: date | None


@dataclass(frozen=True)
class StoredArticle:
    """An article ledger record (without its text: ``Store.article_text``)."""

    article_id: str
    hash: str
    raw_hash: str
    state: str
    n_chunks: int
    title: str
    url: str
    source: str
    author: str
    published: date | None
    origin: str
    ingested_at: str
    dup_of: str = ""  # the canonical article of its group of near-copies, if a copy
    spans: tuple[tuple[int, int], ...] = ()  # its chunks' (start, end) in its text
    queued: int = 0  # when it was queued for vectors (backfill order)

    @property
    def complete(self) -> bool:
        """Fully written (a crash did not leave it half-written): stored and searchable,
        though perhaps by keywords only until its vectors are in (``embedded``)."""
        return self.state in (STATE_OK, STATE_LEXICAL)

    @property
    def embedded(self) -> bool:
        """Complete with its vectors in (dense search finds it)."""
        return self.state == STATE_OK


# ---- writing ------------------------------------------------------------------------------
def ledger_row(w: ArticleWrite, state: str, ingested_at: str, queued: int = 0) -> dict:
    """The ledger metadata of an article in ``state``."""
    return {SPANS: ";".join(f"{c.start},{c.end}" for c in w.chunks), QUEUED: queued,
        "hash": w.content_hash, "n_chunks": len(w.chunks), "title": w.title, "url": w.url,
        "source": w.source, "source_key": w.source.lower(), "author": w.author,
        "published": ymd(w.published),
        "published_iso": w.published.isoformat() if w.published else "",
        "origin": w.origin[:500], "ingested_at": w.ingested_at or ingested_at,
        "raw_hash": w.raw_hash, "state": state, DUP_OF: w.dup_of,
    }


def chunk_rows(w: ArticleWrite) -> list[tuple[str, str, dict]]:
    """(chunk id, passage text, chunk metadata) of each chunk of ``w``, in order."""
    base = {k: v for k, v in ledger_row(w, "", "").items()
            if k not in _LEDGER_ONLY and k != "state"}
    return [(chunk_id(w.article_id, w.content_hash, c.index), c.text,
             {**base, "article_id": w.article_id, "idx": c.index, "start": c.start,
              "end": c.end})
            for c in w.chunks]


def ledger_chunk_rows(article_id: str, meta: dict,
                      text: str) -> list[tuple[str, str, dict]]:
    """The chunk rows (as ``chunk_rows`` makes them) of a ledger record (metadata and
    text) that keeps its chunks' offsets; [] for one without chunks or offsets."""
    base = {k: v for k, v in meta.items() if k not in _LEDGER_ONLY and k != STATE}
    return [(chunk_id(article_id, meta.get(HASH, ""), i), text[a:b],
             {**base, ARTICLE_ID: article_id, "idx": i, "start": a, "end": b})
            for i, (a, b) in enumerate(parse_spans(meta.get(SPANS, "")))]


def parse_spans(value: str) -> tuple[tuple[int, int], ...]:
    """A ledger record's chunk offsets ("0,812;700,1500") as (start, end) pairs."""
    return tuple((int(a), int(b)) for a, b in
                 (p.split(",") for p in value.split(";") if p)) if value else ()


def lexical_rows(w: ArticleWrite) -> list[tuple[str, str, str, int, str]]:
    """The lexical index rows of ``w``: (chunk id, article id, text, yyyymmdd, source key)."""
    day, key = ymd(w.published), w.source.lower()
    return [(chunk_id(w.article_id, w.content_hash, c.index), w.article_id, c.text, day, key)
            for c in w.chunks]


def sketch_row(article_id: str, dup_of: str,
               sketch: Any) -> tuple[str, str, bytes | None, tuple[int, ...]]:
    """An article's near-copy index row (``qa.store.lexical``): (article id, dup_of,
    signature, band keys) from its ``qa.text.minhash.Sketch``; a copy's has no signature
    and no bands (only canonicals are matched against)."""
    sk = None if dup_of else sketch
    return (article_id, dup_of, sk.to_bytes() if sk else None, sk.bands if sk else ())


# ---- reading ------------------------------------------------------------------------------
def stored_lexical_row(rec: ChunkRecord) -> tuple[str, str, str, int, str]:
    """The lexical index row of a stored chunk (as ``lexical_rows`` wrote it)."""
    m = rec.meta
    return (rec.id, m.get("article_id", ""), rec.text, m.get("published", 0),
            m.get("source_key", ""))


def chunk_fields(meta: dict) -> ChunkFields:
    """A stored chunk's metadata as typed fields."""
    return ChunkFields(
        article_id=meta.get("article_id", ""), index=int(meta.get("idx", 0) or 0),
        start=int(meta.get("start", 0) or 0), end=int(meta.get("end", 0) or 0),
        title=meta.get("title", ""), url=meta.get("url", ""), source=meta.get("source", ""),
        author=meta.get("author", ""), published=from_ymd(meta.get("published", 0)),
    )


@dataclass(frozen=True)
class ChunkOrigin:
    """What filters and recency need of a chunk: its article, date and source key."""

    article_id: str
    published: date | None
    source: str


def origin_of_meta(meta: dict) -> ChunkOrigin:
    """A Chroma chunk record's origin."""
    return ChunkOrigin(meta.get("article_id", ""), from_ymd(meta.get("published", 0)),
                       meta.get("source_key", ""))


def origin_of_lexical(row: tuple[str, int, str]) -> ChunkOrigin:
    """The origin from the lexical side table's (article id, yyyymmdd, source key)."""
    return ChunkOrigin(row[0], from_ymd(row[1]), row[2])


def chunk_index(meta: dict) -> int:
    """A stored chunk's position in its article."""
    return int(meta.get("idx", 0) or 0)


def stored_article(article_id: str, meta: dict) -> StoredArticle:
    """A ledger record's metadata as a ``StoredArticle``."""
    return StoredArticle(
        article_id=article_id, hash=meta.get("hash", ""), raw_hash=meta.get("raw_hash", ""),
        state=meta.get("state", ""), n_chunks=int(meta.get("n_chunks", 0) or 0),
        title=meta.get("title", ""), url=meta.get("url", ""), source=meta.get("source", ""),
        author=meta.get("author", ""), published=from_ymd(meta.get("published", 0)),
        origin=meta.get("origin", ""), ingested_at=meta.get("ingested_at", ""),
        dup_of=meta.get(DUP_OF, "") or "", spans=parse_spans(meta.get(SPANS, "") or ""),
        queued=int(meta.get(QUEUED, 0) or 0),
    )
