"""One batch of new or changed articles -> what ``Store.write`` is given.

An ``Item`` is an article on its way to the store: its hashes, whether the store already
holds a version of it, and its near-copy group (``dup_of``, set by ``ingest.copies``).
``build(items, ...)`` chunks and embeds the canonical articles (one embedder call for the
batch; none without an embedder: lexical first, ``ingest.backfill``) and turns every item
into an ``ArticleWrite``; a near-copy of a stored story gets no chunks and no vectors (the
ledger keeps its text, source, URL and date). Counting what was added or updated is the
caller's; the chunk and token counts land in the report here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.chunk import Chunk, chunk_article, embed_text
from ingest.records import Article
from ingest.report import IngestReport
from qa.settings import Settings
from qa.store import ArticleWrite, StoredArticle


@dataclass
class Item:
    """A new or changed article (or a stored one whose group changes) to write."""

    article: Article
    hash: str
    raw_hash: str
    existed: bool = False
    dup_of: str = ""  # the canonical article this one is a near-copy of ("" for none)
    sketch: Any = None  # its qa.text.minhash.Sketch (None: too short to group)
    sketched: bool = False  # ``sketch`` is computed (by the reader thread)
    ingested_at: str = ""  # kept when a stored article is only regrouped

    @property
    def id(self) -> str:
        return self.article.id


def stored_item(rec: StoredArticle, text: str) -> Item:
    """A stored article (ledger record and text) as an item, keeping its hashes and the
    time it was first ingested (so "earliest ingested" stays true after regrouping)."""
    a = Article(id=rec.article_id, text=text, title=rec.title, author=rec.author,
                published=rec.published, source=rec.source, url=rec.url, origin=rec.origin)
    return Item(a, rec.hash, rec.raw_hash, existed=True, ingested_at=rec.ingested_at)


def article_write(a: Article, digest: str, raw: str, chunks: list[Chunk], vectors: Any,
                  *, dup_of: str = "", sketch: Any = None,
                  ingested_at: str = "") -> ArticleWrite:
    """What the store is given for one new or changed article."""
    return ArticleWrite(
        article_id=a.id, content_hash=digest, raw_hash=raw, text=a.text, chunks=chunks,
        vectors=vectors, title=a.title, url=a.url, source=a.source,
        author=a.author, published=a.published, origin=a.origin, dup_of=dup_of,
        sketch=sketch, ingested_at=ingested_at)


def build(items: list[Item], settings: Settings, embedder: Any,
          report: IngestReport) -> list[ArticleWrite]:
    """The writes for ``items``: canonical articles chunked and embedded, copies bare.
    Without an ``embedder`` (lexical first): chunked only, ``vectors=None``, for the
    backfill (``ingest.backfill``) to embed."""
    chunked = [chunk_article(it.article, settings.chunk_tokens, settings.chunk_overlap)
               if not it.dup_of else [] for it in items]
    flat = [embed_text(it.article, c) for it, cs in zip(items, chunked, strict=True)
            for c in cs] if embedder is not None else []
    vecs = embedder.embed(flat) if flat else []
    out, pos = [], 0
    for it, cs in zip(items, chunked, strict=True):
        out.append(article_write(it.article, it.hash, it.raw_hash, cs,
                                 vecs[pos : pos + len(cs)] if embedder is not None else None,
                                 dup_of=it.dup_of,
                                 sketch=it.sketch, ingested_at=it.ingested_at))
        pos += len(cs)
        report.chunks += len(cs)
        report.tokens += sum(c.tokens for c in cs)
    return out
