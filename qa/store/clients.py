"""Embedded Chroma clients: one per store directory per process, kept fresh across processes.

An embedded Chroma client loads each collection's vector index into memory once. When
another process writes the directory, the SQLite tables change under it but the in-memory
index does not: queries miss new passages, still return deleted ones, and a query restricted
to ids (or a filter) that the index lacks fails with "Error finding id". So a client here
remembers the store generation it has seen (``seen``); ``Connection.freshen`` compares it
with the ledger's and calls ``reopen`` when another process moved it on, and a failed query
reopens and retries once. Threads share the client; ``using()`` marks a Chroma call in
flight and ``reopen`` waits for those to finish (new calls wait for the reopen), so no call
ever runs on a closed client. A thread inside ``using()`` never reopens (that would wait
for itself); it leaves the reopen to the next call.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from qa.store.lock import opening


class SharedClient:
    """One embedded client of one directory, shared by the threads of this process."""

    def __init__(self, path: str, chroma_settings: Any) -> None:
        self.path = path
        self._cs = chroma_settings
        self.version = 0  # bumped by every reopen: connections re-get their collections
        self.refs = 0  # connections using it (``shared``/``release``)
        self.seen: str | None = None  # the store generation this client's memory reflects
        self._cond = threading.Condition()
        self._busy = 0
        self._reopening = False
        self._local = threading.local()
        self.client = self._start()

    def _start(self) -> Any:
        import chromadb

        with opening(self.path):
            return chromadb.PersistentClient(path=self.path, settings=self._cs)

    @contextmanager
    def using(self) -> Iterator[None]:
        """Mark a Chroma call in flight (re-entrant within a thread)."""
        depth = getattr(self._local, "depth", 0)
        if depth == 0:
            with self._cond:
                while self._reopening:
                    self._cond.wait()
                self._busy += 1
        self._local.depth = depth + 1
        try:
            yield
        finally:
            self._local.depth = depth
            if depth == 0:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def reopen(self, generation: str | None) -> bool:
        """Close and restart the client (it then reads what other processes wrote); returns
        False, doing nothing, when called from inside ``using()``."""
        if getattr(self._local, "depth", 0):
            return False
        with self._cond:
            while self._reopening:
                self._cond.wait()
            self._reopening = True
            try:
                while self._busy:
                    self._cond.wait()
                _close(self.client)
                self.client = self._start()
                self.version += 1
                self.seen = generation
            finally:
                self._reopening = False
                self._cond.notify_all()
        return True

    def close(self) -> None:
        _close(self.client)


def _close(client: Any) -> None:
    try:
        client.close()
    except Exception:  # already closed or never started: nothing left to release
        pass


class Following:
    """What ``qa.store.connection.Connection`` does to follow other processes' writes
    (a mixin: it uses the connection's ``_shared``, ``_ensure``, ``guard`` and
    ``ledger_metadata``)."""

    _shared: SharedClient | None

    def freshen(self, meta: dict) -> None:
        """Reopen the embedded client if ledger metadata ``meta`` (as stored now) shows
        another process changed the store (``qa.store.clients``)."""
        shared = self._shared
        generation = str(meta.get("generation", ""))
        if shared is None or shared.seen == generation:
            return
        if shared.seen is None:
            shared.seen = generation
        elif shared.reopen(generation):
            self._ensure()

    def reopen(self) -> bool:
        """After a failed read: reopen the embedded client; False if not done (a server)."""
        if self._shared is None:
            return False
        with self.guard("reopening the store"):
            generation = str(self.ledger_metadata().get("generation", ""))
        if not self._shared.reopen(generation):
            return False
        self._ensure()
        return True

    def wrote(self, generation: str) -> None:
        """This process moved the store to ``generation`` (its own client is current)."""
        if self._shared is not None:
            self._shared.seen = generation


_CLIENTS: dict[str, SharedClient] = {}
_CLIENTS_LOCK = threading.Lock()


def shared(path: str, chroma_settings: Any) -> SharedClient:
    """The process's client of directory ``path`` (started on first use); each call takes
    a reference that ``release`` gives back."""
    with _CLIENTS_LOCK:
        got = _CLIENTS.get(path)
        if got is None:
            got = _CLIENTS[path] = SharedClient(path, chroma_settings)
        got.refs += 1
        return got


def release(path: str, client: SharedClient) -> None:
    """Give back a reference; the last one closes the client (other processes may then
    have the directory to themselves) and the next ``shared`` starts a new one."""
    with _CLIENTS_LOCK:
        client.refs -= 1
        if client.refs > 0:
            return
        if _CLIENTS.get(path) is client:
            del _CLIENTS[path]
    client.close()
