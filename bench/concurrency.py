"""Concurrency benchmark: simultaneous chat users against the real web app while an
ingestion runs through the same app.

    python bench/concurrency.py                 # 20 users, 60 s, over the RealTime QA archive
    python bench/concurrency.py --users 5 --seconds 20

The archive store (built by bench/ingest.py or bench/answer.py in bench/out/rtqa-store) is
copied, the app is started on 127.0.0.1 over the copy, and each simulated user — its own
gradio_client session — asks a news question through /chat and then a follow-up that only
makes sense with its own history. Meanwhile one upload of new articles goes through /add,
and a second shell's work runs beside the app on the same store: ``python -m ingest`` of
more new articles (one of them a probe with a fact found nowhere else), then
``python -m ingest --delete`` of the probe. A probe client measures how long after each
command exits the app answers from the probe (and, after the delete, stops citing it).
Checks every answer belongs to the question asked and every follow-up was rewritten with
the asker's own previous question. Reports p50/p95 latency per turn type, errors, the
ingestions' durations and the two visibility delays. All traffic stays on 127.0.0.1 and the
run stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.answer import OUT, load_questions, pct  # noqa: E402
from bench.common import ROOT, machine  # noqa: E402
from qa.text.terms import terms  # noqa: E402
from tests.support.helpers import free_port  # noqa: E402

FOLLOW_UPS = ["When did that happen?", "Who was involved in it?", "What happened next there?"]


def start_app(store: Path, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "NEWSQA_STORE": str(store), "NEWSQA_UPLOAD_DIR": str(store.parent)}
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"app exited: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("app did not start")


def new_articles(n: int, path: Path) -> Path:
    """Fresh synthetic articles (made up here) for the concurrent upload."""
    rnd = random.Random(7)
    towns = ["Ashford", "Brindle", "Corwen", "Dunmore", "Elsworth", "Farley"]
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            town = rnd.choice(towns)
            text = " ".join(
                f"The {town} council met on day {i} and voted {rnd.randint(3, 9)} to "
                f"{rnd.randint(0, 3)} on plan number {i * 7 + j}. Residents asked about "
                f"parking, schools and the river path in session {j}."
                for j in range(6))
            fh.write(json.dumps({"url": f"https://bench.example/{town.lower()}/{i}",
                                 "title": f"{town} council vote {i}", "text": text,
                                 "published": "2022-07-01", "source": "Bench Gazette"}) + "\n")
    return path


PROBE_URL = "https://bench.example/probe/zellbrook-seabirds"
PROBE_Q = "How many seabirds did the Zellbrook lighthouse keeper count?"


def cli_articles(n: int, path: Path) -> Path:
    """More made-up articles for the CLI ingestion, the probe first."""
    rows = [{"url": PROBE_URL, "title": "Zellbrook lighthouse keeper's seabird count",
             "text": "The Zellbrook lighthouse keeper counted 4,312 seabirds on the rocks "
                     "below the tower this spring, the highest count in a decade.",
             "published": "2022-07-02", "source": "Bench Gazette"}]
    for i in range(n - 1):
        rows.append({"url": f"https://bench.example/cli/{i}", "title": f"Harbour notes {i}",
                     "text": " ".join(f"Harbour notes {i}, part {j}: {i % 9 + j} boats came "
                                  f"in and the fish market sold {40 + i + j} crates on day "
                                  f"{i}. The harbour master reported calm water and a "
                                  f"{j + 2}-metre tide." for j in range(4)),
                     "published": "2022-07-02", "source": "Bench Gazette"})
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    return path


def cited(data: dict | None) -> bool:
    return bool(data) and any(c.get("url") == PROBE_URL for c in data.get("citations", []))


def until_seen(url: str, want: bool, errors: list, limit: float = 60.0) -> float:
    """Seconds after the start until a question asked then is answered as ``want`` says
    (citing the probe article, or no longer citing it): the start time of the first such
    ask, so the answer's own latency under load is not counted. Asks one after another."""
    from gradio_client import Client

    c, t0 = Client(url, verbose=False), time.perf_counter()
    while time.perf_counter() - t0 < limit:
        asked = time.perf_counter() - t0
        try:
            d = c.predict(PROBE_Q, api_name="/ask")
        except Exception as e:  # counted and reported
            errors.append(f"probe: {type(e).__name__}: {str(e)[:120]}")
            continue
        if d.get("error"):
            errors.append(f"probe: {d['error'][:120]}")
        elif cited(d) == want:
            return asked
    return float("inf")


def second_shell(store: Path, tmp: Path, url: str, n: int, out: dict, errors: list) -> None:
    """`python -m ingest` then `python -m ingest --delete` beside the running app."""
    env = {**os.environ, "NEWSQA_STORE": str(store)}
    src = cli_articles(n, tmp / "cli.jsonl")
    for key, args in (("cli_ingest", [str(src)]), ("cli_delete", ["--delete", PROBE_URL])):
        t = time.perf_counter()
        r = subprocess.run([sys.executable, "-m", "ingest", "--no-progress", *args], cwd=ROOT,
                           env=env, capture_output=True, text=True)
        out[key] = time.perf_counter() - t
        out[key + "_summary"] = (r.stdout or r.stderr).strip().splitlines()[-1:]
        if r.returncode:
            errors.append(f"{key}: exit {r.returncode}: {r.stderr.strip()[-200:]}")
        out[key + "_visible"] = until_seen(url, key == "cli_ingest", errors)


