"""Settings: every ``NEWSQA_*`` environment variable, read once at the edge, validated.

``Settings.from_env()`` is called by the CLIs, the web app and (when a script passes no
settings) ``qa.ask``; the object is then passed down explicitly. Fields are declared in
groups (store, ingestion, models, answers, web) with their range or choices; a bad value is
a one-line ``ConfigError`` naming the variable and what it accepts. The README's
configuration table lists the same variables with the same defaults (a test keeps them
equal). Which embedder or LLM a name means is checked where they load (``qa.embed``,
``qa.llm``), not here.
"""

from __future__ import annotations

import os
from dataclasses import Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from qa.errors import ConfigError

GROUPS = ("store", "ingestion", "models", "answers", "web")


def _opt(default: Any, group: str, lo: float | None = None, hi: float | None = None,
         below_ok: float | None = None) -> Any:
    """A field with its group and its valid range [lo, hi] (``below_ok``: a sentinel that is
    also allowed, like -1 for "the calibrated default")."""
    return field(default=default, metadata={"group": group, "lo": lo, "hi": hi,
                                            "sentinel": below_ok})


def _default_store() -> str:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "newsqa" / "store")


@dataclass(frozen=True)
class Settings:
    """All configuration. Field ``x`` is read from ``NEWSQA_X``."""

    # -- store: where the articles live
    store: str = _opt("", "store")  # embedded Chroma directory; default under XDG_DATA_HOME
    chroma_url: str = _opt("", "store")  # e.g. http://127.0.0.1:8000: a Chroma server
    collection: str = _opt("news", "store")
    lexical_dir: str = _opt("", "store")  # the BM25 index; default: inside the store dir
    # -- ingestion: reading and chunking
    chunk_tokens: int = _opt(200, "ingestion", 32, 8192)
    chunk_overlap: int = _opt(30, "ingestion", 0, 4096)
    max_bytes: int = _opt(20_000_000, "ingestion", 1_000, None)  # per file or page
    http_timeout: float = _opt(20.0, "ingestion", 0.1, 3600)
    allow_private_urls: bool = _opt(False, "ingestion")  # fetch loopback/private addresses
    url_allowlist: str = _opt("", "ingestion")  # hosts or networks fetched even if private
    # -- models: embedder and LLM
    embedder: str = _opt("bge-small", "models")  # see qa.embed for the names
    embed_batch: int = _opt(0, "models", 0, 4096)  # 0 = 8 offline (measured), 64 per request
    embed_threads: int = _opt(0, "models", 0, 1024)  # 0 = all cores
    embed_url: str = _opt("", "models")  # an embedding server (TEI /embed or OpenAI /v1)
    embed_model: str = _opt("", "models")  # the model name sent to it and recorded
    embed_api_key: str = _opt("", "models")
    rerank: str = _opt("cross-encoder", "models")  # cross-encoder | off
    llm: str = _opt("extractive", "models")  # extractive | openai | ollama | gguf:PATH
    llm_model: str = _opt("", "models")
    llm_base_url: str = _opt("", "models")
    llm_api_key: str = _opt("", "models")
    llm_timeout: float = _opt(120.0, "models", 0.1, 86_400)
    llm_threads: int = _opt(0, "models", 0, 1024)  # in-process GGUF; 0 = half the cores
    # -- answers
    k: int = _opt(6, "answers", 1, 100)  # passages given to the answerer
    prefer_recent: float = _opt(30.0, "answers", 0, 36_500)  # half-life in days; 0 = off
    refuse_below: float = _opt(-1.0, "answers", 0, 1, below_ok=-1.0)  # -1 = calibrated
    # -- web: the page
    auth: str = _opt("", "web")  # "user:password" or a file of such lines
    writers: str = _opt("", "web")  # users who may add articles (default: every user)
    read_only: bool = _opt(False, "web")  # nobody adds articles from the page or /add
    upload_dir: str = _opt("", "web")  # default: a temp dir

    def __post_init__(self) -> None:
        for f in fields(self):
            _check(f, getattr(self, f.name))
        if self.chunk_overlap * 2 > self.chunk_tokens:
            raise ConfigError(f"NEWSQA_CHUNK_OVERLAP={self.chunk_overlap} must be at most half "
                              f"of NEWSQA_CHUNK_TOKENS={self.chunk_tokens}.")
        for name in ("chroma_url", "llm_base_url", "embed_url"):
            url = getattr(self, name)
            if url and not url.startswith(("http://", "https://")):
                raise ConfigError(f"NEWSQA_{name.upper()}={url!r} must be an http:// or "
                                  "https:// URL.")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from ``NEWSQA_*`` variables (``env`` defaults to os.environ)."""
        env = dict(os.environ if env is None else env)
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(variable(f.name))
            if raw is None or raw == "":
                continue
            kind = type(f.default)
            if kind is bool:
                values[f.name] = _flag(variable(f.name), raw)
                continue
            try:
                values[f.name] = kind(raw.strip()) if kind is not str else raw
            except ValueError:
                what = "whole number" if kind is int else "number"
                raise ConfigError(f"{variable(f.name)}={raw!r} is not a {what}.") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def store_dir(self) -> str:
        """The embedded store directory (used when no Chroma server is configured)."""
        return self.store or _default_store()

    @property
    def where(self) -> str:
        """Where the articles live, for humans: a directory or a server URL."""
        return self.chroma_url or self.store_dir

    @classmethod
    def groups(cls) -> dict[str, list[str]]:
        """Field names by group, in declaration order."""
        out: dict[str, list[str]] = {g: [] for g in GROUPS}
        for f in fields(cls):
            out[f.metadata["group"]].append(f.name)
        return out


def variable(name: str) -> str:
    """The environment variable of a field: ``k`` -> ``NEWSQA_K``."""
    return "NEWSQA_" + name.upper()


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _flag(name: str, raw: str) -> bool:
    """A yes/no variable: 1/true/yes/on or 0/false/no/off."""
    v = raw.strip().lower()
    if v in _TRUE or v in _FALSE:
        return v in _TRUE
    raise ConfigError(f"{name}={raw!r} is not a yes/no value: use 1 or 0 (true/false).")


def _check(f: Field, value: Any) -> None:
    meta = f.metadata
    if isinstance(f.default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{variable(f.name)} must be true or false, not {value!r}.")
        return
    if isinstance(f.default, str):
        if not isinstance(value, str):
            raise ConfigError(f"{variable(f.name)} must be text, not {value!r}.")
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{variable(f.name)}={value!r} is not a number.")
    if meta.get("sentinel") is not None and value == meta["sentinel"]:
        return
    lo, hi = meta.get("lo"), meta.get("hi")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        span = f"from {lo:g}" + (f" to {hi:g}" if hi is not None else " up")
        extra = f" (or {meta['sentinel']:g})" if meta.get("sentinel") is not None else ""
        raise ConfigError(f"{variable(f.name)}={value!r} is out of range: use a value "
                          f"{span}{extra}.")
