"""The ingestion pipeline: read -> clean -> dedup -> chunk -> embed -> store, in batches.

``run(inputs, settings)`` drives it and returns an ``IngestReport``. Each article gets a
stable id (``ingest.clean.article_id``) and a content hash: unchanged articles are skipped
without embedding, changed ones have their old chunks replaced, new ones are added, and text
already stored under another id is counted as a duplicate. A near-copy of a stored story
(``ingest.copies``: same text with other boilerplate, headline or light edits) is stored
without chunks in the story's group, and the copies of a changed story are regrouped; a
run first regroups copies whose story is gone. Each batch is handed to
``Store.write``, which carries out the crash-safe protocol and owns the metadata layout
(``qa.store.schema``); a run first repairs what an interrupted run left.
Lexical first: each batch is stored chunked but without vectors (searchable by BM25 at
once, ledger state ``lexical``); then, unless ``wait=False``, ``ingest.backfill`` embeds
them in the order they were stored (its store writes overlap its embedding). Reading
and cleaning (in a reader thread, beside chunking) live in ``ingest.read``/``ingest.clean``.
"""

from __future__ import annotations

import hashlib
import json
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from ingest import copies
from ingest.batch import Item, build
from ingest.batch import article_write as article_write  # its home; bench/scale.py uses it
from ingest.clean import clean
from ingest.dense import backfill
from ingest.dense import relink as dense_relink
from ingest.read import iter_records
from ingest.records import Article, Failure, RawRecord
from ingest.report import IngestReport
from ingest.writer import BackgroundWriter
from qa.embed import embedder_setting, make_embedder
from qa.settings import Settings
from qa.store import ModelInfo, Store

BATCH_ARTICLES = 48
PIPELINE_VERSION = "1"  # bump when cleaning changes, so unchanged inputs are re-cleaned

ProgressFn = Callable[[int, str], None]  # (articles seen so far, origin)


def content_hash(a: Article) -> str:
    """Hash of everything stored about an article: a change in any field re-ingests it."""
    h = hashlib.sha256()
    for part in (a.title, a.author, a.source, a.url,
                 a.published.isoformat() if a.published else "", a.text):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def raw_hash(rec: RawRecord) -> str:
    """Hash of a raw record as read (plus the pipeline version): equal means unchanged input,
    so the article can be skipped without cleaning it again."""
    h = hashlib.sha256(PIPELINE_VERSION.encode())
    for part in (rec.kind, rec.url, rec.title, rec.author, rec.published, rec.source,
                 json.dumps(rec.extra, sort_keys=True, default=str), rec.body):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


Cleaned = tuple[Article, str, str, Any]  # article, content hash, raw hash, its sketch
Group = tuple[list[str], list[Failure], list[Cleaned], list[str]]


def _produce(inputs: list[str], settings: Settings, store: Store, out: queue.Queue,
             stop: threading.Event, sketcher: Callable[[str], Any],
             records: Iterable[RawRecord | Failure] | None = None) -> None:
    """Reader thread: read, skip unchanged raw records, clean and sketch the rest (for
    near-copies); groups onto ``out``.

    Runs while the main thread embeds the previous group, so both cores stay busy.
    """
    try:
        recs: list = []
        for rec in iter_records(inputs, settings) if records is None else records:
            if stop.is_set():
                return
            recs.append(rec)
            if len(recs) >= BATCH_ARTICLES:
                out.put(_group(recs, store, sketcher))
                recs = []
        if recs:
            out.put(_group(recs, store, sketcher))
        out.put(None)
    except BaseException as e:  # surfaced in the main thread
        out.put(e)


def _group(recs: list, store: Store, sketcher: Callable[[str], Any]) -> Group:
    failures = [r for r in recs if isinstance(r, Failure)]
    raws = [(r, raw_hash(r)) for r in recs if not isinstance(r, Failure)]
    known = store.complete_by_hash([h for _, h in raws], raw=True)
    articles, origins = [], [r.origin for r in recs]
    skipped: list[str] = []  # ids of the stored articles these unchanged records are
    for rec, rh in raws:
        if rh in known:
            skipped.append(known[rh])
            continue
        item = clean(rec)
        if isinstance(item, Failure):
            failures.append(item)
        else:
            articles.append((item, content_hash(item), rh, sketcher(item.text)))
    return skipped, failures, articles, origins


def run(inputs: Iterable[str], settings: Settings, *, embedder: Any = None,
        store: Store | None = None, progress: bool | None = None,
        on_article: ProgressFn | None = None,
        records: Iterable[RawRecord | Failure] | None = None,
        wait: bool = True) -> IngestReport:
    """Ingest every input (or the ``records`` a caller read itself, as ``ingest.watch``
    does); never raises for a bad input (it lands in ``report.failed``). Each batch is
    searchable by keywords once stored; with ``wait`` the run then embeds every article
    still waiting for its vectors (``ingest.backfill``), else it leaves them waiting."""
    t0 = time.perf_counter()
    embedder = embedder or make_embedder(settings)
    if store is not None:
        return _run(inputs, settings, embedder, store, progress, on_article, records, wait, t0)
    store = Store.open(settings, ModelInfo(embedder.name, embedder.dim,
                                           embedder_setting(embedder.name)), create=True)
    try:
        return _run(inputs, settings, embedder, store, progress, on_article, records, wait, t0)
    finally:
        store.close()  # its files and its share of the process's Chroma client


