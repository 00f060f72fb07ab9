"""Cross-process locks of one store: writers take turns, and a new store is created once.

Every write to a store (an ingestion's batch, a delete, a repair, a re-embedding's switch)
runs inside ``WriteLock.held()``: an exclusive ``flock`` on a file beside the store (the
store directory, or beside the lexical index for a Chroma server), re-entrant within a
thread and shared by the threads of one process. The operating system drops the lock when
its holder dies, so a SIGKILLed writer never blocks the next one, which repairs what it left
(``qa.store.write``). A writer that has to wait says so once on stderr: "waiting for another
writer (pid N) to finish with STORE…". ``opening`` serialises creating a Chroma client, so
two processes making a new store at once do not both create its tables.

Readers take no lock: Chroma's SQLite lets them read while one process writes, and
``qa.store.connection`` reopens a reader's client when another process changed the store.
"""

from __future__ import annotations

import fcntl
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

WaitFn = Callable[[str], None]


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class WriteLock:
    """The one-writer-at-a-time lock of a store (see the module docstring)."""

    def __init__(self, path: str | Path, where: str) -> None:
        self.path = Path(path)
        self.where = where
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    @contextmanager
    def held(self, on_wait: WaitFn | None = None) -> Iterator[None]:
        """Hold the lock inside the block (waiting, with one line, while another holds it)."""
        with self._thread_lock:
            if self._depth == 0:
                self._fd = _lock(self.path, self.where, on_wait or _say)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._fd is not None:
                    fd, self._fd = self._fd, None
                    _unlock(fd)

    @property
    def mine(self) -> bool:
        """Whether this process holds the lock now."""
        return self._fd is not None


_LOCKS: dict[str, WriteLock] = {}
_LOCKS_LOCK = threading.Lock()


def write_lock(path: str | Path, where: str) -> WriteLock:
    """The process's one ``WriteLock`` of the lock file ``path`` (so two ``Store`` objects
    of one store in one process take turns like two processes do, without deadlock)."""
    key = str(Path(path).resolve())
    with _LOCKS_LOCK:
        if key not in _LOCKS:
            _LOCKS[key] = WriteLock(key, where)
        return _LOCKS[key]


def _lock(path: Path, where: str, on_wait: WaitFn) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            who = f" (pid {holder})" if holder else ""
            on_wait(f"waiting for another writer{who} to finish with {where}…")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        return fd
    except BaseException:
        os.close(fd)
        raise


def _unlock(fd: int) -> None:
    try:
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return ""


@contextmanager
def opening(directory: str | Path) -> Iterator[None]:
    """Serialise opening (and so creating) the embedded store in ``directory`` across
    processes; held only while a client starts."""
    path = Path(directory) / ".newsqa-open.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
