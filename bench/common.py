"""Shared helpers for the benchmarks: locate ../shared data, flatten RealTime QA articles,
run a phase in a child process and read its wall time and peak memory, describe the machine,
and hand our embedder to the plain llama-index recipe (``llama_index_embedding``).
Benchmarks only; nothing here is imported by the product."""

from __future__ import annotations

import glob
import json
import os
import platform
import re
import subprocess
import sys
import time
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NEWSQA_SHARED", ROOT.parent / "shared"))
RTQA = SHARED / "bench" / "realtimeqa" / "2022"


def gcs_files(weeks: int | None = None) -> list[Path]:
    """Every *_gcs.jsonl file, or only the first ``weeks`` single-week files."""
    files = sorted(Path(p) for p in glob.glob(str(RTQA / "*_gcs.jsonl")))
    if not files:
        sys.exit(f"no RealTime QA data under {RTQA} (set NEWSQA_SHARED)")
    if weeks:
        files = [f for f in files if re.fullmatch(r"\d{8}_gcs\.jsonl", f.name)][:weeks]
    return files


def flatten_articles(limit: int | None = None, weeks: int | None = None) -> list[dict]:
    """All search-result articles of every week, one per URL (first seen), in file order."""
    seen: set[str] = set()
    out: list[dict] = []
    for f in gcs_files(weeks):
        for line in f.open(encoding="utf-8"):
            row = json.loads(line)
            for r in row.get("search_result") or []:
                url = r.get("url") or ""
                if not url or url in seen or not (r.get("text") or "").strip():
                    continue
                seen.add(url)
                out.append({"url": url, "title": r.get("title") or "",
                            "text": r.get("text") or "", "authors": r.get("authors") or [],
                            "publish_date": r.get("publish_date") or ""})
                if limit and len(out) >= limit:
                    return out
    return out


def write_jsonl(rows: list[dict], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    return path


def run_child(args: list[str], env: dict | None = None) -> tuple[float, int, str]:
    """Run a child process; returns (wall seconds, its own peak RSS in MiB, stdout)."""
    import threading

    t = time.perf_counter()
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         cwd=ROOT, env={**os.environ, **(env or {})})
    bufs: dict[str, str] = {}
    readers = [threading.Thread(target=lambda n=n, f=f: bufs.__setitem__(n, f.read()))
               for n, f in (("out", p.stdout), ("err", p.stderr))]
    for r in readers:
        r.start()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    for r in readers:
        r.join()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed ({p.returncode}):\n{bufs['err'][-3000:]}")
    return wall, usage.ru_maxrss // 1024, bufs["out"]


def machine() -> str:
    import chromadb
    import llama_index.core
    import onnxruntime

    return (f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
            f"chromadb {chromadb.__version__}, llama-index-core {llama_index.core.__version__}, "
            f"onnxruntime {onnxruntime.__version__}")


def llama_index_embedding(embedder: Any, batch_size: int = 32) -> Any:
    """A llama-index ``BaseEmbedding`` over any ``qa.embed.Embedder``, for the recipe
    (``VectorStoreIndex(embed_model=...)``); ``batch_size`` texts per call, as our own."""
    return _llama_index_embedding_class()(embedder, embed_batch_size=max(1, batch_size))


@cache
def _llama_index_embedding_class() -> type:
    from llama_index.core.embeddings import BaseEmbedding
    from pydantic import PrivateAttr

    class LlamaIndexEmbedding(BaseEmbedding):
        """Our ``Embedder`` seen by llama-index: lists of floats in, nothing else changed."""

        _inner: Any = PrivateAttr(default=None)

        def __init__(self, inner: Any, **kw: Any) -> None:
            super().__init__(model_name=inner.name, **kw)
            self._inner = inner

        @classmethod
        def class_name(cls) -> str:
            return "NewsqaEmbedding"

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._inner.embed_query(query).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._inner.embed([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._inner.embed(texts).tolist()

    return LlamaIndexEmbedding
