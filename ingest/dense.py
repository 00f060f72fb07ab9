"""The dense backfill: vectors for the articles ingestion stored lexical-only.

Ingestion makes every article searchable by keywords (BM25) as soon as it is read, cleaned
and chunked (ledger state ``lexical``, ``qa.store.write``); ``backfill(settings)`` then
embeds those articles in the order they were queued, ``BATCH_ARTICLES`` at a time, and hands
each batch to ``Store.fill_vectors`` (the write lock, the crash-safe protocol) while it
embeds the next. The chunks it embeds are exactly the stored ones (the ledger's offsets
into the stored text, the text to embed built as ingestion builds it:
``ingest.chunk.embed_text``); nothing is re-read or re-chunked. Killed at any moment, the
next ``backfill`` (or ingestion, which ends with one unless told not to) finishes the job;
an article changed or deleted meanwhile is skipped (its new version is queued anew).
Articles another process queues while it runs are picked up before it returns. Search
meanwhile fuses what exists, and answers say how many articles are still waiting
(``qa.Answer.indexing``). This module does not read, clean or group articles
(``ingest.pipeline``), and it does not run in the background by itself: the CLI waits for it,
and an app calls it from a thread of its own (``stop`` ends it between batches).
"""

from __future__ import annotations

import functools
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ingest.batch import stored_item
from ingest.chunk import Chunk, embed_text
from ingest.writer import BackgroundWriter
from qa.embed import embedder_setting, make_embedder
from qa.settings import Settings
from qa.store import ModelInfo, Store, StoredArticle, opened

BATCH_ARTICLES = 32  # articles per embed-and-store step (what a kill can lose)

BatchFn = Callable[[int, int], None]  # (articles filled so far, articles waiting at start)


@dataclass
class BackfillReport:
    """What a backfill did: articles and chunks given their vectors, and what is left."""

    articles: int = 0
    chunks: int = 0
    seconds: float = 0.0
    left: int = 0  # still waiting (stopped early, or queued after the last look)
    relinked: int = 0  # chunks dense search could not reach, re-added (qa.store.relink)

    def to_dict(self) -> dict:
        return {**asdict(self), "seconds": round(self.seconds, 3)}


def backfill(settings: Settings, *, embedder: Any = None, store: Store | None = None,
             progress: bool | None = False, on_batch: BatchFn | None = None,
             stop: threading.Event | None = None) -> BackfillReport:
    """Embed every article waiting for its vectors, oldest queued first; returns what it
    did. Crash-safe and resumable (module docstring)."""
    t0 = time.perf_counter()
    embedder = embedder or make_embedder(settings)
    own = store is None
    store = store or Store.open(settings, ModelInfo(embedder.name, embedder.dim,
                                                    embedder_setting(embedder.name)))
    report = BackfillReport()
    tried: set[tuple[str, str]] = set()  # (id, hash) embedded once: never loop on one
    writer = BackgroundWriter()
    bar: Any = None
    try:
        while not (stop and stop.is_set()):
            todo = [a for a in store.pending_articles() if (a.article_id, a.hash) not in tried]
            if not todo:
                break
            if bar is None:
                bar = _progress_bar(progress, len(todo))
            else:
                bar.total = (bar.total or 0) + len(todo)
            waiting = report.articles + len(todo)
            for lo in range(0, len(todo), BATCH_ARTICLES):
                if stop and stop.is_set():
                    break
                part = todo[lo : lo + BATCH_ARTICLES]
                tried.update((a.article_id, a.hash) for a in part)
                fills = _embed(part, store, embedder)
                if stop and stop.is_set():
                    break  # asked to stop while embedding: not stored, done next time
                writer.submit(functools.partial(_commit, store, fills, len(part), report, bar,
                                                on_batch, waiting))
            writer.flush()  # then look again: queued meanwhile, or by another process
        report.relinked = store.relink()  # the chunks just written, each reachable
    finally:
        if bar is not None:
            bar.close()
        writer.close()
        report.left = store.indexing()[0]
        if own:
            store.close()
    report.seconds = time.perf_counter() - t0
    return report


def _embed(part: list[StoredArticle], store: Store, embedder: Any) -> list[tuple]:
    """(article id, content hash, vectors) of each article of ``part`` that still exists."""
    texts = store.article_texts([a.article_id for a in part])
    jobs = []
    for rec in part:
        if rec.article_id not in texts:
            continue  # deleted meanwhile
        art = stored_item(rec, texts[rec.article_id]).article
        chunks = [Chunk(i, a, b, art.text[a:b], 0) for i, (a, b) in enumerate(rec.spans)]
        jobs.append((rec, [embed_text(art, c) for c in chunks]))
    flat = [t for _, ts in jobs for t in ts]
    vecs = embedder.embed(flat) if flat else []
    out, pos = [], 0
    for rec, ts in jobs:
        out.append((rec.article_id, rec.hash, vecs[pos : pos + len(ts)]))
        pos += len(ts)
    return out


def _commit(store: Store, fills: list[tuple], n: int, report: BackfillReport, bar: Any,
            on_batch: BatchFn | None, waiting: int) -> None:
    done = set(store.fill_vectors(fills))
    report.articles += len(done)
    report.chunks += sum(len(v) for aid, _, v in fills if aid in done)
    bar.update(n)
    if on_batch:
        on_batch(report.articles, waiting)


class _NoBar:
    total = n = 0

    def update(self, n: int = 1) -> None: ...
    def close(self) -> None: ...


def reset_vectors(settings: Settings) -> tuple[int, int, int]:
    """Empty a vector index Chroma cannot read and queue every article for the backfill
    (``Store.reset_vectors``); returns (articles queued, articles left keyword-only, ledger
    records salvaged)."""
    with opened(settings) as store:
        return store.reset_vectors()


def relink(store: Store, progress: bool | None = None, every: bool = False) -> int:
    """``Store.relink`` with a bar while it checks the vector index (after an interrupted
    write, or ``every`` time: ~20 s for 58,000 chunks here); returns the chunks re-added."""
    bar: Any = None

    def page(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = _progress_bar(progress, total, " chunks", "checking the vector index")
        bar.update(done - bar.n)

    try:
        return store.relink(page, every)
    finally:
        if bar is not None:
            bar.close()


def _progress_bar(progress: bool | None, total: int, unit: str = " articles",
                  desc: str = "embedding (dense index)") -> Any:
    """A tqdm bar on a terminal (``progress=None``), always, or never."""
    if progress is False or (progress is None and not sys.stderr.isatty()):
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, desc=desc, file=sys.stderr, dynamic_ncols=True)
