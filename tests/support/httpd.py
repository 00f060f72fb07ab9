"""A real HTTP server on 127.0.0.1 (or another loopback address) for the fetch/read tests.

``LocalServer`` wraps ``http.server.ThreadingHTTPServer`` on an ephemeral port. Routes map
a path to a fixed response or to a handler function (slow drips, endless bodies, redirect
loops). Test modules start it in a module-scoped fixture with ``with LocalServer() as s``;
leaving the block stops the server and tells streaming handlers to finish. Import it
explicitly (``from tests.support.httpd import LocalServer``); it defines no fixtures.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Handler = Callable[["_Handler"], None]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.server.hits.append(self.path)
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404, "Not Found")
            return
        if callable(route):
            try:
                route(self)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up, as the tests intend
            return
        status, headers, body = route
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    @property
    def stopping(self) -> bool:
        return self.server.stop.is_set()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    routes: dict[str, tuple[int, dict[str, str], bytes] | Handler]
    hits: list[str]
    stop: threading.Event


class _Server6(_Server):
    address_family = socket.AF_INET6


class LocalServer:
    """``with LocalServer() as s: s.add("/a", b"...", "text/html"); s.url("/a")``.

    ``host`` and ``port`` choose where it listens (default 127.0.0.1 on a free port; e.g.
    ``LocalServer("127.0.0.2", other.port)`` or ``LocalServer("::1")``).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        server = _Server6 if ":" in host else _Server
        self.httpd = server((host, port), _Handler)
        self.httpd.routes = {}
        self.httpd.hits = []
        self.httpd.stop = threading.Event()
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)

    @property
    def hits(self) -> list[str]:
        return self.httpd.hits

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def url(self, path: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    def add(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8",
            status: int = 200, headers: dict[str, str] | None = None) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.httpd.routes[path] = (status, {"Content-Type": content_type, **(headers or {})},
                                   data)
        return self.url(path)

    def add_handler(self, path: str, handler: Handler) -> str:
        self.httpd.routes[path] = handler
        return self.url(path)


def reply_json(h: BaseHTTPRequestHandler, body: object, status: int = 200) -> None:
    """Answer ``h``'s request with ``body`` as JSON (for the model-server stand-ins: an
    embedding server, a reranker, an LLM's error page)."""
    data = json.dumps(body).encode()
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(data)))
    h.end_headers()
    h.wfile.write(data)


# --- streaming handlers ------------------------------------------------------------------

def slow_body(h: _Handler) -> None:
    """Headers at once, then one byte every 0.2 s for up to a minute."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.end_headers()
    h.wfile.flush()
    for _ in range(300):
        if h.stopping:
            return
        h.wfile.write(b"x")
        h.wfile.flush()
        time.sleep(0.2)


def slow_headers(h: _Handler) -> None:
    """A status line, then header bytes dripped one every 0.2 s for up to a minute."""
    h.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    h.wfile.flush()
    for _ in range(300):
        if h.stopping:
            return
        h.wfile.write(b"a")
        h.wfile.flush()
        time.sleep(0.2)


def endless_body(h: _Handler) -> None:
    """No Content-Length; 64 kB chunks until the client hangs up (at most 200 MB)."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Connection", "close")
    h.end_headers()
    chunk = b"<p>" + b"a" * 65_000 + b"</p>"
    for _ in range(3000):
        if h.stopping:
            return
        h.wfile.write(chunk)


def declared_huge(h: _Handler) -> None:
    """Claims a 1 GB body in Content-Length, sends a little, then waits."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(1_000_000_000))
    h.end_headers()
    h.wfile.write(b"<p>start</p>")
    h.wfile.flush()
    for _ in range(50):
        if h.stopping:
            return
        time.sleep(0.1)


def redirect_to(target: str, status: int = 302) -> Handler:
    def handler(h: _Handler) -> None:
        h.send_response(status)
        h.send_header("Location", target)
        h.send_header("Content-Length", "0")
        h.end_headers()
    return handler
