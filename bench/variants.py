"""Retrieval settings side by side on the RealTime QA archive that bench/answer.py built.

    python bench/variants.py --weeks 8 prefer_recent=0 prefer_recent=30 per_article=3

Each argument is one variant: comma-separated ``name=value`` pairs, where ``name`` is
``prefer_recent`` (the ``NEWSQA_PREFER_RECENT`` setting) or one of the ``SearchConfig``
constants ``prior_weight``, ``per_article``, ``rrf_k``. Every variant answers the same
answerable questions with ``retrieve(k=10, as_of=question date)``; hit@k is reported over
all of them and by half: choose on the even weeks, read the odd weeks as held out. The
store must exist (``python bench/answer.py --weeks N`` builds it). Retrieval only: no
answers, no recipe. For choosing defaults, not for the headline numbers (bench/answer.py).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.answer import KS, OUT, _tag, hit_rate, load_questions, norm  # noqa: E402
from bench.common import machine  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("variants", nargs="+", help="e.g. prefer_recent=0,per_article=3")
    ap.add_argument("--weeks", type=int, default=0, help="the archive of the first N weeks")
    ap.add_argument("--embedder", default="minilm-onnx",
                    help="the archive's embedder (its store: bench/quality.py STORES)")
    ap.add_argument("--rerank", default="off", help="cross-encoder or off")
    ap.add_argument("--even", action="store_true", help="even weeks only (choosing settings)")
    ap.add_argument("--limit", type=int, default=0, help="every n-th question only (n = "
                    "len / limit), for a quick look")
    args = ap.parse_args()

    from dataclasses import fields, replace

    from bench.quality import STORES
    from qa import QA, Filters
    from qa.search.hybrid import SearchConfig
    from qa.settings import Settings

    base = Settings(store=str(OUT / (STORES[args.embedder] + _tag(args.weeks))),
                    embedder=args.embedder, rerank=args.rerank)
    knobs = {f.name: f.type for f in fields(SearchConfig)}
    if not QA(base).store.count():
        sys.exit(f"no archive in {base.store}: run python bench/answer.py first")
    every = load_questions(args.weeks or None)
    weeks = sorted({q["week"] for q in every})  # as bench/answer.py splits them
    qs = [q for q in every if q["answerable"]]
    even = {w for i, w in enumerate(weeks) if i % 2 == 0}
    if args.even:
        qs = [q for q in qs if q["week"] in even]
    if args.limit and len(qs) > args.limit:
        qs = [qs[i * len(qs) // args.limit] for i in range(args.limit)]

    print(f"\n### Retrieval variants — `python bench/variants.py"
          f"{f' --weeks {args.weeks}' if args.weeks else ''} {' '.join(args.variants)}`\n")
    print(f"{len(qs)} answerable questions ({sum(q['week'] in even for q in qs)} in even "
          f"weeks). Machine: {machine()}. Cells: all / even weeks / odd weeks.\n")
    print("| variant | " + " | ".join(f"hit@{k}" for k in KS) + " | p50 ms |\n|---|"
          + "---:|" * (len(KS) + 1))
    for spec in args.variants:
        kv = dict(x.split("=", 1) for x in spec.split(",") if x)
        cfg = SearchConfig(prior_half_life=base.prefer_recent)
        for k, v in kv.items():
            k = "prior_half_life" if k == "prefer_recent" else k
            if k not in knobs:
                sys.exit(f"unknown setting {k!r}: use prefer_recent or {', '.join(knobs)}")
            cfg = replace(cfg, **{k: (float if knobs[k] == "float" else int)(v)})
        qa = QA(base, search_config=cfg)  # one process: models load once per variant
        qa.retrieve("warm up the models", k=10)
        lat, firsts = [], []
        for q in qs:
            g = norm(q["gold"])
            t = time.perf_counter()
            cites = qa.retrieve(q["q"], k=10, filters=Filters.of(as_of=q["date"]))
            lat.append(time.perf_counter() - t)
            firsts.append((q["week"] in even,
                           next((j for j, c in enumerate(cites) if g in norm(c.passage)), None)))

        parts = [[f for _, f in firsts], [f for e, f in firsts if e],
                 [f for e, f in firsts if not e]]  # all, even weeks, odd weeks
        cells = " | ".join(" / ".join(f"{hit_rate(p, k):.3f}" for p in parts) for k in KS)
        print(f"| {spec} | {cells} | {statistics.median(lat) * 1000:.0f} |", flush=True)


if __name__ == "__main__":
    main()
