"""An embedding server the user runs (NEWSQA_EMBED_URL): TEI and OpenAI-compatible answers,
batches of NEWSQA_EMBED_BATCH, retries of what may pass, a one-line error that says what to
do, and a whole ingest-then-ask round trip through it.

The server is real (http.server on a free port) and serves real vectors: the offline model's
own, one request at a time, so what arrives through HTTP can be compared exactly."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from ingest import ingest
from qa import ask
from qa.embed import HttpEmbedder, make_embedder
from qa.errors import EmbedderError, ModelMismatchError
from qa.settings import Settings
from qa.store import Store
from tests.support.helpers import EXAMPLES, free_port
from tests.support.httpd import reply_json


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    model = None
    requests: list[tuple[str, int]]  # (path, texts in it)
    fail_next: list[int]  # status codes to answer with before answering properly


class _Embed(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        texts = body["inputs"] if self.path == "/embed" else body["input"]
        self.server.requests.append((self.path, len(texts)))
        if self.server.fail_next:
            code = self.server.fail_next.pop(0)
            reply_json(self, {"error": f"model overloaded ({code})"}, code)
            return
        rows = self.server.model.embed(texts).tolist()
        if self.path == "/embed":  # TEI
            reply_json(self, rows)
        else:  # OpenAI-compatible, in reverse order: the index decides
            reply_json(self, {"model": body.get("model", ""), "data": [
                {"index": i, "embedding": r} for i, r in reversed(list(enumerate(rows)))]})

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(embedder) -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Embed)
    httpd.model, httpd.requests, httpd.fail_next = embedder, [], []
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _url(server: _Server, path: str) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


TEXTS = [f"Harbor Bridge update number {i}: the crossing reopens on May {i + 1}."
         for i in range(7)]


@pytest.mark.parametrize("path, posted", [("/embed", "/embed"),  # TEI
                                          ("/v1", "/v1/embeddings"),  # OpenAI base URL
                                          ("", "/v1/embeddings")])
def test_vectors_come_from_the_server_in_batches_and_in_order(server, embedder, path, posted):
    server.requests.clear()
    emb = make_embedder(Settings(embed_url=_url(server, path), embed_batch=3))
    assert isinstance(emb, HttpEmbedder)
    got = emb.embed(TEXTS)
    assert server.requests == [(posted, 3), (posted, 3), (posted, 1)]
    want = np.vstack([embedder.embed(TEXTS[i : i + 3]) for i in (0, 3, 6)])
    assert got.shape == (7, embedder.dim)
    assert np.allclose(got, want, atol=1e-6)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_a_busy_server_is_retried_and_a_bad_request_is_not(server):
    emb = make_embedder(Settings(embed_url=_url(server, "/embed")))
    server.requests.clear()
    server.fail_next[:] = [503, 429]
    assert emb.embed(["the port strike ended"]).shape[0] == 1
    assert len(server.requests) == 3  # two refusals, then the answer

    server.requests.clear()
    server.fail_next[:] = [400]
    with pytest.raises(EmbedderError, match=r"HTTP 400: .*model overloaded"):
        emb.embed(["the port strike ended"])
    assert len(server.requests) == 1


def test_an_unreachable_server_is_one_line_that_says_what_to_do():
    url = f"http://127.0.0.1:{free_port()}/embed"
    emb = make_embedder(Settings(embed_url=url))
    with pytest.raises(EmbedderError) as err:
        emb.embed(["anything"])
    msg = str(err.value)
    assert "\n" not in msg and url in msg and "after 4 attempts" in msg
    assert "NEWSQA_EMBED_URL" in msg and "--reembed" in msg


def test_a_url_that_is_not_http_is_refused_at_once():
    with pytest.raises(Exception, match="NEWSQA_EMBED_URL"):
        make_embedder(Settings(embed_url="ftp://gpu-box/embed"))


def test_ingest_and_ask_through_the_server(server, tmp_path: Path):
    s = Settings(store=str(tmp_path / "store"), embed_url=_url(server, "/v1"),
                 embed_model="bge-small-en-v1.5")
    server.requests.clear()
    report = ingest([str(EXAMPLES)], s)
    assert report.added >= 10 and not report.failed
    assert sum(n for _, n in server.requests) >= report.chunks  # every chunk went there

    server.requests.clear()
    a = ask("When did the Harbor Bridge reopen?", settings=s)
    assert server.requests  # the question was embedded by the server too
    assert "May 22" in a.text.split("\n")[0] and a.citations

    # the store remembers the model: opened with the offline one, it says so and what to do
    with pytest.raises(ModelMismatchError, match=r"url:bge-small-en-v1\.5.*--reembed"):
        Store.open(Settings(store=s.store), make_embedder(Settings()))
