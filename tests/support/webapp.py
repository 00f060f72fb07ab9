"""Driving the running web app from tests: a ``gradio_client`` client and one chat turn
through the page's ``/chat`` endpoint. Starting the app is left to each test (a subprocess
or ``app.launch``); ``tests.support.helpers.wait_http`` waits for it."""

from __future__ import annotations

from typing import Any


def client(url: str) -> Any:
    """A fresh ``gradio_client.Client`` (its own session) for the app at ``url``."""
    from gradio_client import Client

    return Client(url, verbose=False)


def chat(c: Any, question: str, since: str = "", until: str = "",
         sources: list | None = None) -> tuple[str, dict, int]:
    """One turn through /chat: (assistant HTML, answer JSON, number of streamed updates)."""
    job = c.submit(question, [], since, until, sources or [], api_name="/chat")
    messages, _, data = job.result(timeout=120)
    content = messages[-1]["content"]
    html = content[0]["text"] if isinstance(content, list) else content
    return html, data, len(job.outputs())


__all__ = ["chat", "client"]
