"""The article store: Chroma (embedded or a server) plus the derived lexical index.

The only module that talks to chromadb. Two collections per store:

* ``<name>``: one record per chunk (embedding, exact passage text, metadata: article id,
  offsets, title, url, source, author, published as yyyymmdd int);
* ``<name>-articles``: the article ledger, one record per article (content hash, chunk
  count, state, metadata, and the full cleaned text).

Write protocol for a batch of new or changed articles (crash-safe; see ``repair``):
ledger ``state=writing`` -> old chunks deleted -> new chunks upserted -> lexical index
replaced -> ledger ``state=ok`` -> generation bumped. An article left ``writing`` by a crash
is removed entirely by ``repair()`` at the next ingestion, which then re-adds it.

The embedding model's name and dimension are recorded on the chunk collection: opening a
store with another model raises ``ModelMismatchError``, never mixes vectors.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from qa.errors import EmptyStoreError, ModelMismatchError, QAError, StoreUnavailableError
from qa.settings import Settings
from qa.store.lexical import LexicalIndex
from qa.store.sync import LexicalSync


@dataclass(frozen=True)
class ChunkRecord:
    """A chunk as stored: id, passage text, metadata, and (when queried) a score."""

    id: str
    text: str
    meta: dict
    score: float = 0.0


_CLIENTS: dict[str, Any] = {}
_CLIENTS_LOCK = threading.Lock()


def chunk_id(article_id: str, content_hash: str, index: int) -> str:
    """Stable chunk id: short article key, content version, position."""
    key = hashlib.sha1(article_id.encode()).hexdigest()[:16]
    return f"{key}:{content_hash[:10]}:{index}"


class Store(LexicalSync):
    """Chroma collections + lexical index for one ``Settings``. Create with ``Store.open``."""

    def __init__(self, settings: Settings, model_name: str, dim: int, create: bool) -> None:
        self.settings = settings
        self.model_name = model_name
        self.dim = dim
        self._create = create
        self._client: Any = None
        self._chunks: Any = None
        self._ledger: Any = None
        self.lexical = LexicalIndex(self._lexical_path())
        self._synced_generation: str | None = None
        self._last_sync_check = 0.0
        self._connect()

    @classmethod
    def open(cls, settings: Settings, embedder: Any, create: bool = False) -> Store:
        """Open (or with ``create`` make) the store for ``embedder`` (needs .name and .dim)."""
        return cls(settings, embedder.name, embedder.dim, create)

    # ---- connection -------------------------------------------------------------------
    def _lexical_path(self) -> str:
        s = self.settings
        name = f"lexical-{s.collection}.sqlite3"
        if s.lexical_dir:
            base = Path(s.lexical_dir)
        elif s.chroma_url:
            u = urlparse(s.chroma_url)
            base = Path.home() / ".cache" / "newsqa" / f"{u.hostname}_{u.port or 8000}"
        else:
            base = Path(s.store_dir)
        return str(base / name)

    @contextmanager
    def _guard(self, what: str) -> Iterator[None]:
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

    def _connect(self) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        s = self.settings
        with self._guard("connecting"):
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

    def close(self) -> None:
        """Release the store: the lexical index, and the Chroma client of its directory.

        Needed before another *process* writes the directory (embedded Chroma is
        single-process). Other ``Store`` objects of the same directory in this process
        share the client, so close only when none is in use; open a new one afterwards.
        """
        self.lexical.close()
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

    def _open_collections(self) -> None:
        name = self.settings.collection
        existing = {getattr(c, "name", c) for c in self._client.list_collections()}
        if name not in existing and not self._create:
            raise EmptyStoreError(
                f"No articles yet in {self.settings.where}. Add some with "
                "`python -m ingest PATH_OR_URL...` (or try `python app.py --demo`)."
            )
        meta = {"embed_model": self.model_name, "embed_dim": int(self.dim), "newsqa": 1}
        self._chunks = self._client.get_or_create_collection(
            name, metadata=meta, configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
        got = self._chunks.metadata or {}
        if got.get("embed_model") != self.model_name or int(got.get("embed_dim", 0)) != self.dim:
            raise ModelMismatchError(
                f"The store at {self.settings.where} was built with embedding model "
                f"{got.get('embed_model')} ({got.get('embed_dim')}-d), but {self.model_name} "
                f"({self.dim}-d) is configured. Set NEWSQA_EMBEDDER back, or use a new store "
                "(NEWSQA_STORE or NEWSQA_COLLECTION) and ingest again."
            )
        self._ledger = self._client.get_or_create_collection(
            f"{name}-articles", metadata={"newsqa": 1}, embedding_function=None
        )

    def _ensure(self) -> None:
        if self._client is None:
            self._connect()

    @property
    def chunks(self) -> Any:
        self._ensure()
        return self._chunks

    @property
    def ledger(self) -> Any:
        self._ensure()
        return self._ledger

    # ---- reads ------------------------------------------------------------------------
    def count(self) -> int:
        with self._guard("counting chunks"):
            return self.chunks.count()

    def article_states(self, article_ids: Sequence[str]) -> dict[str, dict]:
        """Ledger metadata of the given articles that exist (id -> metadata)."""
        out: dict[str, dict] = {}
        with self._guard("reading the article ledger"):
            for lo in range(0, len(article_ids), 500):
                got = self.ledger.get(ids=list(article_ids[lo : lo + 500]), include=["metadatas"])
                out.update(zip(got["ids"], got["metadatas"], strict=True))
        return out

    def all_articles(self) -> dict[str, dict]:
        """Every ledger record's metadata (id -> metadata), in pages."""
        out: dict[str, dict] = {}
        with self._guard("reading the article ledger"):
            offset = 0
            while True:
                got = self.ledger.get(include=["metadatas"], limit=5000, offset=offset)
                out.update(zip(got["ids"], got["metadatas"], strict=True))
                if len(got["ids"]) < 5000:
                    return out
                offset += 5000

    def article_text(self, article_id: str) -> str | None:
        with self._guard("reading an article"):
            got = self.ledger.get(ids=[article_id], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    def get_chunks(self, ids: Sequence[str]) -> list[ChunkRecord]:
        if not ids:
            return []
        with self._guard("reading chunks"):
            got = self.chunks.get(ids=list(ids), include=["documents", "metadatas"])
        by_id = {
            i: ChunkRecord(i, d, m)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        }
        return [by_id[i] for i in ids if i in by_id]

    def article_chunks(self, article_id: str) -> list[ChunkRecord]:
        with self._guard("reading chunks"):
            got = self.chunks.get(where={"article_id": article_id},
                                  include=["documents", "metadatas"])
        recs = [ChunkRecord(i, d, m) for i, d, m in
                zip(got["ids"], got["documents"], got["metadatas"], strict=True)]
        return sorted(recs, key=lambda r: r.meta.get("idx", 0))

    def dense(self, embedding: Sequence[float], k: int, where: dict | None,
              ids: Sequence[str] | None = None) -> list[ChunkRecord]:
        """Nearest chunks by cosine similarity (score = 1 - distance), best first; only
        among ``ids`` when given."""
        got = self._nearest(embedding, k, ["documents", "metadatas", "distances"], where, ids)
        if got is None:
            return []
        return [
            ChunkRecord(i, d, m, 1.0 - float(dist))
            for i, d, m, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0],
                                     got["distances"][0], strict=True)
        ]

    def dense_ids(self, embedding: Sequence[float], k: int) -> list[tuple[str, float]]:
        """Nearest chunk ids with cosine similarity, best first, no filter: the cheap form of
        ``dense`` (reading metadata costs ~0.1 ms per result, the ids alone almost nothing)."""
        got = self._nearest(embedding, k, ["distances"])
        if got is None:
            return []
        return [(i, 1.0 - float(d)) for i, d in zip(got["ids"][0], got["distances"][0],
                                                    strict=True)]

    def _nearest(self, embedding: Sequence[float], k: int, include: list[str],
                 where: dict | None = None, ids: Sequence[str] | None = None) -> Any:
        """Chroma's query result for the ``k`` nearest chunks, or None when there are none
        to search (an empty store, or an empty ``ids`` restriction)."""
        if ids is not None and not ids:
            return None
        with self._guard("searching"):
            n = self.chunks.count()
            if n == 0:
                return None
            return self.chunks.query(
                query_embeddings=[list(map(float, embedding))], n_results=min(k, n),
                where=where or None, ids=list(ids) if ids is not None else None,
                include=include)

    # ---- writes (used by ingest.pipeline) ----------------------------------------------
    def begin(self, records: Sequence[tuple[str, dict]]) -> None:
        """Mark articles as being written: (article_id, ledger metadata)."""
        if not records:
            return
        with self._guard("starting a write"):
            self.ledger.upsert(
                ids=[a for a, _ in records],
                metadatas=[{**m, "state": "writing"} for _, m in records],
                embeddings=[[1.0]] * len(records),
                documents=[""] * len(records),
            )

    def delete_chunks_of(self, article_ids: Sequence[str]) -> None:
        with self._guard("deleting old chunks"):
            for lo in range(0, len(article_ids), 200):
                self.chunks.delete(where={"article_id": {"$in": list(article_ids[lo:lo + 200])}})

    def add_chunks(self, ids: list[str], embeddings: Any, texts: list[str],
                   metas: list[dict]) -> None:
        with self._guard("writing chunks"):
            for lo in range(0, len(ids), 2000):
                hi = lo + 2000
                self.chunks.upsert(ids=ids[lo:hi], embeddings=embeddings[lo:hi],
                                   documents=texts[lo:hi], metadatas=metas[lo:hi])

    def commit(self, records: Sequence[tuple[str, dict, str]]) -> None:
        """Mark articles complete: (article_id, ledger metadata, full text)."""
        if not records:
            return
        with self._guard("finishing a write"):
            self.ledger.upsert(
                ids=[a for a, _, _ in records],
                metadatas=[{**m, "state": "ok"} for _, m, _ in records],
                embeddings=[[1.0]] * len(records),
                documents=[t for _, _, t in records],
            )
            self._bump_generation()

    def _bump_generation(self) -> None:
        meta = dict(self.ledger.metadata or {})
        meta["generation"] = f"{time.time():.6f}"
        meta.pop("hnsw:space", None)
        self.ledger.modify(metadata=meta)

    def generation(self) -> str:
        with self._guard("reading the store generation"):
            self._ensure()
            col = self._client.get_collection(f"{self.settings.collection}-articles")
        return str((col.metadata or {}).get("generation", ""))

    def delete_articles(self, article_ids: Sequence[str]) -> list[str]:
        """Delete articles entirely; returns the ids that existed."""
        existing = list(self.article_states(article_ids))
        if existing:
            self.delete_chunks_of(existing)
            self.lexical.delete_articles(existing)
            with self._guard("deleting articles"):
                self.ledger.delete(ids=existing)
                self._bump_generation()
        return existing

    def repair(self) -> int:
        """Remove articles a crash left half-written; returns how many."""
        with self._guard("checking for interrupted writes"):
            got = self.ledger.get(where={"state": "writing"}, include=[])
        broken = list(got["ids"])
        if broken:
            self.delete_chunks_of(broken)
            self.lexical.delete_articles(broken)
            with self._guard("repairing"):
                self.ledger.delete(ids=broken)
                self._bump_generation()  # replicas drop them from their lexical copies
        return len(broken)
