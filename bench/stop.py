"""Stop in the page: how soon an answer is marked stopped, and how soon the next question is
answered, while the model streams words or is still silent (reading a long prompt).

    python bench/stop.py                      # 3 rounds, a silence of 120 s
    python bench/stop.py --rounds 2 --silence 10

The app serves the demo corpus (examples/articles) with ``NEWSQA_LLM=openai`` pointed at
``tests/support/slowllm.py`` (a fake OpenAI-compatible server on 127.0.0.1: a word every
0.4 s, or nothing at all for ``--silence`` seconds first), driven by Debian's chromium through
Playwright: ask, wait a second after the server has the request, press Stop, then ask "When
did the Harbor Bridge reopen?". A next question not answered within ``--patience`` seconds
is reported as such. Prints a Markdown table; nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, machine  # noqa: E402

NEXT = "When did the Harbor Bridge reopen?"
SETTLED = "() => document.querySelectorAll('#nqa-chat .nqa-answer:not(.nqa-pending)').length >= 2"


def one(browser, url: str, llm, question: str, patience: float) -> tuple[float, float | None]:
    """(Stop → marked stopped, next question → answered or None) in seconds."""
    pg = browser.new_page()
    try:
        pg.goto(url)
        pg.wait_for_selector("#nqa-stats .nqa-stats", timeout=90_000)
        pg.locator("#nqa-question textarea").fill(question)
        n = len(llm.requests)
        pg.locator("#nqa-ask").click()
        while len(llm.requests) == n:
            time.sleep(0.05)
        time.sleep(1.0)
        t = time.monotonic()
        pg.get_by_role("button", name="Stop").click()
        pg.wait_for_selector("#nqa-chat .nqa-stopped", timeout=90_000)
        stopped = time.monotonic() - t
        t = time.monotonic()
        pg.locator("#nqa-question textarea").fill(NEXT)
        pg.locator("#nqa-ask").click()
        try:
            pg.wait_for_function(SETTLED, timeout=patience * 1000)
        except Exception:  # Playwright's TimeoutError
            return stopped, None
        return stopped, time.monotonic() - t
    finally:
        pg.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--silence", type=float, default=120.0, help="seconds the model says nothing")
    ap.add_argument("--patience", type=float, default=60.0,
                    help="seconds to wait for the next question's answer")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    import tests.support.slowllm as slowllm
    from ingest import ingest
    from qa.settings import Settings
    from tests.support.webapp import chromium, served

    slowllm.LONGEST = args.silence  # read by the server at each request
    s = Settings(store=str(Path(tempfile.mkdtemp(prefix="newsqa-stop-")) / "store"))
    ingest([str(ROOT / "examples" / "articles")], s)
    rows: dict[str, list[tuple[float, float | None]]] = {"silent": [], "streaming": []}
    with slowllm.SlowLLM() as llm, served(llm.settings(s)) as url, sync_playwright() as p:
        browser = chromium(p)
        for _ in range(args.rounds):
            for mode, word in (("silent", slowllm.HESITANT), ("streaming", slowllm.SLOW)):
                question = f"Tell me {word} about the Harbor Bridge repairs"
                rows[mode].append(one(browser, url, llm, question, args.patience))
                print(mode, rows[mode][-1], file=sys.stderr)
        browser.close()
    print(f"\n### Stop — `python bench/stop.py --rounds {args.rounds} --silence {args.silence:g}`"
          f"\n\nMachine: {machine()}.\n\n| model | Stop → marked stopped, median s | next "
          f"question answered, median s | not answered within {args.patience:g} s |\n"
          "|---|---:|---:|---:|")
    for mode, got in rows.items():
        answered = [b for _, b in got if b is not None]
        nxt = f"{statistics.median(answered):.2f}" if answered else "–"
        print(f"| {mode} | {statistics.median(a for a, _ in got):.2f} | {nxt} | "
              f"{len(got) - len(answered)} of {len(got)} |")


if __name__ == "__main__":
    main()
