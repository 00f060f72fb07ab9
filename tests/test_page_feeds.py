"""The page's Feeds panel (#13 item 6) against a local news site on 127.0.0.1 whose feed
changes between polls (``tests.support.feeds``; fictional stories): in Debian chromium, a
writer adds a feed and a feed that is down, presses "Poll now", sees the stored count and
the failing feed's error, and removes a feed; the stored articles answer questions. A
read-only app shows no panel and refuses its API; the background poller polls on its own,
survives a poll that raises, and stops when the app closes."""

from __future__ import annotations

import threading
import time

import pytest

from qa.errors import QAError
from qa.settings import Settings
from tests.support import panels as ui
from tests.support.feeds import STORIES, FeedSite
from tests.support.httpd import LocalServer
from tests.support.panels import in_browser
from tests.support.webapp import chromium, client, served
from web.feeds import FeedService, render_feeds

FERRY, ORCHARD = STORIES[:2]


def pollers() -> int:
    return sum(1 for t in threading.enumerate() if t.name == "newsqa-feeds" and t.is_alive())


@pytest.fixture
def site():
    with LocalServer() as server:
        good, down = FeedSite(server, "/gazette"), FeedSite(server, "/courier", "Valley Courier")
        good.publish(FERRY, ORCHARD)
        down.down = True
        yield good, down


@in_browser
def test_writer_adds_polls_and_removes_feeds_in_the_page(tmp_path, site, embedder):
    from playwright.sync_api import sync_playwright

    good, down = site
    s = Settings(store=str(tmp_path / "store"), allow_private_urls=True)
    with served(s) as url, sync_playwright() as p:
        browser = chromium(p)
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        pg.goto(url)
        pg.wait_for_selector("#nqa-stats .nqa-stats", timeout=60_000)
        listing = ui.open_tab(pg, "Feeds", "#nqa-feeds .nqa-feeds")
        assert "No feeds yet" in listing.inner_text()
        box = pg.locator("#nqa-feed-url textarea, #nqa-feed-url input").first
        for feed in (good.url, down.url):
            box.fill(feed)
            pg.locator("#nqa-feed-add").click()
            pg.wait_for_function(f"() => document.querySelector('#nqa-feeds').innerText"
                                 f".includes({feed!r})", timeout=60_000)
        assert "Watching" in pg.locator("#nqa-feed-status").inner_text()
        assert "2 watched feeds" in listing.inner_text()
        pg.locator("#nqa-feed-poll").click()
        pg.wait_for_function("() => document.querySelector('#nqa-feed-status').innerText"
                             ".includes('Polled')", timeout=180_000)
        status = pg.locator("#nqa-feed-status").inner_text()
        assert f"{good.url}: 2 new (2 stored), 0 known" in status, status
        assert f"{down.url}: error" in status and "503" in status
        feeds = pg.locator("#nqa-feeds .nqa-feed")
        ok, bad = feeds.nth(0).inner_text(), feeds.nth(1).inner_text()
        assert "2 stored · 2 known · 1 polls" in ok and "Error" not in ok, ok
        assert "Error:" in bad and "503" in bad, bad
        pg.locator("#nqa-feed-which input").click()
        pg.get_by_role("option", name=down.url).click()
        pg.locator("#nqa-feed-remove").click()
        pg.wait_for_function("() => document.querySelector('#nqa-feed-status').innerText"
                             ".includes('No longer watching')", timeout=60_000)
        assert feeds.count() == 1 and down.url not in listing.inner_text()
        assert "1 watched feed" in listing.inner_text()
        assert pg.evaluate("typeof window.__pwned") == "undefined"
        browser.close()
        answer = client(url).predict(FERRY.question, api_name="/ask")
        assert FERRY.fact in " ".join(c["passage"] for c in answer["citations"])
        assert pollers() >= 1  # the app's own background poller
    assert pollers() == 0  # stopped with the app


@pytest.mark.slow
def test_read_only_app_has_no_feeds_and_refuses_their_api(tmp_path, site):
    s = Settings(store=str(tmp_path / "store"), read_only=True, allow_private_urls=True)
    with served(s) as url:
        c = client(url)
        for call in (lambda: c.predict(site[0].url, api_name="/add_feed"),
                     lambda: c.predict(api_name="/poll_feeds")):
            with pytest.raises(Exception, match="read-only"):
                call()
        assert pollers() == 0  # nothing is polled by a read-only app


def test_an_app_only_built_polls_nothing_until_served(tmp_path):
    import app

    s = Settings(store=str(tmp_path / "store"))
    demo = app.build_app(s, upload_dir=str(tmp_path / "up"))
    try:
        assert pollers() == 0  # built, not serving: no poller (and none left behind)
    finally:
        demo.close()
    assert pollers() == 0


class FakeRegistry:
    def __init__(self) -> None:
        self.urls: list[str] = []

    def feeds(self) -> list:
        return self.urls


def test_background_poller_polls_survives_errors_and_stops():
    registry, calls = FakeRegistry(), []

    def poll(reg, stop=None):  # noqa: ANN001, ANN202 - ingest.watch.poll's shape
        calls.append(time.monotonic())
        if len(calls) == 2:
            raise QAError("the store is unreachable")
        if len(calls) == 3:
            raise RuntimeError("a bug")
        return []

    svc = FeedService(lambda: registry, poll, every=0.05, first=0.01)
    svc.start()
    svc.start()  # one thread per service
    time.sleep(0.3)
    assert calls == []  # no feeds, no polls
    registry.urls.append("https://news.example/rss")
    deadline = time.monotonic() + 60
    while len(calls) < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(calls) >= 5 and svc.running  # errors did not end the thread
    svc.stop()
    assert not svc.running
    assert svc.last_round and svc.last_error == ""  # the last poll worked


def test_poll_now_reports_a_store_problem_and_the_panel_shows_it():
    def poll(reg, stop=None):  # noqa: ANN001, ANN202
        raise QAError("cannot reach the Chroma server at http://127.0.0.1:9")

    svc = FeedService(FakeRegistry, poll)
    with pytest.raises(QAError, match="Chroma server"):
        svc.poll_now()
    html = render_feeds([{"url": "https://x.example/<b>rss", "title": "<script>x</script>",
                          "last_error": "HTTP 503 <i>down</i>", "stored": 3, "known": 4}],
                        svc.last_error, svc.every, svc.last_round)
    assert "Last poll failed: cannot reach the Chroma server" in html
    assert "<script>" not in html and "<b>rss" not in html and "<i>" not in html
    assert "Error: HTTP 503 &lt;i&gt;down&lt;/i&gt;" in html and "<b>3</b> stored" in html
