"""Settings: every ``NEWSQA_*`` environment variable, read once at the edge.

``Settings.from_env()`` is called by the CLIs and the web app; the object is then passed
down explicitly. Library code never reads the environment itself. The README's
configuration table lists the same variables with the same defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

from qa.errors import ConfigError


def _default_store() -> str:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "newsqa" / "store")


@dataclass(frozen=True)
class Settings:
    """All configuration. Field ``x`` is read from ``NEWSQA_X``."""

    store: str = ""  # embedded Chroma directory; default under XDG_DATA_HOME
    chroma_url: str = ""  # e.g. http://127.0.0.1:8000 -> use a Chroma server instead
    collection: str = "news"
    lexical_dir: str = ""  # where the BM25 index lives; default: inside the store dir
    embedder: str = "minilm-onnx"  # minilm-onnx | sentence-transformers:NAME | openai:NAME
    #                                | ollama:NAME
    embed_batch: int = 32
    embed_threads: int = 0  # 0 = all cores
    chunk_tokens: int = 200
    chunk_overlap: int = 30
    max_bytes: int = 20_000_000  # size cap per input file or downloaded page
    http_timeout: float = 20.0
    llm: str = "extractive"  # extractive | openai | ollama | gguf:/path/model.gguf
    llm_model: str = ""
    llm_base_url: str = ""
    llm_api_key: str = ""
    llm_timeout: float = 120.0
    llm_threads: int = 0  # in-process GGUF: CPU threads; 0 = half the cores (room for the app)
    k: int = 6  # passages given to the answerer
    prefer_recent: float = 30.0  # days: half-life of the default preference for newer
    #                              articles when a question names no dates; 0 = off
    refuse_below: float = -1.0  # <0 = calibrated default (see qa.answer)
    auth: str = ""  # web app login "user:password" or a path to a file of such lines
    upload_dir: str = ""  # where the web app keeps uploads; default: a temp dir
    max_upload_mb: int = 50

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from ``NEWSQA_*`` variables (``env`` defaults to os.environ)."""
        env = dict(os.environ if env is None else env)
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get("NEWSQA_" + f.name.upper())
            if raw is None or raw == "":
                continue
            kind = type(f.default)
            try:
                values[f.name] = kind(raw) if kind is not str else raw
            except ValueError:
                raise ConfigError(
                    f"NEWSQA_{f.name.upper()}={raw!r} is not a valid {kind.__name__}"
                ) from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def store_dir(self) -> str:
        """The embedded store directory (used when no Chroma server is configured)."""
        return self.store or _default_store()

    @property
    def where(self) -> str:
        """Where the articles live, for humans: a directory or a server URL."""
        return self.chroma_url or self.store_dir
