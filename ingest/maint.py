"""The maintenance commands of ``python -m ingest``: ``--backfill``, ``--rebuild-vectors``,
``--check-vectors`` and ``--reembed`` (the argument checks and the ingestion itself stay in
``ingest.cli``)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from qa import exitcodes
from qa.errors import QAError
from qa.settings import Settings

if TYPE_CHECKING:
    from ingest.report import IngestReport


def backfill(settings: Settings, report: IngestReport, args: argparse.Namespace
             ) -> IngestReport:
    """``--backfill`` (or ``--rebuild-vectors``: the vector index emptied first) alone: the
    report says how many articles got their vectors."""
    from ingest import backfill as run_backfill
    from ingest.dense import reset_vectors

    if args.rebuild_vectors:
        report.rebuilt, kept, salvaged = reset_vectors(settings)
        if salvaged and not args.json:
            print(f"article ledger made again from Chroma's tables: {salvaged} record(s)",
                  file=sys.stderr)
        if kept and not args.json:
            print(f"{kept} article(s) stored before the store kept chunk offsets stay "
                  "searchable by keywords only: ingest their sources again", file=sys.stderr)
    done = run_backfill(settings, progress=False if (args.no_progress or args.json) else None)
    report.backfilled, report.pending, report.seconds = done.articles, done.left, done.seconds
    return report


def check_vectors(settings: Settings, args: argparse.Namespace) -> int:
    """``--check-vectors``: every chunk found by its own vector, or added again."""
    from ingest.dense import relink
    from qa.store import opened

    with opened(settings) as store:
        return relink(store, False if (args.no_progress or args.json) else None, every=True)


def reembed(args: argparse.Namespace) -> int:
    """``--reembed``: one summary line (or the report as JSON); exit codes as for ingestion."""
    try:
        from ingest import reembed as run_reembed

        settings = Settings.from_env(store=args.store, chroma_url=args.chroma_url)
        report = run_reembed(settings, batch=args.batch,
                             progress=False if (args.no_progress or args.json) else None)
    except QAError as e:
        print(f"error: {e}", file=sys.stderr)
        return exitcodes.USAGE
    except KeyboardInterrupt:
        print("interrupted: re-embedded batches are kept and the store still answers with "
              "its old model; run `python -m ingest --reembed` again to finish",
              file=sys.stderr)
        return exitcodes.INTERRUPTED
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.summary())
    return exitcodes.OK
