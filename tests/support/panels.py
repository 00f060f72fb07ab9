"""Helpers for the side panels' page tests (tests/test_page_articles.py,
tests/test_page_feeds.py): the browser-test marks, a quantized screenshot, logging in
through the page's form, and opening a tab or the article view."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.webapp import CHROMIUM

EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'


def in_browser(test: Any) -> Any:
    """Marks a test that drives chromium (skipped without it)."""
    for mark in (pytest.mark.browser, pytest.mark.slow,
                 pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason=f"{CHROMIUM} is missing (apt-get install chromium)")):
        test = mark(test)
    return test


def save_screenshot(pg: Any, path: Path) -> None:
    """The page as a palette-quantized PNG (as tests/test_browser.py saves its own)."""
    from PIL import Image

    pg.screenshot(path=str(path))
    with Image.open(path) as im:
        small = im.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def log_in(browser: Any, url: str, user: str, password: str) -> Any:
    """A new page on ``url``, logged in through the login form, the page loaded."""
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    pg.goto(url)
    pg.get_by_label("username").fill(user)
    pg.get_by_label("password").fill(password)
    pg.get_by_role("button", name="Login").click()
    pg.wait_for_selector("#nqa-stats .nqa-stats", timeout=60_000)
    return pg


def open_tab(pg: Any, name: str, ready: str) -> Any:
    """Select the side column's tab ``name`` and wait for ``ready`` (a selector)."""
    pg.get_by_role("tab", name=name).click()
    pg.wait_for_selector(ready, timeout=60_000)
    return pg.locator(ready)


def opened(pg: Any) -> Any:
    """The article view, once an article shows in it."""
    pg.wait_for_selector("#nqa-reader .nqa-article", timeout=60_000)
    return pg.locator("#nqa-reader")


def close_view(pg: Any) -> None:
    """Close the article view and wait until it is gone."""
    pg.locator("#nqa-reader-close").click()
    pg.wait_for_selector("#nqa-reader", state="hidden", timeout=30_000)
