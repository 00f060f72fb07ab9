"""One background thread that applies store writes in order, so embedding the next batch
overlaps writing this one (ingestion and the backfill both use it). Errors surface on
the caller's next ``submit``/``flush``/``close``. No store logic here: a job is any
callable."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable


class BackgroundWriter:
    """Runs submitted jobs one after another on its own thread (at most one waiting)."""

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
            if isinstance(job, threading.Event):  # flush(): everything before it has run
                job.set()
            elif self._error is None:
                try:
                    job()
                except BaseException as e:  # re-raised in submit()/flush()/close()
                    self._error = e

    def _check(self) -> None:
        if self._error is not None:
            raise self._error

    def submit(self, job: Callable[[], None]) -> None:
        """Queue ``job`` (waits while another job is waiting)."""
        self._check()
        self._q.put(job)

    def flush(self) -> None:
        """Wait until every job submitted so far has run."""
        done = threading.Event()
        self._q.put(done)
        done.wait()
        self._check()

    def close(self) -> None:
        """Run what is queued, stop the thread, raise a job's error if one failed."""
        self._q.put(None)
        self._t.join()
        self._check()
