"""Chroma server mode: failures are clear, recovery is automatic, replicas agree.

The server is a real ``chroma run`` on 127.0.0.1 started by the test."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest import ingest
from qa import ask, retrieve
from qa.errors import StoreUnavailableError
from qa.settings import Settings
from tests.support.chroma import ChromaServer
from tests.support.helpers import ROOT, write

FERRY = """Ferry service to Gull Island resumes

PORT ALDER, June 2, 2025 — The Gull Island ferry resumed service on Monday after a
three-week suspension caused by a cracked propeller shaft, the Harbor Transit Authority said.

The authority said the repaired vessel, the Marguerite, passed sea trials on Friday.
"""
LIGHTHOUSE = """Old lighthouse to become a marine museum

PORT ALDER, July 9, 2025 — The decommissioned Cape Wren lighthouse will reopen next spring
as a marine museum after the county sold it to the Alder Maritime Trust for one dollar.

Trust director Ines Varga said restoration of the lantern room would cost $2.1 million.
"""


@pytest.fixture
def server(tmp_path: Path):
    srv = ChromaServer(tmp_path / "chroma").start()
    yield srv
    srv.stop()


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **env}, timeout=300)


def test_server_down_is_a_clear_error_and_recovers(server, tmp_path: Path, embedder):
    s = Settings(chroma_url=server.url, lexical_dir=str(tmp_path / "lex"))
    ingest([str(write(tmp_path / "in" / "ferry.txt", FERRY))], s, embedder=embedder)
    assert not ask("When did the Gull Island ferry resume service?", settings=s).refused

    server.stop()
    t = time.monotonic()
    with pytest.raises(StoreUnavailableError, match=r"Chroma server at http://127\.0\.0\.1"):
        ask("When did the Gull Island ferry resume service?", settings=s)
    assert time.monotonic() - t < 60
    env = {"NEWSQA_CHROMA_URL": server.url, "NEWSQA_LEXICAL_DIR": str(tmp_path / "lex")}
    down = _cli(["When did the ferry resume?"], env)
    assert down.returncode == 2
    assert down.stderr.startswith("error: ") and "Traceback" not in down.stderr
    assert len(down.stderr.strip().splitlines()) == 1

    server.start()  # same port, same data
    ans = ask("When did the Gull Island ferry resume service?", settings=s)
    assert not ans.refused and "Monday" in ans.text
    assert _cli(["When did the ferry resume?"], env).returncode == 0


def test_a_second_replica_sees_new_articles_in_both_indexes(server, tmp_path: Path, embedder):
    """Two app processes share one server, each with its own lexical index."""
    a = Settings(chroma_url=server.url, lexical_dir=str(tmp_path / "replica-a"))
    b = Settings(chroma_url=server.url, lexical_dir=str(tmp_path / "replica-b"))
    ingest([str(write(tmp_path / "in" / "ferry.txt", FERRY))], a, embedder=embedder)
    assert retrieve("Marguerite propeller shaft", k=3, settings=b)[0].title.startswith("Ferry")
    # replica B is now running; A ingests another article
    ingest([str(write(tmp_path / "in" / "lighthouse.txt", LIGHTHOUSE))], a, embedder=embedder)
    time.sleep(2.1)  # replicas check the store's generation at most every 2 s
    from qa.api import default

    lex = default(b).store.lexical
    assert any(True for _ in lex.search("Cape Wren lighthouse Varga", 3))
    assert "lighthouse" in retrieve("Cape Wren lantern room", k=3, settings=b)[0].title.lower()
    # a fresh process with an empty lexical dir builds its index from the server
    out = _cli(["--passages", "Ines Varga lantern room", "--json"],
               {"NEWSQA_CHROMA_URL": server.url,
                "NEWSQA_LEXICAL_DIR": str(tmp_path / "replica-c")})
    assert out.returncode == 0, out.stderr
    assert "Cape Wren" in out.stdout
