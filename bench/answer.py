"""Answering benchmark on RealTime QA 2022, ours vs the plain llama-index recipe, one run.

    python bench/answer.py                      # full archive, all questions
    python bench/answer.py --questions 200      # quicker

Archive: every article of every *_gcs.jsonl, pooled (ingested once into bench/out/, reused).
Questions: every distinct question_id of the *_qa.jsonl files, asked with as_of =
question_date. Gold = the text of the right choice; a question is answerable when the gold
text occurs in one of its own search-result articles. Reports hit@k of retrieval (ours vs
the recipe: vector-only as_retriever over a VectorStoreIndex with its default splitter and
the same embedder), answer hit, refusal on answerable questions and on questions whose
week's articles are taken out of the archive (excluded by filter), latency
percentiles and peak memory. The refusal threshold is calibrated on even weeks and reported
on odd weeks (and overall).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import resource
import statistics
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    ROOT,
    RTQA,
    flatten_articles,
    gcs_files,
    llama_index_embedding,
    machine,
)
from qa.answer.grounding import BIAS, REFUSE_BELOW, WEIGHTS, grounding  # noqa: E402

OUT = ROOT / "bench" / "out"
FIT_CAP = 0.08  # the fit refuses at most this share of answerable questions: a margin under 10 %
KS = (1, 3, 5, 10)
BUDGETS = (256, 512, 1024, 2048)  # tokens of retrieved text, for the equal-budget comparison


def budget_hits(passages: list[str], gold: str) -> tuple[dict[int, bool], list[int]]:
    """For each of BUDGETS, whether the gold text lies within the first that many tokens of
    the passages read in rank order; and each passage's token count."""
    from qa.text.tokens import encoding

    enc = encoding()
    toks = [enc.encode(p) for p in passages]
    hits = {}
    for budget in BUDGETS:
        left, hits[budget] = budget, False
        for t in toks:
            if left <= 0:
                break
            if gold in norm(enc.decode(t[:left])):
                hits[budget] = True
                break
            left -= len(t)
    return hits, [len(t) for t in toks]


def refusal_rates(model: tuple, answerable: list[dict],
                  missing: list[tuple[dict, bool]]) -> tuple[float, float, float]:
    """Share refused by ``model`` (weights, bias, threshold) of: the answerable questions'
    signals; the articles-missing ones (signals, held elsewhere); those not held elsewhere."""
    def refused(sigs: list[dict]) -> float:
        return sum(grounding(x, model[0], model[1]) < model[2] for x in sigs) / max(1, len(sigs))

    return (refused(answerable), refused([g for g, _ in missing]),
            refused([g for g, h in missing if not h]))


def hit_rate(firsts: list[int | None], k: int) -> float:
    """Share of questions whose gold text is in the top ``k`` (``firsts``: its first rank)."""
    return sum(f is not None and f < k for f in firsts) / max(1, len(firsts))


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.lower()).strip()


def load_questions(weeks: int | None = None) -> list[dict]:
    """Distinct questions with gold text, date, week, and their own articles' URLs/texts
    (all weeks, or the first ``weeks``: those whose articles the archive holds)."""
    own: dict[str, list[dict]] = defaultdict(list)
    for f in gcs_files(weeks):
        for line in f.open(encoding="utf-8"):
            row = json.loads(line)
            own[row["question_id"]].extend(row.get("search_result") or [])
    qs: dict[str, dict] = {}
    for f in sorted(RTQA.glob("*_qa.jsonl")):
        for line in f.open(encoding="utf-8"):
            q = json.loads(line)
            if q["question_id"] in qs or not q.get("answer") or (
                    weeks and q["question_id"] not in own):
                continue
            try:
                gold = q["choices"][int(q["answer"][0])]
            except (ValueError, IndexError):
                continue
            y, m, d = (int(x) for x in q["question_date"].split("/"))
            arts = own.get(q["question_id"], [])
            g = norm(gold)
            qs[q["question_id"]] = {
                "id": q["question_id"], "q": q["question_sentence"], "gold": gold,
                "date": date(y, m, d), "week": q["question_id"].split("_")[0],
                "urls": [a.get("url", "") for a in arts if a.get("url")],
                "answerable": bool(g) and any(g in norm(a.get("text") or "") for a in arts),
            }
    return list(qs.values())


