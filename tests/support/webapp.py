"""Driving the running web app from tests: a ``gradio_client`` client and one chat turn
through the page's ``/chat`` endpoint; plain HTTP as a browser or script would send it (log
in, upload a file, call an endpoint, fetch a file URL) for what ``gradio_client`` hides; the
text of an HTML fragment; Debian's chromium for Playwright and a question asked in the page.
``served`` runs ``app.build_app`` + ``app.launch`` in this process; a subprocess is left to
each test (``tests.support.helpers.wait_http`` waits for it)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.helpers import free_port


@contextmanager
def served(settings: Any) -> Iterator[str]:
    """The app for ``settings`` served in this process on a free port; yields its URL."""
    import app

    demo = app.build_app(settings)
    try:
        yield app.launch(demo, settings, port=free_port(), block=False)
    finally:
        demo.close()


def client(url: str, auth: tuple[str, str] | None = None) -> Any:
    """A fresh ``gradio_client.Client`` (its own session) for the app at ``url``."""
    from gradio_client import Client

    return Client(url, auth=auth, verbose=False)


def chat(c: Any, question: str, since: str = "", until: str = "",
         sources: list | None = None) -> tuple[str, dict, int]:
    """One turn through /chat: (assistant HTML, answer JSON, number of streamed updates)."""
    job = c.submit(question, [], since, until, sources or [], api_name="/chat")
    messages, _, data = job.result(timeout=120)
    content = messages[-1]["content"]
    html = content[0]["text"] if isinstance(content, list) else content
    return html, data, len(job.outputs())


def plain(fragment: str) -> str:
    """The text of an HTML fragment (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def session(url: str, auth: tuple[str, str] | None = None) -> Any:
    """An ``httpx.Client`` on ``url``, logged in through the login form when ``auth``."""
    import httpx

    s = httpx.Client(base_url=url, timeout=120)
    if auth:
        s.post("login", data={"username": auth[0], "password": auth[1]}).raise_for_status()
    return s


def upload(s: Any, path: Path) -> str:
    """POST ``path`` to gradio's upload route; returns where the server keeps it."""
    r = s.post("gradio_api/upload", files={"files": (path.name, path.read_bytes())})
    r.raise_for_status()
    return r.json()[0]


def file_record(server_path: str, name: str) -> dict:
    """The record of an uploaded file that an endpoint takes (gradio's FileData)."""
    return {"path": server_path, "orig_name": name, "meta": {"_type": "gradio.FileData"}}


def call(s: Any, api_name: str, *data: Any) -> list:
    """Call an endpoint through gradio's HTTP API; returns its outputs, or raises
    ``RuntimeError`` with the message the app sent."""
    r = s.post(f"gradio_api/call/{api_name}", json={"data": list(data)})
    r.raise_for_status()
    event, out = "", None
    for line in s.get(f"gradio_api/call/{api_name}/{r.json()['event_id']}").text.splitlines():
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:") and event in ("complete", "error"):
            out = json.loads(line.split(":", 1)[1])
            if event == "error":
                raise RuntimeError(out.get("message") or out.get("error") or out
                                   if isinstance(out, dict) else out)
    return out


CHROMIUM = "/usr/bin/chromium"  # Debian's; the browser tests skip without it


def chromium(playwright: Any) -> Any:
    """Launch ``CHROMIUM`` headless through Playwright (never a downloaded browser)."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run"])


def ask_in_page(pg: Any, question: str) -> Any:
    """Type a question, send it, wait for the final answer; returns its locator (and leaves
    ``window.__sawPending`` saying whether the pending bubble showed first)."""
    done = pg.locator(".nqa-answer:not(.nqa-pending)").count()
    pg.evaluate("""() => { window.__sawPending = false;
        new MutationObserver(() => { if (document.querySelector('.nqa-pending'))
            window.__sawPending = true; }).observe(document.body,
            {subtree: true, childList: true, characterData: true}); }""")
    pg.locator("#nqa-question textarea").fill(question)
    pg.locator("#nqa-ask").click()
    pg.wait_for_function(f"() => document.querySelectorAll("
                         f"'.nqa-answer:not(.nqa-pending)').length > {done}", timeout=60_000)
    return pg.locator(".nqa-answer:not(.nqa-pending)").nth(done)


__all__ = ["CHROMIUM", "ask_in_page", "call", "chat", "chromium", "client", "file_record",
           "plain", "served", "session", "upload"]
