"""Shared fixtures: settings for a fresh embedded store, the real offline embedder, and the
sample corpus ingested once per session. Everything runs on this machine, offline.

Fixtures only: helpers and test servers live in ``tests/support`` (import them from there,
never from this file or another test module). ``ROOT``, ``EXAMPLES`` and ``write`` are
re-exported here only for test modules that still import them from ``tests.conftest``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # `tests.support` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also under bare `pytest`

from qa.settings import Settings  # noqa: E402
from tests.support.helpers import EXAMPLES, ROOT, write  # noqa: E402

# never let a test touch the user's real store, or reach a remote model by accident
_KEEP = {"NEWSQA_TEST_GGUF", "NEWSQA_MODEL_CACHE"}  # where the test model is, not settings
for _k in [k for k in os.environ if k.startswith("NEWSQA_") and k not in _KEEP]:
    del os.environ[_k]


@pytest.fixture(scope="session")
def embedder():
    from qa.embed import make_embedder

    return make_embedder(Settings())


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory):
    """A real Chroma server (``chroma run``) on 127.0.0.1 for the whole session."""
    from tests.support.chroma import ChromaServer

    server = ChromaServer(tmp_path_factory.mktemp("chroma-server")).start()
    yield server
    server.stop()


_N = iter(range(1_000_000))


def _store_settings(mode: str, tmp: Path, request: pytest.FixtureRequest) -> Settings:
    """A fresh empty store: an embedded directory, or a new collection on the server."""
    if mode == "embedded":
        return Settings(store=str(tmp / "store"))
    server = request.getfixturevalue("chroma_server")
    return Settings(chroma_url=server.url, collection=f"t{next(_N)}-{os.getpid()}",
                    lexical_dir=str(tmp / "lexical"))


STORE_MODES = ["embedded", "server"]


@pytest.fixture(params=STORE_MODES)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a fresh, empty store — once embedded, once on a Chroma server."""
    return _store_settings(request.param, tmp_path, request)


@pytest.fixture(scope="session", params=STORE_MODES)
def corpus_settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                    embedder) -> Settings:
    """A store holding the sample corpus (examples/articles), ingested once per session
    and per store mode (embedded directory, Chroma server)."""
    from ingest import ingest

    s = _store_settings(request.param, tmp_path_factory.mktemp("corpus"), request)
    report = ingest([str(EXAMPLES)], s, embedder=embedder)
    assert report.added >= 10, report.to_dict()
    assert not report.failed, report.failed
    return s


@pytest.fixture
def fresh_corpus(settings: Settings, embedder) -> Settings:
    """A private store with the sample corpus that a test may modify."""
    from ingest import ingest

    ingest([str(EXAMPLES)], settings, embedder=embedder)
    return settings


__all__ = ["EXAMPLES", "ROOT", "write"]  # re-exported for modules not yet switched
