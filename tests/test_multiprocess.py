"""One embedded store, several processes at once, as people use it: the web app serving while
the command line ingests and deletes in another shell, two ingestions started together, a
writer killed half-way. Readers see new and deleted articles within a couple of seconds and
never error; writers take turns (saying so) and nothing is lost or duplicated."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa.settings import Settings
from qa.store import Store
from qa.store.lock import write_lock
from qa.store.paths import write_lock as lock_path
from tests.support.helpers import (
    EXAMPLES,
    ROOT,
    STORE_MODES,
    free_port,
    store_settings,
    wait_http,
    write,
)
from tests.support.webapp import client

pytestmark = pytest.mark.slow

BARRIER_Q = "How much will the Marrowfield tidal barrier cost?"
BARRIER_URL = "https://estuary-post.example/2026/03/marrowfield-barrier"


def article(url: str, title: str, text: str, date: str = "2026-03-03") -> dict:
    return {"url": url, "title": title, "text": text, "source": "Estuary Post",
            "published": date}


BARRIER = article(
    BARRIER_URL, "Marrowfield council approves tidal barrier",
    "The Marrowfield town council voted seven to two on Tuesday to build a tidal barrier "
    "across the mouth of the Osk river. The barrier will cost 41 million euros and should "
    "be finished in 2029, the council said.\n\nResidents of the low-lying Quayside district "
    "were flooded three times in the past two winters.")


def env_for(store: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    env.update(NEWSQA_STORE=str(store), PYTHONUNBUFFERED="1",
               GRADIO_ANALYTICS_ENABLED="False")
    return env


def cli(store: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingest", "--no-progress", *args],
                          cwd=ROOT, env=env_for(store), capture_output=True, text=True,
                          timeout=timeout)


def many_articles(folder: Path, n: int, tag: str = "") -> Path:
    """``n`` small articles of our own, one JSON file each."""
    for i in range(n):
        write(folder / f"a{i:03d}.json", json.dumps(article(
            f"https://wardnotes.example/{tag}{i}", f"Bayport ward {i} report {tag}",
            f"Ward {i} of Bayport {tag} counted {100 + i} new street trees this year. "
            f"The ward committee met {i % 7 + 1} times and approved {i % 5 + 2} "
            "new crossings near the schools.")))
    return folder


def stored(store: Path | Settings, url_part: str) -> tuple[dict[str, int], int, int]:
    """Read afresh: (chunks per complete article whose URL holds ``url_part``, articles not
    complete, chunks in the store)."""
    s = Store.open(store if isinstance(store, Settings) else Settings(store=str(store)), None)
    try:
        arts = s.all_articles()
        mine = {a: len(s.article_chunks(a)) for a, r in arts.items()
                if r.complete and url_part in r.url}
        return mine, sum(not r.complete for r in arts.values()), s.count()
    finally:
        s.close()


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory):
    """``python app.py`` over a store holding examples/articles; yields (url, store)."""
    tmp = tmp_path_factory.mktemp("mp")
    store = tmp / "store"
    assert cli(store, str(EXAMPLES)).returncode == 0
    port = free_port()
    log = tmp / "app.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port)],
                                cwd=tmp, env=env_for(store), stdout=out,
                                stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_http(url, proc)
        yield url, store
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def ask_until(c, question: str, ok, seconds: float = 8.0) -> tuple[dict, float]:
    """Ask every 0.2 s until ``ok(answer)``; returns (answer, seconds it took). Any error
    reaching the caller fails the test."""
    t0 = time.monotonic()
    while True:
        d = c.predict(question, api_name="/ask")
        assert not d.get("error"), d
        if ok(d) or time.monotonic() - t0 > seconds:
            return d, time.monotonic() - t0
        time.sleep(0.2)


def cites(d: dict, url: str) -> bool:
    return any(c.get("url") == url for c in d.get("citations", []))


def test_app_sees_articles_the_cli_adds_and_deletes(app_server, tmp_path):
    url, store = app_server
    c = client(url)
    before = c.predict(BARRIER_Q, api_name="/ask")
    assert not before.get("error") and not cites(before, BARRIER_URL)
    src = write(tmp_path / "barrier.json", json.dumps(BARRIER))
    r = cli(store, str(src))
    assert r.returncode == 0, r.stderr
    d, took = ask_until(c, BARRIER_Q, lambda d: "41 million" in d["text"])
    assert "41 million" in d["text"] and cites(d, BARRIER_URL), d
    assert took < 4.0  # the app checks the store every 2 s

    r = cli(store, "--delete", BARRIER_URL)
    assert r.returncode == 0, r.stderr
    d, took = ask_until(c, BARRIER_Q, lambda d: not cites(d, BARRIER_URL))
    assert not cites(d, BARRIER_URL) and "41 million" not in d["text"], d
    assert took < 4.0
    # and the older articles still answer
    old = c.predict("How many homes lost power during Storm Calloway?", api_name="/ask")
    assert not old.get("error") and not old["refused"]


def test_app_keeps_answering_while_a_writer_is_killed_and_the_next_repairs(app_server,
                                                                          tmp_path):
    url, store = app_server
    c = client(url)
    folder = many_articles(tmp_path / "big", 400, tag="k")  # written 48 at a time
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "--no-progress", str(folder)],
                            cwd=ROOT, env=env_for(store), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:  # let it write some
            d = c.predict("How many new street trees did ward 3 count?", api_name="/ask")
            assert not d.get("error"), d
            if cites(d, "https://wardnotes.example/k3"):
                break
            time.sleep(0.3)
        assert proc.poll() is None, proc.stderr.read()  # killed half-way, not after
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    for _ in range(5):  # the app keeps answering after the kill
        d = c.predict("How many homes lost power during Storm Calloway?", api_name="/ask")
        assert not d.get("error") and not d["refused"], d
    r = cli(store, "--json", str(folder))
    assert r.returncode == 0, r.stderr
    mine, incomplete, _ = stored(store, "wardnotes.example/k")
    assert len(mine) == 400 and set(mine.values()) == {1} and incomplete == 0
    d, _ = ask_until(c, "How many new street trees did ward 399 count?",
                     lambda d: "499" in d["text"])
    assert "499" in d["text"], d


def test_a_web_upload_during_a_cli_ingestion_both_land(app_server, tmp_path):
    from gradio_client import handle_file

    url, store = app_server
    c = client(url)
    folder = many_articles(tmp_path / "cli", 60, tag="u")
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "--no-progress", str(folder)],
                            cwd=ROOT, env=env_for(store), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    time.sleep(3)  # the CLI is loading its model or writing
    up = write(tmp_path / "upload" / "barrier.json", json.dumps(BARRIER))
    report, _, _ = c.predict([handle_file(str(up))], "", api_name="/add")
    assert "1</b> added" in report, report
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    mine, incomplete, _ = stored(store, "wardnotes.example/u")
    assert len(mine) == 60 and set(mine.values()) == {1} and incomplete == 0
    d, _ = ask_until(c, BARRIER_Q, lambda d: "41 million" in d["text"])
    assert cites(d, BARRIER_URL), d
    d, _ = ask_until(c, "How many new street trees did ward 59 count?",
                     lambda d: "159" in d["text"])
    assert "159" in d["text"], d


def env_of(s: Settings) -> dict[str, str]:
    """The environment that points a CLI process at the store of ``s``."""
    env = env_for(Path(s.store_dir))
    if s.chroma_url:
        env.update(NEWSQA_CHROMA_URL=s.chroma_url, NEWSQA_COLLECTION=s.collection,
                   NEWSQA_LEXICAL_DIR=s.lexical_dir)
    return env


@pytest.mark.parametrize("mode", STORE_MODES)
@pytest.mark.parametrize("existing", [False, True], ids=["new-store", "existing-store"])
def test_two_ingestions_at_once_both_land_once(tmp_path, request, mode, existing):
    s = store_settings(mode, tmp_path, request)
    env = env_of(s)
    run = [sys.executable, "-m", "ingest", "--no-progress", "--json"]
    if existing:
        assert subprocess.run([*run, str(EXAMPLES)], cwd=ROOT, env=env,
                              capture_output=True).returncode == 0
    a = many_articles(tmp_path / "a", 40, tag="a")
    b = many_articles(tmp_path / "b", 40, tag="b")
    both = many_articles(tmp_path / "both", 10, tag="s")  # given to both runs
    procs = [subprocess.Popen([*run, str(x), str(both)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for x in (a, b)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert not json.loads(out)["failed"]
    mine, incomplete, chunks = stored(s, "wardnotes.example/")
    assert len(mine) == 90 and set(mine.values()) == {1} and incomplete == 0  # each once
    everything, _, _ = stored(s, "")
    assert chunks == sum(everything.values())  # no stray chunks


def test_a_waiting_writer_says_who_it_waits_for(tmp_path):
    store = tmp_path / "store"
    assert cli(store, str(EXAMPLES)).returncode == 0
    src = write(tmp_path / "barrier.json", json.dumps(BARRIER))
    lock = write_lock(lock_path(Settings(store=str(store))), str(store))
    with lock.held():
        proc = subprocess.Popen([sys.executable, "-m", "ingest", "--no-progress", str(src)],
                                cwd=ROOT, env=env_for(store), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(6)
        assert proc.poll() is None  # waits for the lock instead of writing
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert f"waiting for another writer (pid {os.getpid()}) to finish with {store}" in err
    assert "1 added" in out + err


OPENER = """
import sys, time
from pathlib import Path
import chromadb  # imported before the start signal, so the opens really coincide
from qa.settings import Settings
from qa.store import Store
from qa.store.schema import ModelInfo
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.001)
s = Store.open(Settings(store=sys.argv[1]), ModelInfo("bge-small", 384, "bge-small"),
               create=True)