def build_archive(settings, weeks: int | None = None) -> None:
    from ingest import ingest

    rows = flatten_articles(weeks=weeks)
    path = OUT / "rtqa-articles.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    t = time.perf_counter()
    rep = ingest([str(path)], settings, progress=True)
    print(f"archive: {rep.summary()} ({time.perf_counter() - t:.0f}s)", file=sys.stderr)


def recipe_retriever(embedder, k: int, weeks: int | None = None):
    """The plain llama-index recipe over the same articles (built once, then reused)."""
    import chromadb
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    client = chromadb.PersistentClient(path=str(OUT / f"rtqa-recipe{_tag(weeks)}"))
    col = client.get_or_create_collection("recipe")
    vs = ChromaVectorStore(chroma_collection=col)
    if col.count() == 0:
        rows = flatten_articles(weeks=weeks)
        docs = [Document(text=r["text"], metadata={"url": r["url"], "title": r["title"]})
                for r in rows]
        t = time.perf_counter()
        VectorStoreIndex.from_documents(
            docs, storage_context=StorageContext.from_defaults(vector_store=vs),
            embed_model=llama_index_embedding(embedder), show_progress=True)
        print(f"recipe index: {col.count()} nodes ({time.perf_counter() - t:.0f}s)",
              file=sys.stderr)
    index = VectorStoreIndex.from_vector_store(vs, embed_model=llama_index_embedding(embedder))
    return index.as_retriever(similarity_top_k=k)


