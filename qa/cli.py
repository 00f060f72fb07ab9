"""Command line for questions: ``python -m qa "question" [--format text|md|json] ...``.

With a question: prints the answer with its numbered sources (``--format md``: a Markdown
document, ``--format json`` or ``--json``: JSON, both from ``qa.export``); the
answer's spans (the date, number or name asked for) are ANSI bold on a terminal only; a
cited story carried by other outlets says so ("also in: ...", ``qa.alsoin``).
Without one, on a terminal: an interactive chat that keeps the conversation, so follow-up
questions work; piped input is read as one question. Exit status (``qa.exitcodes``, shared
with ``python -m ingest`` and ``python app.py``): 0 for an answer or a refusal, 2 for a
usage error or a problem the user must fix (one line on stderr, no traceback), 130 when
interrupted. It does not answer anything itself: ``qa.api`` does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from datetime import date
from typing import TextIO

from qa import exitcodes
from qa.alsoin import also_in_text
from qa.dates import read_date
from qa.errors import QAError
from qa.export import answer_json, answer_markdown, citations_markdown
from qa.settings import Settings
from qa.types import Answer

EPILOG = """examples:
  python -m qa "When did the Harbor Bridge reopen?"
  python -m qa "What happened at the port this week?" --as-of 2025-06-20
  python -m qa "Who won the election?" --source "Harbor Times" --json
  python -m qa "When did the Harbor Bridge reopen?" --format md > answer.md
  python -m qa                                   interactive chat (follow-ups work)

Answers are extractive by default (no model needed); set NEWSQA_LLM for an LLM.

""" + exitcodes.epilog("an answer, or a refusal when the articles do not support one",
                       (exitcodes.USAGE, exitcodes.INTERRUPTED))


def _date(s: str, end: bool = False) -> date | None:
    """An option's date, read by ``qa.dates.read_date`` (``end``: the last day of a month
    or year), its error as argparse's."""
    try:
        return read_date(s, end=end)
    except QAError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _end_date(s: str) -> date | None:
    return _date(s, end=True)


FORMATS = ("text", "md", "json")


def build_parser(prog: str = "python -m qa") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog, description="Ask a question of your news articles; every "
        "answer cites the passages it rests on.", epilog=EPILOG.replace("python -m qa", prog),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("question", nargs="*", help="the question (omit for interactive chat)")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="text (default), md (Markdown: the answer with each source's title, "
                        "outlet, date, URL, exact passage and offsets) or json")
    p.add_argument("--json", action="store_true", help="the same as --format json")
    p.add_argument("--k", type=int, default=None, help="passages to consider (default 6)")
    p.add_argument("--since", type=_date, help="only articles published on/after this date")
    p.add_argument("--until", type=_end_date, help="only articles published on/before this date")
    p.add_argument("--source", action="append", default=None, metavar="S",
                   help="only this source/publisher (repeatable)")
    p.add_argument("--as-of", type=_date, dest="as_of",
                   help="read time words relative to this date; ignore later articles")
    p.add_argument("--passages", action="store_true",
                   help="print the retrieved passages only (no answer)")
    p.add_argument("--store", help="store directory (overrides NEWSQA_STORE)")
    p.add_argument("--chroma-url", help="Chroma server URL (overrides NEWSQA_CHROMA_URL)")
    p.add_argument("--llm", help="answerer (overrides NEWSQA_LLM): extractive, openai, "
                   "ollama, gguf:PATH")
    return p


BOLD, RESET = "\x1b[1m", "\x1b[0m"
_ON, _OFF = "\x0e", "\x0f"  # stand-ins for BOLD/RESET that wrapping treats as letters


