"""One poll of one watched feed: ``poll_feed(state, settings, store) -> Outcome``.

A conditional GET through ``ingest.fetch`` (``If-None-Match`` / ``If-Modified-Since`` from
the last answer; a 304 ends the poll there, with no parsing and no model). A changed feed
is parsed with ``ingest.read_feed``; an entry is known by its RSS guid / Atom id, else its
link, else a hash of its text. For each entry not seen before, its article page is read
with ``ingest.read.read_url`` -- the URL ingestion of today, under the same SSRF rules --
and given the entry's title, author and date, as the feed reader does for linked
articles. When the page cannot be fetched, or yields no article, the entry's own text is
used as the feed reader would use it (``read_feed.entry_record``), with a one-line note.
The records go through ``ingest.pipeline.run`` (the caller's ``store`` function), so the
store's dedup by id and content hash applies as always. An OPML list answers with its
feeds instead. Entries that failed are tried again at the next polls (the feed is then
fetched without validators) and given up after ``MAX_ATTEMPTS``. It does not save state:
``ingest.watch`` applies the ``Outcome`` under the state file's lock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from lxml import etree

from ingest.feedstate import FeedState, now
from ingest.fetch import fetch
from ingest.opml import looks_like_opml, opml_feeds
from ingest.read import read_url
from ingest.read_feed import FeedEntry, _NotAFeed, entry_record, iter_entries
from ingest.records import Failure, RawRecord
from ingest.report import IngestReport
from qa.settings import Settings

MAX_ENTRIES = 200  # new entries read per feed and poll; the rest wait for the next poll
MAX_ATTEMPTS = 3  # polls an entry may fail before it is given up
PAGES_AT_ONCE = 4
OWN_TEXT = "stored the feed's own text"

StoreFn = Callable[[Iterable[RawRecord | Failure]], IngestReport]


@dataclass(frozen=True)
class PollResult:
    """What one poll of one feed did: one log line (``line()``) or one JSON object."""

    url: str
    when: str
    kind: str = "feed"  # "feed" or "opml"
    status: str = "ok"  # "ok", "not-modified" or "error"
    new: int = 0  # entries not seen before
    stored: int = 0  # of them, now in the store (added, or already there by URL or text)
    own_text: int = 0  # of the stored, kept from the feed's own text (page not read)
    failed: int = 0  # of them, failed this time (tried again at the next polls)
    waiting: int = 0  # new entries over MAX_ENTRIES, read at the next poll
    known: int = 0  # entries in the feed already seen (on a 304: all remembered)
    feeds: int = 0  # an OPML list: the feeds it names
    added_feeds: int = 0  # ...of which were not watched yet
    error: str = ""
    errors_in_a_row: int = 0
    notes: tuple[tuple[str, str], ...] = ()  # (entry, one-line reason)

    def what(self) -> str:
        """The line without its time and URL: ``3 new (3 stored), 12 known``."""
        if self.status == "error":
            again = f" ({self.errors_in_a_row} polls in a row)" if self.errors_in_a_row > 1 \
                else ""
            return f"error: {self.error}{again}; {self.known} known"
        if self.status == "not-modified":
            return f"not modified (304), {self.known} known"
        if self.kind == "opml":
            return f"{self.feeds} feeds ({self.added_feeds} new)"
        detail = []
        if self.new:
            own = f", {self.own_text} of them from the feed's own text" if self.own_text else ""
            detail.append(f"{self.stored} stored{own}")
        if self.failed:
            detail.append(f"{self.failed} failed")
        if self.waiting:
            detail.append(f"{self.waiting} left for the next poll")
        return f"{self.new} new" + (f" ({'; '.join(detail)})" if detail else "") + \
            f", {self.known} known"

    def line(self) -> str:
        """``2026-12-02 16:40:01 feed https://example.org/rss: 3 new (3 stored), 12 known``."""
        return f"{self.when[:19].replace('T', ' ')} {self.kind} {self.url}: {self.what()}"

    def to_dict(self) -> dict:
        """JSON-ready, with the line's text as ``summary`` and the notes as ``entries``."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "notes"}
        return {**d, "summary": self.what(),
                "entries": [{"entry": e, "reason": r} for e, r in self.notes]}


@dataclass
class Outcome:
    """A poll's result plus what to remember of it (applied by ``apply``)."""

    result: PollResult
    etag: str | None = None  # None: keep the old validators (304, error)
    last_modified: str | None = None
    title: str = ""
    stored: list[str] = field(default_factory=list)  # entry keys stored
    failed: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    present: set[str] | None = None  # every entry key in the feed (None: not read)
    feeds: list[str] = field(default_factory=list)  # an OPML list's feeds


def entry_key(e: FeedEntry) -> str:
    """How an entry is recognised across polls: guid/id, else link, else its text's hash."""
    if e.id or e.link:
        return e.id or e.link
    text = "\x00".join((e.title, e.content, e.summary)).encode("utf-8", "surrogatepass")
    return "sha256:" + hashlib.sha256(text).hexdigest()[:24]


