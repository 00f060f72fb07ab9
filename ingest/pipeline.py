"""The ingestion pipeline: read -> clean -> dedup -> chunk -> embed -> store, in batches.

``run(inputs, settings)`` drives it and returns an ``IngestReport``. Each article gets a
stable id (``ingest.clean.article_id``) and a content hash: unchanged articles are skipped
without embedding, changed ones have their old chunks replaced, new ones are added, and text
already stored under another id is counted as a duplicate. Writes follow the store's
crash-safe protocol (``qa.store``), and a run first repairs what an interrupted run left.
Embedding of batch n+1 overlaps the store writes of batch n (one writer thread), so the
model keeps both cores busy. Reading and cleaning live in ``ingest.read``/``ingest.clean``.
"""

from __future__ import annotations

import hashlib
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from ingest.chunk import chunk_article, embed_text
from ingest.clean import clean
from ingest.read import iter_records
from ingest.records import Article, Failure
from ingest.report import IngestReport
from qa.embedder import make_embedder
from qa.settings import Settings
from qa.store import Store, chunk_id

BATCH_ARTICLES = 48

ProgressFn = Callable[[int, str], None]  # (articles seen so far, origin)


def content_hash(a: Article) -> str:
    """Hash of everything stored about an article: a change in any field re-ingests it."""
    h = hashlib.sha256()
    for part in (a.title, a.author, a.source, a.url,
                 a.published.isoformat() if a.published else "", a.text):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def _ymd(a: Article) -> int:
    return int(a.published.strftime("%Y%m%d")) if a.published else 0


