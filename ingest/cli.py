"""Command line for ingestion: ``python -m ingest PATH_OR_URL... [--json]``,
``python -m ingest --reembed`` (move the store to the configured embedder, ``ingest.reembed``)
and ``python -m ingest --watch FEED_OR_OPML... [--every 30m] [--once]`` (``ingest.watch``).

Reads the inputs ``ingest.formats`` lists (its help text comes from there). Exit status
(``qa.exitcodes``, shared with ``python -m qa`` and ``python app.py``): 0 when every input
was ingested, 1 when some failed (each printed with its reason; a URL at a private address
is one: "refused: private address", fetched only with ``--allow-private-urls`` or the
settings), 2 for usage errors or when the store cannot be used (one-line message, no
traceback), 130 for Ctrl-C, which stops cleanly: finished batches are kept, the next run
completes the rest. It does not ingest anything itself: ``ingest.pipeline`` does.
Articles are searchable by keywords as soon as their batch is stored; by default the run
then waits for the dense backfill (``--wait``); ``--lexical-only`` returns without it and
``--backfill`` finishes it later (a killed backfill too).
"""

from __future__ import annotations

import argparse
import json
import sys

from ingest import maint
from ingest.formats import describe
from qa import exitcodes
from qa.errors import QAError
from qa.settings import Settings

