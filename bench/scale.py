"""Scale benchmark: write and query latency of one store grown to 5k, 50k and 500k chunks.

    python bench/scale.py                  # 5k -> 50k -> 500k chunks (~40 min, 2 cores)
    python bench/scale.py --max 50000      # quick: 5k and 50k

One embedded store is grown in place (5k, then 45k more, then 450k more) and measured at
each size: write throughput (chunks/s over the band just written) and the latency of one
batch write; query latency p50/p95 of dense search (Chroma HNSW), dense search under date
filters (a wide ``as_of``, a sixth of the dates, one month), lexical search (SQLite FTS5
BM25) and the fused ``qa.search.hybrid.search`` (RRF of both plus fetching and diversifying),
plain and with ``as_of``; disk size and memory.

The data are synthetic, so that 500k chunks take minutes rather than the hours that
embedding real text takes on 2 cores: articles of 1-8 chunks (mean 4.5, a typical news
article at 200-token chunks) of ~150 words drawn from a 20,000-word made-up vocabulary
(Zipf-distributed common words plus words specific to one of 300 topics), and embeddings
that are random unit vectors mixed from the article's two topic centroids plus noise (so
neighbours cluster and HNSW works as on real text). Query texts are drawn the same way and
their embeddings come from the same synthetic model (centroids of the topics of the
query's words), never from MiniLM. Writes go through the real write path:
``qa.store.Store.write`` (ledger ``writing`` -> chunks -> lexical -> ledger ``ok`` ->
generation), given what ``ingest.pipeline.article_write`` builds, in the pipeline's batches
of 48 articles.

It does not measure embedding, reading or cleaning (see ``bench/ingest.py``), answer
quality (``bench/answer.py``) or a Chroma server.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine  # noqa: E402
from ingest.chunk import Chunk  # noqa: E402
from ingest.pipeline import BATCH_ARTICLES, article_write, content_hash  # noqa: E402
from ingest.records import Article  # noqa: E402
from qa.search.filters import Filters, Scope  # noqa: E402
from qa.search.hybrid import dense_search, search  # noqa: E402
from qa.settings import Settings  # noqa: E402
from qa.store import ModelInfo, Store  # noqa: E402

DIM = 384
N_TOPICS = 300
VOCAB = 20_000
TOPIC_WORDS = 60
SIZES = (5_000, 50_000, 500_000)
QUERIES = 100
MIN_QUERIES, KIND_BUDGET_S = 20, 45.0  # seconds-long queries at 500k: fewer of them
SYLLABLES = ("ba be bi bo bu da de di do du ka ke ki ko ku la le li lo lu ma me mi mo mu na "
             "ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve "
             "vi vo vu za ze zi zo zu").split()
SOURCES = [f"Gazette {i}" for i in range(40)]
CHUNKS_PER_ARTICLE = (1, 2, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7, 8)  # mean 4.5: a news article


class SyntheticModel:
    """Made-up vocabulary, topics, texts and topic-mixture embeddings (deterministic)."""

    name = "synthetic-topic-mix-384"
    dim = DIM

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)
        words: set[str] = set()
        while len(words) < VOCAB:
            words.add("".join(self.rng.choices(SYLLABLES, k=self.rng.randint(2, 4))))
        self.words = sorted(words)
        self.rng.shuffle(self.words)
        ranks = np.arange(1, VOCAB + 1)
        self.zipf = list(np.cumsum(1.0 / ranks))  # cumulative weights, common words first
        rare = self.words[2_000:]
        self.topics = [self.rng.sample(rare, TOPIC_WORDS) for _ in range(N_TOPICS)]
        self.topic_of = {w: t for t, ws in enumerate(self.topics) for w in ws}
        c = self.np.standard_normal((N_TOPICS, DIM)).astype(np.float32)
        self.centroids = c / np.linalg.norm(c, axis=1, keepdims=True)

    def reseed(self, n: int) -> None:
        """Continue with other articles and noise (vocabulary, topics, centroids kept)."""
        self.rng = random.Random(n)
        self.np = np.random.default_rng(n)

    def sentence(self, topic: int) -> str:
        n = self.rng.randint(8, 22)
        common = self.rng.choices(self.words, cum_weights=self.zipf, k=n)
        specific = self.rng.choices(self.topics[topic], k=n)
        ws = [s if self.rng.random() < 0.35 else c for c, s in zip(common, specific,
                                                                     strict=True)]
        if self.rng.random() < 0.3:
            ws.insert(self.rng.randrange(n), str(self.rng.randint(2, 99_999)))
        return ws[0].capitalize() + " " + " ".join(ws[1:]) + "."

    def vectors(self, topics: list[tuple[int, int]]) -> np.ndarray:
        """One unit vector per (main topic, second topic)."""
        main = self.centroids[[t for t, _ in topics]]
        second = self.centroids[[u for _, u in topics]]
        noise = self.np.standard_normal((len(topics), DIM)).astype(np.float32) / np.sqrt(DIM)
        v = main + 0.5 * second + noise
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def article(self, i: int) -> tuple[Article, list[Chunk], np.ndarray]:
        topic, second = self.rng.randrange(N_TOPICS), self.rng.randrange(N_TOPICS)
        pieces: list[str] = []
        for _ in range(self.rng.choice(CHUNKS_PER_ARTICLE)):
            sents: list[str] = []
            while sum(len(s.split()) for s in sents) < 130:
                sents.append(self.sentence(topic))
            pieces.append(" ".join(sents))
        chunks, pos = [], 0
        for k, piece in enumerate(pieces):
            chunks.append(Chunk(k, pos, pos + len(piece), piece, len(piece.split())))
            pos += len(piece) + 2
        day = date(2020, 1, 1) + timedelta(days=self.rng.randrange(6 * 365))
        title = " ".join(self.rng.choices(self.topics[topic], k=5)).capitalize()
        art = Article(id=f"synthetic-{i:07d}", text="\n\n".join(pieces), title=title,
                      author="", published=day, source=self.rng.choice(SOURCES),
                      url=f"https://news.example.org/{day:%Y/%m/%d}/{i}", origin="scale")
        return art, chunks, self.vectors([(topic, second)] * len(chunks))

    def query(self) -> str:
        t = self.rng.randrange(N_TOPICS)
        ws = self.rng.sample(self.topics[t], self.rng.randint(2, 4))
        ws += self.rng.choices(self.words[:2_000], k=self.rng.randint(1, 2))
        return " ".join(ws)

    def embed_query(self, text: str) -> np.ndarray:
        topics = [self.topic_of[w] for w in text.split() if w in self.topic_of]
        v = self.centroids[topics].sum(axis=0) if topics else np.zeros(DIM, np.float32)
        v = v + self.np.standard_normal(DIM).astype(np.float32) / np.sqrt(DIM)
        return v / np.linalg.norm(v)


@dataclass
class Point:
    chunks: int
    articles: int
    write_rate: float  # chunks/s over the band that led here
    batch_ms: tuple[float, float]  # p50, p95 of one Store.write
    queries: dict[str, tuple[float, float]]  # name -> p50, p95 ms
    chroma_mib: float
    lexical_mib: float
    rss_mib: float
    peak_rss_mib: float


# filters of dense search through Chroma's ``where`` (the store translates Filters); dates are
# uniform over 2020-2025
FILTERS = {
    "dense, as_of filter (~5/6 of the store)": Filters(as_of=date(2025, 1, 1)),
    "dense, since filter (~1/6)": Filters(since=date(2025, 1, 1)),
    "dense, one-month filter (~1/70)": Filters(since=date(2024, 6, 1),
                                               until=date(2024, 6, 30)),
}
# the same filters through qa.search.hybrid.dense_search (post-filter, falls back to `where`)
POST_FILTERS = {
    "dense_search, as_of (post-filtered)": Filters(as_of=date(2025, 1, 1)),
    "dense_search, since ~1/6 (post-filtered)": Filters(since=date(2025, 1, 1)),
    "dense_search, one month (narrow: by chunk ids)": Filters(since=date(2024, 6, 1),
                                                             until=date(2024, 6, 30)),
}
QUERY_KINDS = ["dense", *FILTERS, *POST_FILTERS, "lexical", "fused search",
               "fused search, as_of"]


def _pct(xs: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(xs, n=20, method="inclusive")
    return statistics.median(xs) * 1000, q[18] * 1000


def _du(path: Path, only: str | None = None) -> float:
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            if only is None or f.startswith(only):
                total += (Path(root) / f).stat().st_size
    return total / 2**20


def _rss() -> tuple[float, float]:
    now = 0.0
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
    return now, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def grow(store: Store, model: SyntheticModel, target: int, state: dict) -> tuple[float, list]:
    """Write articles until the store holds ``target`` chunks; (seconds writing, batch s)."""
    spent, per_batch = 0.0, []
    while state["chunks"] < target:
        batch = []
        for _ in range(BATCH_ARTICLES):
            art, chunks, vecs = model.article(state["articles"])
            state["articles"] += 1
            state["chunks"] += len(chunks)
            h = content_hash(art)
            batch.append(article_write(art, h, h, chunks, vecs))  # raw hash: h
            if state["chunks"] >= target:
                break
        t = time.perf_counter()
        store.write(batch)
        dt = time.perf_counter() - t
        spent += dt
        per_batch.append(dt)
    return spent, per_batch


def measure_queries(store: Store, model: SyntheticModel) -> dict[str, tuple[float, float]]:
    """p50/p95 ms of each query kind over QUERIES queries after 10 warm-up ones; a kind that
    is slow stops after MIN_QUERIES once it has used KIND_BUDGET_S seconds."""
    store.sync_lexical()
    texts = [model.query() for _ in range(QUERIES + 10)]
    vecs = [model.embed_query(t) for t in texts]
    times: dict[str, list[float]] = {k: [] for k in QUERY_KINDS}
    for i, (text, vec) in enumerate(zip(texts, vecs, strict=True)):
        runs = {"dense": lambda v=vec: store.dense(v, 30, None)}
        for name, where in FILTERS.items():
            runs[name] = lambda v=vec, w=where: store.dense(v, 30, w)
        for name, flt in POST_FILTERS.items():
            runs[name] = lambda v=vec, f=flt: dense_search(store, v, f, 30, 6)
        runs["lexical"] = lambda t=text: store.lexical.search(t, 30)
        runs["fused search"] = lambda t=text: search(
            store, model, Scope(t, Filters()), 6).records
        runs["fused search, as_of"] = lambda t=text: search(
            store, model, Scope(t, Filters(as_of=date(2025, 1, 1))), 6).records
        for name, fn in runs.items():
            done = times[name]
            if len(done) >= MIN_QUERIES and sum(done) > KIND_BUDGET_S:
                continue
            t0 = time.perf_counter()
            got = fn()
            dt = time.perf_counter() - t0
            if i >= 10:  # the first queries warm caches and load the index
                done.append(dt)
            assert got, f"{name} found nothing for {text!r}"
    return {k: _pct(v) for k, v in times.items()}


def ratio(a: float, b: float) -> str:
    return f"{b / a:.1f}x" if a > 0 else "–"


def report(points: list[Point], args: argparse.Namespace, wall: float) -> None:
    cmd = "python bench/scale.py" + (f" --max {args.max}" if args.max != SIZES[-1] else "") \
        + (f" --store {args.store} --resume" if args.resume else "") \
        + (f" --store {args.store} --queries-only" if args.queries_only else "")
    print(f"\n### Store scale — `{cmd}`\n")
    print(f"Machine: {machine()}. Total wall time {wall / 60:.1f} min.\n")
    print("Synthetic data (see the module docstring): made-up text from a 20k-word vocabulary "
          "in 300 topics, 1-8 chunks of ~150 words per article; **embeddings are synthetic** "
          "(topic-centroid mixtures + noise, 384-d), and so are the query embeddings of dense "
          "and fused search. Writes go through `qa.store.Store.write` in batches of "
          f"{BATCH_ARTICLES} articles; no embedding time is included. Latencies in ms, "
          f"p50 / p95 over {QUERIES} queries (at least {MIN_QUERIES} for kinds slower than "
          f"{KIND_BUDGET_S / QUERIES * 1000:.0f} ms); dense and lexical fetch 30 candidates (what "
          "`search` asks for), fused search returns 6 passages (as `ask()`).\n")
    f = lambda p: f"{p[0]:.1f} / {p[1]:.1f}"  # noqa: E731
    grow = len(points) > 1
    print("| | " + " | ".join(f"{p.chunks:,} chunks" for p in points)
          + (" | p50 growth per step |" if grow else " |"))
    print("|---|" + "---:|" * len(points) + ("---|" if grow else ""))

    def row(name: str, cells: list[str], values: list[float]) -> None:
        growth = " → ".join(ratio(a, b) for a, b in zip(values, values[1:], strict=False))
        print(f"| {name} | " + " | ".join(cells) + (f" | {growth} |" if grow else " |"))

    row("articles", [f"{p.articles:,}" for p in points], [p.articles for p in points])
    row("write, chunks/s (band)", [f"{p.write_rate:,.0f}" for p in points],
        [p.write_rate for p in points])
    row(f"write of one batch ({BATCH_ARTICLES} articles)", [f(p.batch_ms) for p in points],
        [p.batch_ms[0] for p in points])
    for kind in QUERY_KINDS:
        row(kind, [f(p.queries[kind]) for p in points], [p.queries[kind][0] for p in points])
    row("disk MiB: Chroma + lexical",
        [f"{p.chroma_mib:,.0f} + {p.lexical_mib:,.0f}" for p in points],
        [p.chroma_mib + p.lexical_mib for p in points])
    row("RSS MiB (peak so far)", [f"{p.rss_mib:,.0f} ({p.peak_rss_mib:,.0f})" for p in points],
        [p.peak_rss_mib for p in points])


def resume(store: Store) -> tuple[dict, str]:
    """State of a store a previous (maybe killed) run grew: repair it first, as ingestion
    does after a crash, and say how long that took."""
    t = time.perf_counter()
    repaired = store.repair()
    synced = store.sync_lexical()
    took = time.perf_counter() - t
    ids = store.all_articles()
    state = {"chunks": store.count(), "articles": 1 + max(
        (int(a.rsplit("-", 1)[1]) for a in ids), default=-1)}
    note = (f"resumed a store of {state['chunks']:,} chunks / {len(ids):,} articles: repair "
            f"removed {repaired} half-written articles and the lexical sync touched {synced}, "
            f"in {took:.1f} s")
    return state, note


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max", type=int, default=SIZES[-1],
                    help="stop after this many chunks (sizes measured: 5k, 50k, 500k)")
    ap.add_argument("--store", help="store directory (default: a temp dir, removed after)")
    ap.add_argument("--queries-only", action="store_true",
                    help="measure the queries on the store in --store as it is (no writes)")
    ap.add_argument("--resume", action="store_true",
                    help="keep growing the store in --store (e.g. after a killed run); "
                         "sizes it already has are not measured again")
    args = ap.parse_args()
    where = Path(args.store) if args.store else Path(tempfile.mkdtemp(prefix="newsqa-scale-"))
    if (args.resume or args.queries_only) and not args.store:
        sys.exit("--resume and --queries-only need --store")
    if args.store and not (args.resume or args.queries_only) and where.exists() \
            and any(where.iterdir()):
        sys.exit(f"{where} is not empty: give --resume to keep growing it")
    t_start = time.perf_counter()
    settings = Settings(store=str(where), collection="scale")
    model = SyntheticModel()
    store = Store.open(settings, ModelInfo(model.name, model.dim), create=True)
    state, note = {"chunks": 0, "articles": 0}, ""
    if args.resume or args.queries_only:
        state, note = resume(store)
        model.reseed(state["articles"])  # same vocabulary and topics, new articles
        print(note, file=sys.stderr, flush=True)
    sizes = [n for n in SIZES if state["chunks"] < n <= args.max] or [args.max]
    if args.queries_only:
        sizes = [state["chunks"]]
    points: list[Point] = []
    try:
        for size in sizes:
            before = state["chunks"]
            spent, batches = grow(store, model, size, state)
            print(f"{state['chunks']:,} chunks: wrote {state['chunks'] - before:,} in "
                  f"{spent:.0f} s", file=sys.stderr, flush=True)
            q = measure_queries(store, model)
            rss, peak = _rss()
            points.append(Point(
                chunks=state["chunks"], articles=state["articles"],
                write_rate=(state["chunks"] - before) / spent if spent else float("nan"),
                batch_ms=_pct(batches) if batches else (float("nan"), float("nan")),
                queries=q, chroma_mib=_du(where) - _du(where, "lexical-"),
                lexical_mib=_du(where, "lexical-"), rss_mib=rss, peak_rss_mib=peak))
            print(f"  measured: {points[-1]}", file=sys.stderr, flush=True)
    finally:
        if not args.store:
            shutil.rmtree(where, ignore_errors=True)
    report(points, args, time.perf_counter() - t_start)
    if note:
        print(f"\nNote: {note}; the first band's write rate covers only the chunks added.")


if __name__ == "__main__":
    main()