def poll_feed(st: FeedState, settings: Settings, store: StoreFn) -> Outcome:
    """Poll ``st.url`` once; store its new entries through ``store``. Never raises for a
    feed's problems (they are the result's ``error``); store errors (``QAError``) do."""
    when = now()
    headers = {}
    if not st.retry:  # entries to try again: the whole feed is needed, not a 304
        headers = {k: v for k, v in (("If-None-Match", st.etag),
                                     ("If-Modified-Since", st.last_modified)) if v}
    got = fetch(st.url, settings, headers=headers)
    if isinstance(got, Failure):
        return _error(st, when, got.reason)
    if got.status == 304:
        return Outcome(PollResult(st.url, when, st.kind, "not-modified", known=len(st.seen)))
    if looks_like_opml(got.data):
        feeds = opml_feeds(got.data, st.url)
        if isinstance(feeds, Failure):
            return _error(st, when, feeds.reason)
        return Outcome(PollResult(st.url, when, "opml", feeds=len(feeds)), got.etag,
                       got.last_modified, feeds=feeds)
    info: dict = {}
    try:
        entries = list(iter_entries(got.data, info))
    except _NotAFeed as err:
        return _error(st, when, f"not an RSS or Atom feed (root element <{err}>)")
    except etree.XMLSyntaxError as err:
        return _error(st, when, f"invalid feed XML: {err}")
    unique: dict[str, FeedEntry] = {}
    for e in entries:  # the first of equal keys wins
        unique.setdefault(entry_key(e), e)
    seen = set(st.seen)
    new = [(k, e) for k, e in unique.items() if k not in seen]
    batch, waiting = new[:MAX_ENTRIES], [k for k, _ in new[MAX_ENTRIES:]]
    title = info.get("title", "")
    stored, failed, own, notes = _store_entries(batch, st, title, settings, store)
    result = PollResult(st.url, when, "feed", new=len(new), stored=len(stored),
                        own_text=own, failed=len(failed), waiting=len(waiting),
                        known=len(unique) - len(new), notes=tuple(notes))
    return Outcome(result, got.etag, got.last_modified, title, stored, failed, waiting,
                   set(unique))


def apply(out: Outcome, st: FeedState) -> None:
    """Record a poll's ``Outcome`` in the feed's state (called under the file's lock)."""
    r = out.result
    st.last_poll, st.polls = r.when, st.polls + 1
    st.last_result, st.last_error = r.what(), r.error
    st.errors = st.errors + 1 if r.status == "error" else 0
    if r.status == "error":
        return
    st.kind = r.kind
    if out.etag is not None:
        st.etag, st.last_modified = out.etag, out.last_modified or ""
    st.title = out.title or st.title
    if out.present is not None:  # entries gone from the feed are not retried any more
        st.retry = {k: n for k, n in st.retry.items() if k in out.present}
    st.remember(out.stored)
    st.stored += len(out.stored)
    for k in out.failed:
        st.retry[k] = st.retry.get(k, 0) + 1
    st.remember([k for k in out.failed if st.retry[k] >= MAX_ATTEMPTS])  # given up
    for k in out.waiting:
        st.retry.setdefault(k, 0)


def _error(st: FeedState, when: str, reason: str) -> Outcome:
    return Outcome(PollResult(st.url, when, st.kind, "error", known=len(st.seen),
                              error=reason, errors_in_a_row=st.errors + 1))


def _store_entries(batch: list[tuple[str, FeedEntry]], st: FeedState, feed_title: str,
                   settings: Settings, store: StoreFn
                   ) -> tuple[list[str], list[str], int, list[tuple[str, str]]]:
    """Read and store ``batch``: pages first, the entries' own text where a page fails.
    Returns the keys stored, the keys failed, how many from own text, and the notes."""
    if not batch:
        return [], [], 0, []
    origin = {k: e.link or f"{st.url}#{k}" for k, e in batch}
    gone: dict[str, str] = {}  # key -> why it has no record at all
    own: dict[str, str] = {}  # key -> why its own text stands in for the page
    pages: set[str] = set()

    def page(item: tuple[str, FeedEntry]) -> list[RawRecord | Failure]:
        e = item[1]
        if not e.link:
            return [Failure("", "the entry has no link")]
        try:
            return list(read_url(e.link, settings, follow_feeds=False))
        except Exception as err:  # read_url should not raise; never let it escape
            return [Failure(e.link, f"{type(err).__name__}: {err}")]

    def own_text(k: str, e: FeedEntry, why: str) -> Iterator[RawRecord]:
        rec = entry_record(e, origin[k], feed_title)
        if rec is None:
            gone[k] = f"{why}, and the entry has no text of its own"
        else:
            own[k] = why
            yield rec

    def records() -> Iterator[RawRecord | Failure]:
        with ThreadPoolExecutor(max_workers=PAGES_AT_ONCE) as pool:
            for (k, e), recs in zip(batch, pool.map(page, batch), strict=True):
                bad = next((r for r in recs if isinstance(r, Failure)), None)
                if bad is not None or not recs:
                    why = f"page not read ({bad.reason if bad else 'no article in it'})"
                    yield from own_text(k, e, why)
                    continue
                pages.add(k)
                for r in recs:
                    assert isinstance(r, RawRecord)
                    yield replace(r, origin=origin[k], title=e.title or r.title,
                                  author=e.author or r.author,
                                  published=e.published or r.published,
                                  extra={**r.extra, "feed_title": feed_title})

    failed = dict(store(records()).failed)
    # a page that was read but held no article after cleaning: the entry's own text, once
    retry = [(k, e) for k, e in batch if k in pages and origin[k] in failed]
    if retry:
        second = [r for k, e in retry
                  for r in own_text(k, e, f"page held no article ({failed[origin[k]]})")]
        for o in [origin[k] for k, _ in retry]:
            failed.pop(o, None)
        if second:
            failed.update(store(second).failed)
    stored, lost, notes = [], [], []
    for k, _e in batch:
        why = gone.get(k) or failed.get(origin[k])
        if why:
            lost.append(k)
            last = st.retry.get(k, 0) + 1 >= MAX_ATTEMPTS
            notes.append((origin[k], why + ("; given up" if last else "; tried again "
                                            "at the next poll")))
        else:
            stored.append(k)
            if k in own:
                notes.append((origin[k], f"{own[k]}; {OWN_TEXT}"))
    return stored, lost, sum(1 for k in stored if k in own), notes
