"""Driving the page's chat column from Playwright tests (tests/test_page_chat.py): finished
answers, waiting for a number of them, what a click puts on the clipboard or downloads,
and Markdown that holds no HTML. Test code, not product code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

DONE = "#nqa-chat .nqa-answer:not(.nqa-pending)"
TIMEOUT = 90_000  # ms: a loaded two-core machine answers slowly
# an HTML tag; Markdown's autolinks (<https://...>) are not tags
TAG = re.compile(r"<(?!https?://)[A-Za-z/!][^>]*>")


def answers(pg: Any) -> Any:
    """The finished answers (answers, refusals, errors, stopped answers) in the chat."""
    return pg.locator(DONE)


def wait_answers(pg: Any, n: int) -> Any:
    """Wait until the chat shows ``n`` finished answers and none is coming; the last."""
    pg.wait_for_function(
        f"() => document.querySelectorAll('{DONE}').length === {n} && "
        "!document.querySelector('#nqa-chat .nqa-pending')", timeout=TIMEOUT)
    return answers(pg).last


def questions(pg: Any) -> list[str]:
    """The questions the chat shows, in order."""
    return [t.strip() for t in pg.locator("#nqa-chat .nqa-question").all_inner_texts()]


def clipboard(pg: Any) -> str:
    """The clipboard's text (the context must grant clipboard-read)."""
    return pg.evaluate("navigator.clipboard.readText()")


def downloaded(pg: Any, button: Any) -> tuple[str, str]:
    """Click ``button``; (the file name offered, its text)."""
    with pg.expect_download(timeout=TIMEOUT) as info:
        button.click()
    return info.value.suggested_filename, Path(info.value.path()).read_text(encoding="utf-8")


def no_html(markdown: str) -> bool:
    """Whether ``markdown`` holds no HTML tag (autolinks allowed)."""
    return not TAG.search(markdown) and 'class="' not in markdown


__all__ = ["DONE", "TIMEOUT", "answers", "clipboard", "downloaded", "no_html", "questions",
           "wait_answers"]