def ledger_meta(a: Article, digest: str, n_chunks: int) -> dict:
    """Metadata kept for an article in the ledger (and, minus a few, on each chunk)."""
    return {
        "hash": digest, "n_chunks": n_chunks, "title": a.title, "url": a.url,
        "source": a.source, "source_key": a.source.lower(), "author": a.author,
        "published": _ymd(a), "published_iso": a.published.isoformat() if a.published else "",
        "origin": a.origin[:500],
        "ingested_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


class _Writer:
    """One background thread applying batch writes in order; errors surface on the caller."""

    def __init__(self) -> None:
        self._q: queue.Queue = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._t = threading.Thread(target=self._loop, name="newsqa-writer", daemon=True)
        self._t.start()

    def _loop(self) -> None:
        while True:
            job = self._q.get()
            if job is None:
                return
            if self._error is None:
                try:
                    job()
                except BaseException as e:  # re-raised in submit()/close()
                    self._error = e

    def _check(self) -> None:
        if self._error is not None:
            raise self._error

    def submit(self, job: Callable[[], None]) -> None:
        self._check()
        self._q.put(job)

    def close(self) -> None:
        self._q.put(None)
        self._t.join()
        self._check()


def _write_batch(store: Store, batch: list[tuple[Article, str, bool, list, Any]]) -> None:
    """The crash-safe write of one batch: begin, replace chunks, lexical, commit."""
    metas = {a.id: ledger_meta(a, h, len(chunks)) for a, h, _, chunks, _ in batch}
    store.begin([(a.id, metas[a.id]) for a, *_ in batch])
    changed = [a.id for a, _, existed, _, _ in batch if existed]
    if changed:
        store.delete_chunks_of(changed)
    ids, texts, chunk_metas, vectors, lex = [], [], [], [], []
    for a, h, _, chunks, vecs in batch:
        base = {k: v for k, v in metas[a.id].items() if k not in ("origin", "ingested_at",
                                                                  "n_chunks")}
        for c, v in zip(chunks, vecs, strict=True):
            cid = chunk_id(a.id, h, c.index)
            ids.append(cid)
            texts.append(c.text)
            chunk_metas.append({**base, "article_id": a.id, "idx": c.index,
                                "start": c.start, "end": c.end})
            vectors.append(v)
            lex.append((cid, a.id, c.text, _ymd(a), a.source.lower()))
    if ids:
        store.add_chunks(ids, vectors, texts, chunk_metas)
    store.lexical.replace_articles([(a.id, h) for a, h, *_ in batch], lex)
    store.commit([(a.id, metas[a.id], a.text) for a, *_ in batch])
    store.lexical.set_meta("generation", store.generation())


def run(inputs: Iterable[str], settings: Settings, *, embedder: Any = None,
        store: Store | None = None, progress: bool | None = None,
        on_article: ProgressFn | None = None) -> IngestReport:
    """Ingest every input; never raises for a bad input (it lands in ``report.failed``)."""
    t0 = time.perf_counter()
    embedder = embedder or make_embedder(settings)
    store = store or Store.open(settings, embedder, create=True)
    report = IngestReport(store=settings.where)
    report.repaired = store.repair()
    if store.lexical.get_meta("generation") != store.generation():
        store.sync_lexical()
    bar = _progress_bar(progress)
    seen_ids: set[str] = set()
    seen_hashes: set[str] = set()
    pending: list[tuple[Article, str]] = []
    writer = _Writer()
    n_seen = 0

    def flush() -> None:
        states = store.article_states([a.id for a, _ in pending])
        dup_of = _stored_hashes(store, [h for a, h in pending if a.id not in states])
        todo = []
        for a, h in pending:
            st = states.get(a.id)
            if st and st.get("hash") == h and st.get("state") == "ok":
                report.unchanged += 1
            elif not st and h in dup_of:
                report.duplicates += 1
            else:
                todo.append((a, h, st is not None))
        pending.clear()
        if not todo:
            return
        chunked = [(a, h, ex, chunk_article(a, settings.chunk_tokens, settings.chunk_overlap))
                   for a, h, ex in todo]
        flat = [embed_text(a, c) for a, _, _, cs in chunked for c in cs]
        vecs = embedder.embed(flat) if flat else []
        batch, pos = [], 0
        for a, h, ex, cs in chunked:
            batch.append((a, h, ex, cs, vecs[pos : pos + len(cs)]))
            pos += len(cs)
            report.chunks += len(cs)
            report.tokens += sum(c.tokens for c in cs)
            if ex:
                report.updated += 1
            else:
                report.added += 1
        writer.submit(lambda b=batch: _write_batch(store, b))

    try:
        for rec in iter_records(list(inputs), settings):
            n_seen += 1
            item = rec if isinstance(rec, Failure) else clean(rec)
            if isinstance(item, Failure):
                report.failed.append((item.origin, item.reason))
            else:
                h = content_hash(item)
                if item.id in seen_ids or h in seen_hashes:
                    report.duplicates += 1
                else:
                    seen_ids.add(item.id)
                    seen_hashes.add(h)
                    pending.append((item, h))
                    if len(pending) >= BATCH_ARTICLES:
                        flush()
            bar.update(1)
            if on_article:
                on_article(n_seen, rec.origin)
        if pending:
            flush()
    finally:
        bar.close()
        writer.close()
    report.seconds = time.perf_counter() - t0
    return report


def _stored_hashes(store: Store, hashes: list[str]) -> set[str]:
    """Which of these content hashes the ledger already holds (under any id)."""
    if not hashes:
        return set()
    with store._guard("checking duplicates"):
        got = store.ledger.get(where={"hash": {"$in": hashes}}, include=["metadatas"])
    return {m["hash"] for m in got["metadatas"] if m.get("state") == "ok"}


class _NoBar:
    def update(self, n: int = 1) -> None: ...
    def close(self) -> None: ...


def _progress_bar(progress: bool | None) -> Any:
    """A tqdm bar on a terminal (``progress=None``), always (True), or never (False)."""
    if progress is False or (progress is None and not sys.stderr.isatty()):
        return _NoBar()
    from tqdm import tqdm

    return tqdm(unit=" articles", desc="ingesting", file=sys.stderr, dynamic_ncols=True)