def _tag(weeks: int | None) -> str:
    return f"-w{weeks}" if weeks else ""


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--questions", type=int, default=0, help="first N answerable only")
    ap.add_argument("--llm-sample", type=int, default=200,
                    help="questions answered with the local GGUF LLM (0 = skip)")
    ap.add_argument("--gguf", default="", help="GGUF path (default: the test model cache)")
    ap.add_argument("--skip-recipe", action="store_true")
    ap.add_argument("--weeks", type=int, default=0,
                    help="archive and questions of the first N weeks only (0 = all)")
    args = ap.parse_args()

    from ingest.clean import article_id
    from qa import ask, retrieve
    from qa.embed import make_embedder
    from qa.settings import Settings

    OUT.mkdir(parents=True, exist_ok=True)
    settings = Settings(store=str(OUT / f"rtqa-store{_tag(args.weeks)}"), refuse_below=0.0)
    emb = make_embedder(settings)
    try:
        from qa import QA

        have = QA(settings).store.count()
    except Exception:
        have = 0
    if not have:
        build_archive(settings, args.weeks)
    qs = load_questions(args.weeks)
    answerable = [q for q in qs if q["answerable"]]
    if args.questions:
        answerable = answerable[: args.questions]
    print(f"{len(qs)} questions, {len(answerable)} answerable", file=sys.stderr)

    # --- ours: retrieval hit@k, ask (never refusing, grounding recorded), latency ---------
    ret_lat, ask_lat, rows = [], [], []
    for i, q in enumerate(answerable):
        t = time.perf_counter()
        cites = retrieve(q["q"], k=10, as_of=q["date"], settings=settings)
        ret_lat.append(time.perf_counter() - t)
        t = time.perf_counter()
        ans = ask(q["q"], as_of=q["date"], settings=settings)
        ask_lat.append(time.perf_counter() - t)
        g = norm(q["gold"])
        first = next((j for j, c in enumerate(cites) if g in norm(c.passage)), None)
        budget, tokens = budget_hits([c.passage for c in cites], g)
        rows.append({"q": q, "first": first, "sig": ans.signals,
                     "answer_hit": g in norm(ans.text), "budget": budget, "tokens": tokens})
        if i % 50 == 0:
            print(f"  ours {i}/{len(answerable)}", file=sys.stderr)

    # --- recipe ----------------------------------------------------------------------------
    recipe_first, recipe_budget, recipe_tokens = [], [], []
    if not args.skip_recipe:
        r = recipe_retriever(emb, 10, args.weeks)
        for q in answerable:
            texts = [n.node.get_content() for n in r.retrieve(q["q"])]
            g = norm(q["gold"])
            recipe_first.append(next((j for j, t in enumerate(texts) if g in norm(t)), None))
            budget, tokens = budget_hits(texts, g)
            recipe_budget.append(budget)
            recipe_tokens += tokens

    # --- articles missing: each question again, with its own week taken out --------------
    # (every article any question of that week was given is excluded by filter)
    weeks = sorted({q["week"] for q in qs})
    week_ids: dict[str, list[str]] = defaultdict(list)
    for q in qs:
        week_ids[q["week"]] += [article_id(u, "") for u in q["urls"]]
    week_ids = {w: sorted(set(ids)) for w, ids in week_ids.items()}
    # In a big archive other weeks' articles may still hold the answer (a story runs for
    # weeks): ``held`` marks those whose gold text is in the passages the answerer was given.
    missing_g, held = [], {}
    for i, q in enumerate(qs):
        ex = week_ids[q["week"]]
        ans = ask(q["q"], as_of=q["date"], settings=settings, exclude_ids=ex)
        missing_g.append((q, ans.signals))
        g = norm(q["gold"])
        held[q["id"]] = bool(g) and any(
            g in norm(c.passage) for c in retrieve(q["q"], k=settings.k, as_of=q["date"],
                                                   settings=settings, exclude_ids=ex))
        if i % 100 == 0:
            print(f"  week taken out {i}/{len(qs)}", file=sys.stderr)

    # --- calibration: even weeks calibrate, odd weeks report -------------------------------
    wk_index = {w: i for i, w in enumerate(weeks)}
    # the signals, for trying refusal models without asking again (bench/refusal.py)
    (OUT / f"refusal-signals{_tag(args.weeks)}.json").write_text(json.dumps({
        "answerable": [{"week": wk_index[r["q"]["week"]], "sig": r["sig"]} for r in rows],
        "missing": [{"week": wk_index[q["week"]], "held": held[q["id"]], "sig": g}
                    for q, g in missing_g]}))
    calib = lambda q: wk_index[q["week"]] % 2 == 0  # noqa: E731
    fit_w, fit_b, fit_t = fit_refusal([r["sig"] for r in rows if calib(r["q"])],
                                      [g for q, g in missing_g
                                       if calib(q) and not held[q["id"]]], cap=FIT_CAP)
    shipped = (dict(WEIGHTS), BIAS, REFUSE_BELOW)
    fitted = (fit_w, fit_b, fit_t)

    def score(sig: dict, model: tuple) -> float:
        return grounding(sig, model[0], model[1])

    def refusal(model: tuple, sel) -> tuple[float, float, float]:
        return refusal_rates(model, [r["sig"] for r in rows if sel(r["q"])],
                             [(g, held[q["id"]]) for q, g in missing_g if sel(q)])

    llm_stats = run_llm(args, answerable, settings) if args.llm_sample else None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    n = len(rows)
    hit = {k: hit_rate([r["first"] for r in rows], k) for k in KS}
    rhit = {k: hit_rate(recipe_first, k) for k in KS} if recipe_first else None
    cmd = "python bench/answer.py" + "".join(
        f" --{k.replace('_', '-')} {v}" for k, v in (("questions", args.questions),
                                                     ("weeks", args.weeks),
                                                     ("llm_sample", args.llm_sample)) if v)
    print(f"\n### Answering — `{cmd}`\n")
    print(f"{len(qs)} distinct questions in {len(weeks)} weeks, {n} answerable used; every "
          f"question also asked with its week taken out (median "
          f"{statistics.median(len(v) for v in week_ids.values()):.0f} articles excluded). "
          f"Machine: {machine()}.\n")
    print("| metric | ours | llama-index recipe |\n|---|---:|---:|")
    for k in KS:
        print(f"| hit@{k} | {hit[k]:.3f} | {rhit[k]:.3f} |" if rhit else
              f"| hit@{k} | {hit[k]:.3f} | – |")
    half = lambda rs, par: [x for x, rr in zip(rs, rows, strict=True)  # noqa: E731
                            if calib(rr["q"]) == (par == "even")]
    print("\nBy half (the refusal model below is fitted on the even weeks; odd weeks are "
          "held out), ours / recipe:\n")
    print("| weeks | questions | " + " | ".join(f"hit@{k}" for k in KS) + " |\n|---|---:|"
          + "---:|" * len(KS))
    for par in ("even", "odd"):
        ours_h = half([r["first"] for r in rows], par)
        rec_h = half(recipe_first, par) if recipe_first else []
        cells = " | ".join(f"{hit_rate(ours_h, k):.3f} / "
                           + (f"{hit_rate(rec_h, k):.3f}" if rec_h else "–") for k in KS)
        print(f"| {par} | {len(ours_h)} | {cells} |")
    print(f"\nEqual text budget (gold text within the first B tokens of the ranked passages; "
          f"mean passage: ours {statistics.mean(t for r in rows for t in r['tokens']):.0f} "
          f"tokens" + (f", recipe {statistics.mean(recipe_tokens):.0f}" if recipe_tokens else "")
          + "):\n")
    print("| budget (tokens) | ours | llama-index recipe |\n|---:|---:|---:|")
    for b in BUDGETS:
        o = sum(r["budget"][b] for r in rows) / n
        rc = (f"{sum(x[b] for x in recipe_budget) / len(recipe_budget):.3f}"
              if recipe_budget else "–")
        print(f"| {b} | {o:.3f} | {rc} |")
    if rhit:
        print(f"\n- hit@1 ratio ours/recipe = {hit[1] / max(rhit[1], 1e-9):.2f} (target ≥ 1.2)")
        print(f"- misses at 5: ours {1 - hit[5]:.3f} vs recipe {1 - rhit[5]:.3f} "
              f"(ratio {(1 - hit[5]) / max(1 - rhit[5], 1e-9):.2f}, target ≤ 0.5)")
    n_held = sum(held.values())
    print(f"- articles missing: {n_held} of {len(qs)} questions still had the gold text in the "
          f"passages retrieved from other weeks; 'not held' below leaves them out")
    for name, model in (("fitted on even weeks", fitted), ("shipped in qa/answer.py", shipped)):
        ra, rm, rc = refusal(model, lambda q: not calib(q))
        ra_all, rm_all, rc_all = refusal(model, lambda q: True)
        w = ", ".join(f"{k} {v:+.3f}" for k, v in model[0].items())
        print(f"- refusal, {name} (weights {w}; bias {model[1]:+.3f}; threshold "
              f"{model[2]:.3f}): odd weeks — answerable {ra:.1%} (target ≤ 10 %), articles "
              f"missing {rm:.1%}, missing and not held {rc:.1%} (target ≥ 80 %); all weeks — "
              f"{ra_all:.1%} / {rm_all:.1%} / {rc_all:.1%}")
    ah = sum(r["answer_hit"] and score(r["sig"], shipped) >= shipped[2] for r in rows) / n
    print(f"- extractive answer hit (gold text in the answer, shipped refusal): {ah:.3f}")
    if llm_stats:
        print(f"- local LLM ({llm_stats['model']}) on {llm_stats['n']} questions: answer hit "
              f"{llm_stats['hit']:.3f}, refused {llm_stats['refused']:.1%}, fell back to "
              f"extractive {llm_stats['fallback']:.1%}, sentences dropped by the citation "
              f"check {llm_stats['dropped']} of {llm_stats['sentences']}, p50 "
              f"{llm_stats['p50']:.2f}s")
    print(f"- latency retrieve(): p50 {pct(ret_lat, 50) * 1000:.0f} ms, p95 "
          f"{pct(ret_lat, 95) * 1000:.0f} ms; ask() extractive: p50 "
          f"{pct(ask_lat, 50) * 1000:.0f} ms, p95 {pct(ask_lat, 95) * 1000:.0f} ms "
          f"(target ≤ 150 / 400 ms); mean ask {statistics.mean(ask_lat) * 1000:.0f} ms")
    print(f"- peak RSS of the benchmark process: {peak} MiB")


