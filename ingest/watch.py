"""Feeds that stay current: the watched feeds (``FeedRegistry``), one round of polls
(``poll``), and the loop behind ``python -m ingest --watch`` (``run_watch``).

    from ingest.watch import FeedRegistry, poll
    feeds = FeedRegistry(settings)            # its state file lives beside the store
    feeds.add("https://example.org/rss")      # a feed, or an OPML list of feeds
    for result in poll(feeds):                # each feed once: PollResult.line(), to_dict()
        print(result.line())
    [f.summary() for f in feeds.feeds()]      # last poll, last result and error, counts
    feeds.remove("https://example.org/rss")

A poll of one feed is ``ingest.feedpoll`` (conditional GET, the new entries' pages through
the URL reader and the one pipeline); what is remembered is ``ingest.feedstate`` (one JSON
file, changed under a lock and replaced atomically). An entry is remembered only once its
article is stored, so a watcher killed at any point and started again stores every
article once and misses none (the store's own dedup skips what it already has). An OPML
list given as a URL is read at every poll and its new feeds join; an OPML file is read
when ``run_watch`` starts. Models load at the first new entry: a round of 304s loads none.
"""

from __future__ import annotations

import json
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from ingest.feedpoll import PollResult, apply, poll_feed
from ingest.feedstate import FeedState, StateFile, now, state_path
from ingest.opml import read_opml_file
from ingest.records import Failure, RawRecord
from ingest.report import IngestReport
from qa import exitcodes
from qa.errors import QAError
from qa.settings import Settings

DEFAULT_EVERY = 30 * 60.0
_EVERY = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")

ResultFn = Callable[[PollResult], None]


def parse_every(text: str) -> float:
    """``30s``, ``10m``, ``1h``, ``2h30m`` -> seconds; ``ValueError`` with a one-line
    reason otherwise (or below one second)."""
    m = _EVERY.match(text.strip().lower())
    if not text.strip() or not m:
        raise ValueError(f"--every {text!r}: give a duration like 30s, 10m, 1h or 2h30m")
    h, mins, s = (int(g or 0) for g in m.groups())
    seconds = h * 3600 + mins * 60 + s
    if seconds < 1:
        raise ValueError(f"--every {text!r}: at least 1s")
    return float(seconds)


def check_feed_url(url: str) -> str:
    """The URL stripped, or ``QAError`` when it is not an http(s) URL with a host."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        ok = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise QAError(f"{url!r} is not a feed URL: give an http(s) URL of an RSS/Atom feed "
                      "or an OPML list (or a local OPML file on the command line)")
    return url


class FeedRegistry:
    """The feeds watched for one store, and how their last polls went.

    ``embedder`` (optional) is reused for new articles, as the web app passes its QA's;
    without one, the model ``settings`` name is loaded at the first new entry.
    """

    def __init__(self, settings: Settings, *, embedder: Any = None) -> None:
        self.settings = settings
        self.file = StateFile(state_path(settings))
        self._embedder = embedder
        self._lock = threading.Lock()

    def add(self, url: str, *, via: str = "") -> FeedState:
        """Watch ``url`` (an RSS/Atom feed or an OPML list); adding it again changes nothing."""
        url = check_feed_url(url)
        with self.file.change() as feeds:
            if url not in feeds:
                feeds[url] = FeedState(url, via=via, added=now())
            st = feeds[url]
        return st

    def remove(self, url: str) -> bool:
        """Stop watching ``url`` (its stored articles stay); False when it was not watched.
        The feeds an OPML list brought stay too: remove them one by one."""
        with self.file.change() as feeds:
            return feeds.pop(url.strip(), None) is not None

    def feeds(self) -> list[FeedState]:
        """Every watched feed, in the order added."""
        return list(self.file.load().values())

    def get(self, url: str) -> FeedState | None:
        """One feed's state, or None when it is not watched."""
        return self.file.load().get(url.strip())

    def store_records(self, records: Iterable[RawRecord | Failure]) -> IngestReport:
        """Records through the ingestion pipeline into this registry's store."""
        from ingest.pipeline import run

        return run([], self.settings, embedder=self._model(), progress=False, records=records)

    def _model(self) -> Any:
        with self._lock:
            if self._embedder is None:
                from qa.embed import make_embedder

                self._embedder = make_embedder(self.settings)
            return self._embedder


