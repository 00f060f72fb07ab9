"""The Chroma connection of a store: client, its two collections, one-line errors.

``Connection`` opens an embedded ``PersistentClient`` (one per directory per process, shared
by threads) or an ``HttpClient`` for ``NEWSQA_CHROMA_URL``, opens the chunk collection and
the article ledger, and checks the embedding model recorded on the chunk collection against
the one configured (``ModelMismatchError``); opened without a model (maintenance) it takes
the recorded one. ``guard`` turns any chromadb/httpx failure into a one-line
``StoreUnavailableError`` and reconnects next time. What the collections hold is
``qa.store.schema``; reading and writing them is ``qa.store.chroma.Store``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from qa.errors import EmptyStoreError, ModelMismatchError, QAError, StoreUnavailableError
from qa.settings import Settings
from qa.store.schema import ModelInfo

_CLIENTS: dict[str, Any] = {}
_CLIENTS_LOCK = threading.Lock()


def lexical_path(s: Settings) -> str:
    """Where the lexical index of these settings lives."""
    name = f"lexical-{s.collection}.sqlite3"
    if s.lexical_dir:
        base = Path(s.lexical_dir)
    elif s.chroma_url:
        u = urlparse(s.chroma_url)
        base = Path.home() / ".cache" / "newsqa" / f"{u.hostname}_{u.port or 8000}"
    else:
        base = Path(s.store_dir)
    return str(base / name)


class Connection:
    """Client and collections of one store; reconnects after a failure."""

    def __init__(self, settings: Settings, model: ModelInfo | None, create: bool) -> None:
        if model is None and create:
            raise ValueError("creating a store needs the embedding model's identity")
        self.settings = settings
        self.model = model
        self._create = create
        self._client: Any = None
        self._chunks: Any = None
        self._ledger: Any = None
        self.connect()

    @contextmanager
    def guard(self, what: str) -> Iterator[None]:
        """Any store failure inside becomes one ``StoreUnavailableError`` line."""
        try:
            yield
        except QAError:
            raise
        except Exception as e:  # chromadb/httpx raise many types; the user needs one line
            self._client = None  # reconnect next time (server came back, etc.)
            msg = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
            if self.settings.chroma_url:
                raise StoreUnavailableError(
                    f"Chroma server at {self.settings.chroma_url} failed while {what}: {msg}. "
                    "Is it running? (chroma run --path DIR --port PORT)"
                ) from e
            raise StoreUnavailableError(
                f"the store at {self.settings.store_dir} failed while {what}: {msg}"
            ) from e

    def connect(self) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        s = self.settings
        with self.guard("connecting"):
            cs = ChromaSettings(anonymized_telemetry=False)
            if s.chroma_url:
                u = urlparse(s.chroma_url)
                self._client = chromadb.HttpClient(
                    host=u.hostname or "127.0.0.1", port=u.port or 8000,
                    ssl=u.scheme == "https", settings=cs,
                )
            else:
                Path(s.store_dir).mkdir(parents=True, exist_ok=True)
                key = self._client_key()
                with _CLIENTS_LOCK:  # one client per directory per process, shared by
                    if key not in _CLIENTS:  # threads (a chat and an upload at once)
                        _CLIENTS[key] = chromadb.PersistentClient(path=key, settings=cs)
                    self._client = _CLIENTS[key]
            self._open_collections()

    def _client_key(self) -> str:
        """Key of this store's shared embedded client: its resolved directory."""
        return str(Path(self.settings.store_dir).resolve())

    def _open_collections(self) -> None:
        name = self.settings.collection
        existing = {getattr(c, "name", c) for c in self._client.list_collections()}
        if name not in existing and not self._create:
            raise EmptyStoreError(
                f"No articles yet in {self.settings.where}. Add some with "
                "`python -m ingest PATH_OR_URL...` (or try `python app.py --demo`)."
            )
        if self.model is None:  # maintenance: whatever model the store was built with
            self._chunks = self._client.get_collection(name, embedding_function=None)
            self.model = ModelInfo.from_collection_meta(self._chunks.metadata)
        else:
            self._chunks = self._client.get_or_create_collection(
                name, metadata=self.model.collection_meta(),
                configuration={"hnsw": {"space": "cosine"}}, embedding_function=None,
            )
            got = ModelInfo.from_collection_meta(self._chunks.metadata)
            if got != self.model:
                raise ModelMismatchError(
                    f"The store at {self.settings.where} was built with embedding model "
                    f"{got.name if got else None} ({got.dim if got else None}-d), but "
                    f"{self.model.name} ({self.model.dim}-d) is configured. Set "
                    "NEWSQA_EMBEDDER back, or use a new store (NEWSQA_STORE or "
                    "NEWSQA_COLLECTION) and ingest again."
                )
        self._ledger = self._client.get_or_create_collection(
            f"{name}-articles", metadata={"newsqa": 1}, embedding_function=None
        )

    def _ensure(self) -> None:
        if self._client is None:
            self.connect()

    @property
    def chunks(self) -> Any:
        """The chunk collection (reconnecting if a failure dropped the client)."""
        self._ensure()
        return self._chunks

    @property
    def ledger(self) -> Any:
        """The article ledger collection (reconnecting if needed)."""
        self._ensure()
        return self._ledger

    def ledger_metadata(self) -> dict:
        """The ledger collection's metadata as stored now (another process may have changed
        it since the collection was opened)."""
        self._ensure()
        col = self._client.get_collection(f"{self.settings.collection}-articles")
        return dict(col.metadata or {})

    def close(self) -> None:
        """Drop the client; an embedded one is closed (other processes may then write)."""
        client, self._client = self._client, None
        self._chunks = self._ledger = None
        if client is None or self.settings.chroma_url:
            return
        key = self._client_key()
        with _CLIENTS_LOCK:
            if _CLIENTS.get(key) is client:
                del _CLIENTS[key]
        try:
            client.close()
        except Exception:  # already closed or never started: nothing left to release
            pass
