"""Ingestion benchmark on the RealTime QA 2022 articles, side by side in one run.

    python bench/ingest.py --limit 500        # quick
    python bench/ingest.py                    # all ~4,900 articles

Phases, each in its own child process (so peak memory is its own):
  (a) ceiling  - the embedding model alone on exactly our chunk texts, best batching
  (b) ours     - `python -m ingest articles.jsonl` end to end into a fresh store: lexical
                 first, then it waits for the dense backfill (the default). Two times:
                 the first batch searchable (answerable) and every vector in (the wall)
  (b3) lexical - `python -m ingest articles.jsonl --lexical-only` into another fresh store:
                 every article searchable by keywords, no vectors
  (b2) rerun   - (b)'s command again on the unchanged corpus
  (c) recipe   - llama-index as a user writes it: VectorStoreIndex.from_documents into Chroma,
                 every default (its SentenceSplitter: 1,024-token nodes), the same embedder
                 wrapped with batching (bench.common.llama_index_embedding)
Throughput is article tokens (cl100k, of the cleaned texts) per second of wall time; "model
tokens" are the tokens each one actually fed the embedding model (its tokenizer, after its
truncation: the recipe's 1,024-token nodes are cut to the model's 512 or 256).
Prints a Markdown table for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    flatten_articles,
    llama_index_embedding,
    machine,
    run_child,
    write_jsonl,
)


def _articles(path: str):
    from ingest.clean import clean
    from ingest.read import iter_records
    from ingest.records import Failure
    from qa.settings import Settings

    out = []
    for rec in iter_records([path], Settings.from_env()):
        a = rec if isinstance(rec, Failure) else clean(rec)
        if not isinstance(a, Failure):
            out.append(a)
    return out


def phase_ceiling(data: str, embed: bool = True) -> dict:
    from ingest.chunk import chunk_article, embed_text
    from qa.embed import make_embedder
    from qa.settings import Settings
    from qa.text.tokens import count

    s = Settings.from_env()  # NEWSQA_EMBEDDER picks the model measured
    arts = {a.id: a for a in _articles(data)}.values()  # one per id, as ingestion keeps
    texts = [embed_text(a, c) for a in arts for c in chunk_article(a, s.chunk_tokens,
                                                                   s.chunk_overlap)]
    tokens = sum(count(a.text) for a in arts)
    emb = make_embedder(s)
    emb.embed(texts[:32])  # warm up
    t = time.perf_counter()
    if embed:
        emb.embed(texts)  # sorted by length, batch 32 inside
    return {"seconds": time.perf_counter() - t if embed else 0.0, "tokens": tokens,
            "chunks": len(texts), "articles": len(arts), "model_tokens": _model_tokens(emb, texts)}


def _model_tokens(emb, texts: list[str]) -> int:
    """Tokens the model is fed for ``texts`` (its own tokenizer, truncated as it runs)."""
    runner = getattr(emb, "_runner", None)
    if runner is None:
        return 0
    return sum(len(e.ids) for e in runner.tokenizer.encode_batch(list(texts)))


class _Counting:
    """An embedder that counts the model tokens of what it is given (for the recipe)."""

    def __init__(self, inner) -> None:
        self.inner, self.name, self.dim, self.tokens = inner, inner.name, inner.dim, 0

    def embed(self, texts):
        self.tokens += _model_tokens(self.inner, texts)
        return self.inner.embed(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def phase_recipe(data: str, store: str) -> dict:
    import chromadb
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    from qa.embed import make_embedder
    from qa.settings import Settings

    s = Settings.from_env()  # NEWSQA_EMBEDDER picks the model measured
    rows = [json.loads(line) for line in open(data, encoding="utf-8")]
    t = time.perf_counter()
    docs = [Document(text=r["text"], metadata={"title": r["title"], "url": r["url"]})
            for r in rows]
    client = chromadb.PersistentClient(path=store)
    col = client.get_or_create_collection("recipe")
    counting = _Counting(make_embedder(s))
    index = VectorStoreIndex.from_documents(  # as the llama-index starter example: defaults
        docs,
        storage_context=StorageContext.from_defaults(vector_store=ChromaVectorStore(
            chroma_collection=col)),
        embed_model=llama_index_embedding(counting, 32),
    )
    assert index is not None
    return {"seconds": time.perf_counter() - t, "chunks": col.count(),
            "model_tokens": counting.tokens}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=None, help="first N articles only")
    ap.add_argument("--phase", choices=["ceiling", "recipe"], help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--store", help=argparse.SUPPRESS)
    ap.add_argument("--weeks", type=int, default=0,
                    help="articles of the first N weeks only (the answer bench's archive)")
    ap.add_argument("--skip-recipe", action="store_true")
    ap.add_argument("--skip-ceiling", action="store_true",
                    help="count (a)'s tokens and chunks without timing the model alone")
    args = ap.parse_args()
    if args.phase == "ceiling":
        print(json.dumps(phase_ceiling(args.data, not args.skip_ceiling)))
        return
    if args.phase == "recipe":
        print(json.dumps(phase_recipe(args.data, args.store)))
        return

    tmp = Path(tempfile.mkdtemp(prefix="newsqa-bench-"))
    rows = flatten_articles(args.limit, weeks=args.weeks or None)
    data = str(write_jsonl(rows, tmp / "articles.jsonl"))
    py = sys.executable
    print(f"{len(rows)} articles -> {data}", file=sys.stderr)
    results: dict[str, dict] = {}
    wall, rss, out = run_child([py, __file__, "--phase", "ceiling", "--data", data,
                                *(["--skip-ceiling"] if args.skip_ceiling else [])])
    results["a"] = {**json.loads(out.strip().splitlines()[-1]), "wall": wall, "rss": rss}
    tokens = results["a"]["tokens"]
    print("ceiling done", results["a"], file=sys.stderr)
    ours = tmp / "ours"
    if not args.limit:  # the archive doubles as bench/answer.py's store (same --weeks)
        import shutil

        from bench.answer import OUT, _tag

        ours = OUT / f"rtqa-store{_tag(args.weeks)}"
        shutil.rmtree(ours, ignore_errors=True)
    env = {"NEWSQA_STORE": str(ours)}
    cmd = [py, "-m", "ingest", data, "--json", "--no-progress"]
    wall, rss, out = run_child(cmd, env)
    results["b"] = {**json.loads(out), "wall": wall, "rss": rss}
    print("ours done", wall, file=sys.stderr)
    wall, rss, out = run_child(cmd, env)
    results["b2"] = {**json.loads(out), "wall": wall, "rss": rss}
    wall, rss, out = run_child([*cmd, "--lexical-only"], {"NEWSQA_STORE": str(tmp / "lex")})
    results["b3"] = {**json.loads(out), "wall": wall, "rss": rss}
    if not args.skip_recipe:
        wall, rss, out = run_child([py, __file__, "--phase", "recipe", "--data", data,
                                    "--store", str(tmp / "recipe")])
        results["c"] = {**json.loads(out.strip().splitlines()[-1]), "wall": wall, "rss": rss}
    report(results, tokens, len(rows), args.limit, args.weeks)


def report(r: dict, tokens: int, n: int, limit: int | None, weeks: int = 0) -> None:
    a, b, b2, b3 = r["a"], r["b"], r["b2"], r["b3"]
    tps = lambda sec: tokens / sec if sec else 0.0  # noqa: E731
    # the run's own clock starts after imports and model loading: add them back
    first = b["wall"] - b["seconds"] + b["searchable_after"]
    cmd = "python bench/ingest.py" + (f" --limit {limit}" if limit else "") + (
        f" --weeks {weeks}" if weeks else "") + ("" if a["seconds"] else " --skip-ceiling")
    print(f"\n### Ingestion — `{cmd}`\n")
    print(f"{n} input articles ({a['articles']} distinct after cleaning), {tokens:,} article "
          f"tokens, {a['chunks']:,} chunks. Machine: {machine()}.\n")
    print("| run | wall s | article tokens/s | model tokens | peak RSS MiB | notes |")
    print("|---|---:|---:|---:|---:|---|")
    if a["seconds"]:
        print(f"| (a) ceiling: embedder alone | {a['seconds']:.1f} | {tps(a['seconds']):,.0f} | "
              f"{a['model_tokens']:,} | {a['rss']} | embedding time only, our {a['chunks']} "
              "chunk texts |")
    print(f"| (b) `python -m ingest`: first batch answerable | {first:.1f} | – | – | – | "
          "from the command's start (imports, model) to its first batch searchable |")
    print(f"| (b) `python -m ingest`: every vector in | {b['wall']:.1f} | "
          f"{tps(b['wall']):,.0f} | {a['model_tokens']:,} | {b['rss']} | {b['added']} added, "
          f"{b['duplicates']} duplicate, {len(b['failed'])} failed, {b['chunks']} chunks, "
          f"{b['backfilled']} backfilled |")
    print(f"| (b3) `--lexical-only`: all searchable by keywords | {b3['wall']:.1f} | "
          f"{tps(b3['wall']):,.0f} | 0 | {b3['rss']} | {b3['pending']} articles waiting for "
          "vectors |")
    print(f"| (b2) re-run, unchanged | {b2['wall']:.1f} | – | 0 | {b2['rss']} | "
          f"{b2['unchanged']} unchanged, {b2['chunks']} chunks written |")
    if "c" in r:
        c = r["c"]
        print(f"| (c) llama-index recipe (defaults) | {c['wall']:.1f} | {tps(c['wall']):,.0f} "
              f"| {c['model_tokens']:,} | {c['rss']} | {c['chunks']} nodes |")
    print()
    if a["seconds"]:
        print(f"- (b) every vector in / (a) ceiling: {a['seconds'] / b['wall']:.2f} of the "
              "model's own speed")
    if "c" in r:
        c = r["c"]
        print(f"- first answerable / recipe: {first / c['wall']:.2f} (target ≤ 0.20)")
        print(f"- every vector in / recipe: {b['wall'] / c['wall']:.2f} (target ≤ 1.0)")
        if c["model_tokens"]:
            print(f"- model tokens, ours / recipe: {a['model_tokens'] / c['model_tokens']:.2f}"
                  f"; seconds per 1k model tokens: ours {1000 * b['wall'] / a['model_tokens']:.2f},"
                  f" recipe {1000 * c['wall'] / c['model_tokens']:.2f}")
    print(f"- re-run/first = {b2['wall'] / b['wall']:.1%} (target ≤ 3 %)")


if __name__ == "__main__":
    main()
