"""Shared fixtures: settings for a fresh embedded store, the real offline embedder, and the
sample corpus ingested once per session. Everything runs on this machine, offline."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qa.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "articles"

# never let a test touch the user's real store, or reach a remote model by accident
for _k in [k for k in os.environ if k.startswith("NEWSQA_")]:
    del os.environ[_k]


@pytest.fixture(scope="session")
def embedder():
    from qa.embedder import make_embedder

    return make_embedder(Settings())


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a fresh, empty embedded store in a temp dir."""
    return Settings(store=str(tmp_path / "store"))


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory, embedder) -> Settings:
    """A store holding the sample corpus (examples/articles), ingested once per session."""
    from ingest import ingest

    s = Settings(store=str(tmp_path_factory.mktemp("corpus") / "store"))
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


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path
