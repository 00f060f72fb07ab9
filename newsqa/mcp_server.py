"""``newsqa mcp``: the archive as an MCP server on stdio, for assistants (Claude Desktop,
IDEs, any MCP client), built on the ``mcp`` SDK's ``MCPServer``.

Tools (each result is structured content with an output schema, and the same JSON as text):

    ask(question, since, until, sources, as_of, k)   the cited answer (``Answer.to_dict``
                                                     keys: text, refused, citations with
                                                     title, source, published, url,
                                                     passage, start, end, ...)
    search(query, k, since, until, sources, as_of)  ranked passages (``qa.retrieve``)
    list_sources()                                  outlets, article counts, date ranges
    get_article(article)                            by id or URL: cleaned full text + metadata
    ingest_url(url)                                 fetch and add one http(s) page or feed

``ingest_url`` is always listed but refuses unless the server was started with
``--allow-writes``, and ``NEWSQA_READ_ONLY=1`` refuses it even then: an assistant that may
write can plant a story every later answer cites, and reads the pages it is told to. It
fetches only http(s) URLs, with the same private-address guard as ``python -m ingest``.
A failure (bad date, empty store, unknown article, refused write) is a tool error with a
one-line reason, never a traceback. Settings come from ``NEWSQA_*``; nothing is answered
here (``qa.api``, ``ingest``).
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from newsqa.mcp_schema import (
    Article,
    AskResult,
    IngestResult,
    Passage,
    SearchResult,
    SourcesResult,
)
from qa import exitcodes
from qa.errors import QAError
from qa.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
NAME = "newsqa"
INSTRUCTIONS = (
    "Answers questions from a local archive of news articles, citing the exact passages. "
    "Use `ask` for a question (quote its citations: title, outlet, date, URL); `search` for "
    "passages to read yourself; `list_sources` for which outlets and dates exist; "
    "`get_article` for an article's full text. Dates are YYYY-MM-DD, YYYY-MM or YYYY. A "
    "refused answer means the articles do not say: do not answer from memory as if they did.")


def _tool_errors(fn: F) -> F:
    """A ``QAError`` (or a refusal) becomes the tool error's one-line reason."""
    from mcp.server.mcpserver.exceptions import ToolError

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except QAError as e:
            raise ToolError(" ".join(str(e).split())) from None

    return wrapper  # type: ignore[return-value]


def build_server(settings: Settings, allow_writes: bool = False) -> Any:
    """The MCP server (``mcp.server.mcpserver.MCPServer``) over the store of ``settings``;
    ``allow_writes`` enables ``ingest_url`` unless ``settings.read_only``."""
    from mcp.server.mcpserver import MCPServer
    from mcp_types import ToolAnnotations

    from newsqa import catalog
    from qa import api

    server = MCPServer(NAME, instructions=INSTRUCTIONS, version=_version())
    reads = ToolAnnotations(read_only_hint=True, open_world_hint=False)

    @server.tool(annotations=reads)
    @_tool_errors
    def ask(question: str, since: str | None = None, until: str | None = None,
            sources: list[str] | None = None, as_of: str | None = None,
            k: int | None = None) -> AskResult:
        """Answer a question from the stored news articles, with numbered citations ([1],
        [2] in `text`) of the exact passages. `refused` is true when the articles do not
        support an answer (then `related` holds the closest passages). A question about a
        story as news ("How did X unfold?", "What changed in X?", "Which outlets covered
        X?", "What's new?") gets `kind` "timeline", "changes", "coverage" or "digest" with
        its dated lines in `items`; a fact gets "answer". Optional filters:
        since/until (publication dates), sources (outlet names), as_of (read "this week"
        relative to this date and ignore later articles); k: passages considered."""
        ans = api.ask(question, k=k, since=since, until=until, sources=sources, as_of=as_of,
                      settings=settings)
        d = {**ans.to_dict(), "citations": [_passage(c) for c in ans.citations],
             "related": [_passage(c) for c in ans.related]}
        return {key: d[key] for key in AskResult.__annotations__}  # type: ignore[return-value]

    @server.tool(annotations=reads)
    @_tool_errors
    def search(query: str, k: int = 10, since: str | None = None, until: str | None = None,
               sources: list[str] | None = None, as_of: str | None = None) -> SearchResult:
        """Passages of the stored articles that match `query`, best first (hybrid dense +
        BM25 search): each with its article's title, outlet, date, URL and the passage's
        character offsets in the article. Same filters as `ask`; k: how many (1-50)."""
        if not 1 <= k <= 50:
            raise QAError("k must be from 1 to 50")
        found = api.retrieve(query, k=k, since=since, until=until, sources=sources,
                             as_of=as_of, settings=settings)
        return {"query": query, "passages": [_passage(c) for c in found]}

    @server.tool(annotations=reads)
    @_tool_errors
    def list_sources() -> SourcesResult:
        """The outlets in the archive, each with its number of articles and the dates of
        its first and last article; totals for the whole archive."""
        stats = catalog.overview(api.default(settings).store)
        return {key: stats[key] for key in SourcesResult.__annotations__}  # type: ignore

    @server.tool(annotations=reads)
    @_tool_errors
    def get_article(article: str) -> Article:
        """One stored article by its id (`article_id` of a citation) or its URL: the full
        cleaned text and its metadata. A citation's start/end index this text."""
        return catalog.find_article(api.default(settings).store, article)  # type: ignore

    writes = ToolAnnotations(read_only_hint=False, destructive_hint=False,
                             idempotent_hint=True, open_world_hint=True)

    @server.tool(annotations=writes)
    @_tool_errors
    def ingest_url(url: str) -> IngestResult:
        """Fetch one http(s) article page or RSS/Atom feed and add its articles to the
        archive (for writers: off unless the server runs with --allow-writes)."""
        problem = write_problem(settings, allow_writes)
        if problem:
            raise QAError(problem)
        if not url.strip().lower().startswith(("http://", "https://")):
            raise QAError("ingest_url takes an http:// or https:// URL")
        from ingest import ingest

        report = ingest([url.strip()], settings, embedder=api.default(settings).embedder)
        out = report.to_dict()
        return {"added": report.added, "updated": report.updated,
                "unchanged": report.unchanged, "grouped": report.grouped,
                "failed": out["failed"], "summary": report.summary()}

    return server


