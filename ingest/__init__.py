"""newsqa ingestion: articles from files, folders, JSONL, web pages and feeds into Chroma.

    from ingest import ingest
    report = ingest(["examples/articles", "https://example.org/feed.xml"])
    print(report.summary())

``ingest`` never raises for a bad input: each one lands in ``report.failed`` with a
one-line reason. Store-level problems (server unreachable, model mismatch) raise
``qa.QAError``, as does a bad ``NEWSQA_URL_ALLOWLIST``. URLs (pages, feeds, the pages
feeds link to, every redirect) at private addresses are refused ("refused: private
address") unless ``settings.allow_private_urls`` or ``settings.url_allowlist`` allow them
(``ingest.netguard``). Ingestion is lexical first: each article is searchable by keywords
as soon as its batch is stored, and its vectors follow in a backfill in the order stored;
``ingest(..., wait=True)`` (the default) returns when every vector is in, ``wait=False``
as soon as the articles are searchable (``backfill(settings)`` then finishes the job: an
app runs it in a thread of its own; ``ingest.dense``). ``reembed()`` moves a store to the
configured embedder from what it already keeps (``ingest.reembed``); ``delete`` and
``rebuild_lexical`` are maintenance.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ingest.report import IngestReport
from qa.settings import Settings

if TYPE_CHECKING:
    from ingest.dense import BackfillReport
    from ingest.dense import BatchFn as FillFn
    from ingest.reembed import BatchFn, ReembedReport

__all__ = ["IngestReport", "backfill", "delete", "ingest", "rebuild_lexical", "reembed"]


def ingest(inputs: str | Iterable[str], settings: Settings | None = None, *,
           embedder: Any = None, progress: bool | None = False, wait: bool = True,
           **kw: Any) -> IngestReport:
    """Ingest paths, globs, folders or http(s) URLs; returns what happened. Without an
    ``embedder``, the one ``settings`` names is loaded for this call (pass one to reuse a
    loaded model, as the web app passes its ``QA``'s). With ``wait=False`` it returns
    once the articles are searchable by keywords (``report.pending`` still wait for
    their vectors: ``backfill``)."""
    from ingest.netguard import url_policy
    from ingest.pipeline import run
    from qa.embed import make_embedder

    settings = settings or Settings.from_env()
    url_policy(settings)  # a bad NEWSQA_URL_ALLOWLIST is a ConfigError before any work
    items = [inputs] if isinstance(inputs, str) else list(inputs)
    embedder = embedder or make_embedder(settings)
    return run(items, settings, embedder=embedder, progress=progress, wait=wait, **kw)


def backfill(settings: Settings | None = None, *, embedder: Any = None,
             progress: bool | None = False, on_batch: FillFn | None = None,
             stop: threading.Event | None = None) -> BackfillReport:
    """Embed every stored article still waiting for its vectors, in the order they were
    stored; crash-safe and resumable (call it again). ``on_batch(done, waiting)`` after
    each stored batch; ``stop`` (set from another thread) ends it between batches. For a
    web app: run it in a background thread after ``ingest(..., wait=False)``, with the
    ``QA``'s embedder; answers meanwhile say "Still indexing N of M articles"."""
    from ingest.dense import backfill as run

    return run(settings or Settings.from_env(), embedder=embedder, progress=progress,
               on_batch=on_batch, stop=stop)


def delete(ids_or_urls: Iterable[str], settings: Settings | None = None, *,
           embedder: Any = None) -> IngestReport:
    """Delete articles by id or URL (a URL is normalised like at ingestion).

    Deleting the canonical copy of a story with near-copies first makes the earliest other
    copy canonical (``ingest.copies.keep_stories``): only then is an embedding model
    loaded (``embedder``, or the one ``settings`` names).
    """
    from qa.store import opened

    settings = settings or Settings.from_env()
    items = list(ids_or_urls)  # read twice below: a generator would be empty the second time
    with opened(settings) as store:  # a long-running app deletes many times: none left open
        return _delete(store, items, settings, embedder)


def _delete(store: Any, ids_or_urls: list[str], settings: Settings,
            embedder: Any) -> IngestReport:
    from ingest.clean import article_id
    from ingest.copies import keep_stories

    keys: list[str] = []
    for item in ids_or_urls:
        keys.append(item)
        if item.startswith(("http://", "https://")):
            keys.append(article_id(item, ""))
    keys = list(dict.fromkeys(keys))
    report = IngestReport(store=settings.where)
    keep_stories(store, keys, settings, embedder, report)
    gone = store.delete_articles(keys)
    report.deleted = len(gone)
    found = set(gone)
    for item in ids_or_urls:
        alt = article_id(item, "") if item.startswith(("http://", "https://")) else item
        if item not in found and alt not in found:
            report.failed.append((item, "no such article in the store"))
    return report


def rebuild_lexical(settings: Settings | None = None, *, embedder: Any = None) -> int:
    """Rebuild the BM25 index from Chroma; returns the number of articles indexed.

    No embedding model is loaded (``embedder`` is accepted for old callers and unused).
    """
    from qa.store import opened

    with opened(settings or Settings.from_env()) as store:
        return store.rebuild_lexical()


def reembed(settings: Settings | None = None, *, embedder: Any = None,
            progress: bool | None = False, batch: int | None = None,
            on_batch: BatchFn | None = None) -> ReembedReport:
    """Re-embed every stored article with the configured embedder, from the chunk texts and
    metadata the store keeps (no re-reading of sources, no re-chunking), then switch the
    store to it. Crash-safe and resumable: after an interruption, call it again."""
    from ingest.reembed import BATCH_ARTICLES
    from ingest.reembed import reembed as run

    return run(settings, embedder=embedder, progress=progress,
               batch=batch or BATCH_ARTICLES, on_batch=on_batch)
