"""The web app on a Chroma server: when the server dies mid-session the page shows a clear
error and keeps serving; when it returns, answers come back; a second app process on
another port answers from the same server (its own lexical index included)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ingest import ingest
from qa.settings import Settings
from tests.support.chroma import ChromaServer
from tests.support.helpers import EXAMPLES, ROOT, free_port, wait_http
from tests.support.webapp import chat, client

pytestmark = pytest.mark.slow
QUESTION = "How many homes lost power during Storm Calloway?"


def _start_app(tmp: Path, url: str, name: str) -> subprocess.Popen:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    env.update(NEWSQA_CHROMA_URL=url, NEWSQA_LEXICAL_DIR=str(tmp / f"lexical-{name}"),
               NEWSQA_UPLOAD_DIR=str(tmp / f"uploads-{name}"), GRADIO_ANALYTICS_ENABLED="False")
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port)],
                            cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    proc.url = f"http://127.0.0.1:{port}/"  # type: ignore[attr-defined]
    wait_http(proc.url, proc)  # type: ignore[attr-defined]
    return proc


def test_server_loss_is_shown_in_the_page_and_the_app_recovers(tmp_path: Path, embedder):
    from gradio_client.exceptions import AppError

    server = ChromaServer(tmp_path / "chroma").start()
    apps: list[subprocess.Popen] = []
    try:
        ingest([str(EXAMPLES)], Settings(chroma_url=server.url,
                                         lexical_dir=str(tmp_path / "lex-ingest")),
               embedder=embedder)
        apps = [_start_app(tmp_path, server.url, "a"), _start_app(tmp_path, server.url, "b")]
        a, b = (client(p.url) for p in apps)
        _, data, _ = chat(a, QUESTION)
        assert "62,000" in data["text"]
        # replica B, with a lexical index it built itself, answers from the same server
        assert "62,000" in b.predict(QUESTION, api_name="/ask")["text"]

        server.stop()
        html, data, _ = chat(a, QUESTION)
        assert "Chroma server at" in html and "Traceback" not in html
        with pytest.raises(AppError, match="Chroma server at"):
            b.predict(QUESTION, api_name="/ask")
        assert all(p.poll() is None for p in apps)  # still serving

        server.start()
        _, data, _ = chat(a, QUESTION)
        assert "62,000" in data["text"]
        assert "62,000" in b.predict(QUESTION, api_name="/ask")["text"]
    finally:
        for p in apps:
            p.terminate()
            p.wait(30)
        server.stop()
