"""A reranking server the user runs (NEWSQA_RERANK=URL): both answer shapes are read, its
order decides, and an unreachable one is a one-line error that says what to do."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from qa.errors import RerankError
from qa.search.rerank import RemoteReranker, make_reranker
from qa.settings import Settings
from tests.support.helpers import free_port
from tests.support.httpd import reply_json


class _Rerank(BaseHTTPRequestHandler):
    """Scores documents by how many query words they hold (a server that behaves)."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        words = set(body["query"].lower().split())
        scores = [len(words & set(d.lower().split())) for d in body["documents"]]
        rows = [{"index": i, "relevance_score" if self.path == "/v1/rerank" else "score": s}
                for i, s in sorted(enumerate(scores), key=lambda x: -x[1])]
        reply_json(self, {"results": rows} if self.path == "/v1/rerank" else rows)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Rerank)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.mark.parametrize("path", ["/v1/rerank", "/rerank"])  # Cohere/Jina, TEI
def test_a_remote_reranker_orders_by_its_scores(server, path):
    r = make_reranker(Settings(rerank=server + path))
    assert isinstance(r, RemoteReranker)
    got = r.score("harbor bridge reopen", ["ferry fares rise", "the harbor bridge will reopen",
                                           "bridge closed"])
    assert list(got.argsort()[::-1]) == [1, 2, 0]


def test_an_unreachable_reranker_says_what_to_do():
    r = make_reranker(Settings(rerank=f"http://127.0.0.1:{free_port()}/rerank",
                               http_timeout=2.0))
    with pytest.raises(RerankError, match="failed: .*NEWSQA_RERANK=cross-encoder"):
        r.score("q", ["a passage"])


def test_an_unknown_reranker_name_is_a_config_error():
    from qa.errors import ConfigError

    with pytest.raises(ConfigError, match="NEWSQA_RERANK='colbert'"):
        make_reranker(Settings(rerank="colbert"))