def _run(inputs: Iterable[str], settings: Settings, embedder: Any, store: Store,
         progress: bool | None, on_article: ProgressFn | None,
         records: Iterable[RawRecord | Failure] | None, wait: bool,
         t0: float) -> IngestReport:
    report = IngestReport(store=settings.where)
    report.repaired = store.repair()
    report.relinked = dense_relink(store, progress)  # after a write that was cut off
    store.sync_lexical(sketches=True)  # cheap when the lexical index is in step
    bar = _progress_bar(progress)
    seen_ids: set[str] = set()
    seen_hashes: set[str] = set()
    writer = BackgroundWriter()
    grouper = copies.Grouper(store)
    groups: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()
    reader = threading.Thread(target=_produce, name="newsqa-reader", daemon=True, args=(
        list(inputs), settings, store, groups, stop, grouper.sketch, records))
    reader.start()
    n_seen = 0
    try:
        orphans = copies.orphans(store, grouper)  # their story was deleted: a new group
        report.regrouped += len(orphans)
        _submit(orphans, settings, store, writer, grouper, report, t0)
        while (got := groups.get()) is not None:
            if isinstance(got, BaseException):
                raise got
            skipped, failures, articles, origins = got
            report.unchanged += len(skipped)
            seen_ids.update(skipped)  # a later record with the same id is a duplicate
            report.failed.extend((f.origin, f.reason) for f in failures)
            fresh = []
            for a, h, rh, sk in articles:
                if a.id in seen_ids or h in seen_hashes:
                    report.duplicates += 1
                else:
                    seen_ids.add(a.id)
                    seen_hashes.add(h)
                    fresh.append((a, h, rh, sk))
            _classify_and_submit(fresh, settings, store, writer, grouper, report, t0)
            bar.update(len(origins))
            for origin in origins:
                n_seen += 1
                if on_article:
                    on_article(n_seen, origin)
    finally:
        stop.set()
        bar.close()
        writer.close()
    store.stories()  # story threads brought up to date now, not at the first story question
    if wait:
        filled = backfill(settings, embedder=embedder, store=store, progress=progress)
        report.backfilled, report.pending = filled.articles, filled.left
        report.relinked += filled.relinked  # the backfill checked this run's writes
    else:
        report.pending = store.indexing()[0]
        report.relinked += store.relink()  # this run's writes, each reachable
    report.seconds = time.perf_counter() - t0
    return report


def _classify_and_submit(pending: list[Cleaned], settings: Settings, store: Store,
                         writer: BackgroundWriter, grouper: copies.Grouper,
                         report: IngestReport, t0: float) -> None:
    """Classify against the ledger, group near-copies, chunk what is new or changed (and
    the copies of changed stories that leave their group), queue the write."""
    if not pending:
        return
    states = store.article_states([a.id for a, *_ in pending])
    dup_of = set(store.complete_by_hash([h for a, h, *_ in pending if a.id not in states]))
    todo = []
    for a, h, rh, sk in pending:
        st = states.get(a.id)
        if st and st.hash == h and st.complete:
            report.unchanged += 1  # cleaned text unchanged (the raw input changed)
        elif not st and h in dup_of:
            report.duplicates += 1
        else:
            todo.append(Item(a, h, rh, existed=st is not None, sketch=sk, sketched=True))
    for it in todo:
        grouper.assign(it)
        report.updated += it.existed
        report.added += not it.existed
        report.grouped += bool(it.dup_of)
    changed = [it.id for it in todo if it.existed and not states[it.id].dup_of]
    regrouped = copies.regroup(store, grouper, changed, skip={it.id for it in todo})
    report.regrouped += len(regrouped)
    _submit(todo + regrouped, settings, store, writer, grouper, report, t0)


def _submit(items: list[Item], settings: Settings, store: Store, writer: BackgroundWriter,
            grouper: copies.Grouper, report: IngestReport, t0: float) -> None:
    """Chunk ``items`` (copies need no chunks), queue their write: searchable by keywords
    once it is done, their vectors to follow (``ingest.backfill``)."""
    if items:
        batch = build(items, settings, None, report)
        ids = [it.id for it in items]

        def job() -> None:
            store.write(batch)
            grouper.committed(ids)
            report.searchable_after = report.searchable_after or time.perf_counter() - t0

        writer.submit(job)
    report.near_copy_lookups = grouper.lookups
    report.near_copy_seconds = grouper.seconds


class _NoBar:
    def update(self, n: int = 1) -> None: ...
    def close(self) -> None: ...


def _progress_bar(progress: bool | None) -> Any:
    """A tqdm bar on a terminal (``progress=None``), always (True), or never (False)."""
    if progress is False or (progress is None and not sys.stderr.isatty()):
        return _NoBar()
    from tqdm import tqdm

    return tqdm(unit=" articles", desc="ingesting", file=sys.stderr, dynamic_ncols=True)