def poll(registry: FeedRegistry, urls: Iterable[str] | None = None, *,
         on_result: ResultFn | None = None,
         stop: threading.Event | None = None) -> list[PollResult]:
    """Poll each feed once: every watched feed, or ``urls`` and the feeds of the OPML
    lists among them. Feeds a list brings in are polled in the same round. A feed's problem
    is its result's ``error``; a store problem raises ``QAError`` (the feed's new entries
    stay unseen). ``stop`` set: return after the feed being polled."""
    todo = _selected(registry, urls)
    done: set[str] = set()
    results: list[PollResult] = []
    while todo and not (stop is not None and stop.is_set()):
        url = todo.pop(0)
        st = None if url in done else registry.get(url)
        if st is None:
            continue
        done.add(url)
        out = poll_feed(st, registry.settings, registry.store_records)
        with registry.file.change() as feeds:
            joined = [f for f in out.feeds if f not in feeds]
            for f in joined:
                feeds[f] = FeedState(f, via=url, added=now())
            if out.feeds:
                out.result = replace(out.result, added_feeds=len(joined))
            if url in feeds:
                apply(out, feeds[url])
        todo.extend(f for f in out.feeds if f not in done)
        results.append(out.result)
        if on_result is not None:
            on_result(out.result)
    return results


def _selected(registry: FeedRegistry, urls: Iterable[str] | None) -> list[str]:
    feeds = registry.feeds()
    if urls is None:
        return [f.url for f in feeds]
    chosen = [u.strip() for u in urls]
    for f in feeds:  # in the order added: an OPML list comes before the feeds it brought
        if f.via in chosen and f.url not in chosen:
            chosen.append(f.url)
    return chosen


def expand(sources: list[str], settings: Settings) -> tuple[list[str], list[Failure]]:
    """Command-line sources -> URLs to watch: http(s) URLs as given, local OPML files as
    the feeds they name; a bad source is a ``Failure`` with a one-line reason."""
    urls: list[str] = []
    bad: list[Failure] = []
    for src in sources:
        if "://" in src:
            try:
                urls.append(check_feed_url(src))
            except QAError as err:
                bad.append(Failure(src, str(err)))
            continue
        got = read_opml_file(src, settings.max_bytes)
        if isinstance(got, Failure):
            bad.append(got)
        else:
            urls.extend(u for u in got if u not in urls)
    return urls, bad


def run_watch(sources: list[str], settings: Settings, *, every: float = DEFAULT_EVERY,
              once: bool = False, as_json: bool = False) -> int:
    """``python -m ingest --watch``: poll ``sources`` (or every watched feed when none are
    given) now and then every ``every`` seconds, one line per feed and poll on stdout.
    SIGTERM or Ctrl-C stop it between two feeds. Returns the exit status."""
    def say(r: PollResult) -> None:
        if as_json:
            print(json.dumps(r.to_dict()), flush=True)
            return
        print(r.line(), flush=True)
        for entry, reason in r.notes:
            print(f"    entry {entry}: {reason}", flush=True)

    try:
        urls, bad = expand(sources, settings)
        for f in bad:
            print(f"error: {f.origin}: {f.reason}", file=sys.stderr)
        if bad:
            return exitcodes.USAGE
        registry = FeedRegistry(settings)
        for u in urls:
            registry.add(u)
        if not (urls or registry.feeds()):
            print("error: no feeds to watch: give feed URLs or OPML files", file=sys.stderr)
            return exitcodes.USAGE
    except QAError as err:
        print(f"error: {err}", file=sys.stderr)
        return exitcodes.USAGE
    stop = threading.Event()
    main = threading.current_thread() is threading.main_thread()
    interrupted = threading.Event()

    def on_int(*_: object) -> None:  # the first Ctrl-C stops between feeds, a second at once
        if interrupted.is_set():
            raise KeyboardInterrupt
        interrupted.set()
        stop.set()

    # handlers that only set an event: a KeyboardInterrupt raised inside library code (an
    # HTTP read, the store's bindings) could be caught there and lost; this cannot
    old = (signal.signal(signal.SIGTERM, lambda *_: stop.set()),
           signal.signal(signal.SIGINT, on_int)) if main else None
    failed = False
    try:
        while True:
            start = time.monotonic()
            try:
                results = poll(registry, urls or None, on_result=say, stop=stop)
                failed = any(r.status == "error" or r.failed for r in results)
            except QAError as err:
                print(f"error: {err}" + ("" if once else "; trying again at the next poll"),
                      file=sys.stderr, flush=True)
                if once:
                    return exitcodes.USAGE
            if once or stop.wait(max(0.0, every - (time.monotonic() - start))):
                break
        if interrupted.is_set():
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        print("interrupted: stored articles are remembered; run the same command again to "
              "go on", file=sys.stderr)
        return exitcodes.INTERRUPTED
    finally:
        if old is not None:
            signal.signal(signal.SIGTERM, old[0])
            signal.signal(signal.SIGINT, old[1])
    return exitcodes.PARTIAL if once and failed else exitcodes.OK