EPILOG = """examples:
  python -m ingest examples/articles                 a folder (recursive)
  python -m ingest 'exports/*.jsonl' page.html       globs and files
  python -m ingest https://example.org/feed.xml      an RSS/Atom feed or an article URL
  python -m ingest --allow-private-urls http://intranet.local/news
                                                     a page at a private address (refused
                                                     by default: 'refused: private address')
  python -m ingest --delete https://example.org/a    remove an article by URL or id
  python -m ingest --rebuild-lexical                 rebuild the BM25 index from Chroma
  python -m ingest --rebuild-vectors                 make a damaged vector index again
  python -m ingest --check-vectors                   every chunk findable by its vector?
  NEWSQA_EMBEDDER=bge-small python -m ingest --reembed
                                                     re-embed the store with another model
  python -m ingest --watch https://example.org/rss feeds.opml --every 10m
                                                     keep feeds current: poll them now and
                                                     every 10 minutes until Ctrl-C/SIGTERM
  python -m ingest --watch --once                    poll every watched feed once (cron)

watching feeds (--watch): each poll is a conditional GET (ETag / Last-Modified: a feed
that did not change costs one request, no model); each new entry's article page is
fetched and cleaned as a URL ingestion (private addresses refused as above); when the
page cannot be read, the entry's own text from the feed is stored instead, with a note.
Entries already stored are skipped (remembered per feed, and the store's own dedup by URL
and text still applies). One line per feed and poll ("3 new (3 stored), 12 known", "not
modified (304), 15 known", "error: ..."). The feeds and what was seen are remembered in
feeds-<collection>.json beside the store, so a killed watcher started again resumes; with
no FEED_OR_OPML, --watch polls every feed watched before. An OPML file (<outline
xmlUrl=...>, nested too) adds the feeds it names; an OPML URL is re-read at every poll.

file types read (by suffix, any case; URLs by what the server sends):
""" + describe() + """

Two phases: each article is searchable by keywords (BM25) as soon as it is read, cleaned
and chunked; its vectors follow in article order (the dense backfill: both progress bars
show). Another shell or the web app can ask meanwhile; answers say "Still indexing N of M
articles". The command waits for the backfill (--wait, the default); --lexical-only
returns as soon as everything is searchable by keywords, and --backfill (or the next
ingestion) adds the missing vectors. A killed backfill loses nothing: run it again.
Re-running is cheap: unchanged articles are skipped, changed ones replaced.
The store is NEWSQA_STORE (a directory) or NEWSQA_CHROMA_URL (a Chroma server).

""" + exitcodes.epilog("every input ingested (or deleted)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Add news articles to the newsqa store (cleaned, chunked, embedded).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("inputs", nargs="*", metavar="PATH_OR_URL",
                   help="files, folders, globs, or http(s) URLs of pages and feeds")
    p.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    p.add_argument("--delete", action="append", default=[], metavar="ID_OR_URL",
                   help="delete an article (repeatable)")
    p.add_argument("--rebuild-lexical", action="store_true",
                   help="rebuild the lexical (BM25) index from Chroma")
    p.add_argument("--reembed", action="store_true",
                   help="re-embed every stored article with the configured embedder "
                        "(NEWSQA_EMBEDDER) from the texts the store keeps; resumable: run it "
                        "again after an interruption")
    p.add_argument("--rebuild-vectors", action="store_true",
                   help="make the vector index again from the texts the store keeps, when "
                        "Chroma cannot read it ('Failed to apply logs ...': a process was "
                        "killed while Chroma saved it); answers use keywords meanwhile; "
                        "resumable")
    p.add_argument("--check-vectors", action="store_true",
                   help="ask the vector index for every chunk's own vector and add again "
                        "those it cannot reach (done by itself after an interrupted run; "
                        "~20 s per 58,000 chunks)")
    p.add_argument("--batch", type=int, default=None, metavar="N",
                   help="with --reembed: articles per step (default 32)")
    p.add_argument("--allow-private-urls", action="store_true",
                   help="for this run, also fetch URLs at loopback, private, link-local and "
                        "reserved addresses (refused by default: 'refused: private address'; "
                        "the same as NEWSQA_ALLOW_PRIVATE_URLS=1, or allow only some hosts "
                        "or networks with NEWSQA_URL_ALLOWLIST)")
    p.add_argument("--watch", action="store_true",
                   help="keep the given feeds (RSS/Atom URLs, OPML files or URLs) current: "
                        "poll them now and then --every; without inputs, every feed watched "
                        "before (see 'watching feeds' below)")
    p.add_argument("--every", default=None, metavar="DURATION",
                   help="with --watch: time between polls, e.g. 30s, 10m, 1h, 2h30m "
                        "(default 30m)")
    p.add_argument("--once", action="store_true",
                   help="with --watch: poll each feed once and exit (for cron and tests)")
    phase = p.add_mutually_exclusive_group()
    phase.add_argument("--wait", action="store_true",
                       help="wait for the dense backfill (every article's vectors) before "
                            "returning (the default)")
    phase.add_argument("--lexical-only", action="store_true",
                       help="return once the articles are searchable by keywords; their "
                            "vectors wait for --backfill or the next ingestion")
    phase.add_argument("--backfill", action="store_true",
                       help="add the vectors of every article still searchable by keywords "
                            "only (after --lexical-only or an interrupted run), then exit")
    p.add_argument("--store", help="store directory (overrides NEWSQA_STORE)")
    p.add_argument("--chroma-url", help="Chroma server URL (overrides NEWSQA_CHROMA_URL)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    problem = ""
    if args.watch or args.every is not None or args.once:
        problem = _watch_problem(args)
        if not problem:
            return _watch(args)
    elif args.reembed and (args.inputs or args.delete or args.rebuild_lexical):
        problem = "--reembed runs on its own (no PATH_OR_URL, --delete or --rebuild-lexical)"
    elif args.reembed and (args.backfill or args.lexical_only):
        problem = "--reembed runs on its own (run --backfill first)"
    elif args.rebuild_vectors and (args.inputs or args.delete or args.reembed
                                   or args.lexical_only):
        problem = "--rebuild-vectors runs on its own (no PATH_OR_URL, --delete or --reembed)"
    elif not (args.inputs or args.delete or args.rebuild_lexical or args.reembed
              or args.backfill or args.rebuild_vectors or args.check_vectors):
        problem = ("give at least one PATH_OR_URL (or --delete / --rebuild-lexical / "
                   "--reembed / --backfill / --rebuild-vectors / --check-vectors)")
    elif args.batch is not None and (args.batch < 1 or not args.reembed):
        problem = "--batch N goes with --reembed, N >= 1"
    if problem:
        build_parser().print_usage(sys.stderr)
        print(f"error: {problem}", file=sys.stderr)
        return exitcodes.USAGE
    if args.reembed:
        return maint.reembed(args)
    try:
        from ingest import delete, ingest, rebuild_lexical
        from ingest.report import IngestReport

        settings = Settings.from_env(store=args.store, chroma_url=args.chroma_url,
                                     allow_private_urls=args.allow_private_urls or None)
        report = IngestReport(store=settings.where)
        if args.delete:
            report = delete(args.delete, settings)
        if args.inputs:
            deleted, failed, regrouped = report.deleted, report.failed, report.regrouped
            report = ingest(args.inputs, settings, wait=not args.lexical_only,
                            progress=False if (args.no_progress or args.json) else None)
            report.deleted, report.failed = deleted, failed + report.failed
            report.regrouped += regrouped  # copies of deleted stories given a new group
        elif args.backfill or args.rebuild_vectors:
            report = maint.backfill(settings, report, args)
        if args.check_vectors:
            report.relinked += maint.check_vectors(settings, args)
        if args.rebuild_lexical:
            n = rebuild_lexical(settings)
            if not args.json:
                print(f"lexical index rebuilt: {n} articles", file=sys.stderr)
    except QAError as e:
        print(f"error: {e}", file=sys.stderr)
        return exitcodes.USAGE
    except KeyboardInterrupt:
        print("interrupted: finished batches are stored; run the same command again to "
              "complete the rest", file=sys.stderr)
        return exitcodes.INTERRUPTED
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        for origin, reason in report.failed:
            print(f"failed: {origin}: {reason}", file=sys.stderr)
        print(report.summary())
    return exitcodes.PARTIAL if report.failed else exitcodes.OK


def _watch_problem(args: argparse.Namespace) -> str:
    """Why ``--watch``/``--every``/``--once`` cannot run as given ("" when they can)."""
    if not args.watch:
        return "--every and --once go with --watch"
    if args.delete or args.rebuild_lexical or args.reembed or args.batch is not None:
        return "--watch runs on its own (no --delete, --rebuild-lexical or --reembed)"
    if args.every is not None:
        from ingest.watch import parse_every

        try:
            parse_every(args.every)
        except ValueError as err:
            return str(err)
    return ""


def _watch(args: argparse.Namespace) -> int:
    """``--watch``: poll feeds until stopped (``ingest.watch.run_watch``)."""
    from ingest.watch import DEFAULT_EVERY, parse_every, run_watch

    try:
        settings = Settings.from_env(store=args.store, chroma_url=args.chroma_url,
                                     allow_private_urls=args.allow_private_urls or None)
    except QAError as e:
        print(f"error: {e}", file=sys.stderr)
        return exitcodes.USAGE
    every = parse_every(args.every) if args.every else DEFAULT_EVERY
    return run_watch(args.inputs, settings, every=every, once=args.once, as_json=args.json)
