"""``python app.py --demo``: a separate demo store, filled with the sample articles once.

``demo_settings`` points the app at its own store next to the default one (unless the user
chose a store or a Chroma server); ``fill_demo`` ingests ``examples/articles`` into it when
it holds no articles yet, with the ingest function the app passes in and the embedder of the
store's default ``QA`` (the one the questions use). It does not start or configure the web
server, and imports no gradio.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from qa import collection_stats
from qa.api import default
from qa.errors import QAError
from qa.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "articles"


def demo_settings(settings: Settings, env: Mapping[str, str] = os.environ) -> Settings:
    """--demo: a separate store (unless NEWSQA_STORE / NEWSQA_CHROMA_URL say otherwise)."""
    if env.get("NEWSQA_STORE") or settings.chroma_url:
        return settings
    return settings.with_(store=str(Path(Settings().store_dir).parent / "demo-store"))


def fill_demo(settings: Settings, ingest: Callable[..., Any], examples: Path = EXAMPLES) -> None:
    """Ingest ``examples`` into the demo store unless it already holds articles. Raises
    ``QAError`` when the sample articles are missing (not run from a clone)."""
    try:
        if collection_stats(settings)["articles"]:
            return
    except QAError:
        pass
    if not examples.is_dir():
        raise QAError(f"--demo needs the sample articles in {examples} (run it from a clone "
                      "of the repository).")
    print(f"Loading the sample articles into {settings.where} (first start only)…", flush=True)
    report = ingest([str(examples)], settings, embedder=default(settings).embedder)
    print(report.summary(), flush=True)


__all__ = ["EXAMPLES", "demo_settings", "fill_demo"]
