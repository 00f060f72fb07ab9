"""The web app's background indexing (``web.indexing.Indexer``, what "Add articles" starts):
articles added while it runs are indexed too, a failure is shown and the next start retries,
and stopping it leaves a store the next start finishes exactly. The backfill is the real one
(``ingest.backfill``) on a real store; the page's line is checked in tests/test_browser.py."""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

import pytest

from ingest import backfill, ingest
from qa.settings import Settings
from qa.store import Store
from tests.support.syndication import OUTLETS, filler, jsonl
from web.indexing import Indexer, render_indexing


def _wait_idle(indexer: Indexer, timeout: float = 180.0) -> None:
    t0 = time.monotonic()
    while indexer.running:
        assert time.monotonic() - t0 < timeout, "the background indexing never ended"
        time.sleep(0.05)


@pytest.fixture
def store(tmp_path: Path, embedder):
    s = Settings(store=str(tmp_path / "store"))
    report = ingest([jsonl(tmp_path / "a.jsonl", filler(60))], s, embedder=embedder,
                    wait=False)
    assert report.added == 60
    st = Store.open(s, embedder)
    yield s, st
    st.close()


def test_articles_added_while_it_runs_are_indexed_too(store, embedder, tmp_path):
    s, st = store
    indexer = Indexer(partial(backfill, s, embedder=embedder), st.indexing)
    assert indexer.status() == (60, 60)
    indexer.start()
    more = ingest([jsonl(tmp_path / "b.jsonl", [OUTLETS[0]])], s, embedder=embedder,
                  wait=False)
    assert more.added == 1
    indexer.start()  # while it runs: it looks again before it ends
    _wait_idle(indexer)
    assert indexer.status() == (0, 61) and indexer.last_error == ""
    assert render_indexing(*indexer.status(), indexer.running) == ""
    assert st.count() == sum(a.n_chunks for a in st.all_articles().values())


def test_a_failure_is_shown_and_the_next_start_retries(store, embedder):
    s, st = store
    calls = []

    def flaky(stop):  # the store went away once (a real failure the page must survive)
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk full")
        return backfill(s, embedder=embedder, stop=stop)

    indexer = Indexer(flaky, st.indexing)
    indexer.start()
    _wait_idle(indexer)
    assert indexer.last_error == "disk full"
    line = render_indexing(*indexer.status(), indexer.running, indexer.last_error)
    assert "Indexing stopped: disk full" in line and "60 of 60" in line
    indexer.start()
    _wait_idle(indexer)
    assert indexer.status() == (0, 60) and indexer.last_error == ""


def test_stopped_between_batches_the_next_start_finishes(store, embedder):
    s, st = store
    indexer = Indexer(partial(backfill, s, embedder=embedder), st.indexing)
    indexer.start()
    indexer.stop()
    assert not indexer.running
    waiting, stored = indexer.status()
    assert stored == 60 and 0 <= waiting <= 60
    indexer.start()  # stopped for good: a stopped app starts nothing
    assert not indexer.running
    again = Indexer(partial(backfill, s, embedder=embedder), st.indexing)
    line = render_indexing(*again.status(), again.running)
    assert (waiting == 0) == (line == "")
    again.start()
    _wait_idle(again)
    assert again.status() == (0, 60)


def test_an_app_on_an_empty_store_has_nothing_to_index(tmp_path: Path, embedder):
    # the app starts its indexer when it serves; with no articles yet that is not an error
    s = Settings(store=str(tmp_path / "empty"))
    calls = []

    def pending() -> tuple[int, int]:
        st = Store.open(s, embedder)  # EmptyStoreError: no articles yet
        try:
            return st.indexing()
        finally:
            st.close()

    indexer = Indexer(lambda stop: calls.append(backfill(s, embedder=embedder, stop=stop)),
                      pending)
    indexer.start()
    _wait_idle(indexer)
    assert calls == [] and indexer.last_error == "" and indexer.status() == (0, 0)
    assert render_indexing(*indexer.status(), indexer.running) == ""
