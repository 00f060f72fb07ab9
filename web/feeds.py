"""The page's Feeds panel without gradio: the watched feeds as HTML, and ``FeedService``,
which edits the watch list and polls it — when asked ("Poll now") and in a background
thread every ``EVERY`` seconds, one thread per app.

The feed machinery itself is ``ingest.watch`` (``FeedRegistry``, ``poll``); ``web`` may not
import it, so the app passes a registry factory and the poll function in. Polls never
overlap: the background round and "Poll now" take turns under one lock. A poll's problem
is shown, never raised into the page: a feed's own error is in its state (``last_error``),
a store problem or a crash is the service's ``last_error``, and the thread keeps going.
Feed URLs, titles and errors come from outside and are escaped like article text.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from qa.errors import QAError
from web.render import esc, iso
from web.urls import safe_url

EVERY = 30 * 60.0  # seconds between background polls (the watcher's --every default)
FIRST = 60.0  # seconds after start-up before the first background poll
log = logging.getLogger("newsqa.web")


def _stamp() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


class FeedService:
    """The watched feeds of one app: ``registry()`` makes the ``ingest.watch.FeedRegistry``
    (called once, at first use); ``poll(registry, stop=event)`` polls every watched feed
    (stopping between two feeds once ``event`` is set) and returns its ``PollResult`` list."""

    def __init__(self, registry: Callable[[], Any], poll: Callable[..., Sequence[Any]],
                 every: float = EVERY, first: float = FIRST) -> None:
        self._make, self._poll = registry, poll
        self.every, self.first = every, first
        self._registry: Any = None
        self._made = threading.Lock()
        self._polling = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_round = ""  # when the last poll (background or asked for) ended
        self.last_error = ""  # a store problem or crash of the last poll ("" when it worked)

    @property
    def registry(self) -> Any:
        with self._made:
            if self._registry is None:
                self._registry = self._make()
            return self._registry

    # ---- the watch list ------------------------------------------------------------
    def feeds(self) -> list[dict]:
        """Every watched feed's ``FeedState.summary()``, in the order added."""
        return [f.summary() for f in self.registry.feeds()]

    def add(self, url: str) -> str:
        """Watch ``url``; one line saying what happened (``QAError`` for a bad URL)."""
        url = (url or "").strip()
        if not url:
            raise QAError("Give the URL of an RSS/Atom feed or an OPML list first.")
        known = self.registry.get(url) is not None
        st = self.registry.add(url)
        if known:
            return f"Already watched: {st.url}"
        return f"Watching {st.url}: it is read at the next poll (or press “Poll now”)."

    def remove(self, url: str) -> str:
        """Stop watching ``url`` (its stored articles stay); one line."""
        if not (url or "").strip():
            raise QAError("Choose a watched feed to remove first.")
        if self.registry.remove(url):
            return f"No longer watching {url.strip()} (its stored articles stay)."
        return f"{url.strip()} was not watched."

    # ---- polling ---------------------------------------------------------------------
    def poll_now(self) -> list[Any]:
        """Poll every watched feed now (after a background round under way, if any);
        the ``PollResult`` list. A store problem raises ``QAError`` (also kept in
        ``last_error``)."""
        with self._polling:
            try:
                results = list(self._poll(self.registry, stop=self._stop))
            except QAError as err:
                self.last_error = str(err)
                raise
            except Exception as err:
                log.exception("polling the feeds failed")
                self.last_error = f"polling failed ({type(err).__name__}); see the server log"
                raise QAError(self.last_error) from None
            finally:
                self.last_round = _stamp()
        self.last_error = ""
        return results

    def start(self) -> None:
        """Start the background poller (once; a second call does nothing)."""
        if self._thread is None and self.every > 0:
            self._thread = threading.Thread(target=self._run, name="newsqa-feeds",
                                            daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the background poller (between two feeds) and wait a little for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        """Whether the background poller is alive."""
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        wait = self.first
        while not self._stop.wait(wait):
            try:
                if self.registry.feeds():
                    self.poll_now()
            except QAError as err:  # shown in the panel; tried again next round
                log.warning("feeds: %s", err)
                self.last_error = str(err)
            except Exception as err:  # never let the thread die
                log.exception("feeds: background poll failed")
                self.last_error = f"polling failed ({type(err).__name__}); see the server log"
            wait = self.every


def _when(text: str) -> str:
    return esc(text[:19].replace("T", " ")) if text else "never"


def render_feeds(feeds: Sequence[Mapping], service_error: str = "", every: float = EVERY,
                 last_round: str = "") -> str:
    """The watched feeds: URL (linked), title, last poll and its result, last error, and
    the stored/known counts; plus when the background polls happen and their problem."""
    mins = max(1, round(every / 60))
    head = (f"<p>{len(feeds)} watched feed{'s' if len(feeds) != 1 else ''} · polled every "
            f"{mins} min{' · last poll ' + _when(last_round) if last_round else ''}</p>")
    if service_error:
        head += f'<p class="nqa-fail" role="alert">Last poll failed: {esc(service_error)}</p>'
    items = []
    for f in feeds:
        url = str(f.get("url", ""))
        shown = iso(url)
        link = safe_url(url)
        if link:
            shown = (f'<a href="{esc(link)}" target="_blank" rel="noopener noreferrer">'
                     f"{shown}</a>")
        title = f'<div class="nqa-feed-title">{iso(f["title"])}</div>' if f.get("title") \
            else ""
        kind = " (OPML list)" if f.get("kind") == "opml" else ""
        via = f" · from {iso(f['via'])}" if f.get("via") else ""
        err = f.get("last_error") or ""
        result = esc(f.get("last_result") or "not polled yet")
        error = f'<div class="nqa-fail">Error: {esc(err)}</div>' if err else ""
        items.append(
            f'<li class="nqa-feed"><div class="nqa-feed-url">{shown}{kind}</div>{title}'
            f'<div class="nqa-meta">last poll {_when(str(f.get("last_poll") or ""))}{via}'
            f'</div><div class="nqa-feed-result">{result}</div>{error}'
            f'<div class="nqa-meta"><b>{int(f.get("stored") or 0)}</b> stored · '
            f'<b>{int(f.get("known") or 0)}</b> known · {int(f.get("polls") or 0)} polls</div>'
            "</li>")
    empty = "" if items else "<p>No feeds yet: add an RSS/Atom feed or an OPML list.</p>"
    return (f'<div class="nqa-feeds">{head}{empty}'
            f'<ul class="nqa-feed-list">{"".join(items)}</ul></div>')


def render_status(message: str = "", problem: str = "", lines: Sequence[str] = ()) -> str:
    """What the last action did: a message, a problem, or a poll's lines (one per feed)."""
    out = f"<p>{esc(message)}</p>" if message else ""
    if problem:
        out += f'<p class="nqa-fail" role="alert">{esc(problem)}</p>'
    if lines:
        out += "<ul>" + "".join(f"<li>{esc(line)}</li>" for line in lines) + "</ul>"
    return f'<div class="nqa-feed-status" role="status">{out}</div>' if out else ""


def poll_lines(results: Sequence[Any]) -> list[str]:
    """One line per polled feed (``PollResult.line()``), with its entries' notes."""
    lines = []
    for r in results:
        lines.append(r.line())
        lines.extend(f"  entry {e}: {why}" for e, why in getattr(r, "notes", ()))
    return lines


__all__ = ["EVERY", "FIRST", "FeedService", "poll_lines", "render_feeds", "render_status"]