def fit_refusal(answerable: list[dict], missing: list[dict], keys: list[str] | None = None,
                cap: float = 0.10) -> tuple[dict, float, float]:
    """Logistic regression (answerable = 1, articles missing = 0) on the signals, then the
    threshold on its probability that maximises (refused when missing) - (refused when answerable)
    while refusing at most ``cap`` of answerable questions."""
    import numpy as np

    keys = list(WEIGHTS) if keys is None else keys
    raw = np.array([[s.get(k, 0.0) for k in keys] for s in answerable + missing])
    y = np.array([1.0] * len(answerable) + [0.0] * len(missing))
    sw = np.where(y == 1, 0.5 / max(1, len(answerable)), 0.5 / max(1, len(missing)))
    # standardised features converge (a cross-encoder logit spans ~20, a share 1); the
    # weights are mapped back to the raw signals below
    mu, sd = raw.mean(axis=0), raw.std(axis=0) + 1e-9
    x = (raw - mu) / sd
    w, b = np.zeros(len(keys)), 0.0
    for _ in range(5000):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        grad = (p - y) * sw
        w -= 2.0 * (x.T @ grad + 1e-4 * w)
        b -= 2.0 * grad.sum()
    w, b = w / sd, b - float((w / sd) @ mu)
    scores_a, scores_m = raw[y == 1] @ w + b, raw[y == 0] @ w + b
    best, best_t = -1.0, 0.0
    for t in sorted(set(scores_a.tolist() + scores_m.tolist())):
        ra, rm = (scores_a < t).mean(), (scores_m < t).mean()
        if ra <= cap and rm - ra > best:
            best, best_t = rm - ra, t
    threshold = 1 / (1 + math.exp(-best_t))  # as a probability, like qa.answer.grounding
    return {k: float(v) for k, v in zip(keys, w, strict=True)}, float(b), threshold


