"""The vector index after an interrupted write: find chunks dense search cannot reach, re-add.

Chroma 1.5.9's embedded vector index (HNSW) is not crash-safe: a process killed while Chroma
checkpoints the index to disk can leave files a step ahead of the log position Chroma
recorded, and replaying the log then re-applies operations to nodes that already hold them.
The chunk stays in Chroma's records (``get`` returns it, BM25 finds it) but a query with its
own vector never returns it (Chroma issue #7758; fixed upstream after 1.5.9, not released).

So every write of chunk vectors in an embedded store runs inside ``writing(settings)``: a
marker file exists for the duration and is removed when the write returns. A marker found
by the next writer means a writer died in the middle; ``relink`` then asks the index for
every chunk's own vector (batched queries, ~1 ms a chunk here) and re-adds the chunks it
cannot reach (delete, then add with the same id, text, metadata and vector: a new graph
node, linked from a search of the healthy graph), up to three rounds. A Chroma server keeps
its own index: no marker there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qa.settings import Settings
from qa.store.connection import Connection

PAGE = 500  # chunks read and queried per round trip
NEAREST = 5  # a chunk counts as reachable if it is among its own vector's 5 nearest ...
TWIN = 1e-3  # ... or they are all its twins (cosine distance below this: the same text)


def _lost(col: Any, ids: list[str], vectors: Any, total: int) -> list[str]:
    """Those of ``ids`` that a query with their own vector does not reach."""
    got = col.query(query_embeddings=[list(map(float, v)) for v in vectors],
                    n_results=min(NEAREST, total), include=["distances"])
    return [i for i, near, dist in zip(ids, got["ids"], got["distances"], strict=True)
            if i not in near and not (len(dist) == NEAREST and dist[-1] < TWIN)]


def marker(settings: Settings) -> Path | None:
    """The interrupted-write marker of an embedded store (None for a Chroma server)."""
    if settings.chroma_url:
        return None
    return Path(settings.store_dir) / f"{settings.collection}.vectors-writing"


@contextmanager
def writing(settings: Settings) -> Iterator[None]:
    """Mark the store as having a vector write under way; unmarked when it returns. An
    exception leaves the mark (the write stopped part-way: the next writer checks), and so
    does a write that finds a mark already there (only ``relink``'s check clears it)."""
    path = marker(settings)
    if path is None or path.exists():
        yield
        return
    path.touch()
    yield
    path.unlink(missing_ok=True)


def interrupted(settings: Settings) -> bool:
    """True if a vector write of this store did not return (killed, or failed)."""
    path = marker(settings)
    return path is not None and path.exists()


def unreachable(conn: Connection, on_page: Callable[[int, int], None] | None = None
                ) -> list[str]:
    """Ids of chunks in the active collection that a query with their own vector does not
    return among the ``NEAREST``; ``on_page(done, total)`` after each page."""
    col = conn.chunks
    total = col.count()
    missing: list[str] = []
    for offset in range(0, total, PAGE):
        got = col.get(limit=PAGE, offset=offset, include=["embeddings"])
        ids, vecs = list(got["ids"]), got["embeddings"]
        if not ids:
            break
        missing += _lost(col, ids, vecs, total)
        if on_page is not None:
            on_page(min(offset + len(ids), total), total)
    return missing


def readd(col: Any, ids: list[str]) -> None:
    """Delete and add again ``ids`` with everything collection ``col`` holds for them."""
    for lo in range(0, len(ids), PAGE):
        got = col.get(ids=ids[lo : lo + PAGE],
                      include=["embeddings", "documents", "metadatas"])
        if not got["ids"]:
            continue
        col.delete(ids=list(got["ids"]))
        col.add(ids=list(got["ids"]), embeddings=got["embeddings"],
                documents=got["documents"], metadatas=got["metadatas"])


def check(col: Any, ids: list[str]) -> int:
    """Re-add those of ``ids`` (chunks written in this run) that a query with their own
    vector does not reach: a node the graph failed to link, or one a later insertion
    pruned away (rare: the archive's first build had one in 58,102), in at most three
    rounds; returns how many were re-added."""
    total, fixed = col.count(), set()
    for _ in range(3):  # a node re-added into a crowd of near-copies may miss again
        lost: list[str] = []
        for lo in range(0, len(ids), PAGE):
            got = col.get(ids=ids[lo : lo + PAGE], include=["embeddings"])
            lost += _lost(col, list(got["ids"]), got["embeddings"], total)
        if not lost:
            break
        readd(col, lost)
        fixed.update(lost)
        ids = lost
    return len(fixed)


def relink(conn: Connection, settings: Settings,
           on_page: Callable[[int, int], None] | None = None, every: bool = False) -> int:
    """After an interrupted write (the marker), or ``every`` time: re-add the chunks dense
    search cannot reach until it reaches all (at most three rounds); returns how many were
    re-added. The marker goes once the index checks out."""
    if not (every or interrupted(settings)):
        return 0
    fixed: set[str] = set()
    for _ in range(3):  # (killed in here, the mark stays: the next writer checks again)
        with conn.guard("checking the vector index after an interrupted run"):
            lost = unreachable(conn, on_page)
            if not lost:
                break
            readd(conn.chunks, lost)
        fixed.update(lost)
        on_page = None  # the progress callback reports the first full pass only
    path = marker(settings)
    if path is not None:
        path.unlink(missing_ok=True)
    return len(fixed)
