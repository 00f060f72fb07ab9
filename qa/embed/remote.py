"""Embedders that are not ours to run: a llama-index embedding, or an embedding server.

What it does: ``RemoteEmbedder`` wraps a llama-index embedding (sentence-transformers,
OpenAI, Ollama). ``HttpEmbedder`` posts to an embedding server the user runs
(``NEWSQA_EMBED_URL``): a URL whose path ends in ``/embed`` is a Text Embeddings Inference
(TEI) server (``{"inputs": [...], "truncate": true}`` → rows); any other is OpenAI-compatible
(``/v1/embeddings`` is appended to a bare base URL; ``{"model", "input": [...]}`` →
``{"data": [{"index", "embedding"}]}``). Texts go ``batch`` per request; a refused
connection, a timeout, HTTP 429 or 5xx is retried (``retries`` times, backing off 0.5 s,
1 s, 2 s …); anything else, or the last failure, raises ``EmbedderError`` naming the URL and
what to do. Rows are L2-normalised like every other embedder's.

What it does not do: choose a model for the server (``model`` is passed on as given) or cache
vectors.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from qa.embed.onnx import normalised
from qa.errors import EmbedderError

if TYPE_CHECKING:
    import numpy as np

RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


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
        return normalised(arr)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


def endpoint(url: str) -> tuple[str, str]:
    """(the URL to post to, "tei" or "openai") for a ``NEWSQA_EMBED_URL`` value."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EmbedderError(f"NEWSQA_EMBED_URL={url!r} is not an http(s) URL: use e.g. "
                            "http://gpu-box:8080/embed (TEI) or http://gpu-box:8000/v1 "
                            "(OpenAI-compatible)")
    path = parts.path.rstrip("/")
    if path.endswith("/embed"):
        return url.strip().rstrip("/"), "tei"
    if not path.endswith("/embeddings"):
        path += "/embeddings" if path.endswith("/v1") else "/v1/embeddings"
    return parts._replace(path=path).geturl(), "openai"


class HttpEmbedder:
    """An embedding server (TEI or OpenAI-compatible) as an ``Embedder``; batched, retried.
    Its ``name`` (recorded in the store) is ``url:MODEL``, or ``url:`` + the URL when no
    model is named; its ``dim`` is learnt from the first call."""

    def __init__(self, url: str, model: str = "", api_key: str = "", batch: int = 32,
                 timeout: float = 60.0, retries: int = 3) -> None:
        self.url, self.kind = endpoint(url)
        self.model, self.name = model, f"url:{model or self.url}"
        self._key, self._timeout = api_key, timeout
        self._batch, self._retries = max(1, batch), max(0, retries)
        self._dim = 0

    @property
    def dim(self) -> int:
        if not self._dim:
            self.embed(["dimension probe"])
        return self._dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        rows: list[list[float]] = []
        for lo in range(0, len(texts), self._batch):
            rows.extend(self._post(list(texts[lo : lo + self._batch])))
        if not rows:
            return np.zeros((0, self._dim), dtype=np.float32)
        arr = np.asarray(rows, dtype=np.float32)
        self._dim = arr.shape[1]
        return normalised(arr)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def _post(self, texts: list[str]) -> list[list[float]]:
        """One request's rows, in ``texts`` order, retrying what may pass on a retry."""
        if self.kind == "tei":
            body: dict = {"inputs": texts, "truncate": True}
        else:
            body = {"input": texts, **({"model": self.model} if self.model else {})}
        headers = {"Content-Type": "application/json",
                   **({"Authorization": f"Bearer {self._key}"} if self._key else {})}
        req = urllib.request.Request(self.url, data=json.dumps(body).encode(), method="POST",
                                     headers=headers)
        for attempt in range(self._retries + 1):
            try:
                with urllib.request.urlopen(req, timeout=self._timeout) as resp:  # noqa: S310
                    return self._rows(json.loads(resp.read()), len(texts))
            except urllib.error.HTTPError as e:
                reason = f"HTTP {e.code}: {_detail(e)}"
                if e.code not in RETRYABLE:
                    break
            except (OSError, TimeoutError) as e:  # refused, reset, DNS, timeout
                reason = str(getattr(e, "reason", e))
            except (ValueError, KeyError, TypeError, IndexError) as e:
                reason = f"an answer newsqa cannot read ({e})"
                break
            if attempt < self._retries:
                time.sleep(0.5 * 2 ** attempt)
        tries = f" after {attempt + 1} attempts" if attempt else ""
        raise EmbedderError(f"the embedding server at {self.url} failed{tries}: {reason}. "
                            "Is it running and reachable? Check NEWSQA_EMBED_URL, or unset "
                            "it to embed offline (a store keeps the model it was built "
                            "with: another model needs python -m ingest --reembed).")

    def _rows(self, got: Any, n: int) -> list[list[float]]:
        if self.kind == "tei":
            rows = got
        else:
            data = sorted(got["data"], key=lambda d: int(d.get("index", 0)))
            rows = [d["embedding"] for d in data]
        if len(rows) != n or not all(isinstance(r, list) and r for r in rows):
            raise ValueError(f"{len(rows)} vectors for {n} texts")
        return rows


def _detail(e: urllib.error.HTTPError) -> str:
    try:
        text = e.read().decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return (text or e.reason or "")[:200]
