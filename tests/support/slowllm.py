"""A fake OpenAI-compatible chat server on 127.0.0.1 whose answers can be made slow on demand,
for the page's Stop tests: ``NEWSQA_LLM=openai`` pointed at it (``settings(base)``) streams
a long answer a word every ``STEP`` seconds when the conversation's last question holds
``SLOW`` ("slowly"), for up to ``LONGEST`` seconds, and stops when the client goes away;
with ``HESITANT`` ("hesitantly") it first sends nothing for ``LONGEST`` seconds, as a local
model still reading a long prompt does; any other question gets ``REPLY`` at once. Real HTTP
and server-sent events, as llama-index's ``OpenAILike`` (the openai client) speaks them; no
model, nothing leaves the machine. Test code, not product code.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from qa.settings import Settings

SLOW = "slowly"
HESITANT = "hesitantly"
STEP = 0.4  # seconds between two words of a slow answer
LONGEST = 120.0  # a slow answer ends after this even when nobody stops it
REPLY = "The Harbor Bridge reopened to traffic on Thursday, May 22 [1]."


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        messages = body.get("messages") or []
        last = next((m for m in reversed(messages) if m.get("role") == "user"), {})
        asked = json.dumps(last.get("content", ""))
        hesitant = HESITANT in asked
        slow = SLOW in asked or hesitant
        self.server.requests.append(slow)
        if not body.get("stream"):
            self._send_json({"id": "x", "object": "chat.completion", "created": 0,
                             "model": "fake", "choices": [{
                                 "index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": REPLY}}],
                             "usage": {"prompt_tokens": 1, "completion_tokens": 1,
                                       "total_tokens": 2}})
            return
        if hesitant:  # nothing at all, not even the response's headers
            self.server.stop.wait(LONGEST)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        try:
            if slow:
                until = time.monotonic() + LONGEST
                n = 0
                while time.monotonic() < until and not self.server.stop.is_set():
                    n += 1
                    self._event({"content": f"word{n} "})
                    time.sleep(STEP)
            else:
                for word in REPLY.split(" "):
                    self._event({"content": word + " "})
            self._event({}, finish="stop")
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.server.dropped += 1  # the client stopped reading: a stopped answer

    def _event(self, delta: dict, finish: str | None = None) -> None:
        chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "fake",
                 "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.flush()

    def _send_json(self, data: Any) -> None:
        raw = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[bool]
    dropped: int
    stop: threading.Event


class SlowLLM:
    """``with SlowLLM() as llm``: the server runs inside the block; ``llm.url`` is its
    OpenAI base URL, ``llm.requests`` says for each chat request whether it was slow,
    ``llm.dropped`` counts slow answers whose reader went away."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.requests, self._server.dropped = [], 0
        self._server.stop = threading.Event()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def requests(self) -> list[bool]:
        return self._server.requests

    @property
    def dropped(self) -> int:
        return self._server.dropped

    def settings(self, base: Settings) -> Settings:
        """``base`` answering with this server."""
        return base.with_(llm="openai", llm_base_url=self.url, llm_model="fake",
                          llm_api_key="test", llm_timeout=60.0)

    def __enter__(self) -> SlowLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop.set()
        self._server.shutdown()
        self._server.server_close()


__all__ = ["HESITANT", "LONGEST", "REPLY", "SLOW", "STEP", "SlowLLM"]
