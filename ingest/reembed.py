"""Re-embedding every stored article with the configured embedder (``--reembed``).

``reembed(settings)`` reads nothing from the sources and re-chunks nothing: each chunk's
text and metadata come from the store, the text to embed is rebuilt exactly as ingestion
builds it (``ingest.chunk.embed_text``: title and ISO date, newline, passage), and only the
vectors and the store's model change (same chunk ids, texts, offsets, metadata). The store
runs the stages and makes them crash-safe and resumable (``qa.store.migrate``): killed at
any moment, the same call finishes the job. Readers of the old model keep answering until
the switch. This module loads the model, embeds batch by batch, shows progress (tqdm on a
terminal, like ingestion) and reports; it does not ingest, delete, or touch the lexical
index (its chunk ids and texts stay valid).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ingest.chunk import Chunk, embed_text
from ingest.records import Article
from qa.embed import embedder_setting, make_embedder
from qa.settings import Settings
from qa.store import ChunkMigration, ChunkRecord, ModelInfo, Store, chunk_fields

BATCH_ARTICLES = 32  # articles per embed-and-store step (what a crash can lose)
PRE_SWITCH_PASSES = 3  # sync passes while writers may still add (then freeze, last pass)

BatchFn = Callable[[int, int], None]  # (articles done, articles in the store)


@dataclass
class ReembedReport:
    """What a re-embedding run did, for people (``summary()``) and scripts (``to_dict()``)."""

    store: str
    old_model: str  # what the store was built with ("" if it records none)
    new_model: str
    articles: int = 0  # articles in the store
    resumed: int = 0  # already re-embedded by an earlier, interrupted run
    embedded: int = 0  # articles embedded by this run
    chunks: int = 0  # chunks embedded by this run
    repaired: int = 0  # half-written articles from an interrupted ingestion, removed
    switched: bool = False  # this run switched the store to the new model
    backfilled: int = 0  # articles that waited for vectors (--lexical-only), then embedded
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {**asdict(self), "seconds": round(self.seconds, 3)}

    def summary(self) -> str:
        if not self.switched:
            return f"nothing to re-embed: the store uses {self.new_model} -> {self.store}"
        line = (f"re-embedded {self.articles} articles with {self.new_model} (was "
                f"{self.old_model or 'unrecorded'}): {self.chunks} chunks embedded in "
                f"{self.seconds:.1f}s")
        if self.resumed:
            line += f", {self.resumed} articles done by an earlier run"
        if self.backfilled:
            line += f"; then {self.backfilled} article(s) that waited for vectors embedded"
        if self.repaired:
            line += f"; removed {self.repaired} half-written article(s) (ingest them again)"
        return line + f" -> {self.store}"


def reembed(settings: Settings | None = None, *, embedder: Any = None,
            progress: bool | None = False, batch: int = BATCH_ARTICLES,
            on_batch: BatchFn | None = None) -> ReembedReport:
    """Re-embed every stored article with the configured embedder (or ``embedder``) and
    switch the store to it; finishes an interrupted run. ``progress``: a tqdm bar always
    (True), on a terminal (None) or never (False); ``on_batch`` is called after each batch."""
    t0 = time.perf_counter()
    settings = settings or Settings.from_env()
    embedder = embedder or make_embedder(settings)
    model = ModelInfo(embedder.name, embedder.dim, embedder_setting(embedder.name))
    mig = Store.open(settings, None).reembedding(model)
    report = ReembedReport(settings.where, mig.source.name if mig.source else "", model.name)
    if not mig.needed:  # done (maybe by a run killed after its switch): clear leftovers
        mig.finish()
        report.seconds = time.perf_counter() - t0
        return report
    report.repaired = mig.prepare()
    bar = _Bar(progress)
    try:
        step = _Step(mig, embedder, report, bar, max(1, batch), on_batch)
        for _ in range(PRE_SWITCH_PASSES):
            if mig.frozen or not step.sync():
                break
        with mig.exclusive():  # writers wait from here: one exact pass, then the switch
            while True:
                mig.freeze()
                step.sync()
                if mig.switch():
                    break
    finally:
        bar.close()
    report.switched = True
    mig.finish()
    # articles stored by keywords only (--lexical-only, a stopped backfill) have no vectors
    # to move: they get the new model's now, so the store is complete when this returns
    from ingest.dense import backfill

    report.backfilled = backfill(settings, embedder=embedder, progress=progress).articles
    report.seconds = time.perf_counter() - t0
    return report


class _Step:
    """One sync pass: plan what the new collection lacks, embed and store it in batches."""

    def __init__(self, mig: ChunkMigration, embedder: Any, report: ReembedReport, bar: _Bar,
                 batch: int, on_batch: BatchFn | None) -> None:
        self.mig, self.embedder, self.report, self.bar = mig, embedder, report, bar
        self.batch, self.on_batch = batch, on_batch
        self.first = True

    def sync(self) -> int:
        """A pass; returns the chunks it embedded."""
        plan = self.mig.plan()
        report, done = self.report, plan.done
        report.articles = plan.total
        if self.first:
            report.resumed, self.first = done, False
        self.bar.show(done, plan.total)
        items = list(plan.pending.items())
        n = 0
        for lo in range(0, len(items), self.batch):
            part = items[lo : lo + self.batch]
            recs = self.mig.chunks([c for _, ids in part for c in ids])
            vecs = self.embedder.embed([text_of(r) for r in recs]) if recs else []
            done += len(part)
            self.mig.put(recs, vecs, done, plan.total)
            n += len(recs)
            report.chunks += len(recs)
            report.embedded += len(part)
            self.bar.show(done, plan.total)
            if self.on_batch:
                self.on_batch(done, plan.total)
        return n


def text_of(rec: ChunkRecord) -> str:
    """What ingestion embedded for a stored chunk (``ingest.chunk.embed_text``), rebuilt from
    its stored text and metadata."""
    f = chunk_fields(rec.meta)
    article = Article(id=f.article_id, text="", title=f.title, published=f.published)
    return embed_text(article, Chunk(f.index, f.start, f.end, rec.text, 0))


class _Bar:
    """A tqdm bar of articles done (``progress`` as in ``reembed``), or nothing."""

    def __init__(self, progress: bool | None) -> None:
        self._on = progress is True or (progress is None and sys.stderr.isatty())
        self._bar: Any = None

    def show(self, done: int, total: int) -> None:
        if not self._on:
            return
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=done, unit=" articles", desc="re-embedding",
                             file=sys.stderr, dynamic_ncols=True)
        self._bar.total = total
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


__all__ = ["ReembedReport", "reembed", "text_of"]
