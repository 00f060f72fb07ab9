"""Near-duplicate grouping on RealTime QA 2022 (issue 13, item 1).

    nice python bench/dedup.py --weeks 4                  # cost; groups of every week
    nice python bench/dedup.py --weeks 4 --hits-weeks 12  # + hit@k without/with grouping

1. Ingests the first ``--weeks`` weeks' articles (``bench.common.flatten_articles``) into a
   fresh store with the real pipeline and reads from its report the time spent detecting
   near-copies (CPU seconds of sketching, LSH lookups and exact checks:
   ``near_copy_seconds``) against the ingest wall time, and the wall time the embedding
   thread waited for the grouping (``Grouper.assign``). The same articles are also sketched
   and banded alone, in memory, to time the MinHash + LSH step without the store.
2. Reads the groups back from the store's ledger (``dup_of``) and prints a seeded sample of
   50 (copy, canonical) pairs — outlet, URL, title, first 200 characters, exact Jaccard —
   for a person to judge, then the near misses (pairs in different groups with Jaccard
   >= 0.5: what the threshold or the headline check kept apart); also written to
   ``bench/out/dedup-pairs-wN.txt``. The ``--groups-weeks`` weeks (default 0: all) are
   ingested for this into a scratch store by the same pipeline with a placeholder embedder
   (grouping does not use the vectors).
3. With ``--hits-weeks N``: those weeks in two stores, grouping off and on, and for every
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


class Placeholder:
    """An embedder that only hashes: for a store whose grouping alone is wanted."""

    name, dim = "bench-placeholder", 8

    def embed(self, texts):
        import numpy as np

        rows = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=self.dim)
                for t in texts]
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text):
        return self.embed([text])[0]


def ingest_into(store: Path, articles: Path, grouping: bool, embedder):
    """A fresh store of the articles; returns (report, wall seconds in Grouper.assign)."""
    import ingest.copies
    from ingest import ingest as run
    from qa.settings import Settings

    shutil.rmtree(store, ignore_errors=True)
    saved, assign = ingest.copies.THRESHOLD, ingest.copies.Grouper.assign
    waited = [0.0]

    def timed(self, item):
        t = time.perf_counter()
        try:
            return assign(self, item)
        finally:
            waited[0] += time.perf_counter() - t

    ingest.copies.THRESHOLD = saved if grouping else 2.0  # 2.0: nothing ever matches
    ingest.copies.Grouper.assign = timed
    try:
        return run([str(articles)], Settings(store=str(store)), embedder=embedder,
                   progress=True), waited[0]
    finally:
        ingest.copies.THRESHOLD, ingest.copies.Grouper.assign = saved, assign


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


def near_misses(store: Path, limit: int = 25) -> list[str]:
    """Pairs of stored articles in different groups whose shingles overlap by Jaccard 0.5 or
    more (LSH candidates, checked exactly): what the threshold or the headline check left
    apart, most similar first."""
    from ingest.copies import tells_its_story
    from qa.settings import Settings
    from qa.store import Store
    from qa.text.minhash import VERIFY_FROM, jaccard, similarity, sketch

    st = Store.open(Settings(store=str(store)), None)
    arts = {a: s for a, s in st.all_articles().items() if s.complete}
    texts = st.article_texts(list(arts))
    group = {a: s.dup_of or a for a, s in arts.items()}
    sks = {a: sk for a in arts if (sk := sketch(texts.get(a, ""))) is not None}
    bands: dict[int, list[str]] = {}
    found = []
    for a, sk in sks.items():
        for b in sorted({b for k in sk.bands for b in bands.get(k, ())}):
            if group[a] != group[b] and similarity(sk.signature, sks[b].signature) >= \
                    VERIFY_FROM - 0.1 and (j := jaccard(sk.shingles, sks[b].shingles)) >= 0.5:
                found.append((j, a, b))
        for k in sk.bands:
            bands.setdefault(k, []).append(a)
    told = {a: tells_its_story(arts[a].title, texts.get(a, "")) for a in arts}
    boiler = [(j, a, b) for j, a, b in found if j >= 0.8 and not (told[a] and told[b])]
    below = sorted(((j, a, b) for j, a, b in found if j < 0.8), reverse=True)
    lines = [f"\nnear misses: {len(found)} pairs in different groups with Jaccard >= 0.5; "
             f"{len(boiler)} of them >= 0.8 kept apart by the headline check (among "
             f"{len({x for _, a, b in boiler for x in (a, b)})} articles), {len(below)} "
             f"below 0.8; the {min(limit, len(below))} most similar of those:"]
    for j, a, b in below[:limit]:
        lines.append(f"  {j:.2f} {arts[a].source} {arts[a].published} {arts[a].title[:60]!r}"
                     f" | {arts[b].source} {arts[b].published} {arts[b].title[:60]!r}")
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weeks", type=int, default=4, help="weeks ingested to time detection")
    p.add_argument("--sample", type=int, default=50)
    p.add_argument("--groups-weeks", type=int, default=0,
                   help="weeks whose groups are listed and sampled (0: all)")
    p.add_argument("--hits-weeks", type=int, default=None,
                   help="weeks for hit@k without/with grouping (two stores; 0: all)")
    args = p.parse_args()
    from qa.api import MODELS
    from qa.settings import Settings

    rows = flatten_articles(weeks=args.weeks)
    path = write_jsonl(rows, OUT / f"dedup-articles-w{args.weeks}.jsonl")
    embedder = MODELS.embedder(Settings())
    rep, waited = ingest_into(OUT / f"dedup-store-on-w{args.weeks}", path, True, embedder)
    n, alone, near = standalone_cost(path)
    gw = args.groups_weeks
    grouped = OUT / f"dedup-store-groups-w{gw}"
    gpath = write_jsonl(flatten_articles(weeks=gw or None), OUT / f"dedup-articles-w{gw}.jsonl")
    grep, _ = ingest_into(grouped, gpath, True, Placeholder())
    stats, lines = pairs_sample(grouped, args.sample)
    misses = near_misses(grouped)
    (OUT / f"dedup-pairs-w{gw}.txt").write_text("\n".join(lines + misses) + "\n")
    print("\n".join(lines + misses))
    cmd = " ".join(sys.argv[1:])
    print(f"\n### Near-duplicate grouping — `nice python bench/dedup.py {cmd}`\n\n"
          f"Machine: {machine()}.\n")
    print(f"- cost, {args.weeks} weeks ({len(rows)} input articles, real embedder): "
          f"{rep.summary()}")
    print(f"- detection inside ingestion: {rep.near_copy_seconds:.2f} CPU s against "
          f"{rep.seconds:.1f} s ingest wall = {100 * rep.near_copy_seconds / rep.seconds:.2f} %"
          f", {1000 * rep.near_copy_seconds / max(1, n):.2f} ms per article, "
          f"{rep.near_copy_lookups} band lookups; the embedding thread waited "
          f"{waited:.2f} s for grouping ({100 * waited / rep.seconds:.2f} %)")
    print(f"- MinHash + LSH alone, in memory: {alone:.2f} s for {n} articles = "
          f"{1000 * alone / max(1, n):.2f} ms per article "
          f"({100 * alone / rep.seconds:.2f} % of the ingest wall time); {near} candidate "
          "pairs reached the exact check")
    print(f"- groups, {'every week' if not gw else f'{gw} weeks'} (placeholder vectors): "
          f"{grep.summary()}")
    print(f"- {stats['groups']} groups holding {stats['copies']} copies "
          f"(group sizes {stats['sizes']}); {stats['identical']} copies with exactly the "
          f"canonical's text; {stats['cross_outlet']} copies in another outlet than their "
          "canonical article")
    if args.hits_weeks is not None:
        hits_table(args.hits_weeks, embedder)


def hits_table(weeks: int, embedder) -> None:
    """hit@k and distinct stories in the top 5, the same weeks without and with grouping."""
    from bench.answer import load_questions
    from qa.settings import Settings
    from qa.store import Store

    path = write_jsonl(flatten_articles(weeks=weeks or None),
                       OUT / f"dedup-articles-w{weeks}.jsonl")
    off, on = OUT / f"dedup-store-off-w{weeks}", OUT / f"dedup-store-hits-w{weeks}"
    rep_off, _ = ingest_into(off, path, False, embedder)
    rep_on, _ = ingest_into(on, path, True, embedder)
    arts = Store.open(Settings(store=str(on)), None).all_articles()
    canon = {a: (s.dup_of or a) for a, s in arts.items()}
    qs = [q for q in load_questions(weeks or None) if q["answerable"]]
    before, after = hits(off, qs, canon, embedder), hits(on, qs, canon, embedder)
    print(f"- hit@k, {weeks or 'all'} weeks: without grouping {rep_off.summary()}; with "
          f"grouping {rep_on.summary()}")
    print(f"\n{len(qs)} answerable questions, `retrieve(k=10, as_of=question date)`; "
          "stories@5: distinct groups among the top 5:\n")
    print("| store | " + " | ".join(before) + " |")
    print("|---|" + "---:|" * len(before))
    for name, r in (("grouping off", before), ("grouping on", after)):
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in r.values()) + " |")


if __name__ == "__main__":
    main()
