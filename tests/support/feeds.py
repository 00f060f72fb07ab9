"""A small news site for the feed-watcher tests: an RSS feed that changes between polls and
one article page per entry, served by ``tests.support.httpd.LocalServer`` on 127.0.0.1.

``FeedSite(server, "/gazette")`` serves ``/gazette/feed.xml``; ``site.publish(story)`` adds
an entry (newest first) and its page, and changes the feed's ETag and Last-Modified. The
feed honours ``If-None-Match`` and ``If-Modified-Since`` with a 304, and records every
request's conditional headers in ``site.requests``. Entries carry only a one-sentence
summary, so a stored fact from a page's body proves the page was read. ``down=True``
answers 503; ``delay`` slows article pages (for the kill-and-resume test); ``pages``
serves them from another server (a private address); a story with ``page=False`` links
to a missing page (the fallback to the entry's own text). ``watch_cli`` runs
``python -m ingest --watch`` on a store (``env_for``: its environment).

The stories are fictional, written for these tests (towns, people and figures invented).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from html import escape

from tests.support.helpers import ROOT
from tests.support.httpd import LocalServer


@dataclass(frozen=True)
class Story:
    """One article: ``fact`` is a phrase found only in its page's body."""

    slug: str
    title: str
    summary: str
    body: tuple[str, ...]
    fact: str
    question: str
    page: bool = True  # False: the link is a 404; the entry carries the text itself


STORIES = (
    Story("ferry", "Tidewater ferry adds a night crossing",
          "The ferry authority announced a new late crossing.",
          ("The Tidewater ferry will run a new night crossing from Bayport to Gull Island "
           "from July 1, the ferry authority said on Tuesday.",
           "The boat will leave Bayport at 11:40 p.m. and reach the island shortly after "
           "midnight, giving shift workers at the cannery a way home.",
           "Harbourmaster Ines Valcourt said the crossing would use the smaller vessel "
           "Marrow Tern, which carries forty cars and two hundred passengers.",
           "Tickets for the night crossing will cost the same as the day fare, she said."),
          "Marrow Tern", "Which vessel will run the night crossing to Gull Island?"),
    Story("orchard", "Frost spares most of the Kestrel Valley apple crop",
          "Growers counted their losses after a cold night.",
          ("Apple growers in the Kestrel Valley said on Wednesday that a late frost had "
           "damaged less of the crop than they first feared.",
           "The valley growers' cooperative estimated that about 12 percent of the blossom "
           "was lost, mostly in low orchards near the river.",
           "Cooperative chair Tomas Ferrand credited the wind machines installed two years "
           "ago, which kept warmer air moving over the upper slopes.",
           "Picking is expected to start in the second week of September as usual."),
          "about 12 percent of the blossom", "How much blossom did the frost destroy?"),
    Story("library", "Old mill becomes the Brackwater library",
          "The town council approved a plan for the old mill.",
          ("The Brackwater town council voted six to one on Monday to turn the empty wool "
           "mill on Canal Street into the town's new public library.",
           "The conversion is expected to cost 3.2 million dollars, most of it paid by a "
           "regional heritage fund, and to take eighteen months.",
           "Librarian Odile Markham said the mill's long weaving hall would hold the "
           "children's section and a reading room overlooking the canal.",
           "The current library, a former bank branch, will close when the mill opens."),
          "3.2 million dollars", "How much will the Brackwater mill conversion cost?"),
    Story("marathon", "Runner from Pell Harbor wins the coast marathon",
          "A local runner won the race for the first time.",
          ("Fisherwoman Agnes Thornby of Pell Harbor won the Saltmarsh Coast Marathon on "
           "Sunday in two hours and 41 minutes, the first local winner in the race's "
           "twenty-year history.",
           "Thornby trains on the sea wall before her boat goes out each morning, she told "
           "reporters at the finish line on the promenade.",
           "About 1,900 runners started the race in fog that lifted after the first hour.",
           "Organisers said next year's race would start half an hour earlier."),
          "two hours and 41 minutes", "What was the winning time of the coast marathon?"),
    Story("bridge", "Inspectors close the Larkspur footbridge",
          "A footbridge was closed after an inspection.",
          ("County inspectors closed the Larkspur footbridge over the Wend River on Friday "
           "after finding corroded bolts in two of its cable anchors.",
           "The county engineer, Basil Okonkwo-Reyes, said repairs would take at least "
           "nine weeks and that a temporary ferry punt would carry pedestrians meanwhile.",
           "The footbridge, built in 1962, links the Larkspur estate to the railway halt.",
           "Cyclists are asked to use the road bridge two miles downstream."),
          "at least nine weeks", "How long will the Larkspur footbridge repairs take?"),
    Story("choir", "Hollin Moor choir to sing at the winter festival",
          "A village choir was invited to a festival.",
          ("The Hollin Moor village choir has been invited to open the Northgate winter "
           "festival in December, its director Priya Castellane said on Thursday.",
           "The choir of thirty-four singers will perform a cycle of shepherds' songs "
           "collected on the moor by a schoolteacher in the 1890s.",
           "The festival committee chose the choir after hearing a recording made in the "
           "village chapel last spring.",
           "Rehearsals move to the larger school hall from October."),
          "shepherds' songs", "What will the Hollin Moor choir perform at the festival?"),
    Story("clinic", "Quarry Lane clinic opens a night service",
          "The clinic will stay open later from next month.",
          ("The Quarry Lane health clinic in Ostby will stay open until 10 p.m. on weekdays "
           "from next month, the regional health board said on Tuesday.",
           "Dr Halvard Steen, who runs the clinic, said the evening hours were meant for "
           "people who cannot leave work during the day.",
           "Two nurses and a doctor will staff the evening service, paid from a fund of "
           "640,000 crowns set aside by the board.",
           "Appointments can be booked by telephone or at the front desk."),
          "640,000 crowns", "How much money did the board set aside for the clinic?",
          page=False),
)


