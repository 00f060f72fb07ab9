"""The in-process GGUF model: speed by CPU threads (NEWSQA_LLM_THREADS), and memory over
many questions with llama.cpp's default prompt cache vs ours.

    python bench/llm_threads.py [--gguf PATH] [--threads 1,2] [--repeat 3] [--memory 12]

Speed: each thread count loads the model once and answers the same prompt — six passages of
a sample article and a question, as ``qa.answer.generate`` builds it — ``--repeat`` times with the
prompt cache off, so every run reads the whole prompt. Reports llama.cpp's own timings:
prompt tokens/s, generated tokens/s, and the wall time per answer (median).

Memory: ``--memory`` different questions over the same kind of prompt, once with llama.cpp's
default host prompt cache (8 GiB) and once with ``qa.llm.gguf.PROMPT_CACHE_MIB``; reports
how much the process grew after the first answer.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, machine  # noqa: E402


def prompt() -> list[dict[str, str]]:
    from qa.answer.generate import build_messages
    from qa.types import Citation

    text = (ROOT / "examples/articles/2025-09-03-port-strike-begins.txt").read_text()
    paras = [p for p in text.split("\n\n") if len(p) > 80]
    passages = [Citation(number=i + 1, article_id=f"a{i}", title="Dockworkers walk out",
                         url="", source="Coastal Wire", author="", published=date(2025, 9, 3),
                         passage=" ".join(paras[i % len(paras):] + paras)[:900], start=0,
                         end=0, score=0.5) for i in range(6)]
    return build_messages("Why did the dockworkers go on strike?", passages)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gguf", default=str(Path.home() /
                                          ".cache/newsqa/models/SmolLM2-135M-Instruct.Q4_1.gguf"))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory", type=int, default=12, help="questions per memory run (0 = skip)")
    args = ap.parse_args()
    from qa.llm import gguf as llm_gguf
    from qa.llm.gguf import load_server, unload_all

    messages = prompt()
    rows = []
    for n in (int(x) for x in args.threads.split(",")):
        server = load_server(args.gguf, threads=n)
        walls, pps, gps, pn = [], [], [], 0
        for _ in range(args.repeat):
            t = time.perf_counter()
            r = server.handle_chat_completions({"messages": messages, "max_tokens": 120,
                                                "temperature": 0, "cache_prompt": False})
            walls.append(time.perf_counter() - t)
            tm = r["timings"]
            pn = tm["prompt_n"]
            pps.append(tm["prompt_per_second"])
            gps.append(tm["predicted_per_second"])
        rows.append((n, pn, statistics.median(pps), statistics.median(gps),
                     statistics.median(walls)))
        del server
        unload_all()
    print(f"\n### Local LLM threads — `python bench/llm_threads.py --threads {args.threads} "
          f"--repeat {args.repeat}`\n")
    print(f"{Path(args.gguf).name}, a {rows[0][1]}-token prompt, up to 120 tokens out, "
          f"median of {args.repeat}. Machine: {machine()}.\n")
    print("| threads | prompt tokens/s | generated tokens/s | s per answer | vs first row |")
    print("|---:|---:|---:|---:|---:|")
    for n, _, pp, gp, w in rows:
        print(f"| {n} | {pp:.0f} | {gp:.0f} | {w:.1f} | {rows[0][4] / w:.2f}× |")
    if not args.memory:
        return
    threads = max(int(x) for x in args.threads.split(","))
    print(f"\nMemory: {args.memory} different questions, {threads} threads, RSS growth after "
          "the first answer:\n")
    print("| host prompt cache | MiB grown | MiB per answer |\n|---|---:|---:|")
    for cap, name in ((8192, "llama.cpp default, 8192 MiB"),
                      (llm_gguf.PROMPT_CACHE_MIB, f"ours, {llm_gguf.PROMPT_CACHE_MIB} MiB")):
        server = load_server(args.gguf, threads=threads, cache_mib=cap)
        sizes = []
        for i in range(args.memory + 1):
            body = [dict(m) for m in messages]
            body[-1]["content"] = f"(question {i} of a chat) " + body[-1]["content"]
            server.handle_chat_completions({"messages": body, "max_tokens": 40,
                                            "temperature": 0})
            sizes.append(rss_mib())
        grown = sizes[-1] - sizes[0]
        print(f"| {name} | {grown:.0f} | {grown / args.memory:.1f} |")
        del server
        unload_all()


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        return int(f.read().split("VmRSS:")[1].split()[0]) / 1024


if __name__ == "__main__":
    main()
