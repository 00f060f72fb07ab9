"""The public functions ``ask``, ``ask_stream``, ``retrieve``, ``collection_stats``: each
uses the default ``QA`` instance for its ``Settings`` (one per process and settings, so the
store opens once). Scripts may omit settings: then ``Settings.from_env()`` is read once, here
at the edge. Loose filter arguments become one ``Filters`` value here.

This is the one place where models are shared: ``MODELS`` (a ``Models`` pool) keeps one
embedder, reranker and LLM per model-relevant settings, loaded on first use, and every default
``QA`` takes its models from it, so two stores with the same models load them once. The
constructors behind it (``qa.embed.make_embedder``, ``qa.search.rerank.make_reranker``,
``qa.llm.make_llm``) cache nothing. ``reset()`` closes and forgets the default instances and
the pooled models (tests). A ``QA`` built by hand owns its own models.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from qa.dates import DateLike
from qa.search.filters import Filters
from qa.service import QA
from qa.settings import Settings
from qa.types import Answer, Citation, Response

Names = Sequence[str] | str | None

# the settings each model is built from: equal values, the same model
_KEY_FIELDS = {
    "embedder": ("embedder", "embed_batch", "embed_threads", "embed_url", "embed_model",
                 "embed_api_key", "llm_timeout"),
    "reranker": ("rerank", "embed_threads"),
    "llm": ("llm", "llm_model", "llm_base_url", "llm_api_key", "llm_timeout", "llm_threads"),
}
_REMOTE_EMBEDDER_FIELDS = ("llm_base_url", "llm_api_key")  # "kind:model" embedders use them


def _key(kind: str, settings: Settings) -> tuple:
    names = _KEY_FIELDS[kind]
    if kind == "embedder" and ":" in settings.embedder:
        names += _REMOTE_EMBEDDER_FIELDS
    if kind == "llm" and settings.llm.strip().lower() in ("", "extractive"):
        return ("llm", "extractive")
    return (kind, *(getattr(settings, n) for n in names))


class Models:
    """Loaded models shared by key: one embedder, reranker or LLM (None for extractive
    answers, or with ``NEWSQA_RERANK=off``) per model-relevant settings. Each model loads
    once, under its own lock, so loading one never blocks using another."""

    def __init__(self) -> None:
        self._loaded: dict[tuple, Any] = {}
        self._locks: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()

    def embedder(self, settings: Settings) -> Any:
        """The shared embedder ``settings`` names (``qa.embed.Embedder``)."""
        return self._get("embedder", settings)

    def reranker(self, settings: Settings) -> Any:
        """The shared cross-encoder, or None when ``settings.rerank`` is off."""
        return self._get("reranker", settings)

    def llm(self, settings: Settings) -> Any:
        """The shared chat LLM (``qa.llm.ChatLLM``), or None for extractive answers."""
        return self._get("llm", settings)

    def clear(self) -> None:
        """Forget every model (a model with a ``close()`` is closed)."""
        with self._lock:
            loaded, self._loaded = list(self._loaded.values()), {}
            self._locks.clear()
        for model in loaded:
            close = getattr(model, "close", None)
            if callable(close):
                close()

    def _get(self, kind: str, settings: Settings) -> Any:
        key = _key(kind, settings)
        with self._lock:
            if key in self._loaded:
                return self._loaded[key]
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # one load per key; other keys load meanwhile
            with self._lock:
                if key in self._loaded:
                    return self._loaded[key]
            # a fresh QA's properties are the loaders (make_embedder, make_reranker,
            # make_llm); it opens no store
            model = getattr(QA(settings), kind)
            with self._lock:
                self._loaded[key] = model
            return model


class _PooledQA(QA):
    """A default ``QA``: the store is its own; its models come from a ``Models`` pool."""

    def __init__(self, settings: Settings, models: Models) -> None:
        super().__init__(settings)
        self.models = models

    @property
    def embedder(self) -> Any:
        return self.models.embedder(self.settings)

    @property
    def reranker(self) -> Any:
        return self.models.reranker(self.settings)

    @property
    def llm(self) -> Any:
        return self.models.llm(self.settings)


MODELS = Models()
_DEFAULTS: dict[Settings, QA] = {}
_DEFAULTS_LOCK = threading.Lock()


def default(settings: Settings | None = None) -> QA:
    """The shared ``QA`` for these settings (``Settings.from_env()`` when None); its models
    come from ``MODELS``."""
    settings = settings or Settings.from_env()
    with _DEFAULTS_LOCK:
        qa = _DEFAULTS.get(settings)
        if qa is None:
            qa = _DEFAULTS[settings] = _PooledQA(settings, MODELS)
        return qa


def reset() -> None:
    """Close and forget every default ``QA`` and every pooled model (for tests; in-process
    GGUF models stay loaded until ``qa.llm.unload_local_models()``)."""
    with _DEFAULTS_LOCK:
        instances = list(_DEFAULTS.values())
        _DEFAULTS.clear()
    for qa in instances:
        qa.close()
    MODELS.clear()


def retrieve(question: str, k: int = 10, since: DateLike = None, until: DateLike = None,
             sources: Names = None, as_of: DateLike = None, *, article_ids: Names = None,
             exclude_ids: Names = None, settings: Settings | None = None) -> list[Citation]:
    """Ranked passages for ``question`` (best first, numbered 1..k)."""
    f = Filters.of(since, until, sources, as_of, article_ids, exclude_ids)
    return default(settings).retrieve(question, k, f)


def ask(question: str, history: Sequence[Any] | None = None, k: int | None = None,
        since: DateLike = None, until: DateLike = None, sources: Names = None,
        as_of: DateLike = None, *, article_ids: Names = None, exclude_ids: Names = None,
        settings: Settings | None = None, llm: Any = None) -> Answer:
    """Answer ``question`` from the stored articles, with checked citations."""
    f = Filters.of(since, until, sources, as_of, article_ids, exclude_ids)
    return default(settings).ask(question, history, k, f, llm)


def ask_stream(question: str, history: Sequence[Any] | None = None, k: int | None = None,
               since: DateLike = None, until: DateLike = None, sources: Names = None,
               as_of: DateLike = None, *, article_ids: Names = None,
               exclude_ids: Names = None, settings: Settings | None = None,
               llm: Any = None) -> Response:
    """Like ``ask``, streamed: iterate the ``Response`` for text, then read ``.answer``."""
    f = Filters.of(since, until, sources, as_of, article_ids, exclude_ids)
    return default(settings).ask_stream(question, history, k, f, llm)


def collection_stats(settings: Settings | None = None) -> dict:
    """The collection at a glance: articles, chunks, sources, newest article, where."""
    return default(settings).stats()


__all__ = ["MODELS", "Models", "ask", "ask_stream", "collection_stats", "default", "reset",
           "retrieve"]
