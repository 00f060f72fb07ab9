"""Which embedding model a store's vectors come from, and where each model's chunks live.

``ModelInfo`` is a model's identity as a store records it on its chunk collection (name,
dimension, and the ``NEWSQA_EMBEDDER`` value that selects it when known). A store has one
*active* chunk collection: ``<collection>`` for stores built before re-embedding existed,
or ``chunks_name(collection, model)`` after ``python -m ingest --reembed``; the ledger's
metadata names it (``ACTIVE``; absent means ``<collection>``) and, during re-embedding's
short final stage, the collection it is switching to (``SWITCHING``). The one-line messages
for a store built with another model are written here, naming both models and the way out.

No Chroma calls here (``qa.store.connection`` reads and writes these records), and no model
loading (``qa.embed`` knows the models; ``ingest`` passes their settings in).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

# ledger metadata keys: the active chunk collection, the one a re-embedding is switching to,
# and the generation before that switch when it was the last change (``qa.store.migrate``)
ACTIVE, SWITCHING, REEMBEDDED_FROM = "chunks", "switching", "reembedded_from"
REEMBED_CMD = "python -m ingest --reembed"
REBUILD_CMD = "python -m ingest --rebuild-vectors"
# how Chroma 1.5.9 words a collection it can no longer read (a kill while it saved the
# vector index, then a deletion replayed onto the files): REBUILD_CMD's case
UNREPLAYABLE = "apply logs"
# the NEWSQA_EMBEDDER value of models recorded before stores kept it (``embed_setting``);
# frozen history: newer stores record the value themselves (tests/test_reembed checks it)
_RECORDED_BEFORE = {"all-MiniLM-L6-v2-int8-onnx": "minilm-onnx",
                    "bge-small-en-v1.5-int8-onnx": "bge-small"}


@dataclass(frozen=True)
class ModelInfo:
    """The identity of an embedding model, as recorded on a store: name and dimension
    (two models are the same when both agree), plus the ``NEWSQA_EMBEDDER`` value that
    selects it (``setting``, "" when unknown; not part of the identity)."""

    name: str
    dim: int
    setting: str = field(default="", compare=False)

    @classmethod
    def of(cls, model: Any) -> ModelInfo:
        """The identity of ``model`` (anything with ``.name`` and ``.dim``, e.g. an embedder)."""
        return model if isinstance(model, ModelInfo) else cls(str(model.name), int(model.dim))

    def collection_meta(self) -> dict:
        """Metadata of the chunk collection that records this model."""
        meta = {"embed_model": self.name, "embed_dim": int(self.dim), "newsqa": 1}
        return {**meta, "embed_setting": self.setting} if self.setting else meta

    @classmethod
    def from_collection_meta(cls, meta: dict | None) -> ModelInfo | None:
        meta = meta or {}
        if not meta.get("embed_model"):
            return None
        return cls(str(meta["embed_model"]), int(meta.get("embed_dim", 0) or 0),
                   str(meta.get("embed_setting", "") or ""))

    @property
    def selector(self) -> str:
        """The ``NEWSQA_EMBEDDER`` value that selects this model, or "" when unknown."""
        if self.setting:
            return self.setting
        if self.name in _RECORDED_BEFORE:
            return _RECORDED_BEFORE[self.name]
        return self.name if ":" in self.name else ""  # remote specs are their own value

    def __str__(self) -> str:
        return f"{self.name} ({self.dim}-d)" if self.dim else self.name


@dataclass(frozen=True)
class LedgerState:
    """What the ledger's metadata says about the whole store."""

    generation: str  # changes with every write, delete, repair or re-embedding switch
    active: str  # the active chunk collection
    switching: str = ""  # re-embedding's final stage: the collection it switches to
    reembedded_from: str = ""  # set when a re-embedding switch made ``generation``

    @classmethod
    def of(cls, collection: str, meta: dict) -> LedgerState:
        return cls(str(meta.get("generation", "")), str(meta.get(ACTIVE) or collection),
                   str(meta.get(SWITCHING, "") or ""), str(meta.get(REEMBEDDED_FROM, "") or ""))


def ledger_name(collection: str) -> str:
    """The article ledger collection of a store."""
    return f"{collection}-articles"


def chunks_name(collection: str, model: ModelInfo) -> str:
    """The chunk collection that re-embedding builds for ``model`` (a valid Chroma name)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", model.name).strip("-._") or "model"
    if slug != model.name or len(slug) > 120:  # keep distinct names distinct
        slug = f"{slug[:120]}-{hashlib.sha1(model.name.encode()).hexdigest()[:8]}"
    return f"{collection}-chunks-{slug}"


def is_chunk_collection(collection: str, name: str, meta: dict | None) -> bool:
    """Whether the Chroma collection ``name`` (with ``meta``) is a chunk collection of the
    store ``collection``: the original one, or one re-embedding built (exact name check)."""
    if name == collection:
        return True
    model = ModelInfo.from_collection_meta(meta)
    return model is not None and name == chunks_name(collection, model)


def _way_back(old: ModelInfo | None) -> str:
    """How to keep using the store as it is: select the model it was built with."""
    value = old.selector if old else ""
    if value:
        return f"set NEWSQA_EMBEDDER={value}"
    return f"configure the embedder that made {old.name}" if old else \
        "configure the model it was built with"


def mismatch_message(where: str, built: ModelInfo | None, configured: ModelInfo) -> str:
    """A store built with ``built`` opened with ``configured``: both models and the ways out."""
    if built is None:
        return (f"The store at {where} records no embedding model, but {configured} is "
                f"configured. Re-embed it with `{REEMBED_CMD}`.")
    return (f"The store at {where} was built with {built}, but {configured} is configured. "
            f"Re-embed it with `{REEMBED_CMD}` (keeps every article; no re-reading of "
            f"sources), or {_way_back(built)} to use it as it is.")


def in_progress_message(where: str, built: ModelInfo | None, target: ModelInfo,
                        done: int, total: int) -> str:
    """A store being re-embedded for ``target`` (the configured model), not yet switched."""
    return (f"The store at {where} is being re-embedded for {target.name}: {done} of "
            f"{total} articles done; run `{REEMBED_CMD}` to finish, or "
            f"{_way_back(built)} meanwhile.")


def mismatch_in(settings: Any, built: ModelInfo | None, configured: ModelInfo,
                cols: dict[str, dict]) -> str:
    """The message for a store built with ``built`` opened for ``configured``: says how far
    a re-embedding for the configured model has got when one is under way."""
    meta = cols.get(chunks_name(settings.collection, configured))
    if meta is not None and ModelInfo.from_collection_meta(meta) == configured:
        return in_progress_message(settings.where, built, configured,
                                   int(meta.get("done", 0) or 0),
                                   int(meta.get("total", 0) or 0))
    return mismatch_message(settings.where, built, configured)
