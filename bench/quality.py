"""Answer quality side by side on RealTime QA 2022 (issue 11): pipelines x one question set.

    python bench/quality.py today=minilm-onnx:off bge=bge-small:off bge+rerank=bge-small:on
    python bench/quality.py --weeks 8 ...          # the archive of the first 8 weeks

Each argument is ``name=EMBEDDER:RERANK[:DEPTH[:KNOBS]]`` (DEPTH: passages the
cross-encoder reorders, default SearchConfig's; KNOBS: AnswerConfig fields, e.g.
``type_bonus=1,sentence_passages=2``); a pipeline reads the archive store built with its
embedder (``bench/out/rtqa-store[-bge][-wN]``; built when missing, ~1 h for the full archive
on 2 cores). Every answerable question (gold text in one of its own articles) is asked with
``as_of`` = its date; every question again with its week's articles excluded ("articles
missing"). Reported per pipeline: hit@k of ``retrieve`` (all / even / odd weeks), extractive
answer hit, answer-first (gold text in the answer's first sentence), refusal (the pipeline's
shipped model) on answerable and missing-not-held questions of the odd weeks, latency p50/p95
of ``retrieve`` and ``ask``. The llama-index recipe (MiniLM, its defaults) is the baseline
(``--recipe``). Signals are saved to ``bench/out/signals-NAME[-wN].json`` for
``bench/refusal.py``. Settings are chosen on even weeks; odd weeks are reported.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.answer import (  # noqa: E402
    KS,
    OUT,
    _tag,
    build_archive,
    hit_rate,
    load_questions,
    norm,
    pct,
    recipe_retriever,
)
from bench.common import machine  # noqa: E402

STORES = {"minilm-onnx": "rtqa-store", "bge-small": "rtqa-store-bge"}


def first_sentence(text: str) -> str:
    from qa.answer.citations import MARKER
    from qa.text.sentences import sentence_spans

    spans = sentence_spans(text)
    return MARKER.sub("", text[spans[0][0]:spans[0][1]]) if spans else ""


def run_pipeline(name: str, spec: str, qs: list[dict], answerable: list[dict],
                 weeks: int | None, skip_missing: bool = False) -> dict:
    from ingest.clean import article_id
    from qa import QA, Filters
    from qa.settings import Settings

    embedder, _, rerank = spec.partition(":")
    rerank, _, depth = rerank.partition(":")
    depth, _, knobs = depth.partition(":")
    store = OUT / (STORES.get(embedder, f"rtqa-store-{embedder}") + _tag(weeks))
    s = Settings(store=str(store), embedder=embedder,
                 rerank="cross-encoder" if rerank in ("on", "cross-encoder") else "off")
    from dataclasses import replace

    from qa.search.hybrid import SearchConfig

    cfg = SearchConfig(prior_half_life=s.prefer_recent)
    if depth:
        cfg = replace(cfg, rerank_depth=int(depth))
    from qa.answer.extractive import AnswerConfig

    acfg = AnswerConfig()
    for kv in filter(None, knobs.split(",")):
        k, _, v = kv.partition("=")
        acfg = replace(acfg, **{k: type(getattr(acfg, k))(v)})
    qa = QA(s, search_config=cfg, answer_config=acfg)
    try:
        have = qa.store.count()
    except Exception:
        have = 0
    if not have:
        build_archive(s, weeks)
        qa = QA(s, search_config=cfg, answer_config=acfg)
    rows, ret_lat, ask_lat = [], [], []
    for i, q in enumerate(answerable):
        f = Filters(as_of=q["date"])
        t = time.perf_counter()
        cites = qa.retrieve(q["q"], k=10, filters=f)
        ret_lat.append(time.perf_counter() - t)
        t = time.perf_counter()
        ans = qa.ask(q["q"], filters=f)
        ask_lat.append(time.perf_counter() - t)
        g = norm(q["gold"])
        rows.append({"week": q["week"], "first": next(
            (j for j, c in enumerate(cites) if g in norm(c.passage)), None),
            "hit": g in norm(ans.text) and not ans.refused,
            "first_sentence": g in norm(first_sentence(ans.text)) and not ans.refused,
            "refused": ans.refused, "sig": ans.signals})
        if i % 100 == 0:
            print(f"  {name}: {i}/{len(answerable)}", file=sys.stderr)
    if skip_missing:
        return {"rows": rows, "missing": [], "ret": ret_lat, "ask": ask_lat}
    week_ids: dict[str, set[str]] = defaultdict(set)
    for q in qs:
        week_ids[q["week"]] |= {article_id(u, "") for u in q["urls"]}
    missing = []
    for q in qs:
        f = Filters(as_of=q["date"], exclude_ids=tuple(sorted(week_ids[q["week"]])))
        ans = qa.ask(q["q"], filters=f)
        g = norm(q["gold"])  # "held": other weeks' articles still hold the gold text
        held = bool(g) and any(g in norm(c.passage) for c in qa.retrieve(q["q"], s.k, f))
        missing.append({"week": q["week"], "refused": ans.refused, "held": held,
                        "sig": ans.signals})
    return {"rows": rows, "missing": missing, "ret": ret_lat, "ask": ask_lat}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pipelines", nargs="+",
                    help="name=EMBEDDER:RERANK[:DEPTH] (RERANK on|off)")
    ap.add_argument("--weeks", type=int, default=0, help="first N weeks only (0 = all)")
    ap.add_argument("--questions", type=int, default=0, help="first N answerable only")
    ap.add_argument("--recipe", action="store_true", help="also the llama-index recipe")
    ap.add_argument("--even", action="store_true",
                    help="even weeks only, answerable only (choosing settings)")
    args = ap.parse_args()
    qs = load_questions(args.weeks or None)
    weeks = sorted({q["week"] for q in qs})
    even = {w for i, w in enumerate(weeks) if i % 2 == 0}
    answerable = [q for q in qs if q["answerable"] and (not args.even or q["week"] in even)]
    answerable = answerable[: args.questions or None]
    results = {}
    for p in args.pipelines:
        name, _, spec = p.partition("=")
        results[name] = r = run_pipeline(name, spec, qs, answerable, args.weeks or None,
                                         skip_missing=args.even)
        wk = {w: i for i, w in enumerate(weeks)}
        (OUT / f"signals-{name}{_tag(args.weeks)}.json").write_text(json.dumps({
            "answerable": [{"week": wk[x["week"]], "sig": x["sig"]} for x in r["rows"]],
            "missing": [{"week": wk[x["week"]], "held": x["held"], "sig": x["sig"]}
                        for x in r["missing"]]}))
    recipe = None
    if args.recipe:
        from qa.embed import make_embedder
        from qa.settings import Settings

        ret = recipe_retriever(make_embedder(Settings()), 10, args.weeks or None)
        recipe = []
        for q in answerable:
            texts = [n.node.get_content() for n in ret.retrieve(q["q"])]
            recipe.append({"week": q["week"], "first": next(
                (j for j, t in enumerate(texts) if norm(q["gold"]) in norm(t)), None)})
    report(args, results, recipe, even, len(qs))


def report(args, results: dict, recipe: list | None, even: set, n_qs: int) -> None:
    def cell(rows: list[dict], k: int) -> str:
        parts = [rows, [r for r in rows if r["week"] in even],
                 [r for r in rows if r["week"] not in even]]
        return " / ".join(f"{hit_rate([r['first'] for r in p], k):.3f}" for p in parts)

    cmd = "python bench/quality.py" + (f" --weeks {args.weeks}" if args.weeks else "") + (
        " --recipe" if args.recipe else "") + " " + " ".join(args.pipelines)
    n = len(next(iter(results.values()))["rows"])
    print(f"\n### Answer quality — `{cmd}`\n\n{n_qs} questions, {n} answerable. Machine: "
          f"{machine()}. Cells: all / even / odd weeks.\n")
    names = list(results) + (["recipe"] if recipe else [])
    print("| metric | " + " | ".join(names) + " |\n|---|" + "---:|" * len(names))
    for k in KS:
        cells = [cell(r["rows"], k) for r in results.values()] + (
            [cell(recipe, k)] if recipe else [])
        print(f"| hit@{k} | " + " | ".join(cells) + " |")
    def halves(xs: list[dict], key: str, fmt: str = ".3f") -> str:
        parts = [[x[key] for x in xs if x["week"] in even],
                 [x[key] for x in xs if x["week"] not in even]]
        return " / ".join(format(_share(p), fmt) if p else "–" for p in parts)

    lines = {
        "answer hit (even / odd)": lambda r: halves(r["rows"], "hit"),
        "answer-first (even / odd)": lambda r: halves(r["rows"], "first_sentence"),
        "refused, answerable (even / odd)": lambda r: halves(r["rows"], "refused", ".1%"),
        "refused, missing not held (even / odd)": lambda r: halves(
            [x for x in r["missing"] if not x["held"]], "refused", ".1%"),
        "retrieve p50 / p95 ms": lambda r: f"{pct(r['ret'], 50) * 1000:.0f} / "
                                           f"{pct(r['ret'], 95) * 1000:.0f}",
        "ask p50 / p95 ms": lambda r: f"{pct(r['ask'], 50) * 1000:.0f} / "
                                      f"{pct(r['ask'], 95) * 1000:.0f}",
    }
    for label, fn in lines.items():
        print(f"| {label} | " + " | ".join(fn(r) for r in results.values())
              + (" | –" if recipe else "") + " |")
    if recipe:
        for name, r in results.items():
            h1 = hit_rate([x["first"] for x in r["rows"]], 1)
            m5 = 1 - hit_rate([x["first"] for x in r["rows"]], 5)
            rh1 = hit_rate([x["first"] for x in recipe], 1)
            rm5 = 1 - hit_rate([x["first"] for x in recipe], 5)
            print(f"- {name}: hit@1 {h1 / max(rh1, 1e-9):.2f}x the recipe's (target >= 1.3); "
                  f"misses at 5 {m5 / max(rm5, 1e-9):.2f}x (target <= 0.6)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"- peak RSS of the benchmark process: {peak} MiB")


def _share(xs: list[bool]) -> float:
    return sum(xs) / max(1, len(xs))


if __name__ == "__main__":
    main()
