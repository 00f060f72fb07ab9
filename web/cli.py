"""The command line of ``python app.py``: its options, the check that keeps a login-less app
off the network, and the plumbing that stops the server on SIGTERM.

``build_parser`` defines the options (``--host``, ``--port``, ``--demo``,
``--public-readonly``); ``start_settings`` reads the ``NEWSQA_*`` settings for them and
refuses, with one line saying what to do, a non-loopback ``--host`` without ``NEWSQA_AUTH``
unless ``--public-readonly`` (which makes the app read-only). ``serve`` blocks while the
server runs; ``on_sigterm`` turns SIGTERM into ``Stop``. No gradio import: ``app.py`` builds
and launches the page.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from qa import exitcodes
from qa.errors import ConfigError
from qa.settings import Settings
from web.access import exposure_problem

DESCRIPTION = """newsqa web chat: ask questions of stored news articles in the browser, with
cited passages. Settings come from NEWSQA_* variables (see the README): e.g. NEWSQA_STORE,
NEWSQA_CHROMA_URL, NEWSQA_LLM, NEWSQA_AUTH ('user:password' or a file of such lines),
NEWSQA_WRITERS (who may add articles), NEWSQA_READ_ONLY, NEWSQA_UPLOAD_DIR,
NEWSQA_MAX_BYTES. On another address than this machine's (--host 0.0.0.0) the app needs
NEWSQA_AUTH, or --public-readonly."""


def build_parser() -> argparse.ArgumentParser:
    """The options of ``python app.py``."""
    p = argparse.ArgumentParser(
        prog="python app.py", description=DESCRIPTION, formatter_class=argparse.
        RawDescriptionHelpFormatter, epilog=exitcodes.epilog(
            "the server was stopped (SIGTERM) and shut down cleanly",
            (exitcodes.USAGE, exitcodes.INTERRUPTED)))
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; any "
                        "other needs NEWSQA_AUTH or --public-readonly)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--demo", action="store_true", help="use a separate demo store, filled "
                   "with the sample articles from examples/articles on first start")
    p.add_argument("--public-readonly", action="store_true",
                   help="serve read-only (nobody adds articles from the web), so that it may "
                        "listen on the network without a login")
    return p


def start_settings(args: argparse.Namespace, env: dict[str, str] | None = None) -> Settings:
    """The settings the app starts with; ``ConfigError`` when ``args.host`` would expose an
    app without a login."""
    settings = Settings.from_env(env)
    problem = exposure_problem(args.host, bool(settings.auth.strip()), args.public_readonly)
    if problem:
        raise ConfigError(problem)
    return settings.with_(read_only=True) if args.public_readonly else settings


class Stop(BaseException):
    """SIGTERM: stop serving (a BaseException, like KeyboardInterrupt, so nothing swallows it)."""


def on_sigterm(signum: int, frame: object) -> None:
    """The SIGTERM handler: raise ``Stop`` in the main thread."""
    raise Stop


def serve(demo: Any) -> None:
    """Block while the server runs (Ctrl-C raises KeyboardInterrupt, SIGTERM ``Stop``)."""
    while demo.is_running:
        time.sleep(0.2)


__all__ = ["DESCRIPTION", "Stop", "build_parser", "on_sigterm", "serve", "start_settings"]
