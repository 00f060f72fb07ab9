"""Feeds that stay current (#13 item 6): ``python -m ingest --watch`` and ``ingest.watch``.

A real HTTP server on 127.0.0.1 serves feeds that change between polls and honour ETag /
If-Modified-Since, with one article page per entry (``tests.support.feeds``; the stories
are fictional). Checked through the CLI in subprocesses and the Python API, then
``qa.retrieve`` and the store's stats: full pages stored (facts only the page has), a 304
for an unchanged feed, only new entries added, one line per feed and poll, OPML, a feed
that is down, a watcher SIGKILLed mid-run and restarted, private addresses refused.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time

import pytest

from ingest.watch import FeedRegistry, parse_every, poll
from qa import collection_stats, retrieve
from qa.errors import QAError
from qa.settings import Settings
from tests.support.feeds import STORIES, FeedSite, env_for, opml, watch_cli
from tests.support.helpers import ROOT, write
from tests.support.httpd import LocalServer

FERRY, ORCHARD, LIBRARY, MARATHON, BRIDGE, CHOIR, CLINIC = STORIES
LINE = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d feed http://127\.0\.0\.1:\d+%s: %s$"


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def _found(story, settings) -> bool:
    return any(story.fact in c.passage for c in retrieve(story.question, k=3, settings=settings))


def test_polls_store_pages_then_304_then_only_the_new_entry(tmp_path, server, embedder):
    settings = Settings(store=str(tmp_path / "store"), allow_private_urls=True)
    site = FeedSite(server)
    site.publish(FERRY, ORCHARD, CLINIC)
    feeds = FeedRegistry(settings, embedder=embedder)
    feeds.add(site.url)
    assert feeds.add(site.url).url == site.url and len(feeds.feeds()) == 1

    first, = poll(feeds)
    assert (first.status, first.new, first.stored, first.own_text) == ("ok", 3, 3, 1)
    assert first.what() == "3 new (3 stored, 1 of them from the feed's own text), 0 known"
    # the clinic's page is missing: its entry's own text, with a one-line reason
    assert first.notes == ((site.link(CLINIC), "page not read (HTTP 404 Not Found); "
                                               "stored the feed's own text"),)
    assert collection_stats(settings)["articles"] == 3
    for story in (FERRY, ORCHARD, CLINIC):  # facts only the page (or content) has
        assert story.fact not in story.summary and _found(story, settings), story.slug
    assert retrieve(FERRY.question, k=1, settings=settings)[0].url == site.link(FERRY)
    hits = site.page_hits()

    again, = poll(feeds)  # unchanged: conditional headers, a 304, no page, nothing added
    assert site.requests[0] == {}
    assert site.requests[-1] == {"If-None-Match": '"v1"',
                                 "If-Modified-Since": site.last_modified}
    assert (again.status, again.new, again.known) == ("not-modified", 0, 3)
    assert again.line().endswith(": not modified (304), 3 known")
    assert site.not_modified == 1 and site.page_hits() == hits

    site.publish(LIBRARY)  # changed: only the new entry is read and stored
    third, = poll(feeds)
    assert third.what() == "1 new (1 stored), 3 known"
    assert site.page_hits() == hits + 1
    assert collection_stats(settings)["articles"] == 4 and _found(LIBRARY, settings)

    state, = [f.summary() for f in feeds.feeds()]
    assert state["polls"] == 3 and state["stored"] == 4 and state["known"] == 4
    assert state["last_error"] == "" and state["title"] == "The Tidewater Gazette"
    assert state["last_result"] == third.what() and state["etag"] == '"v2"'
    assert feeds.remove(site.url) and not feeds.remove(site.url) and feeds.feeds() == []


def test_cli_opml_with_a_feed_that_is_down(tmp_path, server):
    store = tmp_path / "store"
    good, down = FeedSite(server, "/a"), FeedSite(server, "/b", "Valley Courier")
    good.publish(FERRY, ORCHARD)
    down.publish(MARATHON)
    down.down = True
    lst = write(tmp_path / "feeds.opml", opml(good.url, down.url))

    run = watch_cli(store, str(lst), "--once", "--allow-private-urls")
    assert run.returncode == 1, run.stderr  # finished, one feed failed
    lines = run.stdout.splitlines()
    assert len(lines) == 2, run.stdout
    assert re.match(LINE % ("/a/feed.xml", r"2 new \(2 stored\), 0 known"), lines[0])
    assert re.match(LINE % ("/b/feed.xml",
                            r"error: HTTP 503 Service Unavailable; 0 known"), lines[1])

    down.down = False
    good.publish(BRIDGE)
    run = watch_cli(store, "--once", "--json", "--allow-private-urls")  # every watched feed
    assert run.returncode == 0, run.stderr
    polls = [json.loads(x) for x in run.stdout.splitlines()]
    assert [(p["url"], p["status"], p["new"], p["stored"], p["known"]) for p in polls] == [
        (good.url, "ok", 1, 1, 2), (down.url, "ok", 1, 1, 0)]
    assert polls[0]["summary"] == "1 new (1 stored), 2 known" and polls[0]["entries"] == []
    assert good.requests[-1]["If-None-Match"] == '"v1"'  # conditional, but it changed
    settings = Settings(store=str(store))
    assert collection_stats(settings)["articles"] == 4
    assert _found(MARATHON, settings) and _found(BRIDGE, settings)


def test_cli_usage_and_bad_opml_give_one_line(tmp_path):
    store = tmp_path / "store"
    cases = [
        (["--every", "5x"], "--every '5x': give a duration like 30s, 10m, 1h or 2h30m"),
        ([str(write(tmp_path / "page.opml", "<html><body>hi</body></html>"))],
         "not an OPML list of feeds (root element <html>)"),
        ([str(write(tmp_path / "empty.opml", "<opml><body><outline text='x'/></body>"
                                             "</opml>"))], "OPML names no feeds"),
        ([str(write(tmp_path / "broken.opml", "<opml><body>"))], "invalid OPML"),
        ([str(tmp_path / "missing.opml")], "no such file"),
        ([str(write(tmp_path / "feed.xml", "<rss><channel/></rss>"))], "a feed file, not"),
        (["ftp://example.org/feed"], "is not a feed URL"),
        ([], "no feeds to watch"),
    ]
    for args, words in cases:
        run = watch_cli(store, *args, "--once")
        assert run.returncode == 2, (args, run.stdout, run.stderr)
        last = run.stderr.strip().splitlines()[-1]  # after the usage, for a bad option
        assert last.startswith("error: ") and words in last, run.stderr
        assert "Traceback" not in run.stderr and run.stdout == ""
    once = subprocess.run([sys.executable, "-m", "ingest", "--once", "x.xml"], cwd=ROOT,
                          env=env_for(store), capture_output=True, text=True, timeout=120)
    assert once.returncode == 2 and "--every and --once go with --watch" in once.stderr
    helped = subprocess.run([sys.executable, "-m", "ingest", "--help"], cwd=ROOT,
                            env=env_for(store), capture_output=True, text=True, timeout=120)
    assert "--watch" in helped.stdout and "2h30m" in helped.stdout
    assert "watching feeds (--watch)" in helped.stdout


def test_every_durations():
    assert [parse_every(x) for x in ("30s", "10m", "1h", "2h30m", "1h0m5s")] == [
        30, 600, 3600, 9000, 3605]
    for bad in ("", "0s", "30", "1d", "m", "-5m", "1.5h"):
        with pytest.raises(ValueError):
            parse_every(bad)


def test_sigkilled_watcher_resumes_and_stores_each_article_once(tmp_path, server):
    store = tmp_path / "store"
    fast, slow = FeedSite(server, "/a"), FeedSite(server, "/b", "Valley Courier", delay=3.0)
    fast.publish(FERRY, ORCHARD)
    slow.publish(LIBRARY, MARATHON, BRIDGE, CHOIR)
    lst = write(tmp_path / "feeds.opml", opml(fast.url, slow.url, nested=False))
    state = store / "feeds-news.json"
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "--watch", str(lst), "--every",
                             "1h", "--allow-private-urls"], cwd=ROOT, env=env_for(store),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:  # kill it once the first feed is remembered and the second one's pages are loading
        end = time.monotonic() + 240
        while not (slow.page_hits() and state.exists()
                   and json.loads(state.read_text())["feeds"][0]["seen"]):
            if proc.poll() is not None or time.monotonic() > end:
                proc.kill()
                pytest.fail(f"the watcher did not get there: {proc.communicate()}")
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        out, _err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert len(out.splitlines()) == 1  # the first feed's line; the second never finished
    assert not list(store.glob(".feeds-news.json.*"))  # no temporary state left behind

    run = watch_cli(store, "--once", "--allow-private-urls")
    assert run.returncode == 0, run.stderr
    first, second = run.stdout.splitlines()
    assert first.endswith("/a/feed.xml: not modified (304), 2 known")
    assert second.endswith("/b/feed.xml: 4 new (4 stored), 0 known")
    settings = Settings(store=str(store))
    assert collection_stats(settings)["articles"] == 6  # each once, none missing
    for story in (FERRY, ORCHARD, LIBRARY, MARATHON, BRIDGE, CHOIR):
        assert _found(story, settings), story.slug
    quiet = watch_cli(store, "--once", "--allow-private-urls")
    assert [x.split(": ", 1)[1] for x in quiet.stdout.splitlines()] == [
        "not modified (304), 2 known", "not modified (304), 4 known"]


def test_every_polls_again_and_sigterm_or_ctrl_c_stop_between_polls(tmp_path, server):
    site = FeedSite(server)
    site.publish(ORCHARD)
    store = tmp_path / "store"
    for sig, status in ((signal.SIGTERM, 0), (signal.SIGINT, 130)):
        proc = subprocess.Popen([sys.executable, "-m", "ingest", "--watch", site.url,
                                 "--every", "1s", "--allow-private-urls"], cwd=ROOT,
                                env=env_for(store), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        before, end = site.not_modified, time.monotonic() + 240
        # three 304s served: the first two polls' lines are surely printed (the server
        # counts a 304 before the watcher logs it; waiting for two raced the second line)
        while site.not_modified < before + 3 and time.monotonic() < end:
            time.sleep(0.05)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == status, err
        lines = out.splitlines()
        assert len(lines) >= 2 and all(re.match(LINE % ("/gazette/feed.xml", ".*"), x)
                                       for x in lines), out
        assert lines[-1].endswith(": not modified (304), 1 known")
        assert "Traceback" not in err and ("interrupted" in err) == (status == 130)
    assert lines[0].endswith("not modified (304), 1 known")  # the second run stored nothing
    assert collection_stats(Settings(store=str(store)))["articles"] == 1


def test_private_entry_links_refused_unless_allowed(tmp_path, server, embedder):
    with LocalServer("127.0.0.2", server.port) as inside:
        site = FeedSite(server, "/wire", pages=inside)  # the feed allowed, its links private
        site.publish(FERRY)
        allowed_feed = Settings(store=str(tmp_path / "store"), url_allowlist="127.0.0.1/32")
        feeds = FeedRegistry(allowed_feed, embedder=embedder)
        feeds.add(site.url)
        result, = poll(feeds)
        assert (result.new, result.stored, result.failed) == (1, 0, 1)
        assert result.notes == ((site.link(FERRY), "page not read (refused: private "
                                 "address), and the entry has no text of its own; tried "
                                 "again at the next poll"),)
        assert inside.hits == [] and collection_stats(allowed_feed)["articles"] == 0
        assert feeds.get(site.url).retry == {"/wire-ferry": 1}

        everything = FeedRegistry(allowed_feed.with_(allow_private_urls=True),
                                  embedder=embedder)
        result, = poll(everything)  # a failed entry: the whole feed again, no 304
        assert site.requests[-1] == {} and result.what() == "1 new (1 stored), 0 known"
        assert inside.hits == ["/wire/ferry.html"] and _found(FERRY, allowed_feed)
        assert feeds.get(site.url).retry == {}


def test_registry_with_an_opml_url_and_what_is_not_a_feed_url(tmp_path, server, embedder):
    feeds = FeedRegistry(Settings(store=str(tmp_path / "store"), allow_private_urls=True),
                         embedder=embedder)
    for bad in ("feeds.opml", "ftp://example.org/rss", "http://", "  "):
        with pytest.raises(QAError, match="not a feed URL"):
            feeds.add(bad)
    one, two = FeedSite(server, "/a"), FeedSite(server, "/b", "Valley Courier")
    one.publish(CHOIR)
    two.publish(MARATHON)
    feeds.add(server.add("/list", opml(one.url, two.url), "text/x-opml"))
    lines = [r.line().split(" ", 2)[2] for r in poll(feeds)]  # the list, then its feeds
    assert lines == [f"opml {server.url('/list')}: 2 feeds (2 new)",
                     f"feed {one.url}: 1 new (1 stored), 0 known",
                     f"feed {two.url}: 1 new (1 stored), 0 known"]
    assert [(f.kind, f.via) for f in feeds.feeds()] == [
        ("opml", ""), ("feed", server.url("/list")), ("feed", server.url("/list"))]
    again = poll(feeds, [server.url("/list")])  # the list's feeds come with it
    assert [r.what() for r in again] == ["2 feeds (0 new)", "not modified (304), 1 known",
                                         "not modified (304), 1 known"]
