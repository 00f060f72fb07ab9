"""The web app is safe to put on a network: who may change the corpus, logins, start-up on a
network address, and pasted URLs that point inside (SSRF).

Real apps: ``python app.py`` in a subprocess for the start-up rules, ``app.launch`` on a
free loopback port for the rest, driven as users and scripts drive them (gradio_client,
plain HTTP: the login form, gradio's upload route). A local HTTP server holds an "internal"
page with a secret that must never become answerable through the chat unless the settings
allow private addresses.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.netguard import REFUSED
from qa import exitcodes
from qa.settings import Settings
from tests.support.helpers import ROOT, free_port, wait_http, write
from tests.support.httpd import LocalServer, redirect_to
from tests.support.webapp import client, plain, served, session, upload

pytestmark = pytest.mark.slow

STORY = ("Lighthouse at Kettle Point repainted\n\nBy Ada Marsh\nJune 3, 2025\n\nThe harbor "
         "commission repainted the lighthouse at Kettle Point before the summer season, at a "
         "cost of about 80,000 dollars, officials said on Tuesday.\n")
SECRET = ("<html><head><title>Internal admin</title></head><body><p>The vault code of the "
          "Bayport harbor office is 4417, the internal administration page says. The harbor "
          "office keeps the vault in the basement of its building on Quay Street.</p>"
          "</body></html>")
VAULT = "What is the vault code of the Bayport harbor office?"
USERS = "alice:wonder-land\nbob:builder-1\n"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    env.update(GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1", **extra)
    return env


def _run_app(tmp: Path, *args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "app.py"), *args], cwd=tmp,
                            env=_env(NEWSQA_STORE=str(tmp / "store"), **env), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture
def users(tmp_path: Path) -> str:
    return str(write(tmp_path / "users.txt", USERS))


# ---- start-up ---------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_a_network_address_without_a_login_refuses_to_start(tmp_path, host):
    proc = _run_app(tmp_path, "--host", host, "--port", str(free_port()))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == exitcodes.USAGE and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert "without a login" in err and "NEWSQA_AUTH" in err and "--public-readonly" in err


def test_writers_nobody_can_log_in_as_refuse_to_start(tmp_path, users):
    for env, says in (({"NEWSQA_WRITERS": "alice"}, "set NEWSQA_AUTH too"),
                      ({"NEWSQA_WRITERS": "alice,carol", "NEWSQA_AUTH": users}, "carol")):
        proc = _run_app(tmp_path, "--port", str(free_port()), **env)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == exitcodes.USAGE, err
        assert len(err.strip().splitlines()) == 1 and says in err, err


def test_public_readonly_serves_anyone_and_takes_no_articles(tmp_path):
    port = free_port()
    proc = _run_app(tmp_path, "--host", "0.0.0.0", "--port", str(port), "--public-readonly")
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_http(url, proc)
        c = client(url)  # no login
        with pytest.raises(Exception, match="read-only") as refused:
            c.predict([], "https://news.example/story", api_name="/add")
        assert len(str(refused.value).strip().splitlines()) == 1
        r = session(url).post("gradio_api/upload", files={"files": ("a.txt", STORY.encode())})
        assert r.status_code == 403 and "read-only" in r.text
        r = session(url).post("gradio_api/process_recording", files={"video": ("v.mp4", b"0")})
        assert r.status_code == 403  # gradio's other upload route is closed too
        r = session(url).get("gradio_api/file=https://example.org/big.iso")
        assert r.status_code == 403 and "does not fetch URLs" in r.text  # no open proxy
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == exitcodes.OK and "(read-only)" in out


# ---- who may add articles ---------------------------------------------------------------
def test_only_writers_add_articles_and_the_server_enforces_it(tmp_path, users, embedder):
    from gradio_client import handle_file

    story = write(tmp_path / "lighthouse.txt", STORY)
    s = Settings(store=str(tmp_path / "store"), auth=users, writers="alice",
                 upload_dir=str(tmp_path / "up"))
    with served(s) as url:
        with pytest.raises(Exception):  # noqa: B017 (gradio_client raises various types)
            client(url)  # a login is required
        bob = client(url, auth=("bob", "builder-1"))
        with pytest.raises(Exception, match="bob may not add articles") as refused:
            bob.predict([], "https://news.example/story", api_name="/add")
        assert "NEWSQA_WRITERS" in str(refused.value)
        r = session(url, ("bob", "builder-1")).post(
            "gradio_api/upload", files={"files": (story.name, story.read_bytes())})
        assert r.status_code == 403 and "may not add articles" in r.text
        report, stats, _ = client(url, auth=("alice", "wonder-land")).predict(
            [handle_file(str(story))], "", api_name="/add")
        assert "<b>1</b> added" in report and "<b>1</b> articles" in stats
        d = bob.predict("What did the Kettle Point lighthouse repainting cost?", api_name="/ask")
        assert "80,000" in d["text"]  # bob reads what alice added


def test_read_only_refuses_every_user(tmp_path, users):
    s = Settings(store=str(tmp_path / "store"), auth=users, read_only=True)
    with served(s) as url:
        with pytest.raises(Exception, match="read-only"):
            client(url, auth=("alice", "wonder-land")).predict([], "https://news.example/a",
                                                                  api_name="/add")
        alice = session(url, ("alice", "wonder-land"))
        with pytest.raises(Exception, match="403"):
            upload(alice, write(tmp_path / "a.txt", STORY))


# ---- logins -----------------------------------------------------------------------------
def _login(url: str, user: str, password: str) -> tuple[int, float]:
    import httpx

    t0 = time.monotonic()
    r = httpx.post(url + "login", data={"username": user, "password": password}, timeout=60)
    return r.status_code, time.monotonic() - t0


def test_failed_logins_are_slowed_down_per_user(tmp_path, users):
    with served(Settings(store=str(tmp_path / "store"), auth=users)) as url:
        fast = [_login(url, "alice", f"guess{i}") for i in range(3)]
        assert all(code == 400 and took < 0.9 for code, took in fast), fast
        code, took = _login(url, "alice", "guess3")
        assert code == 400 and took >= 1.0
        code, took = _login(url, "alice", "guess4")
        assert code == 400 and took >= 2.0
        code, took = _login(url, "bob", "builder-1")  # another user is not slowed
        assert code == 200 and took < 0.9
        code, took = _login(url, "alice", "wonder-land")  # waits, then gets in
        assert code == 200 and took >= 4.0
        code, took = _login(url, "alice", "typo")  # a success starts afresh
        assert code == 400 and took < 0.9


def test_logout_ends_the_session(tmp_path, users):
    with served(Settings(store=str(tmp_path / "store"), auth=users)) as url:
        import httpx

        s = session(url, ("alice", "wonder-land"))
        assert s.get("config").status_code == 200
        kept = httpx.Client(base_url=url, cookies=dict(s.cookies))  # as a stolen cookie would
        assert s.get("logout").status_code == 302
        assert kept.get("config").status_code == 401


# ---- pasted URLs that point inside (SSRF) -----------------------------------------------
@pytest.fixture(scope="module")
def inside():
    """An internal page with a secret on 127.0.0.1, and on 127.0.0.2 (same port)."""
    with LocalServer() as first, LocalServer("127.0.0.2", first.port) as second:
        for s in (first, second):
            s.add("/secret", SECRET)
        first.add_handler("/to-inside", redirect_to(second.url("/secret")))
        yield first, second


def _add_urls(url: str, urls: list[str], story: Path) -> str:
    from gradio_client import handle_file

    report, _, _ = client(url).predict([handle_file(str(story))], "\n".join(urls),
                                       api_name="/add")
    return report


def test_private_addresses_are_refused_from_add_and_the_secret_stays_out(tmp_path, inside,
                                                                         embedder):
    port = inside[0].port
    urls = [f"http://{host}:{port}/secret" for host in
            ("127.0.0.1", "localhost", "[::1]", "127.1", "2130706433")]
    story = write(tmp_path / "lighthouse.txt", STORY)
    with served(Settings(store=str(tmp_path / "store"))) as url:
        report = _add_urls(url, urls, story)
        text = plain(report)
        assert "1 added" in text and "5 failed" in text  # the story lands, no URL does
        for u in urls:
            assert f"{u}: {REFUSED}" in text, text
        assert not any(h == "/secret" for s in inside for h in s.hits)
        d = client(url).predict(VAULT, api_name="/ask")
        assert "4417" not in d["text"] and all("4417" not in c["passage"]
                                               for c in d["citations"] + d["related"])


def test_a_redirect_from_an_allowed_host_to_an_internal_page_is_refused(tmp_path, inside,
                                                                       embedder):
    first, _ = inside
    story = write(tmp_path / "lighthouse.txt", STORY)
    s = Settings(store=str(tmp_path / "store"), url_allowlist="127.0.0.1")  # not 127.0.0.2
    with served(s) as url:
        hop = first.url("/to-inside")
        assert f"{hop}: {REFUSED}" in plain(_add_urls(url, [hop], story))
        assert "/to-inside" in first.hits and "/secret" not in inside[1].hits
        assert "4417" not in client(url).predict(VAULT, api_name="/ask")["text"]


def test_private_addresses_are_fetched_when_the_setting_allows_them(tmp_path, inside,
                                                                    embedder):
    story = write(tmp_path / "lighthouse.txt", STORY)
    s = Settings(store=str(tmp_path / "store"), allow_private_urls=True)
    with served(s) as url:
        report = _add_urls(url, [inside[0].url("/secret"), inside[0].url("/to-inside")], story)
        assert REFUSED not in plain(report) and "<b>0</b> failed" in report, plain(report)
        assert "4417" in client(url).predict(VAULT, api_name="/ask")["text"]