def run_llm(args, answerable: list[dict], settings) -> dict | None:
    from qa import ask
    from qa.answer.citations import parse_markers

    path = args.gguf or str(Path.home() / ".cache/newsqa/models/SmolLM2-135M-Instruct.Q4_1.gguf")
    if not Path(path).is_file():
        print(f"no GGUF at {path}: run python scripts/fetch_test_model.py", file=sys.stderr)
        return None
    s = settings.with_(llm=f"gguf:{path}", refuse_below=-1.0)
    n = min(args.llm_sample, len(answerable))  # spread evenly over all the weeks
    sample = [answerable[i * len(answerable) // n] for i in range(n)]
    hits = refused = fallback = dropped = sentences = 0
    lat = []
    for q in sample:
        t = time.perf_counter()
        ans = ask(q["q"], as_of=q["date"], settings=s)
        lat.append(time.perf_counter() - t)
        hits += norm(q["gold"]) in norm(ans.text) and not ans.refused
        refused += ans.refused
        fallback += ans.mode.endswith("+extractive")
        dropped += len(ans.dropped)
        sentences += len(ans.dropped) + len(parse_markers(ans.text)) * (not ans.refused)
    n = len(sample)
    return {"model": Path(path).name, "n": n, "hit": hits / n, "refused": refused / n,
            "fallback": fallback / n, "dropped": dropped, "sentences": sentences,
            "p50": pct(lat, 50)}


if __name__ == "__main__":
    main()
