"""fetch(): a real local HTTP server; every bound (time, size, redirects, types) is hit."""

from __future__ import annotations

import gzip
import time

import pytest

from ingest.fetch import FetchResult, fetch
from ingest.records import Failure
from qa.settings import Settings
from tests.support.helpers import free_port
from tests.support.httpd import (
    LocalServer,
    declared_huge,
    endless_body,
    redirect_to,
    slow_body,
    slow_headers,
)

PAGE = "<html><head><title>Hello</title></head><body><p>Harbor news</p></body></html>"
# total deadline: 1.5 s; the test server is on 127.0.0.1 (private addresses: tests/test_ssrf.py)
FAST = Settings(http_timeout=0.5, max_bytes=100_000, allow_private_urls=True)


@pytest.fixture(scope="module")
def server():
    with LocalServer() as s:
        s.add("/page.html", PAGE)
        s.add_handler("/moved", redirect_to("/page.html", 301))
        s.add_handler("/loop", redirect_to("/loop"))
        s.add_handler("/to-ftp", redirect_to("ftp://127.0.0.1/file"))
        s.add("/error", "oops", status=500)
        s.add("/image.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png")
        s.add("/blob", b"\x00\x01", "application/octet-stream")
        s.add("/latin1", "<p>café crème</p>".encode("latin-1"), "text/html; charset=ISO-8859-1")
        s.add("/meta-charset", '<meta charset="windows-1252"><p>naïve “quotes”</p>'
              .encode("cp1252"), "text/html")
        s.add("/no-type", PAGE.encode(), "")
        s.add("/gzip", gzip.compress(PAGE.encode()), "text/html",
              headers={"Content-Encoding": "gzip"})
        s.add("/gzip-bomb", gzip.compress(b"<p>" + b"a" * 5_000_000), "text/html",
              headers={"Content-Encoding": "gzip"})
        s.add("/feed", "<rss><channel></channel></rss>", "application/rss+xml")
        s.add("/caf%C3%A9", "<p>unicode path</p>")
        s.add_handler("/slow-body", slow_body)
        s.add_handler("/slow-headers", slow_headers)
        s.add_handler("/endless", endless_body)
        s.add_handler("/declared-huge", declared_huge)
        yield s


def test_fetches_a_page_and_follows_a_redirect(server):
    result = fetch(server.url("/moved"), FAST)
    assert isinstance(result, FetchResult)
    assert result.url == server.url("/page.html")
    assert result.content_type == "text/html"
    assert "Harbor news" in result.text


@pytest.mark.parametrize("path, reason", [
    ("/missing", "HTTP 404 Not Found"),
    ("/error", "HTTP 500 Internal Server Error"),
    ("/image.png", "unsupported content type image/png"),
    ("/blob", "unsupported content type application/octet-stream"),
])
def test_http_errors_and_wrong_types_are_failures(server, path, reason):
    result = fetch(server.url(path), FAST)
    assert result == Failure(server.url(path), reason)


def test_redirect_loop_stops(server):
    result = fetch(server.url("/loop"), FAST)
    assert isinstance(result, Failure)
    assert "too many redirects" in result.reason
    assert 10 <= server.hits.count("/loop") <= 12


def test_redirect_to_another_scheme_is_refused(server):
    result = fetch(server.url("/to-ftp"), FAST)
    assert isinstance(result, Failure)
    assert "unsupported URL scheme ftp" in result.reason


@pytest.mark.parametrize("url", ["ftp://example.com/a.html", "file:///etc/passwd",
                                 "javascript:alert(1)"])
def test_only_http_and_https(url):
    result = fetch(url, FAST)
    assert isinstance(result, Failure)
    assert "unsupported URL scheme" in result.reason


@pytest.mark.parametrize("path", ["/slow-body", "/slow-headers"])
def test_slow_drip_ends_within_the_deadline(server, path):
    start = time.monotonic()
    result = fetch(server.url(path), FAST)
    elapsed = time.monotonic() - start
    assert isinstance(result, Failure)
    assert "longer than 1.5 s" in result.reason
    assert elapsed < 15  # bounded (the drip would go on for minutes); not a speed target


def test_endless_response_is_cut_at_max_bytes(server):
    start = time.monotonic()
    result = fetch(server.url("/endless"), FAST)
    assert result == Failure(server.url("/endless"), "response larger than 100 kB")
    assert time.monotonic() - start < 15


def test_declared_length_over_the_cap_fails_at_once(server):
    start = time.monotonic()
    result = fetch(server.url("/declared-huge"), FAST.with_(http_timeout=5, max_bytes=20_000_000))
    assert result == Failure(server.url("/declared-huge"), "response larger than 20 MB")
    assert time.monotonic() - start < 10


def test_gzip_is_decoded_and_a_gzip_bomb_is_capped(server):
    ok = fetch(server.url("/gzip"), FAST)
    assert isinstance(ok, FetchResult) and "Harbor news" in ok.text
    bomb = fetch(server.url("/gzip-bomb"), FAST)
    assert bomb == Failure(server.url("/gzip-bomb"), "response larger than 100 kB")


def test_charset_from_header_and_from_meta(server):
    latin = fetch(server.url("/latin1"), FAST)
    assert isinstance(latin, FetchResult) and "café crème" in latin.text
    meta = fetch(server.url("/meta-charset"), FAST)
    assert isinstance(meta, FetchResult) and "naïve “quotes”" in meta.text


def test_missing_content_type_is_accepted_and_feeds_keep_their_type(server):
    plain = fetch(server.url("/no-type"), FAST)
    assert isinstance(plain, FetchResult) and plain.content_type == ""
    feed = fetch(server.url("/feed"), FAST)
    assert isinstance(feed, FetchResult) and feed.content_type == "application/rss+xml"


def test_non_ascii_path_is_quoted(server):
    result = fetch(server.url("/café"), FAST)
    assert isinstance(result, FetchResult) and "unicode path" in result.text


def test_connection_refused_is_a_failure():
    result = fetch(f"http://127.0.0.1:{free_port()}/", FAST)
    assert isinstance(result, Failure)
    assert "connection refused" in result.reason


def test_invalid_url_is_a_failure():
    result = fetch("http://127.0.0.1:99999999/", FAST)
    assert isinstance(result, Failure) and "invalid URL" in result.reason