def use_bold(stream: TextIO | None = None) -> bool:
    """ANSI bold only on a terminal (and not under NO_COLOR or TERM=dumb)."""
    stream = stream or sys.stdout
    return (hasattr(stream, "isatty") and stream.isatty() and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb")


def _marked(text: str, spans: Sequence[tuple[int, int]]) -> str:
    out, at = [], 0
    for a, b in sorted(spans):
        if at <= a < b <= len(text):
            out += [text[at:a], _ON, text[a:b], _OFF]
            at = b
    return "".join(out) + text[at:]


def _fill(text: str, width: int) -> str:
    """Wrapped line by line: a story answer's dated lines ("- May 23, 2025: ...") stay
    lines, continued under their text."""
    return "\n".join(textwrap.fill(line, width, subsequent_indent="  " if
                                    line.startswith("- ") else "") for line in text.split("\n"))


def render(ans: Answer, width: int = 88, bold: bool = False) -> str:
    """Human-readable answer with its sources; with ``bold``, the answer's spans (the date,
    number or name asked for) in ANSI bold."""
    text = _fill(_marked(ans.text, ans.spans) if bold else ans.text, width)
    lines = [text.replace(_ON, BOLD).replace(_OFF, RESET)]
    if ans.query and ans.query != ans.question:
        lines.insert(0, f"(searched: {ans.query})")
    for c in ans.citations or ans.related:
        origin = c.source or "source unknown"
        if c.published:
            origin += f", {c.published.isoformat()}"
        label = f"[{c.number}]" if ans.citations else "related:"
        lines.append(f"\n{label} {c.title or c.article_id} — {origin}")
        if c.url:
            lines.append(f"    {c.url}")
        if also := also_in_text(c):  # the story's copies in other outlets
            lines.append(f"    ({also})")
        quote = c.passage[c.highlight[0]:c.highlight[1]] if c.highlight else c.passage[:300]
        lines.append(textwrap.indent(textwrap.fill(f"“{quote}”", width - 4), "    "))
    if ans.dropped:
        lines.append(f"\n({len(ans.dropped)} unsupported sentence(s) removed)")
    return "\n".join(lines)


def show(ans: Answer, as_json: bool | str = False) -> str:
    """What the CLI prints for an answer in a format (``FORMATS``; ``True``: json): JSON
    (with the spans' offsets), Markdown, or the text with the spans bold when stdout is a
    terminal."""
    fmt = "json" if as_json is True else (as_json or "text")
    if fmt == "json":
        return answer_json(ans)
    if fmt == "md":
        return answer_markdown(ans).rstrip("\n")
    return render(ans, bold=use_bold())


def main(argv: list[str] | None = None, prog: str = "python -m qa") -> int:
    """Run the command (``prog``: the name ``--help`` shows, e.g. ``newsqa ask``)."""
    p = build_parser(prog)
    args = p.parse_args(argv)
    if args.json and args.format not in (None, "json"):
        p.error("--json and --format are one choice: give one of them")
    fmt = "json" if args.json else (args.format or "text")
    try:
        from qa.api import ask, retrieve

        settings = Settings.from_env(store=args.store, chroma_url=args.chroma_url,
                                     llm=args.llm)
        opts = dict(k=args.k, since=args.since, until=args.until, sources=args.source,
                    as_of=args.as_of, settings=settings)
        question = " ".join(args.question).strip()
        if args.passages:
            if not question:
                print("error: --passages needs a question", file=sys.stderr)
                return exitcodes.USAGE
            opts.pop("k")
            cites = retrieve(question, k=args.k or 10, **opts)
            if fmt == "json":
                print(json.dumps([c.to_dict() for c in cites], indent=2))
            elif fmt == "md":
                print(citations_markdown(cites).rstrip("\n"))
            else:
                for c in cites:
                    also = f" ({also_in_text(c)})" if c.also_in else ""
                    print(f"[{c.number}] {c.score:.3f} {c.title} — {c.source}{also}\n    "
                          f"{c.passage[:200]}")
            return exitcodes.OK
        if question:
            ans = ask(question, **opts)
            print(show(ans, fmt))
            return exitcodes.OK
        if not sys.stdin.isatty():
            question = sys.stdin.read().strip()
            if not question:
                print("error: give a question", file=sys.stderr)
                return exitcodes.USAGE
            ans = ask(question, **opts)
            print(show(ans, fmt))
            return exitcodes.OK
        return _chat(opts, fmt)
    except QAError as e:
        print(f"error: {e}", file=sys.stderr)
        return exitcodes.USAGE
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return exitcodes.INTERRUPTED


def _chat(opts: dict, fmt: str) -> int:
    from qa.api import ask

    history: list[tuple[str, str]] = []
    print("Ask about your articles (empty line or Ctrl-D to quit).")
    while True:
        try:
            q = input("\n> ").strip()
        except EOFError:
            return exitcodes.OK
        if not q:
            return exitcodes.OK
        try:
            ans = ask(q, history=history, **opts)
        except QAError as e:
            print(f"error: {e}")
            continue
        print(show(ans, fmt))
        history.append((q, ans.text))
