"""Story threads on RealTime QA 2022: how the archive's articles group into stories, what it
costs, and a sample to check by hand.

    python bench/stories.py [--weeks N] [--sample 30] [--seed 7]

Runs ``qa.store.stories.StoryIndex`` (the code the store uses) over the archive's
articles, oldest first, in a scratch SQLite file; prints the time per article, the story
size distribution and the biggest stories, and writes ``bench/out/stories-sample.md``:
``--sample`` random stories of two or more articles with every member's date and title,
for a person to mark each story right (one story) or wrong (and which members do not
belong). Benchmarks only.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, flatten_articles, machine  # noqa: E402
from ingest.dates import parse_date  # noqa: E402
from qa.store.stories import StoryDoc, StoryIndex  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weeks", type=int, default=None, help="first N weekly files (all)")
    ap.add_argument("--sample", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    opts = ap.parse_args()
    rows = flatten_articles(weeks=opts.weeks)
    docs = []
    for i, r in enumerate(rows):
        docs.append(StoryDoc(f"a{i:05d}", r["title"], r["text"],
                             parse_date(r["publish_date"])))  # as ingestion reads it
    by_id = {d.article_id: d for d in docs}
    with tempfile.TemporaryDirectory() as tmp:
        index = StoryIndex(Path(tmp) / "stories.sqlite3")
        t = time.perf_counter()
        for lo in range(0, len(docs), 200):
            index.add(docs[lo:lo + 200])
        seconds = time.perf_counter() - t
        stories = index.stories()
        index.close()
    sizes = Counter(len(m) for m in stories.values())
    multi = [s for s, m in stories.items() if len(m) > 1]
    print(f"machine: {machine()}")
    print(f"articles: {len(docs)}, stories: {len(stories)}, of 2+ articles: {len(multi)} "
          f"holding {sum(len(stories[s]) for s in multi)} articles")
    print(f"grouping: {seconds:.1f} s, {1000 * seconds / max(len(docs), 1):.1f} ms/article")
    print("sizes: " + ", ".join(f"{k}: {v}" for k, v in sorted(sizes.items())))
    print("biggest:")
    for s in sorted(stories, key=lambda s: -len(stories[s]))[:5]:
        print(f"  {len(stories[s])} articles, e.g. {by_id[stories[s][0]].title[:70]!r}")
    rng = random.Random(opts.seed)
    picked = rng.sample(multi, min(opts.sample, len(multi)))
    out = ROOT / "bench" / "out" / "stories-sample.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# {len(picked)} random stories of 2+ articles (seed {opts.seed})", ""]
    for n, s in enumerate(picked, 1):
        lines.append(f"## {n}. {len(stories[s])} articles")
        for a in stories[s]:
            d = by_id[a]
            lines.append(f"- {d.published or 'undated'}: {d.title}")
        lines.append("")
    out.write_text("\n".join(lines), encoding="utf-8")
    print(f"sample: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
