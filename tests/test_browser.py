"""The web chat in a real browser: Debian chromium driven by Playwright against the app served
in-process on 127.0.0.1 over a temp store holding the sample corpus. Asks a question and sees
the streamed answer with its source cards, follows a citation marker, sees a refusal, and
ingests a hostile article from the page to check that nothing in it runs or injects markup
(and that the next answer is scrolled into view); pasted internal URLs are refused. Logins,
accessibility, dark mode and bidi are in tests/test_browser_a11y.py. Writes
docs/screenshot.png. Skipped only when /usr/bin/chromium is missing (CI installs it); never
downloads a browser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.helpers import EXAMPLES, ROOT, free_port
from tests.support.httpd import LocalServer
from tests.support.syndication import OUTLETS, filler, jsonl
from tests.support.syndication import QUESTION as QUESTION_WATER
from tests.support.webapp import CHROMIUM, chromium
from tests.support.webapp import ask_in_page as ask

QUESTION = "Why was the Harbor Bridge reopening delayed?"  # examples/questions.md #3
NOT_COVERED = "What is the airspeed of an unladen swallow?"
EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason=f"{CHROMIUM} is missing (apt-get install chromium)")]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, embedder):
    import app
    from ingest import ingest
    from qa.settings import Settings

    tmp = tmp_path_factory.mktemp("web")
    s = Settings(store=str(tmp / "store"), upload_dir=str(tmp / "uploads"))
    report = ingest([str(EXAMPLES)], s, embedder=embedder)
    assert report.added and not report.failed, report.to_dict()
    demo = app.build_app(s)
    url = app.launch(demo, s, port=free_port(), block=False)
    yield url
    demo.close()


@pytest.fixture(scope="module")
def page(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = chromium(p)
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        pg.dialogs = []
        pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
        pg.goto(app_url)
        pg.wait_for_selector("#nqa-stats .nqa-stats", timeout=60_000)
        yield pg
        browser.close()


def save_screenshot(pg, path: Path) -> None:
    """1280x900 PNG, palette-quantized to keep the repository small (pillow comes with
    gradio)."""
    from PIL import Image

    path.parent.mkdir(exist_ok=True)
    pg.screenshot(path=str(path))
    with Image.open(path) as im:
        small = im.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def test_answer_streams_in_with_source_cards(page):
    answer = ask(page, QUESTION)
    assert page.evaluate("window.__sawPending")  # the bubble was there before the answer
    assert answer.locator(".nqa-card").count() >= 1
    assert answer.locator("mark").count() >= 1
    assert "corrosion" in answer.inner_text()
    assert answer.locator(".nqa-card-head bdi").count() >= 1  # isolation survives sanitizing
    link = answer.locator(".nqa-card-head a").first
    if link.count():
        assert link.get_attribute("target") == "_blank"
        assert link.get_attribute("rel") == "noopener noreferrer"
        assert link.get_attribute("href").startswith(("http://", "https://"))
    page.wait_for_timeout(300)
    save_screenshot(page, ROOT / "docs" / "screenshot.png")


def test_citation_marker_jumps_to_its_card(page):
    answer = page.locator(".nqa-answer:not(.nqa-pending)").last
    marker = answer.locator("a.nqa-cite").last
    href = marker.get_attribute("href")
    assert href and href.startswith("#")
    marker.click()
    page.wait_for_timeout(300)
    assert page.evaluate("() => document.querySelector(':target')?.id") == href[1:]
    card = page.locator(href)
    assert card.is_visible()
    assert card.evaluate("e => { const r = e.getBoundingClientRect();"
                         " return r.bottom > 0 && r.top < window.innerHeight; }")
    assert card.evaluate("e => getComputedStyle(e).outlineStyle") != "none"  # :target style


def test_a_story_question_shows_a_timeline_with_its_cards(page):
    page.get_by_role("button", name="New conversation").click()  # not a follow-up
    page.wait_for_function("() => !document.querySelector('.nqa-answer')", timeout=30_000)
    answer = ask(page, "How did the Harbor Bridge closure unfold?")
    items = answer.locator("ul.nqa-timeline li")
    assert items.count() >= 3
    assert items.first.locator(".nqa-when").inner_text().startswith("February 10, 2025")
    assert "May 23, 2025" in items.nth(2).inner_text()
    assert answer.locator(".nqa-card").count() >= 3
    assert answer.locator("ul.nqa-timeline a.nqa-cite").count() >= 3
    page.wait_for_timeout(500)  # the chat's own scrolling settles first
    answer.locator("ul.nqa-timeline").first.evaluate("""e => {
        let p = e.parentElement;
        while (p && p.scrollHeight <= p.clientHeight + 1) p = p.parentElement;
        if (p) p.scrollTop += e.getBoundingClientRect().top - p.getBoundingClientRect().top - 60;
    }""")
    page.wait_for_timeout(300)
    save_screenshot(page, ROOT / "docs" / "timeline.png")


def test_refusal_looks_different(page):
    answer = ask(page, NOT_COVERED)
    assert "nqa-refused" in answer.get_attribute("class")
    assert "not in the articles" in answer.inner_text().lower()
    assert answer.locator("a.nqa-cite").count() == 0


def test_hostile_article_renders_as_text(page, tmp_path):
    rec = {"url": "javascript:window.__pwned=1", "title": "Zorbulon fair " + EVIL,
           "source": EVIL + "Evil Times", "published": "2025-06-01",
           "text": ("The Zorbulon fair opened on Saturday in Bayport with 40 jugglers " + EVIL
                    + " and a parade of 12 floats along the harbor.\n\nTickets: "
                    "[click](javascript:window.__pwned=1) or <a href=\"javascript:window."
                    "__pwned=1\">here</a>. <style>body{display:none}</style>")}
    jsonl = tmp_path / "evil.jsonl"
    jsonl.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    html = tmp_path / "evil <img src=x onerror=alert(1)>.html"  # a hostile file name too
    html.write_text(
        "<html><head><title>Zorbulon parade &lt;script&gt;window.__pwned=1&lt;/script&gt;"
        "</title><link rel=canonical href=\"javascript:window.__pwned=1\"></head><body>"
        "<article><h1>Zorbulon parade &lt;script&gt;window.__pwned=1&lt;/script&gt;</h1>"
        "<p>The Zorbulon parade wound along the Bayport harbor on Sunday with 12 floats "
        "&lt;img src=x onerror=\"window.__pwned=1\"&gt; and a <a href=\"javascript:window."
        "__pwned=1\">brass band</a> from Eastshore, organizers said.</p><script>window."
        "__pwned=1</script><p>Thousands of residents lined the waterfront to watch the floats, "
        "which were built by neighborhood groups over the summer.</p></article></body></html>",
        encoding="utf-8")
    page.get_by_text("Add articles").click()
    page.locator("#nqa-files input[type=file]").set_input_files([str(jsonl), str(html)])
    page.wait_for_selector("#nqa-files >> text=evil.jsonl", timeout=30_000)
    page.get_by_role("button", name="Add to collection").click()
    page.wait_for_selector("#nqa-report .nqa-report", timeout=60_000)
    assert "2 added" in page.locator("#nqa-report").inner_text()
    page.set_viewport_size({"width": 1280, "height": 600})  # a laptop, scrolled down to
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # the report
    assert page.locator("#nqa-chat").evaluate("e => e.getBoundingClientRect().bottom") < 200
    answer = ask(page, "How many jugglers were at the Zorbulon fair?")
    top = answer.evaluate("e => e.getBoundingClientRect().top")
    assert 0 <= top < 600 - 100  # the new answer was scrolled into view
    page.set_viewport_size({"width": 1280, "height": 900})
    text = answer.inner_text()
    assert "40 jugglers" in text and "<script>" in text  # shown as text
    page.get_by_label("Sources").click()  # the hostile source name is a dropdown choice
    page.wait_for_timeout(500)
    page.keyboard.press("Escape")
    bad = ", ".join(f"#nqa-chat :is(.nqa-answer, .nqa-question) {sel}" for sel in (
        "script", "img", "style", "iframe", "a[href^='javascript']", "[onerror]", "[onclick]"))
    assert page.locator(bad).count() == 0
    assert page.locator("#nqa-chat .nqa-answer").count() >= 3
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.dialogs == []
    assert page.locator("body").is_visible()


def test_pasted_internal_urls_are_refused(page):
    with LocalServer() as internal:
        internal.add("/secret", "<p>The vault code of the harbor office is 4417.</p>")
        urls = [f"http://{host}:{internal.port}/secret"
                for host in ("127.0.0.1", "localhost", "[::1]", "127.1", "2130706433")]
        if not page.get_by_label("URLs, one per line").is_visible():
            page.get_by_text("Add articles").click()
        page.get_by_label("URLs, one per line").fill("\n".join(urls))
        page.get_by_role("button", name="Add to collection").click()
        page.wait_for_function("() => document.querySelector('#nqa-report')"
                               ".innerText.includes('refused')", timeout=60_000)
        assert internal.hits == []
    report = page.locator("#nqa-report").inner_text()
    assert "0 added" in report and "5 failed" in report
    assert all(f"{url}: refused: private address" in report for url in urls), report


def test_filters_from_the_side_panel_apply_to_the_next_question(page):
    box = page.get_by_label("Sources")
    box.click()
    box.fill("Coastal Wire")  # the choice, or the same name typed (both give this filter)
    box.press("Enter")
    page.keyboard.press("Escape")
    answer = ask(page, "How many dockworkers went on strike at the Port of Bayport, and why?")
    metas = answer.locator(".nqa-meta").all_inner_texts()
    assert metas and all(m.startswith("Coastal Wire") for m in metas), metas
    assert "Filters: sources Coastal Wire" in answer.inner_text()
    page.locator("#nqa-since textarea, #nqa-since input").first.fill("2030-01-01")
    answer = ask(page, "How many dockworkers went on strike at the Port of Bayport, and why?")
    assert "nqa-refused" in answer.get_attribute("class")
    assert "since 2030-01-01" in answer.inner_text()


def test_added_articles_answer_at_once_and_the_page_shows_their_indexing(page, tmp_path):
    # 600 short articles and one about the desalination plant: by keywords at once, the
    # vectors follow in the background (~6 s here) while the page says how far it got
    rows = [*filler(600), OUTLETS[0]]
    page.reload()  # a fresh page: no filters left from the test before
    page.wait_for_selector("#nqa-stats .nqa-stats", timeout=60_000)
    data = Path(jsonl(tmp_path / "batch.jsonl", rows))
    before = int(page.locator("#nqa-stats b").first.inner_text())
    if not page.get_by_label("URLs, one per line").is_visible():
        page.get_by_text("Add articles").click()
    page.get_by_label("URLs, one per line").fill("")
    page.locator("#nqa-files input[type=file]").set_input_files([str(data)])
    page.wait_for_selector("#nqa-files >> text=batch.jsonl", timeout=30_000)
    page.get_by_role("button", name="Add to collection").click()
    page.wait_for_function("() => document.querySelector('#nqa-report')"
                           ".innerText.includes('601 added')", timeout=120_000)
    line = page.locator("#nqa-indexing-line .nqa-indexing")
    line.wait_for(timeout=30_000)
    assert "articles have their vectors" in line.inner_text()
    assert page.locator("#nqa-indexing-line progress").count() == 1
    answer = ask(page, QUESTION_WATER)
    assert "60 million liters" in answer.inner_text()
    # the line goes once every vector is in, and the collection counts the new articles
    page.wait_for_selector("#nqa-indexing-line .nqa-indexing", state="detached",
                           timeout=240_000)
    page.wait_for_function(f"() => document.querySelector('#nqa-stats b').innerText == "
                           f"'{before + 601}'", timeout=30_000)