def _passage(c: Any) -> Passage:
    """A ``Citation`` as the tools return it (``Passage``'s keys of ``Citation.to_dict``)."""
    d = c.to_dict()
    return {key: d[key] for key in Passage.__annotations__}  # type: ignore[return-value]


def write_problem(settings: Settings, allow_writes: bool) -> str:
    """Why ``ingest_url`` is refused ("" when it is allowed)."""
    if settings.read_only:
        return ("ingest_url is off: NEWSQA_READ_ONLY is set, so nobody adds articles through "
                "this server")
    if not allow_writes:
        return ("ingest_url is off: this server is read-only; start it with "
                "`newsqa mcp --allow-writes` to let assistants add articles")
    return ""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newsqa")
    except PackageNotFoundError:
        return "0"


EPILOG = """Add it to an MCP client, e.g. Claude Desktop's claude_desktop_config.json:

  {"mcpServers": {"newsqa": {"command": "newsqa", "args": ["mcp"],
                             "env": {"NEWSQA_STORE": "/home/me/.local/share/newsqa/store"}}}}

Tools: ask, search, list_sources, get_article, ingest_url (refused unless --allow-writes;
NEWSQA_READ_ONLY=1 refuses it always). The server speaks MCP on stdin/stdout; messages go
to stderr.

""" + exitcodes.epilog("the client closed the connection",
                       (exitcodes.USAGE, exitcodes.INTERRUPTED))


def build_parser(prog: str = "newsqa mcp") -> argparse.ArgumentParser:
    """The options of ``newsqa mcp``."""
    p = argparse.ArgumentParser(
        prog=prog, description="Serve the news archive to assistants over MCP (stdio).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--allow-writes", action="store_true",
                   help="let the ingest_url tool add articles (off by default; "
                        "NEWSQA_READ_ONLY=1 keeps it off)")
    p.add_argument("--store", help="store directory (overrides NEWSQA_STORE)")
    p.add_argument("--chroma-url", help="Chroma server URL (overrides NEWSQA_CHROMA_URL)")
    return p


def main(argv: list[str] | None = None, prog: str = "newsqa mcp") -> int:
    """Run the server on stdio until the client disconnects."""
    args = build_parser(prog).parse_args(argv)
    try:
        settings = Settings.from_env(store=args.store, chroma_url=args.chroma_url)
        if args.allow_writes and settings.read_only:
            print("newsqa mcp: NEWSQA_READ_ONLY is set: ingest_url stays off",
                  file=sys.stderr)
        build_server(settings, args.allow_writes).run("stdio")
    except QAError as e:
        print(f"error: {e}", file=sys.stderr)
        return exitcodes.USAGE
    except KeyboardInterrupt:
        return exitcodes.INTERRUPTED
    return exitcodes.OK


__all__ = ["build_parser", "build_server", "main", "write_problem"]