def page_html(story: Story, site: str) -> str:
    """An article page with the site's clutter around the story."""
    paras = "\n".join(f"<p>{escape(p)}</p>" for p in story.body)
    return (f"<html><head><title>{escape(story.title)} | {escape(site)}</title></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/local'>Local</a> <a href='/sport'>Sport"
            f"</a></nav><article><h1>{escape(story.title)}</h1>\n{paras}\n</article>"
            f"<footer>Subscribe to the {escape(site)} newsletter. All rights reserved."
            f"</footer></body></html>")


class FeedSite:
    """An RSS feed under ``prefix`` on ``server`` whose entries change when published."""

    def __init__(self, server: LocalServer, prefix: str = "/gazette",
                 title: str = "The Tidewater Gazette", *, delay: float = 0.0,
                 pages: LocalServer | None = None) -> None:
        self.server, self.prefix, self.title, self.delay = server, prefix, title, delay
        self.pages = pages or server  # where the article pages live
        self.stories: list[Story] = []
        self.requests: list[dict[str, str]] = []  # the feed's requests' conditional headers
        self.not_modified = 0
        self.down = False
        self._version = 0
        self._stamp = formatdate(time.time() - 86_400, usegmt=True)
        self._lock = threading.Lock()
        server.add_handler(f"{prefix}/feed.xml", self._feed)

    @property
    def url(self) -> str:
        return self.server.url(f"{self.prefix}/feed.xml")

    def link(self, story: Story) -> str:
        return self.pages.url(f"{self.prefix}/{story.slug}.html")

    def publish(self, *stories: Story) -> None:
        """Add entries (and their pages); the feed's validators change."""
        for s in stories:
            self.stories.insert(0, s)
            if s.page:
                path = f"{self.prefix}/{s.slug}.html"
                self.pages.add_handler(path, self._page(page_html(s, self.title)))
        with self._lock:
            self._version += 1
            self._stamp = formatdate(time.time() - 86_400 + self._version, usegmt=True)

    @property
    def last_modified(self) -> str:
        """The feed's Last-Modified now."""
        with self._lock:
            return self._stamp

    def page_hits(self) -> int:
        """Requests for this site's article pages so far."""
        return sum(1 for p in self.pages.hits
                   if p.startswith(self.prefix + "/") and p.endswith(".html"))

    def _page(self, html: str):  # noqa: ANN202 - a LocalServer handler
        def handler(h) -> None:  # noqa: ANN001
            if self.delay:
                time.sleep(self.delay)
            _send(h, 200, html.encode(), "text/html; charset=utf-8")
        return handler

    def _rss(self) -> bytes:
        items = []
        for s in self.stories:
            text = "".join(f"<p>{escape(p)}</p>" for p in s.body)
            content = "" if s.page else \
                f"<content:encoded>{escape(text)}</content:encoded>"
            items.append(f"<item><title>{escape(s.title)}</title><link>{self.link(s)}</link>"
                         f"<guid isPermaLink='false'>{self.prefix}-{s.slug}</guid>"
                         f"<description>{escape(s.summary)}</description>{content}</item>")
        return (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0' "
                f"xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel>"
                f"<title>{escape(self.title)}</title>{''.join(items)}</channel></rss>").encode()

    def _feed(self, h) -> None:  # noqa: ANN001 - LocalServer's request handler
        with self._lock:
            etag, stamp = f'"v{self._version}"', self._stamp
        sent = {k: h.headers[k] for k in ("If-None-Match", "If-Modified-Since") if h.headers[k]}
        self.requests.append(sent)
        if self.down:
            _send(h, 503, b"down for maintenance", "text/plain")
            return
        inm = sent.get("If-None-Match")
        if (inm == etag) or (inm is None and sent.get("If-Modified-Since") == stamp):
            self.not_modified += 1
            h.send_response(304)
            h.send_header("ETag", etag)
            h.end_headers()
            return
        _send(h, 200, self._rss(), "application/rss+xml; charset=utf-8",
              {"ETag": etag, "Last-Modified": stamp})


def _send(h, status: int, body: bytes, ctype: str,  # noqa: ANN001
          headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def opml(*urls: str, nested: bool = True) -> str:
    """An OPML list of ``urls``: the first at the top, the rest inside a folder outline."""
    first, *rest = urls
    inner = "".join(f'<outline type="rss" text="feed" xmlUrl="{u}"/>' for u in rest)
    folder = f'<outline text="Local news">{inner}</outline>' if nested else inner
    return (f'<?xml version="1.0"?><opml version="2.0"><head><title>My feeds</title></head>'
            f'<body><outline type="rss" text="first" xmlUrl="{first}"/>{folder}</body></opml>')


def env_for(store: object, **extra: str) -> dict[str, str]:
    """The environment of a CLI run on ``store``: no other NEWSQA_* variable leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    env.update(NEWSQA_STORE=str(store), PYTHONUNBUFFERED="1", **extra)
    return env


def watch_cli(store: object, *args: str, **extra: str) -> subprocess.CompletedProcess:
    """``python -m ingest --watch ARGS`` on ``store``; its output as text."""
    return subprocess.run([sys.executable, "-m", "ingest", "--watch", *args], cwd=ROOT,
                          env=env_for(store, **extra), capture_output=True, text=True,
                          timeout=300)
