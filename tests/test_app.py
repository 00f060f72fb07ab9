"""The web app end to end: ``python app.py --demo`` started in a subprocess on 127.0.0.1 over a
temp store (filled from examples/articles by --demo), driven with gradio_client: cited answers,
streaming, follow-ups, separate sessions, uploads (deleted once added or refused, never
downloadable afterwards), the /ask JSON API, errors shown in the page. Plus the small parsers,
upload staging and login, which need no running corpus app."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

import app
from qa.settings import Settings
from tests.support.helpers import ROOT, free_port, wait_http
from tests.support.httpd import LocalServer
from tests.support.webapp import call, chat, client, file_record, plain, session, upload
from web.forms import parse_auth, parse_day, parse_history, parse_sources
from web.uploads import safe_name, stage_files, stage_urls

QUESTION = "When did the Harbor Bridge reopen?"
FOLLOW_UP = "How much did it cost?"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """``python app.py --demo`` on a free port; yields (url, log path, gradio's upload folder).
    Private URLs are allowed: the pages it fetches come from a local test server."""
    tmp = tmp_path_factory.mktemp("app")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    env.update(NEWSQA_STORE=str(tmp / "store"), NEWSQA_UPLOAD_DIR=str(tmp / "uploads"),
               NEWSQA_MAX_BYTES="1000000", NEWSQA_ALLOW_PRIVATE_URLS="1", PYTHONUNBUFFERED="1",
               GRADIO_ANALYTICS_ENABLED="False", GRADIO_TEMP_DIR=str(tmp / "gradio"))
    log = tmp / "app.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--demo", "--port",
                                 str(port)], cwd=tmp, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_http(url, proc)
        yield url, log, tmp / "gradio"
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    # the staging dirs are removed after each ingestion
    assert not list((tmp / "uploads").glob("*/*")), list((tmp / "uploads").rglob("*"))


# ---- against the running app --------------------------------------------------------------
def test_demo_store_is_filled_on_first_start(server):
    url, log, _ = server
    assert "Loading the sample articles" in log.read_text()
    with urllib.request.urlopen(url, timeout=10) as r:
        assert "newsqa" in r.read().decode()


def test_api_ask_with_only_a_question_returns_the_answer_dict(server):
    d = client(server[0]).predict(QUESTION, api_name="/ask")
    assert set(d) >= {"question", "text", "citations", "refused", "query", "related", "mode"}
    assert not d["refused"] and d["citations"] and "[1]" in d["text"]
    assert any("Harbor Bridge" in c["title"] for c in d["citations"])
    assert "May 22" in d["text"]


def test_chat_streams_a_cited_answer(server):
    html, data, updates = chat(client(server[0]), QUESTION)
    assert updates >= 3  # pending bubble, streamed text, final answer
    assert 'class="nqa-card"' in html and 'class="nqa-cite"' in html
    assert "Harbor Bridge" in html and "<mark>" in html
    assert data["citations"] and not data["refused"]


def test_follow_up_uses_history_and_sessions_are_kept_apart(server):
    a, b = client(server[0]), client(server[0])
    chat(a, QUESTION)
    html, data, _ = chat(a, FOLLOW_UP)
    assert "Harbor Bridge" in data["query"] and data["query"] != FOLLOW_UP
    assert "Searched for:" in html
    _, other, _ = chat(b, FOLLOW_UP)  # a new session has no history
    assert other["query"] == FOLLOW_UP


def test_concurrent_sessions_get_their_own_answers(server):
    from concurrent.futures import ThreadPoolExecutor

    questions = {"When did the Harbor Bridge reopen?": "May 22",
                 "Who won Valdora's presidential election, and with what share of the vote?":
                     "54.3",
                 "How many homes lost power during Storm Calloway?": "62,000",
                 "By how much will Bayport water rates rise, and when?": "7 percent"}
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda q: (q, chat(client(server[0]), q)[1]), questions))
    for q, data in results:
        assert data["question"] == q and questions[q] in data["text"], (q, data["text"])


def test_chat_filters_apply(server):
    _, data, _ = chat(client(server[0]), QUESTION, since="2025-05", sources=["Northshore Daily"])
    assert data["filters"] == {"since": "2025-05-01", "sources": "Northshore Daily"}
    assert {c["source"] for c in data["citations"]} == {"Northshore Daily"}


def test_api_history_filters_and_errors(server):
    from gradio_client.exceptions import AppError

    c = client(server[0])
    d = c.predict(FOLLOW_UP, json.dumps([[QUESTION, "It reopened on May 22."]]), api_name="/ask")
    assert "Harbor Bridge" in d["query"]
    future = c.predict(QUESTION, "", "2030-01-01", "", "", api_name="/ask")
    assert future["refused"] and future["filters"]["since"] == "2030-01-01"
    src = c.predict(QUESTION, source="Northshore Daily", api_name="/ask")
    assert {x["source"] for x in src["citations"]} <= {"Northshore Daily"}
    with pytest.raises(AppError, match="not a date"):
        c.predict(QUESTION, since="someday", api_name="/ask")


def test_errors_show_in_the_chat_and_the_app_keeps_serving(server):
    c = client(server[0])
    html, data, _ = chat(c, QUESTION, since="last blue moon")
    assert "nqa-error" in html and "not a date" in html and "error" in data
    html, data, _ = chat(c, "What is the airspeed of an unladen swallow?")  # off-topic
    assert "nqa-refused" in html and "Not in the articles" in html and data["refused"]
    html, data, _ = chat(c, QUESTION)
    assert data["citations"]


def test_upload_then_ask_about_it(server, tmp_path):
    from gradio_client import handle_file

    story = tmp_path / "quill feather ../../library.txt".replace("/", "_")
    story.write_text(
        "Quillfeather Library reopens with a rooftop reading garden\n\nBy Ada Marsh\n"
        "June 3, 2025\n\nThe Quillfeather Library in Bayport reopened on Tuesday after a "
        "two-year renovation that added a rooftop reading garden with 300 seats.\n\n"
        "Head librarian Oskar Brandt said the garden would stay open until 10 p.m. in summer.\n",
        encoding="utf-8")
    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ")
    c = client(server[0])
    nothing, before, _ = c.predict([], "", api_name="/add")
    assert "Nothing to add: choose files or paste URLs" in plain(nothing)
    report, stats, dropdown = c.predict([handle_file(str(story)), handle_file(str(bad))],
                                 "ftp://files.example/x\nhttp://127.0.0.1:9/story",
                                 api_name="/add")
    assert "<b>1</b> added" in report
    assert "tool.exe: not a supported file type" in plain(report)
    assert "ftp://files.example/x: not an http(s) URL" in plain(report)
    assert "http://127.0.0.1:9/story" in report  # fetched, failed, with a reason
    assert uploaded_files(server) == []  # the story (added) and tool.exe (refused) are gone
    assert ["Northshore Daily", "Northshore Daily"] in dropdown["choices"]  # refreshed
    count = re.compile(r"<b>(\d+)</b> articles")
    assert int(count.search(stats)[1]) == int(count.search(before)[1]) + 1
    d = c.predict("How many seats does the Quillfeather rooftop garden have?", api_name="/ask")
    assert not d["refused"] and "300" in d["text"]
    assert any("Quillfeather" in x["title"] for x in d["citations"])


def uploaded_files(server) -> list[Path]:
    """Files left in gradio's upload folder (its own empty folders do not count)."""
    return [p for p in server[2].rglob("*") if p.is_file()]


def test_uploads_are_deleted_once_refused_and_cannot_be_downloaded(server, tmp_path):
    bad = tmp_path / "payload.exe"
    bad.write_bytes(b"MZ\x90\x00 not an article")
    s = session(server[0])
    where = upload(s, bad)
    assert s.get(f"gradio_api/file={where}").content == bad.read_bytes()  # before /add
    report, _, _ = call(s, "add", [file_record(where, "payload.exe")], "")
    assert "payload.exe: not a supported file type" in plain(report)
    gone = s.get(f"gradio_api/file={where}")
    assert gone.status_code in (403, 404) and b"MZ" not in gone.content
    assert uploaded_files(server) == []
    # a path that was never uploaded is refused by gradio and nothing is deleted or read
    with pytest.raises(RuntimeError):
        call(s, "add", [file_record(str(bad), "payload.txt")], "")
    assert bad.exists()


def test_pasted_url_is_fetched_then_answers(server):
    page = ("<html><head><title>Tidewater ferry adds a night crossing</title>"
            "<meta property='article:published_time' content='2025-06-10'></head><body>"
            "<article><h1>Tidewater ferry adds a night crossing</h1><p>The Tidewater ferry "
            "will run a new night crossing from Bayport to Gull Island from July 1, leaving "
            "Bayport at 11:40 p.m., the ferry authority said on Tuesday.</p><p>The crossing "
            "takes 50 minutes and a ticket costs 7 dollars.</p></article></body></html>")
    c = client(server[0])
    with LocalServer() as web:
        url = web.add("/news/ferry", page)
        report, _, _ = c.predict([], url, api_name="/add")
        assert web.hits == ["/news/ferry"]
    assert "<b>1</b> added" in report, report
    d = c.predict("When does the new Tidewater night ferry leave Bayport?", api_name="/ask")
    assert not d["refused"] and "11:40" in d["text"]
    assert d["citations"][0]["url"] == url


def test_upload_over_the_size_limit_is_refused(server, tmp_path):
    from gradio_client import handle_file

    big = tmp_path / "big.txt"
    big.write_text("Big story. " * 150_000)  # 1.6 MB > NEWSQA_MAX_BYTES=1000000
    with pytest.raises(Exception, match="(?i)size|large|limit|413"):
        client(server[0]).predict([handle_file(str(big))], "", api_name="/add")


# ---- without the corpus app ------------------------------------------------------------
def turn(settings: Settings, question: str = QUESTION) -> str:
    *_, (chat_value, _, _, data) = app.respond(settings, question, [], [], "", "", None)
    return chat_value[-1]["content"]


def test_store_and_llm_problems_become_error_bubbles(tmp_path, embedder):
    from ingest import ingest

    one = Settings(store=str(tmp_path / "one"))
    ingest([str(ROOT / "examples" / "articles" / "2025-05-23-harbor-bridge-reopens.html")], one,
           embedder=embedder)
    empty = turn(Settings(store=str(tmp_path / "empty")))
    assert "nqa-error" in empty and "No articles yet" in empty and "Add articles" in empty
    down = turn(Settings(chroma_url="http://127.0.0.1:9"))
    assert "nqa-error" in down and "127.0.0.1:9" in down
    llm = turn(one.with_(llm="openai", llm_base_url="http://127.0.0.1:9/v1",
                                     llm_model="x", llm_timeout=3.0))
    assert "nqa-error" in llm and "LLM" in llm


def test_login_required_when_auth_is_set(tmp_path):
    from gradio_client import Client

    pw = tmp_path / "users.txt"
    pw.write_text("# users\nalice:s3cret\nbob:hunter:2\n")
    assert parse_auth(str(pw)) == [("alice", "s3cret"), ("bob", "hunter:2")]
    s = Settings(store=str(tmp_path / "store"), auth=str(pw))
    demo = app.build_app(s, upload_dir=str(tmp_path / "up"))
    url = app.launch(demo, s, port=free_port(), block=False)
    try:
        with pytest.raises(Exception):  # noqa: B017 (gradio_client raises various types)
            Client(url, verbose=False)
        assert "/ask" in Client(url, auth=("alice", "s3cret"), verbose=False).view_api(
            print_info=False, return_format="dict")["named_endpoints"]
    finally:
        demo.close()


def test_form_parsers():
    from datetime import date

    from qa import QAError

    assert parse_day("2025-05-01") == date(2025, 5, 1)
    assert parse_day("2025-02", end=True) == date(2025, 2, 28)
    assert parse_day("2024-12", end=True) == date(2024, 12, 31)
    assert parse_day("2025") == date(2025, 1, 1)
    assert parse_day("2025", end=True) == date(2025, 12, 31)
    assert parse_day("  ") is None
    for bad in ("yesterday", "2025-13-01", "25"):
        with pytest.raises(QAError):
            parse_day(bad)
    assert parse_auth("") is None
    assert parse_auth("u:p") == [("u", "p")]
    with pytest.raises(QAError):
        parse_auth("nopassword")
    assert parse_sources('["A", "B"]') == ["A", "B"]
    assert parse_sources(" ") is None and parse_sources(None) is None
    assert parse_sources(["A"]) == ["A"] and parse_sources("Coastal Wire") == ["Coastal Wire"]
    assert parse_history('[["q", "a"]]') == [("q", "a")] and parse_history("") == []
    for bad in ("[oops", '{"a": 1}'):
        with pytest.raises(QAError):
            parse_history(bad)


def test_help_explains_the_options(capsys):
    with pytest.raises(SystemExit) as e:
        app.main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "--demo" in out and "--host" in out and "NEWSQA_AUTH" in out


def test_upload_names_never_leave_the_upload_area(tmp_path):
    src = tmp_path / "src.txt"
    src.write_text("hello")
    area = tmp_path / "area"
    for name in ("../../etc/passwd.txt", "..\\..\\x.html", "/abs/path/a.md", ".hidden.txt",
                 "na\x00me.txt", "ok name (1).txt", "…….pdf", "a" * 300 + ".txt"):
        staged = stage_files([str(src)], str(area), 1 << 20, names=[name])
        assert not staged.rejected, (name, staged.rejected)
        (dest,) = staged.inputs
        assert Path(dest).resolve().parent.parent == area.resolve()
        assert Path(dest).suffix in (".txt", ".html", ".md", ".pdf")
        assert not Path(dest).name.startswith(".")
        staged.cleanup()
        assert not Path(dest).exists()
    assert safe_name("../../etc/passwd") == "passwd"
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    staged = stage_files([str(big), str(src)], str(area), 1 << 20, names=["big.txt", "evil.sh"])
    assert [r for _, r in staged.rejected] == ["larger than the 1.05 MB limit (NEWSQA_MAX_BYTES)",
                                               staged.rejected[1][1]]
    assert "not a supported file type" in staged.rejected[1][1] and not staged.inputs
    elsewhere = stage_files([str(src)], str(area), 1 << 20, uploads=str(tmp_path / "gradio"))
    assert elsewhere.rejected == [("src.txt", "not an uploaded file")] and not elsewhere.inputs
    urls = stage_urls("https://a.example/x\n\n# note\njavascript:alert(1)\nfile:///etc/passwd")
    assert list(urls.inputs) == ["https://a.example/x"] and len(urls.rejected) == 2


# every suffix tried on the readers: what they read, plus common types they do not
CANDIDATES = (".txt", ".TXT", ".md", ".markdown", ".html", ".HTM", ".xhtml", ".json", ".jsonl",
              ".ndjson", ".xml", ".rss", ".atom", ".pdf", ".csv", ".docx", ".doc", ".rtf",
              ".epub", ".yaml", ".exe", ".png", ".zip", ".gz", ".mhtml", ".text", ".rdf")


def test_the_page_accepts_exactly_the_files_the_readers_read(tmp_path):
    """The readers decide (each candidate file is really read); staging must agree."""
    from ingest.formats import SUFFIXES
    from ingest.read import iter_records
    from ingest.records import Failure

    names, read = [], set()
    for i, suffix in enumerate(dict.fromkeys(CANDIDATES + SUFFIXES)):
        path = tmp_path / "in" / f"f{i}{suffix}"
        path.parent.mkdir(exist_ok=True)
        path.write_text('{"title": "T", "text": "Harbor news."}', encoding="utf-8")
        names.append(str(path))
        results = list(iter_records([str(path)], Settings()))
        if not any(isinstance(r, Failure) and r.reason.startswith("unsupported file type")
                   for r in results):
            read.add(suffix)
    assert {".ndjson", ".xhtml", ".markdown", ".TXT"} <= read and ".csv" not in read
    staged = stage_files(names, str(tmp_path / "up"), 1 << 20)
    accepted = {Path(shown).suffix for shown in staged.inputs.values()}
    assert accepted == read, (accepted ^ read)
    assert all("not a supported file type" in why for _, why in staged.rejected)
    staged.cleanup()
    demo = app.build_app(Settings(store=str(tmp_path / "store")), str(tmp_path / "up"))
    (widget,) = [b for b in demo.blocks.values() if getattr(b, "elem_id", "") == "nqa-files"]
    assert all(suffix in widget.label.split() for suffix in SUFFIXES), widget.label
