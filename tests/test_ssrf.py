"""Ingestion is safe to expose: the fetcher refuses private addresses (SSRF), and bidi
controls are stripped from what is stored.

Real servers on 127.0.0.1 ("outside": stands in for an allowed, public-looking origin when
the allow-list names it) and on 127.0.0.2 with the same port ("inside": an internal page
with a secret that must never be read). Every address form is refused before any
connection, with one line, through ``fetch``, the public ``ingest`` API (the web app's
path) and the CLI; a redirect or a feed link from an allowed origin to a private one is
refused; a name answering an allowed address to the check and a private one afterwards
(DNS rebinding) is connected to the checked address only. Allowed with
``allow_private_urls``, the allow-list and ``--allow-private-urls``.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ingest import ingest
from ingest.fetch import FetchResult, fetch
from ingest.netguard import REFUSED, is_public
from ingest.records import Failure
from qa import exitcodes, retrieve
from qa.errors import ConfigError
from qa.settings import Settings
from tests.support.helpers import ROOT, free_port, write
from tests.support.httpd import LocalServer, redirect_to

WORDS = ("The harbor commission met on Tuesday and agreed to repaint the lighthouse at Kettle "
         "Point before the summer season, at a cost of about 80,000 dollars, officials said.")
ARTICLE = ("<html><head><title>Ferry adds a night crossing</title></head><body><p>The "
           "Tidewater ferry will run a new night crossing from Bayport to Gull Island from "
           "July 1, leaving Bayport at 11:40 p.m., the ferry authority said on Tuesday.</p>")
SECRET = ("<html><head><title>Internal admin</title></head><body><p>The vault code is 4417. "
          + WORDS + "</p></body></html>")
FAST = Settings(http_timeout=1.0)
# every spelling of this machine; all but the last two reach the 127.0.0.1 server
LOCAL = ["127.0.0.1", "127.1", "2130706433", "0x7f000001", "017700000001", "localhost",
         "[::ffff:127.0.0.1]", "0.0.0.0", "[::1]", "[::]", "127.0.0.2"]
REACH_OUTSIDE = LOCAL[:6]
# nothing listens there: refused before a connection is tried (else the test would hang)
ELSEWHERE = ["10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
             "224.0.0.1", "255.255.255.255", "240.0.0.1", "[fc00::1]", "[fe80::1]",
             "[fec0::1]", "[ff02::1]", "[::ffff:10.0.0.1]", "[2002:a00:1::]", "[64:ff9b::a00:1]"]
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def _echo_host(h) -> None:
    body = f"<p>Host: {h.headers['Host']}</p>".encode()
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


@pytest.fixture(scope="module")
def servers():
    with LocalServer() as outside, LocalServer("127.0.0.2", outside.port) as inside:
        port = outside.port
        outside.add("/article.html", ARTICLE)
        outside.add("/page", "<p>outside</p>")
        outside.add_handler("/host", _echo_host)
        outside.add_handler("/to-inside", redirect_to(inside.url("/secret")))
        outside.add_handler("/to-decimal", redirect_to(f"http://2130706434:{port}/secret"))
        outside.add_handler("/to-v6", redirect_to(f"http://[::1]:{port}/secret", 301))
        teaser = f"<item><title>Vault</title><link>{inside.url('/secret')}</link></item>"
        full = (f"<item><title>Lighthouse</title><link>http://news.example.org/l</link>"
                f"<description>{' '.join([WORDS] * 6)}</description></item>")
        outside.add("/feed.rss", f"<rss><channel><title>Bay</title>{full}{teaser}</channel></rss>",
                    "application/rss+xml")
        inside.add("/secret", SECRET)
        inside.add("/page", SECRET)
        inside.add("/host", SECRET)
        yield outside, inside


def _secret_hits(servers) -> int:
    return sum(h == "/secret" for s in servers for h in s.hits)


@pytest.mark.parametrize("host", LOCAL + ELSEWHERE)
def test_every_private_address_form_is_refused_before_connecting(servers, host):
    before = [len(s.hits) for s in servers]
    url = f"http://{host}:{servers[0].port}/secret"
    assert fetch(url, FAST) == Failure(url, REFUSED)
    assert [len(s.hits) for s in servers] == before


def test_public_addresses_pass_and_embedded_private_ones_do_not():
    for ip in ("93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "2002:5db8:d822::"):
        assert is_public(ipaddress.ip_address(ip)), ip
    for ip in ("::ffff:192.168.0.1", "2002:c0a8:1::", "64:ff9b::7f00:1", "::127.0.0.1"):
        assert not is_public(ipaddress.ip_address(ip)), ip


def test_the_refusal_says_nothing_about_what_listens(servers):
    open_url = servers[0].url("/page")
    closed = f"http://127.0.0.1:{free_port()}/page"
    assert fetch(open_url, FAST).reason == fetch(closed, FAST).reason == REFUSED
    assert "connection refused" in fetch(closed, FAST.with_(allow_private_urls=True)).reason


def test_ingest_api_refuses_each_form_and_a_good_file_still_lands(tmp_path, servers, embedder):
    settings = Settings(store=str(tmp_path / "store"), http_timeout=1.0)
    good = write(tmp_path / "good.txt", f"Lighthouse repainted\n\n{WORDS}\n")
    urls = [f"http://{host}:{servers[0].port}/secret" for host in LOCAL]
    report = ingest([*urls, str(good)], settings, embedder=embedder)
    assert report.added == 1
    assert sorted(report.failed) == sorted((url, REFUSED) for url in urls)
    assert _secret_hits(servers) == 0
    allowed = ingest([servers[0].url("/article.html")],
                     settings.with_(allow_private_urls=True), embedder=embedder)
    assert (allowed.added, allowed.failed) == (1, [])


def test_redirect_from_an_allowed_host_to_a_private_one_is_refused(servers):
    outside, inside = servers
    only_outside = FAST.with_(url_allowlist="127.0.0.1")  # not 127.0.0.2, not ::1
    assert isinstance(fetch(outside.url("/page"), only_outside), FetchResult)
    for path in ("/to-inside", "/to-decimal", "/to-v6"):
        url = outside.url(path)
        assert fetch(url, only_outside) == Failure(url, REFUSED)
        assert path in outside.hits
    assert _secret_hits(servers) == 0
    both = fetch(outside.url("/to-inside"), FAST.with_(url_allowlist="127.0.0.1,127.0.0.2"))
    assert isinstance(both, FetchResult) and "vault code" in both.text  # the hop is real
    assert inside.hits.count("/secret") == 1
    inside.hits.clear()


def test_feed_links_to_private_addresses_are_refused(tmp_path, servers, embedder):
    outside, inside = servers
    settings = Settings(store=str(tmp_path / "store"), http_timeout=1.0,
                        url_allowlist="127.0.0.1")
    report = ingest([outside.url("/feed.rss")], settings, embedder=embedder)
    assert report.added == 1 and report.failed == [(inside.url("/secret"), REFUSED)]
    assert _secret_hits(servers) == 0


def test_dns_rebinding_reaches_only_the_checked_address(servers, monkeypatch):
    """``rebind.test`` answers 127.0.0.1 (allowed: our stand-in for a public address) once,
    then 127.0.0.2 (private, not allowed). Whoever asks again reaches the inside server on
    the same port; the fetcher resolves once and connects to what it checked, keeping the
    name in the Host header."""
    outside, inside = servers
    real = socket.getaddrinfo
    answers: list[str] = []

    def rebinding(host, port, *args, **kw):
        if host != "rebind.test":
            return real(host, port, *args, **kw)
        answers.append("127.0.0.1" if not answers else "127.0.0.2")
        return real(answers[-1], port, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    page = fetch(f"http://rebind.test:{outside.port}/host", FAST.with_(url_allowlist="127.0.0.1"))
    assert isinstance(page, FetchResult), page
    assert page.text == f"<p>Host: rebind.test:{outside.port}</p>"  # the outside server
    assert answers == ["127.0.0.1"] and "/host" not in inside.hits


def test_a_name_with_any_private_address_is_refused(monkeypatch):
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **kw: (
        real("93.184.216.34", port, *a, **kw) + real("127.0.0.1", port, *a, **kw)
        if host == "mixed.test" else real(host, port, *a, **kw)))
    assert fetch("http://mixed.test/", FAST) == Failure("http://mixed.test/", REFUSED)


def test_allowed_by_the_setting_and_by_the_allow_list(servers):
    outside = servers[0]
    for settings in (FAST.with_(allow_private_urls=True), FAST.with_(url_allowlist="127.0.0.0/8")):
        for host in REACH_OUTSIDE:
            page = fetch(f"http://{host}:{outside.port}/page", settings)
            assert isinstance(page, FetchResult) and page.text == "<p>outside</p>", (host, page)
    by_name = FAST.with_(url_allowlist=" LocalHost. ,intranet.example")
    assert isinstance(fetch(f"http://localhost:{outside.port}/page", by_name), FetchResult)
    numeric = f"http://127.0.0.1:{outside.port}/page"
    assert fetch(numeric, by_name) == Failure(numeric, REFUSED)  # the name only
    with pytest.raises(ConfigError, match="NEWSQA_URL_ALLOWLIST"):
        ingest([numeric], FAST.with_(url_allowlist="10.0.0.0/33"))


def _cli(*args: str, **newsqa: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    env.update({f"NEWSQA_{k.upper()}": v for k, v in newsqa.items()})
    return subprocess.run([sys.executable, "-m", "ingest", *args, "--no-progress"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)


def test_cli_refuses_each_form_in_one_line_and_the_flag_allows(tmp_path: Path, servers):
    good = write(tmp_path / "good.txt", f"Lighthouse repainted\n\n{WORDS}\n")
    urls = [f"http://{host}:{servers[0].port}/secret" for host in LOCAL]
    store = str(tmp_path / "store")
    run = _cli(*urls, str(good), store=store, http_timeout="1")
    assert run.returncode == exitcodes.PARTIAL, run.stderr
    assert sorted(run.stderr.splitlines()) == sorted(f"failed: {u}: {REFUSED}" for u in urls)
    assert run.stdout.startswith("1 added") and _secret_hits(servers) == 0
    page = servers[0].url("/article.html")
    assert _cli(page, store=store).returncode == exitcodes.PARTIAL
    allowed = _cli(page, "--allow-private-urls", store=store)
    assert allowed.returncode == exitcodes.OK and allowed.stdout.startswith("1 added"), allowed
    bad = _cli(page, store=store, url_allowlist="intranet/x")
    assert bad.returncode == exitcodes.USAGE and "NEWSQA_URL_ALLOWLIST" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr
    assert "--allow-private-urls" in _cli("--help").stdout


def test_bidi_controls_are_stripped_at_ingestion(tmp_path: Path, embedder):
    settings = Settings(store=str(tmp_path / "store"), rerank="off")
    record = {"title": "Invoice gnp\u202e.exe", "source": "The \u2067Bayport\u2069 Ledger",
              "author": "Dana \u200fWhitfield", "url": "https://news.example.org/\u202ebridge",
              "published": "2025-03-03", "text": WORDS.replace("lighthouse", "light\u202ehouse")
              + " The \u061cwork\u200e starts \u202d\u202con Monday."}
    write(tmp_path / "in" / "records.json", json.dumps([record]))
    write(tmp_path / "in" / "page.html", (
        "<html><head><title>Ferry &#x202E;fares frozen</title><meta property='og:site_name' "
        "content='Gull &#8294;Island&#8297; Times'></head><body><article><p>The ferry "
        "company will keep &#x202e;fares at this year's level until next spring, the council "
        "said on Monday after a long meeting about &#8207;the island budget.</p></article>"
        "</body></html>"))
    report = ingest([str(tmp_path / "in")], settings, embedder=embedder)
    assert (report.added, report.failed) == (2, [])
    cited = retrieve("lighthouse ferry fares", k=10, settings=settings)
    assert {c.title for c in cited} == {"Invoice gnp.exe", "Ferry fares frozen"}
    assert {c.source for c in cited} == {"The Bayport Ledger", "Gull Island Times"}
    for c in cited:
        for value in (c.title, c.source, c.author, c.url, c.passage):
            assert not set(value or "") & set(BIDI), (value, c)
