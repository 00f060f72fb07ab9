"""``newsqa export``: ask a list of questions and write the answers, with their citations,
as one Markdown or JSON document — a brief to read, share or keep.

    newsqa export questions.txt -o brief.md        one question per line; # comments
    printf 'Q1\\nQ2\\n' | newsqa export --format json > brief.json
    newsqa export -q "When did the bridge reopen?" -q "Why was it late?" --since 2025

The questions are asked in order as one conversation, as in the chat, so a follow-up ("why
was it late?") is understood from the questions before it; ``--separate`` asks each on its
own. The document (``qa.export``) holds each question, the answer with its ``[n]`` markers,
and every cited source: title, outlet, date, URL, the exact passage and its offsets; a
refusal says so and lists the closest passages. The format follows ``--format``, else the
``-o`` file's suffix (``.json``), else Markdown. It answers nothing itself (``qa.api``).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from qa import exitcodes
from qa.errors import QAError
from qa.settings import Settings

EPILOG = """examples:
  newsqa export questions.txt -o brief.md     one question per line (blank lines and
                                              lines starting with # are skipped)
  newsqa export - --format json < questions.txt > brief.json
  newsqa export -q "When did the Harbor Bridge reopen?" -q "Why was it late?"
  newsqa export questions.txt --separate --as-of 2025-06-01 -o june.md

Markdown escapes the articles' text (no markup or HTML in a passage survives), so the
document is safe to render. JSON: {"format": "newsqa.conversation/1", "created", "store",
"filters", "turns": [answers as `newsqa ask --format json` prints them]}.

""" + exitcodes.epilog("the document was written (refusals included)",
                       (exitcodes.USAGE, exitcodes.INTERRUPTED))


def build_parser(prog: str = "newsqa export") -> argparse.ArgumentParser:
    """The options of ``newsqa export``."""
    p = argparse.ArgumentParser(
        prog=prog, description="Ask several questions and write the answers with their "
        "cited passages as one Markdown or JSON document.", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("questions", nargs="?", metavar="QUESTIONS",
                   help="a file with one question per line; - or nothing: standard input "
                        "(unless -q is given)")
    p.add_argument("-q", "--question", action="append", default=[], metavar="Q",
                   help="a question (repeatable; asked before those of QUESTIONS)")
    p.add_argument("--format", choices=("md", "json"), default=None,
                   help="md (default; .json for an -o file ending in .json) or json")
    p.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    p.add_argument("--title", default="newsqa answers", help="the Markdown document's title")
    p.add_argument("--separate", action="store_true",
                   help="ask each question on its own (default: one conversation, so "
                        "follow-ups are understood)")
    p.add_argument("--k", type=int, default=None, help="passages to consider (default 6)")
    p.add_argument("--since", help="only articles published on/after this date")
    p.add_argument("--until", help="only articles published on/before this date")
    p.add_argument("--source", action="append", default=None, metavar="S",
                   help="only this source/publisher (repeatable)")
    p.add_argument("--as-of", dest="as_of",
                   help="read time words relative to this date; ignore later articles")
    p.add_argument("--store", help="store directory (overrides NEWSQA_STORE)")
    p.add_argument("--chroma-url", help="Chroma server URL (overrides NEWSQA_CHROMA_URL)")
    p.add_argument("--llm", help="answerer (overrides NEWSQA_LLM)")
    return p


def read_questions(stream: TextIO) -> list[str]:
    """One question per line; blank lines and ``#`` comment lines skipped."""
    out = []
    for line in stream:
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def _questions(args: argparse.Namespace) -> list[str]:
    questions = [q.strip() for q in args.question if q.strip()]
    if args.questions and args.questions != "-":
        try:
            with open(args.questions, encoding="utf-8") as f:
                questions += read_questions(f)
        except (OSError, UnicodeDecodeError) as e:
            raise QAError(f"cannot read the questions from {args.questions}: "
                          f"{getattr(e, 'strerror', None) or e}") from None
    elif args.questions == "-" or not (questions or sys.stdin.isatty()):
        questions += read_questions(sys.stdin)
    return questions


def main(argv: list[str] | None = None, prog: str = "newsqa export") -> int:
    """Run ``newsqa export``; the exit status follows ``qa.exitcodes``."""
    from qa.export import conversation_json, conversation_markdown

    parser = build_parser(prog)
    args = parser.parse_args(argv)
    fmt = args.format or ("json" if (args.output or "").lower().endswith(".json") else "md")
    try:
        questions = _questions(args)
        if not questions:
            print("error: no questions: give a file, pipe them in, or use -q", file=sys.stderr)
            return exitcodes.USAGE
        from qa.api import ask

        settings = Settings.from_env(store=args.store, chroma_url=args.chroma_url,
                                     llm=args.llm)
        opts = dict(k=args.k, since=args.since, until=args.until, sources=args.source,
                    as_of=args.as_of, settings=settings)
        turns, history = [], []
        for i, q in enumerate(questions, 1):
            if sys.stderr.isatty():
                print(f"[{i}/{len(questions)}] {q}", file=sys.stderr)
            ans = ask(q, history=None if args.separate else list(history), **opts)
            turns.append(ans)
            history.append((q, ans.text))
        given = {k: v for k, v in (("since", args.since), ("until", args.until),
                                   ("sources", ", ".join(args.source or [])),
                                   ("as_of", args.as_of)) if v}
        created = datetime.now(UTC).replace(microsecond=0).isoformat()
        meta = {"created": created, "store": settings.where}
        doc = (conversation_json(turns, {**meta, "filters": given}) if fmt == "json" else
               conversation_markdown(turns, args.title, {**meta, **given}))
    except QAError as e:
        print(f"error: {e}", file=sys.stderr)
        return exitcodes.USAGE
    except KeyboardInterrupt:
        print("\ninterrupted: nothing written", file=sys.stderr)
        return exitcodes.INTERRUPTED
    if not args.output:
        sys.stdout.write(doc)
        return exitcodes.OK
    try:
        Path(args.output).write_text(doc, encoding="utf-8")
    except OSError as e:
        print(f"error: cannot write {args.output}: {e.strerror or e}", file=sys.stderr)
        return exitcodes.USAGE
    refused = sum(a.refused for a in turns)
    print(f"wrote {len(turns)} answer(s) ({refused} refused) to {args.output}", file=sys.stderr)
    return exitcodes.OK


__all__ = ["build_parser", "main", "read_questions"]
