"""Small helpers the tests share: the repository paths, writing a fixture file, a free
loopback port, waiting for an HTTP server to answer, and the settings of a fresh store in
either mode. No fixtures (those stay in tests/conftest.py) and nothing that starts a server
(a server-mode store asks the ``chroma_server`` fixture for its URL)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from qa.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
STORE_MODES = ["embedded", "server"]
_N = iter(range(1_000_000))
EXAMPLES = ROOT / "examples" / "articles"


def write(path: Path, text: str | bytes) -> Path:
    """Write ``text`` (UTF-8) or bytes to ``path``, creating its folders; returns ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen | None = None, timeout: float = 240) -> None:
    """Poll ``url`` until it answers; fail early if ``proc`` (the server) has exited."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)


__all__ = ["EXAMPLES", "ROOT", "free_port", "wait_http", "write"]


def store_settings(mode: str, tmp: Path, request: Any) -> Settings:
    """A fresh empty store: an embedded directory, or a new collection on the test's Chroma
    server (``request`` is the pytest request that can start it)."""
    if mode == "embedded":
        return Settings(store=str(tmp / "store"))
    server = request.getfixturevalue("chroma_server")
    return Settings(chroma_url=server.url, collection=f"t{next(_N)}-{os.getpid()}",
                    lexical_dir=str(tmp / "lexical"))
