"""The page's dense backfill: articles added from the page are searchable by keywords at
once; their vectors are added by one background thread per app, and the page shows how far
it got.

``Indexer(backfill, pending)``: ``backfill(stop=event)`` embeds every article still waiting
(``ingest.backfill`` with the app's settings and embedder, passed in by the app: ``web`` may
not import ingestion) and ``pending()`` gives (articles waiting, articles stored) from the
store's ledger (``Store.indexing``). ``start()`` starts the thread, or, if it runs, makes it
look again when it ends, so an article added during a round is never left waiting. The
thread calls ``backfill`` only when articles wait (an app on an empty store has nothing to
do). ``stop()`` stops it between two batches (a batch is stored whole or not at all; the
next start resumes). A failure is kept in ``last_error`` (shown in the page, logged) and the
next ``start()`` tries again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from web.render import esc

log = logging.getLogger("newsqa.web")


class Indexer:
    """One app's background backfill (see the module docstring)."""

    def __init__(self, backfill: Callable[..., Any],
                 pending: Callable[[], tuple[int, int]]) -> None:
        self._backfill, self._pending = backfill, pending
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._again = False
        self.last_error = ""

    @property
    def running(self) -> bool:
        with self._lock:
            return self._thread is not None

    def start(self) -> None:
        """Embed whatever waits for vectors, in the background (no-op once stopped)."""
        with self._lock:
            if self._stop.is_set():
                return
            if self._thread is not None:
                self._again = True
                return
            self._thread = threading.Thread(target=self._run, name="newsqa-backfill",
                                            daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                if self.status()[0]:  # nothing waits (or no store yet): nothing to open
                    self._backfill(stop=self._stop)
                self.last_error = ""
            except Exception as e:  # keep serving: the page shows it, the next start retries
                log.exception("background indexing failed")
                self.last_error = str(e) or type(e).__name__
            with self._lock:
                if not self._again or self._stop.is_set():
                    self._thread = None
                    return
                self._again = False

    def status(self) -> tuple[int, int]:
        """(articles waiting for vectors, articles stored); (0, 0) if the store is unreadable."""
        try:
            return self._pending()
        except Exception:  # the stats panel says what is wrong with the store
            return 0, 0

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the thread between two batches and wait for it (up to ``timeout`` s)."""
        self._stop.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout)


def render_indexing(waiting: int, stored: int, running: bool, error: str = "") -> str:
    """One line for the page: how many articles still wait for their vectors ("" if none)."""
    if error and waiting:
        return (f'<p class="nqa-indexing nqa-fail">Indexing stopped: {esc(error)} — '
                f"{waiting} of {stored} articles are searched by keywords only.</p>")
    if not waiting:
        return ""
    done = stored - waiting
    state = "Indexing" if running else "Waiting to index"
    return (f'<p class="nqa-indexing" role="status">{state}: {done} of {stored} articles '
            f"have their vectors; the other {waiting} are searched by keywords until then."
            f'<progress max="{stored}" value="{done}"></progress></p>')


__all__ = ["Indexer", "render_indexing"]
