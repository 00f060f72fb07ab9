"""What the revision step costs: ``ask()`` with and without ``qa.service.revise`` (a fact
answer about a figure its story revised), alternating, in one process, on the first 120
answerable RealTime QA questions over the bge archive of ``bench/quality.py``.

    python bench/revise_ab.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import qa.service as svc  # noqa: E402
from bench.answer import OUT, load_questions  # noqa: E402
from qa import QA, Filters  # noqa: E402
from qa.news.revised import Revised, revise  # noqa: E402
from qa.settings import Settings  # noqa: E402


def unrevised(question, text, cites, *args, **kwargs) -> Revised:
    return Revised(text, tuple(cites))


def main() -> None:
    qs = [q for q in load_questions(None) if q["answerable"]][:120]
    newsqa = QA(Settings(store=str(OUT / "rtqa-store-bge"), embedder="bge-small"))
    newsqa.ask("warm up")
    on: list[float] = []
    off: list[float] = []
    noted = 0
    for q in qs:
        for mode in ("off", "on") if len(on) % 2 else ("on", "off"):
            svc.revise = revise if mode == "on" else unrevised
            t = time.perf_counter()
            ans = newsqa.ask(q["q"], filters=Filters(as_of=q["date"]))
            (on if mode == "on" else off).append(time.perf_counter() - t)
            noted += mode == "on" and "Earlier reports of the" in ans.text

    def p95(xs: list[float]) -> float:
        return 1000 * sorted(xs)[int(0.95 * len(xs))]

    p50_on, p50_off = statistics.median(on), statistics.median(off)
    print(f"ask p50 with revisions {1000 * p50_on:.0f} ms, without {1000 * p50_off:.0f} ms "
          f"({p50_on / p50_off:.2f}x); p95 {p95(on):.0f} vs {p95(off):.0f} ms; "
          f"answers with a revision note: {noted}/{len(qs)}")


if __name__ == "__main__":
    main()
