"""The Chroma connection of a store: client, its active chunk collection and ledger, errors.

``Connection`` opens an embedded ``PersistentClient`` (one per directory per process, shared
by threads) or an ``HttpClient`` for ``NEWSQA_CHROMA_URL``, then the article ledger and the
*active* chunk collection its metadata names (``qa.store.models``: ``<collection>`` unless
re-embedding moved the chunks), and checks the embedding model recorded there against the
one configured (``ModelMismatchError``, naming both models, ``--reembed``, and how far a
re-embedding for the configured model has got); opened without a model (maintenance) it
takes the recorded one. ``follow`` reopens after a re-embedding switched the active
collection; ``check_writable`` keeps writers out of one being switched away from. ``guard``
turns any chromadb/httpx failure into a one-line ``StoreUnavailableError``. ``freshen``
reopens the embedded client after another process wrote (``qa.store.clients``); writers
take turns under ``write_lock`` (``qa.store.lock``). Rows: ``qa.store.schema``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from qa.errors import EmptyStoreError, ModelMismatchError, QAError, StoreUnavailableError
from qa.settings import Settings
from qa.store import clients, models, paths
from qa.store.lock import opening, write_lock
from qa.store.models import ModelInfo


class Connection(clients.Following):
    """Client and collections of one store; reconnects after a failure."""

    def __init__(self, settings: Settings, model: ModelInfo | None, create: bool) -> None:
        if model is None and create:
            raise ValueError("creating a store needs the embedding model's identity")
        self.settings = settings
        self.model = model
        self._maintenance = model is None  # takes whatever model the store records
        self._create = create
        self._client: Any = None
        self._chunks: Any = None
        self._ledger: Any = None
        self._checking = False
        self._shared: clients.SharedClient | None = None  # embedded: this process's client
        self._version = 0  # the shared client's version our collection handles belong to
        self._opened_generation = ""
        self.chunks_name = ""  # the active chunk collection's name
        self.write_lock = write_lock(paths.write_lock(settings), settings.where)
        self.connect()

    @contextmanager
    def guard(self, what: str) -> Iterator[None]:
        """Any store failure inside becomes one ``StoreUnavailableError`` line."""
        try:
            with ExitStack() as stack:
                if self._shared is not None:
                    stack.enter_context(self._shared.using())
                yield
        except QAError:
            raise
        except Exception as e:  # chromadb/httpx raise many types; the user needs one line
            self._drop()  # reconnect next time (server came back, etc.)
            moved = None if self._checking else self._moved_error(what)
            if moved is not None:  # the chunks were switched to another collection
                raise moved from e
            msg = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
            if self.settings.chroma_url:
                raise StoreUnavailableError(
                    f"Chroma server at {self.settings.chroma_url} failed while {what}: {msg}. "
                    "Is it running? (chroma run --path DIR --port PORT)"
                ) from e
            hint = "" if models.UNREPLAYABLE not in msg else (
                ". Its vector index was cut off while Chroma saved it (a process was killed "
                f"then); make it again from the stored texts: `{models.REBUILD_CMD}`")
            raise StoreUnavailableError(
                f"the store at {self.settings.store_dir} failed while {what}: {msg}{hint}"
            ) from e

    def _moved_error(self, what: str) -> QAError | None:
        """After a failure: the error if re-embedding switched the chunks meanwhile."""
        before, self._checking = self.chunks_name, True
        try:
            self._ensure()  # reconnecting follows the ledger and checks the model
        except ModelMismatchError as err:
            return err
        except Exception:  # still unreachable: the caller reports the first failure
            return None
        finally:
            self._checking = False
        if self.chunks_name != before:
            return StoreUnavailableError(f"The store at {self.settings.where} switched to "
                                         f"re-embedded vectors while {what}; try again.")
        return None

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
            else:  # one client per directory per process, shared by threads
                Path(s.store_dir).mkdir(parents=True, exist_ok=True)
                if self._shared is None:
                    self._shared = clients.shared(self._client_key(), cs)
            try:
                self._open_shared() if self._shared else self._open_collections()
            except BaseException:
                self._drop()  # half-open: the next use tries again
                raise

    def _drop(self) -> None:
        """Reconnect at next use (a shared embedded client stays: re-read its handles)."""
        if self._shared is None:
            self._client = None
        else:
            self._version = -1

    def _open_shared(self) -> None:
        shared = self._shared
        assert shared is not None
        with shared.using(), opening(self.settings.store_dir):  # a new store: made once
            version, client = shared.version, shared.client
            self._open_collections(client)  # handles first, then the version that says
            self._client, self._version = client, version  # they are current
            if shared.seen is None:
                shared.seen = self._opened_generation

    def _client_key(self) -> str:
        """Key of this store's shared embedded client."""
        return str(Path(self.settings.store_dir).resolve())

    def collections(self) -> dict[str, dict]:
        """Every collection of the client (this store's and any other): name -> metadata."""
        return {c.name: dict(c.metadata or {}) for c in self.client.list_collections()}

    def _open_collections(self, client: Any = None) -> None:
        """Open the active chunk collection and the ledger on ``client`` (default: ours)."""
        client = client or self._client
        name, ledger = self.settings.collection, models.ledger_name(self.settings.collection)
        cols = {c.name: dict(c.metadata or {}) for c in client.list_collections()}
        active = cols.get(ledger, {}).get(models.ACTIVE) or name
        if active not in cols and not self._create:
            raise EmptyStoreError(
                f"No articles yet in {self.settings.where}. Add some with "
                "`python -m ingest PATH_OR_URL...` (or try `python app.py --demo`)."
            )
        if self._maintenance:  # whatever model the store was built with
            self._chunks = client.get_collection(active, embedding_function=None)
            self.model = ModelInfo.from_collection_meta(self._chunks.metadata)
        else:
            assert self.model is not None
            self._chunks = (client.get_collection(active, embedding_function=None)
                            if active in cols
                            else self.chunk_collection(active, self.model, client=client))
            got = ModelInfo.from_collection_meta(self._chunks.metadata)
            if got != self.model:
                raise ModelMismatchError(models.mismatch_in(self.settings, got, self.model,
                                                            cols))
        self._ledger = client.get_or_create_collection(
            ledger, metadata={"newsqa": 1}, embedding_function=None)
        self.chunks_name = active
        self._opened_generation = str(cols.get(ledger, {}).get("generation", ""))

    def chunk_collection(self, name: str, model: ModelInfo, extra: dict | None = None,
                         client: Any = None) -> Any:
        """The chunk collection ``name``, made for ``model`` if missing (cosine, ``extra``)."""
        return (client or self.client).get_or_create_collection(
            name, metadata={**model.collection_meta(), **(extra or {})},
            configuration={"hnsw": {"space": "cosine"}}, embedding_function=None)

    def recreate(self, ledger: bool = False) -> None:
        """Drop the chunk collection (or ledger) Chroma cannot read; make it again, empty."""
        client = self.client
        name = models.ledger_name(self.settings.collection) if ledger else self.chunks_name
        meta = self.ledger_metadata() if ledger else {
            k: v for k, v in (self._chunks.metadata or {}).items() if ":" not in k}
        client.delete_collection(name)
        col = client.get_or_create_collection(
            name, metadata=meta, embedding_function=None,
            configuration=None if ledger else {"hnsw": {"space": "cosine"}})
        if ledger:
            self._ledger = col
        else:
            self._chunks = col

    def _ensure(self) -> None:
        if self._client is None:
            self.connect()
        elif self._shared is not None and self._shared.version != self._version:
            self._open_shared()  # another thread reopened the client: new handles

    @property
    def client(self) -> Any:
        """The Chroma client (reconnecting if a failure dropped it)."""
        self._ensure()
        return self._client

    @property
    def chunks(self) -> Any:
        """The active chunk collection (reconnecting if a failure dropped the client)."""
        self._ensure()
        return self._chunks

    @property
    def ledger(self) -> Any:
        """The article ledger collection (reconnecting if needed)."""
        self._ensure()
        return self._ledger

    def ledger_metadata(self) -> dict:
        """The ledger collection's metadata as stored now (not as opened)."""
        col = self.client.get_collection(models.ledger_name(self.settings.collection))
        meta = dict(col.metadata or {})
        meta.pop("hnsw:space", None)
        return meta

    def update_ledger_metadata(self, changes: dict) -> dict:
        """Apply ``changes`` to the ledger's metadata as stored now; returns the result."""
        meta = {**self.ledger_metadata(), **changes}
        self.ledger.modify(metadata=meta)
        return meta

    def active_in(self, meta: dict) -> str:
        """The active chunk collection named by ledger metadata ``meta``."""
        return str(meta.get(models.ACTIVE) or self.settings.collection)

    def follow(self, meta: dict) -> None:
        """Reopen if ``meta`` names another active chunk collection (a re-embedding's
        switch): raises the mismatch if the model differs."""
        if self.active_in(meta) != self.chunks_name:
            self._client = None
            self.connect()

    def check_writable(self) -> None:
        """Before and inside a write: refuse while re-embedding switches the chunks to
        another collection, and follow a switch that happened (see ``follow``)."""
        with self.guard("checking the store before writing"):
            meta = self.ledger_metadata()
        if meta.get(models.SWITCHING):
            raise StoreUnavailableError(
                f"The store at {self.settings.where} is switching to re-embedded vectors; "
                f"writes wait until `{models.REEMBED_CMD}` finishes (run it again if it was "
                "interrupted), then try again.")
        self.follow(meta)
        self.freshen(meta)

    def close(self) -> None:
        """Drop the client; an embedded one is closed (other processes may then write)."""
        shared, self._shared = self._shared, None
        self._client = self._chunks = self._ledger = None
        if shared is not None:
            clients.release(self._client_key(), shared)