print(s.count())
"""


def test_processes_creating_one_new_store_at_the_same_moment_all_succeed(tmp_path):
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", OPENER, str(tmp_path / "store"), str(go)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(4)]
    time.sleep(4)
    go.touch()
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0 and out.strip() == "0", err


def test_threads_of_one_process_keep_working_while_another_process_writes(tmp_path):
    """The web app's case: chat threads and an upload's ingestion in one process share its
    Chroma client, which is reopened whenever the CLI in another process writes."""
    import threading

    from ingest import ingest
    from qa import QA

    store = tmp_path / "store"
    assert cli(store, str(EXAMPLES)).returncode == 0
    s = Settings(store=str(store))
    errors: list[str] = []
    stop = threading.Event()

    def asker() -> None:
        with QA(s) as qa:
            while not stop.is_set():
                try:
                    qa.ask("How many homes lost power during Storm Calloway?")
                except Exception as e:  # collected and asserted below
                    errors.append(f"{type(e).__name__}: {e}")

    shell = subprocess.Popen([sys.executable, "-m", "ingest", "--no-progress",
                              str(many_articles(tmp_path / "cli", 300, tag="c"))], cwd=ROOT,
                             env=env_for(store), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    askers = [threading.Thread(target=asker) for _ in range(3)]
    for t in askers:
        t.start()
    try:
        rep = ingest([str(many_articles(tmp_path / "up", 300, tag="w"))], s)
    finally:
        _, err = shell.communicate(timeout=600)
        stop.set()
        for t in askers:
            t.join()
    assert shell.returncode == 0, err
    assert not rep.failed and rep.added == 300, rep.failed[:3]
    assert not errors, errors[:3]
    mine, incomplete, _ = stored(store, "wardnotes.example/")
    assert len(mine) == 600 and set(mine.values()) == {1} and incomplete == 0


def test_closing_one_qa_leaves_the_others_of_the_process_working(tmp_path):
    from qa import QA

    store = tmp_path / "store"
    assert cli(store, str(EXAMPLES)).returncode == 0
    s = Settings(store=str(store))
    first, second = QA(s), QA(s)
    q = "How many homes lost power during Storm Calloway?"
    assert not first.ask(q).refused and not second.ask(q).refused
    first.close()  # shares the process's Chroma client with `second`
    assert not second.ask(q).refused
    second.close()
