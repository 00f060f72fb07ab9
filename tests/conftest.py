"""Shared fixtures: settings for a fresh embedded store, the real offline embedder, the
sample corpus ingested once per session, and the test LLMs (``gguf``: the small GGUF model's
path; ``server_port``: a real llama.cpp HTTP server). Everything runs on this machine,
offline.

Fixtures only: helpers and test servers live in ``tests/support`` (import them from there,
never from this file or another test module). The ``embedder`` fixture is the one the default
``QA`` instances use (``qa.api.MODELS``), so ``ingest(..., embedder=embedder)`` and
``qa.ask(settings=...)`` share one loaded model."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # `tests.support` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also under bare `pytest`

from qa.settings import Settings  # noqa: E402
from tests.support.helpers import (  # noqa: E402
    EXAMPLES,
    STORE_MODES,
    free_port,
    store_settings,
)

# never let a test touch the user's real store, or reach a remote model by accident
_KEEP = {"NEWSQA_TEST_GGUF", "NEWSQA_MODEL_CACHE"}  # where the test model is, not settings
for _k in [k for k in os.environ if k.startswith("NEWSQA_") and k not in _KEEP]:
    del os.environ[_k]


@pytest.fixture(scope="session")
def embedder():
    """The default offline embedder, from the pool the default ``QA`` instances share."""
    from qa.api import MODELS

    return MODELS.embedder(Settings())


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory):
    """A real Chroma server (``chroma run``) on 127.0.0.1 for the whole session."""
    from tests.support.chroma import ChromaServer

    server = ChromaServer(tmp_path_factory.mktemp("chroma-server")).start()
    yield server
    server.stop()




@pytest.fixture(params=STORE_MODES)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a fresh, empty store — once embedded, once on a Chroma server."""
    return store_settings(request.param, tmp_path, request)


@pytest.fixture(scope="session", params=STORE_MODES)
def corpus_settings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                    embedder) -> Settings:
    """A store holding the sample corpus (examples/articles), ingested once per session
    and per store mode (embedded directory, Chroma server)."""
    from ingest import ingest

    s = store_settings(request.param, tmp_path_factory.mktemp("corpus"), request)
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



@pytest.fixture(scope="module")
def gguf() -> Iterator[str]:
    """The test GGUF's path (skips without it); after the module, the default instances and
    their models are forgotten and in-process models unloaded."""
    from qa.api import reset
    from qa.llm import unload_local_models
    from tests.support.llm import find_test_gguf

    yield find_test_gguf()
    reset()
    unload_local_models()
    gc.collect()


@pytest.fixture(scope="module")
def server_port(gguf: str) -> Iterator[int]:
    """A real llama.cpp HTTP server (OpenAI-compatible API) on a free local port."""
    import xllamacpp

    from tests.support.llm import refuses

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


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright, one per test module (the browser tests skip
    themselves when it is missing)."""
    from playwright.sync_api import sync_playwright

    from tests.support.webapp import chromium

    with sync_playwright() as p:
        b = chromium(p)
        yield b
        b.close()
