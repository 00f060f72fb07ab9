"""Try refusal models on the signals `bench/answer.py` saved, without asking again.

    python bench/refusal.py [--weeks N] [--cap 0.10] [--signals NAME] dense,lexical,passage ...

Each argument is a set of signals (comma-separated). For each, a logistic model is fitted on
the even weeks (answerable questions vs questions asked with their week's articles taken out,
leaving out those whose gold text other weeks still hold), its threshold chosen to refuse at
most ``--cap`` of the even weeks' answerable questions, and the refusal rates are reported on
the odd weeks, which the fit never saw. Interleaved weeks share stories and flatter a fit,
so each model is also fitted on the even weeks of the first half only and reported on the
whole later half ("later block"): a model that holds up there generalises. "shipped" is the
model qa/answer/grounding.py ships for the pipeline (``--signals NAME`` reads
``bench/out/signals-NAME.json`` from bench/quality.py; default: bench/answer.py's file).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.answer import OUT, _tag, fit_refusal, refusal_rates  # noqa: E402
from bench.common import machine  # noqa: E402
from qa.answer.grounding import EMBED_MODELS, RERANK_MODEL, WEIGHTS  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", nargs="*", default=[",".join(WEIGHTS)])
    ap.add_argument("--weeks", type=int, default=0)
    ap.add_argument("--cap", type=float, default=0.10,
                    help="most of the even weeks' answerable questions a fit may refuse")
    ap.add_argument("--signals", default="", help="NAME of bench/out/signals-NAME.json")
    args = ap.parse_args()
    name = f"signals-{args.signals}" if args.signals else "refusal-signals"
    data = json.loads((OUT / f"{name}{_tag(args.weeks)}.json").read_text())
    shipped = RERANK_MODEL if "rerank" in data["answerable"][0]["sig"] else \
        EMBED_MODELS["bge-small-en-v1.5-int8-onnx" if args.signals.startswith("bge")
                     else "all-MiniLM-L6-v2-int8-onnx"]
    half = (max(r["week"] for r in data["answerable"]) + 1) // 2
    even = lambda r: r["week"] % 2 == 0  # noqa: E731
    a_fit = [r for r in data["answerable"] if even(r)]
    m_fit = [r for r in data["missing"] if even(r) and not r["held"]]
    a_odd = [r for r in data["answerable"] if not even(r)]
    m_odd = [r for r in data["missing"] if not even(r)]
    print(f"`python bench/refusal.py{f' --weeks {args.weeks}' if args.weeks else ''}"
          f"{f' --signals {args.signals}' if args.signals else ''} "
          f"--cap {args.cap} {' '.join(args.sets)}`\n")
    print(f"Fitted on {len(a_fit)} answerable / {len(m_fit)} missing (even weeks); odd weeks: "
          f"{len(a_odd)} answerable, {len(m_odd)} missing. Machine: {machine()}.\n")
    print("| model | weights | threshold | odd weeks: answerable / missing / missing, not "
          "held | later block: answerable / missing, not held |")
    print("|---|---|---:|---:|---:|")
    early = lambda r: r["week"] < half  # noqa: E731
    a_late = [r for r in data["answerable"] if not early(r)]
    m_late = [r for r in data["missing"] if not early(r)]
    models = [("shipped", (dict(shipped.weights), shipped.bias, shipped.threshold), None)]
    for spec in args.sets:
        keys = spec.split(",")
        pick = lambda rows: [{k: r["sig"].get(k, 0.0) for k in keys} for r in rows]  # noqa
        fit = fit_refusal(pick(a_fit), pick(m_fit), keys=keys, cap=args.cap)
        early_fit = fit_refusal(pick([r for r in a_fit if early(r)]),
                                pick([r for r in m_fit if early(r)]), keys=keys, cap=args.cap)
        models.append((spec, fit, early_fit))
    for name, model, early_model in models:
        ra, rm, rc = refusal_rates(model, [r["sig"] for r in a_odd],
                                   [(r["sig"], r["held"]) for r in m_odd])
        la, _, lc = refusal_rates(early_model or model, [r["sig"] for r in a_late],
                                  [(r["sig"], r["held"]) for r in m_late])
        ws = ", ".join(f"{k} {v:+.3f}" for k, v in model[0].items() if v)
        ws += f"; bias {model[1]:+.3f}"
        print(f"| {name} | {ws} | {model[2]:.3f} | {ra:.1%} / {rm:.1%} / {rc:.1%} | "
              f"{la:.1%} / {lc:.1%} |")


if __name__ == "__main__":
    main()
