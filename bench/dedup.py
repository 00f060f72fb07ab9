"""Near-duplicate grouping on RealTime QA 2022 (issue 13, item 1).

    nice python bench/dedup.py --weeks 4            # groups, 50 pairs to check, cost
    nice python bench/dedup.py --weeks 4 --hits     # + hit@k before/after grouping

1. Ingests the first ``--weeks`` weeks' articles (``bench.common.flatten_articles``) into a
   fresh store with the real pipeline and reads from its report the time spent detecting
   near-copies (CPU seconds of sketching, LSH lookups and exact checks:
   ``near_copy_seconds``) against the ingest wall time. The same articles are also
   sketched and banded alone, in memory, to time the MinHash + LSH step without the store.
2. Reads the groups back from the store's ledger (``dup_of``) and prints a seeded sample of
   50 (copy, canonical) pairs — outlet, URL, title, first 200 characters, exact Jaccard —
   for a person to judge (also written to ``bench/out/dedup-pairs-wN.txt``).
3. With ``--hits``: the same articles in a second store with grouping off, and for every
   answerable question of those weeks (``bench.answer.load_questions``) hit@1/3/5/10 of
   ``retrieve`` (gold text in a passage, ``as_of`` = the question's date) in both, plus the
   distinct stories (groups) among the top 5.
Benchmarks only; prints a Markdown summary for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, flatten_articles, machine, write_jsonl  # noqa: E402

OUT = ROOT / "bench" / "out"


def ingest_into(store: Path, articles: Path, grouping: bool, embedder):
    import ingest.copies
    from ingest import ingest as run
    from qa.settings import Settings

    shutil.rmtree(store, ignore_errors=True)
    saved = ingest.copies.THRESHOLD
    ingest.copies.THRESHOLD = saved if grouping else 2.0  # 2.0: nothing ever matches
    try:
        return run([str(articles)], Settings(store=str(store)), embedder=embedder,
                   progress=True)
    finally:
        ingest.copies.THRESHOLD = saved


def standalone_cost(articles: Path) -> tuple[int, float, int]:
    """Clean the articles, then sketch and band them in memory: (articles, seconds, pairs
    whose estimate reaches VERIFY_FROM)."""
    from ingest.clean import clean
    from ingest.read import iter_records
    from ingest.records import Failure
    from qa.settings import Settings
    from qa.text.minhash import VERIFY_FROM, similarity, sketch

    texts = [a.text for r in iter_records([str(articles)], Settings())
             if not isinstance(r, Failure) and not isinstance(a := clean(r), Failure)]
    t = time.perf_counter()
    bands: dict[int, list[int]] = {}
    sigs, near = [], 0
    for i, text in enumerate(texts):
        sk = sketch(text)
        sigs.append(sk.signature if sk else None)
        if sk is None:
            continue
        cands = {j for k in sk.bands for j in bands.get(k, ())}
        near += sum(similarity(sk.signature, sigs[j]) >= VERIFY_FROM for j in cands)
        for k in sk.bands:
            bands.setdefault(k, []).append(i)
    return len(texts), time.perf_counter() - t, near


def pairs_sample(store: Path, n: int, seed: int = 13) -> tuple[dict, list[str]]:
    from qa.settings import Settings
    from qa.store import Store
    from qa.text.minhash import jaccard, shingle_hashes

    st = Store.open(Settings(store=str(store)), None)
    arts = {a: s for a, s in st.all_articles().items() if s.complete}
    groups: dict[str, list[str]] = {}
    for a, s in arts.items():
        if s.dup_of:
            groups.setdefault(s.dup_of, []).append(a)
    pairs = [(c, canon) for canon, cs in groups.items() for c in cs]
    random.Random(seed).shuffle(pairs)
    texts = st.article_texts(list({x for p in pairs for x in p}))
    lines = []
    for i, (copy, canon) in enumerate(sorted(pairs[:n], key=lambda p: (p[1], p[0]))):
        a, b = texts.get(copy, ""), texts.get(canon, "")
        j = jaccard(shingle_hashes(a), shingle_hashes(b))
        lines.append(f"--- pair {i + 1}: Jaccard {j:.2f}, identical text: {a == b}")
        for label, aid, text in (("copy", copy, a), ("canonical", canon, b)):
            s = arts[aid]
            lines.append(f"  {label}: {s.source} | {s.published} | {s.url}")
            lines.append(f"    title: {s.title}")
            lines.append(f"    text: {' '.join(text[:200].split())}")
    sizes = Counter(len(cs) + 1 for cs in groups.values())
    stats = {"articles": len(arts), "groups": len(groups), "copies": len(pairs),
             "sizes": dict(sorted(sizes.items())),
             "cross_outlet": sum(arts[c].source != arts[g].source for c, g in pairs),
             "identical": sum(texts.get(c) == texts.get(g) for c, g in pairs)}
    return stats, lines


def hits(store: Path, qs: list[dict], canon: dict[str, str], embedder) -> dict:
    from bench.answer import hit_rate, norm
    from qa import QA, Filters
    from qa.settings import Settings

    firsts, stories = [], []
    with QA(Settings(store=str(store)), embedder=embedder) as newsqa:
        for q in qs:
            cites = newsqa.retrieve(q["q"], k=10, filters=Filters(as_of=q["date"]))
            g = norm(q["gold"])
            firsts.append(next((i for i, c in enumerate(cites) if g in norm(c.passage)), None))
            stories.append(len({canon.get(c.article_id, c.article_id) for c in cites[:5]}))
    return {**{f"hit@{k}": hit_rate(firsts, k) for k in (1, 3, 5, 10)},
            "stories@5": sum(stories) / max(1, len(stories))}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weeks", type=int, default=4)
    p.add_argument("--sample", type=int, default=50)
    p.add_argument("--hits", action="store_true", help="also hit@k before/after grouping")
    args = p.parse_args()
    from qa.api import MODELS
    from qa.settings import Settings

    rows = flatten_articles(weeks=args.weeks)
    path = write_jsonl(rows, OUT / f"dedup-articles-w{args.weeks}.jsonl")
    embedder = MODELS.embedder(Settings())
    on = OUT / f"dedup-store-on-w{args.weeks}"
    rep = ingest_into(on, path, True, embedder)
    n, alone, near = standalone_cost(path)
    stats, lines = pairs_sample(on, args.sample)
    (OUT / f"dedup-pairs-w{args.weeks}.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\n### Near-duplicate grouping — `nice python bench/dedup.py --weeks {args.weeks}"
          f"{' --hits' if args.hits else ''}`\n\n{len(rows)} input articles; machine: "
          f"{machine()}.\n")
    print(f"- ingest: {rep.summary()}")
    print(f"- groups: {stats['groups']} groups holding {stats['copies']} copies "
          f"(group sizes {stats['sizes']}); {stats['identical']} copies with exactly the "
          f"canonical's text; {stats['cross_outlet']} copies in another outlet than their "
          "canonical article")
    print(f"- detection inside ingestion: {rep.near_copy_seconds:.2f} CPU s against "
          f"{rep.seconds:.1f} s ingest wall = {100 * rep.near_copy_seconds / rep.seconds:.2f} %"
          f", {1000 * rep.near_copy_seconds / max(1, n):.2f} ms per article, "
          f"{rep.near_copy_lookups} band lookups")
    print(f"- MinHash + LSH alone, in memory: {alone:.2f} s for {n} articles = "
          f"{1000 * alone / max(1, n):.2f} ms per article "
          f"({100 * alone / rep.seconds:.2f} % of the ingest wall time); {near} candidate "
          "pairs reached the exact check")
    if args.hits:
        from bench.answer import load_questions
        from qa.store import Store

        off = OUT / f"dedup-store-off-w{args.weeks}"
        rep_off = ingest_into(off, path, False, embedder)
        arts = Store.open(Settings(store=str(on)), None).all_articles()
        canon = {a: (s.dup_of or a) for a, s in arts.items()}
        qs = [q for q in load_questions(args.weeks) if q["answerable"]]
        before, after = hits(off, qs, canon, embedder), hits(on, qs, canon, embedder)
        print(f"- without grouping: {rep_off.summary()} (wall {rep_off.seconds:.1f} s vs "
              f"{rep.seconds:.1f} s with it; one run each on a shared machine)")
        print(f"\n{len(qs)} answerable questions, `retrieve(k=10, as_of=question date)`:\n")
        print("| store | " + " | ".join(before) + " |")
        print("|---|" + "---:|" * len(before))
        for name, r in (("grouping off", before), ("grouping on", after)):
            print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in r.values()) + " |")


if __name__ == "__main__":
    main()
