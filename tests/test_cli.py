"""The exit-status policy (``qa.exitcodes``) of all three commands, run as a user runs them:
``python -m ingest``, ``python -m qa`` and ``python app.py`` in subprocesses over temp stores.
0 success (an answer or a refusal), 1 some inputs failed, 2 a usage error or a problem to fix
(one line on stderr, no traceback), 130 interrupted; plus what each ``--help`` says."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.formats import SUFFIXES
from tests.support.helpers import EXAMPLES, ROOT, free_port, wait_http, write
from tests.support.httpd import LocalServer, slow_body

pytestmark = pytest.mark.slow
QUESTION = "When did the Harbor Bridge reopen?"
OFF_TOPIC = "What is the airspeed of an unladen swallow?"


def env_for(**values: str) -> dict[str, str]:
    """The environment without the user's NEWSQA_* settings, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    env.update({f"NEWSQA_{k.upper()}": v for k, v in values.items()})
    env.update(GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1")
    return env


def run(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=timeout)


def one_line_error(result: subprocess.CompletedProcess, code: int, *words: str) -> None:
    """Exit ``code``, no traceback, and one line on stderr naming the problem."""
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store filled with the sample articles by ``python -m ingest`` (which exits 0)."""
    path = str(tmp_path_factory.mktemp("cli") / "store")
    done = run("-m", "ingest", str(EXAMPLES), "--no-progress", env=env_for(store=path))
    assert done.returncode == 0, done.stderr
    assert "added" in done.stdout
    return path


# ---- --help ---------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["-m", "qa"], ["-m", "ingest"], ["app.py"]])
def test_help_states_the_exit_policy(command: list[str]):
    out = run(*command, "--help", env=env_for())
    assert out.returncode == 0, out.stderr
    policy = out.stdout[out.stdout.index("exit status:"):]
    for code in ("0 ", "2 ", "130 "):
        assert f"\n  {code}" in policy, policy
    assert ("\n  1 " in policy) == (command == ["-m", "ingest"])  # only ingest has inputs


def test_ingest_help_lists_every_file_type_the_readers_take():
    out = run("-m", "ingest", "--help", env=env_for())
    for suffix in SUFFIXES:
        assert f"{suffix} " in out.stdout or f"{suffix}\n" in out.stdout, suffix
    assert ".ndjson" in out.stdout and ".xhtml" in out.stdout and ".markdown" in out.stdout


# ---- python -m ingest -----------------------------------------------------------------------
def test_ingest_partial_failure_is_1_and_usage_or_store_problems_are_2(tmp_path: Path):
    good = write(tmp_path / "in" / "a.txt", "Harbor news\n\nThe harbor commission met on "
                 "Tuesday and agreed to repaint the lighthouse before the summer season.\n")
    env = env_for(store=str(tmp_path / "store"))
    mixed = run("-m", "ingest", str(good), str(tmp_path / "missing.txt"), "--no-progress",
                env=env)
    assert mixed.returncode == 1, mixed.stderr
    assert "missing.txt: no such file or directory" in mixed.stderr
    assert "Traceback" not in mixed.stderr
    usage = run("-m", "ingest", env=env)
    assert usage.returncode == 2 and "PATH_OR_URL" in usage.stderr
    one_line_error(run("-m", "ingest", str(good), env=env_for(k="many")), 2, "NEWSQA_K")
    down = run("-m", "ingest", str(good), "--no-progress",
               env=env_for(chroma_url="http://127.0.0.1:9", lexical_dir=str(tmp_path / "lx")))
    one_line_error(down, 2, "127.0.0.1:9")


def test_ingest_interrupted_is_130_and_says_how_to_finish(tmp_path: Path):
    with LocalServer() as web:
        url = web.add_handler("/slow", slow_body)
        proc = subprocess.Popen([sys.executable, "-m", "ingest", url, "--no-progress",
                                 "--allow-private-urls"],
                                cwd=ROOT, env=env_for(store=str(tmp_path / "store"),
                                                      http_timeout="60"),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            end = time.monotonic() + 180
            while not web.hits and time.monotonic() < end and proc.poll() is None:
                time.sleep(0.1)
            assert web.hits, "ingest never fetched the URL"
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err


# ---- python -m qa ---------------------------------------------------------------------------
def test_qa_answer_and_refusal_are_0(store: str):
    env = env_for(store=store)
    answer = run("-m", "qa", QUESTION, "--json", env=env)
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["citations"]
    refusal = run("-m", "qa", OFF_TOPIC, "--json", env=env)
    assert refusal.returncode == 0, refusal.stderr
    assert json.loads(refusal.stdout)["refused"] is True


def test_qa_problems_to_fix_are_2_with_one_line(store: str, tmp_path: Path):
    one_line_error(run("-m", "qa", QUESTION, env=env_for(store=str(tmp_path / "none"))), 2,
                   "python -m ingest")
    one_line_error(run("-m", "qa", QUESTION, env=env_for(store=store, k="many")), 2,
                   "NEWSQA_K")
    one_line_error(run("-m", "qa", "--passages", env=env_for(store=store)), 2, "question")
    bad_date = run("-m", "qa", QUESTION, "--since", "someday", env=env_for(store=store))
    assert bad_date.returncode == 2 and "not a date" in bad_date.stderr  # argparse: usage too
    assert "Traceback" not in bad_date.stderr


def test_qa_chat_interrupted_is_130(tmp_path: Path):
    """The interactive chat (on a terminal) stopped with Ctrl-C at its prompt."""
    main, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "qa"], cwd=ROOT,
                            env=env_for(store=str(tmp_path / "store")), stdin=child,
                            stdout=child, stderr=subprocess.PIPE, text=True)
    os.close(child)
    try:
        seen, end = b"", time.monotonic() + 120
        while b"> " not in seen and time.monotonic() < end and proc.poll() is None:
            if select.select([main], [], [], 0.5)[0]:
                seen += os.read(main, 4096)
        assert b"Ask about your articles" in seen, seen
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    assert proc.returncode == 130, err
    assert "Traceback" not in err


# ---- python app.py --------------------------------------------------------------------------
def start_app(tmp: Path, port: int, **settings: str) -> subprocess.Popen:
    env = env_for(store=str(tmp / "store"), upload_dir=str(tmp / "up"), **settings)
    return subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_app_that_cannot_start_is_2_with_one_line(tmp_path: Path):
    bad = start_app(tmp_path, free_port(), k="many")
    out, err = bad.communicate(timeout=120)
    one_line_error(subprocess.CompletedProcess(bad.args, bad.returncode, out, err), 2,
                   "NEWSQA_K")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = start_app(tmp_path, taken.getsockname()[1])
        out, err = busy.communicate(timeout=120)
    one_line_error(subprocess.CompletedProcess(busy.args, busy.returncode, out, err), 2,
                   "cannot start the web server")


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 0)])
def test_app_stopped_by_ctrl_c_is_130_and_by_sigterm_0(tmp_path: Path, sig: int, code: int):
    port = free_port()
    proc = start_app(tmp_path, port)
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, err
    assert "Traceback" not in err
