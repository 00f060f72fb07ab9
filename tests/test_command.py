"""The ``newsqa`` command as a user runs it, in subprocesses over a real store: ``newsqa
ingest`` fills it with the sample articles, then ``ask`` (with ``--format md|json``, and
``newsqa "question"`` without a subcommand, as before), ``stats``, ``export`` (a file of
questions as one conversation, JSON by suffix, ``--separate``), ``serve`` (the web chat
answers), every ``--help``, and ``newsqa ask`` loading no gradio."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from tests.support.helpers import EXAMPLES, ROOT, free_port, wait_http, write

pytestmark = pytest.mark.slow
QUESTION = "When did the Harbor Bridge reopen?"
COMMANDS = ("ask", "ingest", "serve", "mcp", "stats", "export")


def env_for(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    env.update({f"NEWSQA_{k.upper()}": v for k, v in values.items()})
    env.update(GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT))
    return env


def newsqa(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    """``newsqa ARGS`` (as ``python -m newsqa``, which the console script runs)."""
    return subprocess.run([sys.executable, "-m", "newsqa", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, input=stdin, timeout=300)


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    store = str(tmp_path_factory.mktemp("command") / "store")
    done = newsqa("ingest", str(EXAMPLES), "--no-progress", env=env_for(store=store))
    assert done.returncode == 0, done.stderr
    assert "13 added" in done.stdout
    return env_for(store=store)


def test_the_console_script_is_the_dispatcher():
    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    assert scripts["newsqa"] == "newsqa.cli:main"


def test_help_lists_every_command_and_each_command_names_itself():
    top = newsqa("--help", env=env_for())
    assert top.returncode == 0
    for name in COMMANDS:
        assert f"\n  {name} " in top.stdout, name
    for name in COMMANDS:
        out = newsqa(name, "--help", env=env_for())
        assert out.returncode == 0, (name, out.stderr)
        assert out.stdout.startswith(f"usage: newsqa {name} "), out.stdout[:80]
        assert "exit status:" in out.stdout, name
    ingest_help = newsqa("help", "ingest", env=env_for()).stdout
    assert ".jsonl" in ingest_help and "newsqa ingest examples/articles" in ingest_help


def test_ask_in_markdown_and_json(env):
    md = newsqa("ask", QUESTION, "--format", "md", env=env)
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith(f"## {QUESTION}\n") and "May 22" in md.stdout
    assert "**Harbor Bridge reopens to traffic after 14-week closure** — Northshore Daily" \
        in md.stdout
    assert "<https://northshoredaily.example/bayport/" in md.stdout
    assert "characters 0–" in md.stdout
    js = json.loads(newsqa("ask", QUESTION, "--format", "json", env=env).stdout)
    alias = json.loads(newsqa("ask", QUESTION, "--json", env=env).stdout)
    for d in (js, alias):
        d.pop("timings")
    assert js == alias and js["citations"][0]["source"] == "Northshore Daily"
    both = newsqa("ask", QUESTION, "--json", "--format", "md", env=env)
    assert both.returncode == 2 and "--format" in both.stderr


def test_a_question_without_a_subcommand_still_works(env):
    out = newsqa(QUESTION, "--json", env=env)
    assert out.returncode == 0, out.stderr
    assert "May 22" in json.loads(out.stdout)["text"]
    plain = newsqa(QUESTION, env=env)
    assert "May 22" in plain.stdout and "[1] Harbor Bridge reopens" in plain.stdout
    old = subprocess.run([sys.executable, "-m", "qa", QUESTION, "--format", "md"], env=env,
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert old.returncode == 0 and old.stdout.startswith(f"## {QUESTION}")


def test_ask_loads_neither_gradio_nor_mcp(env):
    code = ("import json, sys, contextlib, io\nfrom newsqa.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    rc = main(['ask', {QUESTION!r}])\n"
            "print(json.dumps([rc, sorted({'gradio', 'mcp'} & set(sys.modules))]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, env=env, timeout=300)
    assert json.loads(out.stdout) == [0, []], out.stderr


def test_stats_lists_the_outlets(env):
    out = newsqa("stats", env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("13 articles (")
    assert "Northshore Daily" in out.stdout and "2024-09-29 to 2025-05-23" in out.stdout
    data = json.loads(newsqa("stats", "--json", env=env).stdout)
    assert data["articles"] == 13 == sum(s["articles"] for s in data["sources"])
    assert data["where"] == env["NEWSQA_STORE"]
    empty = newsqa("stats", env=env_for(store=str(Path(env["NEWSQA_STORE"]).parent / "none")))
    assert empty.returncode == 2 and len(empty.stderr.strip().splitlines()) == 1


def test_export_writes_one_document_of_a_conversation(env, tmp_path: Path):
    questions = write(tmp_path / "questions.txt",
                      f"# the bridge\n{QUESTION}\n\nWhy was it late?\n")
    md = newsqa("export", str(questions), "--title", "Bridge brief", env=env)
    assert md.returncode == 0, md.stderr
    doc = md.stdout
    assert doc.startswith("# Bridge brief\n") and "# the bridge" not in doc
    assert doc.index(f"## 1. {QUESTION}") < doc.index("## 2. Why was it late?")
    assert doc.count("**Sources**") == 2 and "corrosion" in doc
    out = tmp_path / "brief.json"
    done = newsqa("export", str(questions), "-o", str(out), env=env)
    assert done.returncode == 0 and "wrote 2 answer(s)" in done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "newsqa.conversation/1" and len(data["turns"]) == 2
    follow = data["turns"][1]
    assert follow["query"] != follow["question"]  # the follow-up read with its history
    assert "Harbor Bridge" in follow["query"]
    alone = json.loads(newsqa("export", "-", "--separate", "--format", "json", env=env,
                              stdin=f"{QUESTION}\nWhy was it late?\n").stdout)
    assert alone["turns"][1]["query"] == "Why was it late?"


def test_export_without_questions_is_a_one_line_error(env, tmp_path: Path):
    none = newsqa("export", "-", env=env, stdin="# only a comment\n\n")
    assert none.returncode == 2 and none.stderr.strip().count("\n") == 0
    assert "no questions" in none.stderr
    missing = newsqa("export", str(tmp_path / "nope.txt"), env=env)
    assert missing.returncode == 2 and "nope.txt" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_ingest_reports_bad_options_under_its_new_name(env):
    out = newsqa("ingest", "--bogus", env=env)
    assert out.returncode == 2 and "usage: newsqa ingest" in out.stderr


def test_serve_runs_the_web_chat(env):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "newsqa", "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc)
        from gradio_client import Client

        answer = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(
            QUESTION, api_name="/ask")
        assert "May 22" in answer["text"]
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert f"open http://127.0.0.1:{port}" in out
