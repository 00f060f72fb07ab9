"""onnxruntime session options for the default embedder, measured side by side.

    NEWSQA_SHARED=../shared python bench/embed_options.py [--articles 40] [--rounds 5]

Embeds the same chunk texts (what ingestion embeds: title, date and passage, from the first
``--articles`` RealTime QA 2022 articles) with bge-small under each ``RunOptions`` variant:
graph optimisation level, thread spinning, threads, batch size, and two single-threaded
sessions on alternate batches ("workers"). Each round runs every variant once, in a rotated
order, so a busy moment on the shared machine hits all of them alike; the table reports the
median wall time, model tokens per second, the ratio to the shipped options, and how far each
variant's vectors are from the shipped ones (lowest cosine: the int8 model quantises
activations per batch, so other batches give slightly other vectors). Rows starting "..."
change one thing from "1 session x 2 threads, batch 8". Prints Markdown for RESULTS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import flatten_articles, machine, write_jsonl  # noqa: E402

VARIANTS = {  # label -> RunOptions fields; the first is what ships (qa.embed.onnx.embed_options)
    "shipped: 2 sessions x 1 thread, batch 8": {"workers": 2},
    "session 7: 1 session x 2 threads, batch 32": {"batch": 32},
    "1 session x 2 threads, batch 8": {},
    "... level basic": {"level": "basic"},
    "... level extended": {"level": "extended"},
    "... level disable": {"level": "disable"},
    "... spinning on": {"spinning": True},
    "... 1 thread": {"threads": 1},
    "... batch 4": {"batch": 4},
    "... batch 12": {"batch": 12},
    "... batch 16": {"batch": 16},
    "... batch 64": {"batch": 64},
    "2 sessions x 1 thread, batch 16": {"workers": 2, "batch": 16},
    "2 sessions x 1 thread, spinning on": {"workers": 2, "spinning": True},
}


SHIPPED = next(iter(VARIANTS))


def texts(n: int) -> list[str]:
    """What ingestion embeds for the first ``n`` archive articles (cleaned, chunked)."""
    from ingest.chunk import chunk_article, embed_text
    from ingest.clean import clean
    from ingest.read import iter_records
    from ingest.records import Failure
    from qa.settings import Settings

    s = Settings()
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        recs = list(iter_records([str(write_jsonl(flatten_articles(limit=n),
                                                  Path(tmp) / "a.jsonl"))], s))
    for rec in recs:
        art = rec if isinstance(rec, Failure) else clean(rec)
        if not isinstance(art, Failure):
            out += [embed_text(art, c) for c in chunk_article(art, s.chunk_tokens,
                                                               s.chunk_overlap)]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", default="", help="labels separated by ';' (the shipped one is kept)")
    args = ap.parse_args()
    chosen = {SHIPPED, *filter(None, args.only.split(";"))}

    import numpy as np

    from qa.embed import BGE_SMALL, OnnxEmbedder, RunOptions

    corpus = texts(args.articles)
    models = {k: OnnxEmbedder(BGE_SMALL, options=RunOptions(**v)) for k, v in VARIANTS.items()
              if not args.only or k in chosen}
    ref = models[SHIPPED]
    tokens = sum(len(e.ids) for e in ref._runner.tokenizer.encode_batch(corpus))
    vectors = {k: m.embed(corpus[:64]) for k, m in models.items()}  # also the warm-up
    times: dict[str, list[float]] = {k: [] for k in models}
    labels = list(models)
    for r in range(args.rounds):
        for k in labels[r % len(labels):] + labels[: r % len(labels)]:
            t = time.perf_counter()
            models[k].embed(corpus)
            times[k].append(time.perf_counter() - t)
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    base = statistics.median(times[SHIPPED])
    print(f"{len(corpus)} chunk texts from {args.articles} articles, {tokens:,} model tokens, "
          f"{args.rounds} rounds. Machine: {machine()}\n")
    print("| options | median s | model tokens/s | time vs shipped | lowest cosine "
          "to shipped |")
    print("|---|---:|---:|---:|---:|")
    for k in labels:
        med = statistics.median(times[k])
        cos = float(np.min(np.sum(vectors[k] * vectors[SHIPPED], axis=1)))
        print(f"| {k} | {med:.2f} | {tokens / med:,.0f} | {med / base:.2f} | {cos:.4f} |")


if __name__ == "__main__":
    main()