def user(url: str, qs: list[dict], until: float, out: list, errors: list, uid: int) -> None:
    from gradio_client import Client

    c = Client(url, verbose=False)
    rnd = random.Random(uid)
    while time.monotonic() < until:
        q = rnd.choice(qs)["q"]
        for turn, text in (("first", q), ("follow-up", rnd.choice(FOLLOW_UPS))):
            t = time.perf_counter()
            try:
                _, _, data = c.predict(text, [], "", "", [], api_name="/chat")
            except Exception as e:  # counted and reported
                errors.append(f"user {uid}: {type(e).__name__}: {str(e)[:120]}")
                break
            dt = time.perf_counter() - t
            ok = data and data.get("question") == text
            if ok and turn == "follow-up":
                own = set(terms(q))
                ok = bool(own & set(terms(data.get("query", ""))))
            if not ok:
                errors.append(f"user {uid}: {turn} answer not for its own question: {text!r}")
            out.append((turn, dt))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--upload", type=int, default=200, help="articles uploaded during the run")
    ap.add_argument("--cli", type=int, default=100,
                    help="articles ingested by a CLI process during the run (0: no second "
                         "shell, for a side-by-side baseline)")
    ap.add_argument("--store", default=str(OUT / "rtqa-store"))
    args = ap.parse_args()
    if not Path(args.store, "chroma.sqlite3").exists():
        sys.exit(f"no store at {args.store}: run python bench/ingest.py first")
    tmp = Path(tempfile.mkdtemp(prefix="newsqa-conc-"))
    store = tmp / "store"
    shutil.copytree(args.store, store)
    port = free_port()
    proc = start_app(store, port, tmp / "app.log")
    url = f"http://127.0.0.1:{port}/"
    try:
        from gradio_client import Client, handle_file

        qs = [q for q in load_questions() if q["answerable"]]
        lat: list = []
        errors: list = []
        until = time.monotonic() + args.seconds
        threads = [threading.Thread(target=user, args=(url, qs, until, lat, errors, i))
                   for i in range(args.users)]
        for t in threads:
            t.start()
        up = new_articles(args.upload, tmp / "upload.jsonl")
        shell: dict = {}
        shell_t = threading.Thread(target=second_shell,
                                   args=(store, tmp, url, args.cli, shell, errors))
        time.sleep(3)
        if args.cli:
            shell_t.start()
        t0 = time.perf_counter()
        report, _, _ = Client(url, verbose=False).predict([handle_file(str(up))], "",
                                                          api_name="/add")
        ingest_s = time.perf_counter() - t0
        for t in [*threads, *([shell_t] if args.cli else [])]:
            t.join()
    finally:
        proc.terminate()
        proc.wait(30)
    firsts = [d for k, d in lat if k == "first"]
    follows = [d for k, d in lat if k == "follow-up"]
    print(f"\n### Concurrency — `python bench/concurrency.py --users {args.users} --seconds "
          f"{args.seconds:g}`\n")
    print(f"{args.users} gradio_client sessions for {args.seconds:g} s against `python app.py` "
          f"over a copy of the RealTime QA archive, while {args.upload} new articles were "
          f"uploaded through /add and a second shell ran `python -m ingest` ({args.cli} "
          f"articles) and `python -m ingest --delete` on the same store. "
          f"Machine: {machine()}.\n")
    print("| turn | answers | p50 s | p95 s | max s |\n|---|---:|---:|---:|---:|")
    for name, xs in (("first question", firsts), ("follow-up", follows)):
        if xs:
            print(f"| {name} | {len(xs)} | {pct(xs, 50):.2f} | {pct(xs, 95):.2f} | "
                  f"{max(xs):.2f} |")
    print(f"\n- errors or mixed-up answers: {len(errors)}")
    for e in errors[:10]:
        print(f"  - {e}")
    rep = report if isinstance(report, str) else json.dumps(report)[:300]
    print(f"- upload of {args.upload} articles took {ingest_s:.1f} s during the run: "
          f"{rep[:300]!s}")
    print(f"- throughput: {len(lat) / args.seconds:.2f} answers/s")
    if not args.cli:
        return
    print(f"- a second shell's `python -m ingest` of {args.cli} articles took "
          f"{shell.get('cli_ingest', 0):.1f} s ({shell.get('cli_ingest_summary')}); a question "
          f"asked {shell.get('cli_ingest_visible', 0):.2f} s after it exited was answered "
          "from its probe article")
    print(f"- `python -m ingest --delete` of the probe took {shell.get('cli_delete', 0):.1f} s; "
          f"a question asked {shell.get('cli_delete_visible', 0):.2f} s after it exited no "
          "longer cited it")


if __name__ == "__main__":
    main()
