"""The ``newsqa`` command: one entry point with subcommands, the convention of simonw/llm.

    newsqa ask "question" [--format text|md|json] ...   qa.cli (``python -m qa``)
    newsqa "question" ...                               the same (as before subcommands)
    newsqa                                              interactive chat (as before)
    newsqa ingest PATH_OR_URL... [--json] ...           ingest.cli (``python -m ingest``)
    newsqa serve [--host H] [--port P] [--demo] ...     app.main (``python app.py``)
    newsqa mcp [--allow-writes]                         newsqa.mcp_server (MCP on stdio)
    newsqa stats [--json]                               outlets, article counts, dates
    newsqa export [QUESTIONS] [--format md|json] [-o FILE]
                                                        newsqa.export: a Markdown/JSON brief

Each subcommand delegates to the module that owns it, imported only when it runs, so
``newsqa ask`` never loads gradio and ``--help`` loads no model. ``--help`` at each level;
the delegated commands' help and usage lines name themselves ``newsqa <command>``.
An argument that is not a subcommand is a question, so ``newsqa "..."`` keeps working (a
question that is exactly a subcommand's name needs ``newsqa ask``). Exit statuses are those
of ``qa.exitcodes``. No shell completion: argparse has none built in.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable

from qa import exitcodes
from qa.errors import QAError
from qa.settings import Settings

USAGE = """usage: newsqa [-h] [--version] COMMAND [ARGS...]
       newsqa "question" [--format text|md|json] ...   (the same as newsqa ask)"""

HELP = USAGE + """

Ask questions of your news articles and get answers that cite the exact passages they
rest on, or a plain "the articles do not say".

commands:
  ask      answer a question with cited passages (no question: an interactive chat)
  ingest   add articles: files, folders, globs, JSONL, web pages, RSS/Atom feeds
  serve    the web chat in your browser (default http://127.0.0.1:7860)
  mcp      an MCP server on stdio, so assistants (Claude Desktop, ...) can use the archive
  stats    the collection at a glance: articles, outlets, date ranges
  export   ask questions from a file, stdin or -q, write one Markdown or JSON document

examples:
  newsqa ingest ~/articles https://example.org/feed.xml
  newsqa "When did the Harbor Bridge reopen?"
  newsqa "How did the Harbor Bridge closure unfold?"   (a dated, cited timeline)
  newsqa ask "Who won the election?" --source "Harbor Times" --format md
  newsqa export questions.txt -o brief.md
  newsqa serve --demo

`newsqa COMMAND --help` shows a command's options. The older commands still work:
python -m ingest, python -m qa, python app.py. Settings come from NEWSQA_* variables
(the README lists them), e.g. NEWSQA_STORE for where the articles live.
"""


def _renamed(parser: argparse.ArgumentParser, prog: str,
             old: str) -> argparse.ArgumentParser:
    """A delegated command's parser under its ``newsqa`` name (usage, help, examples)."""
    parser.prog = prog
    if parser.epilog:
        parser.epilog = parser.epilog.replace(old, prog)
    return parser


def _ask(argv: list[str]) -> int:
    from qa.cli import main

    return main(argv, prog="newsqa ask")


def _ingest(argv: list[str]) -> int:
    from ingest.cli import build_parser, main

    _renamed(build_parser(), "newsqa ingest", "python -m ingest").parse_args(argv)
    return main(argv)  # parsed again there, the same way: help and bad options end above


def _serve(argv: list[str]) -> int:
    from web.cli import build_parser

    _renamed(build_parser(), "newsqa serve", "python app.py").parse_args(argv)
    import app  # gradio loads here, and only here

    return app.main(argv)


def _mcp(argv: list[str]) -> int:
    from newsqa.mcp_server import main

    return main(argv, prog="newsqa mcp")


def _export(argv: list[str]) -> int:
    from newsqa.export import main

    return main(argv, prog="newsqa export")


def stats_parser(prog: str = "newsqa stats") -> argparse.ArgumentParser:
    """The options of ``newsqa stats``."""
    p = argparse.ArgumentParser(
        prog=prog, description="The collection at a glance: how many articles and passages, "
        "the first and last publication date, each outlet with its article count and dates.",
        epilog=exitcodes.epilog("the overview was printed",
                                (exitcodes.USAGE, exitcodes.INTERRUPTED)),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true", help="print it as JSON")
    p.add_argument("--store", help="store directory (overrides NEWSQA_STORE)")
    p.add_argument("--chroma-url", help="Chroma server URL (overrides NEWSQA_CHROMA_URL)")
    return p


def _stats(argv: list[str]) -> int:
    from newsqa.catalog import overview, overview_text
    from qa.store import opened

    args = stats_parser().parse_args(argv)
    try:
        settings = Settings.from_env(store=args.store, chroma_url=args.chroma_url)
        with opened(settings) as store:
            stats = overview(store)
    except QAError as e:
        print(f"error: {e}", file=sys.stderr)
        return exitcodes.USAGE
    except KeyboardInterrupt:
        return exitcodes.INTERRUPTED
    print(json.dumps(stats, indent=2) if args.json else overview_text(stats))
    return exitcodes.OK


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "ask": _ask, "ingest": _ingest, "serve": _serve, "mcp": _mcp, "stats": _stats,
    "export": _export,
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newsqa")
    except PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    """Run ``newsqa``: a subcommand, or (anything else) a question as ``newsqa ask``."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        return _dispatch(argv)
    except BrokenPipeError:  # `newsqa ... | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return exitcodes.OK


def _dispatch(argv: list[str]) -> int:
    first = argv[0] if argv else ""
    if first in ("-h", "--help"):
        print(HELP)
        return exitcodes.OK
    if first == "help":  # `newsqa help export` = `newsqa export --help`
        if len(argv) > 1 and argv[1] in COMMANDS:
            return COMMANDS[argv[1]](["--help"])
        print(HELP)
        return exitcodes.OK
    if first == "--version":
        print(f"newsqa {_version()}")
        return exitcodes.OK
    if first in COMMANDS:
        return COMMANDS[first](argv[1:])
    return _ask(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
