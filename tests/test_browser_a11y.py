"""The page's access and accessibility in a real browser (Debian chromium, Playwright):
a question sent while an answer streams is kept and asked next; every message's aria-label
is the plain text it shows; in dark mode the highlighted sentence and the answer stay
readable; bidi text laid out by the browser cannot disguise a title or reorder the meta line;
the login page, "Signed in as", "Add articles" for writers only, and Log out. Apps served
in-process on 127.0.0.1; skipped only when /usr/bin/chromium is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.settings import Settings
from tests.support.helpers import EXAMPLES, write
from tests.support.webapp import CHROMIUM, served
from tests.support.webapp import ask_in_page as ask

QUESTION = "Why was the Harbor Bridge reopening delayed?"

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason=f"{CHROMIUM} is missing (apt-get install chromium)")]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, embedder):
    from ingest import ingest

    s = Settings(store=str(tmp_path_factory.mktemp("a11y") / "store"))
    assert ingest([str(EXAMPLES)], s, embedder=embedder).added
    with served(s) as url:
        yield url


@pytest.fixture(scope="module")
def page(browser, app_url):
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    pg.goto(app_url)
    pg.wait_for_selector("#nqa-stats .nqa-stats", timeout=60_000)
    yield pg
    pg.close()


SEND_WHILE_PENDING = """q => {  // the moment an answer is pending, type q and press Ask
    const box = document.querySelector('#nqa-question textarea');
    new MutationObserver((_, seen) => {
        if (!document.querySelector('#nqa-chat .nqa-pending')) return;
        seen.disconnect();
        Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set.call(box, q);
        box.dispatchEvent(new Event('input', {bubbles: true}));
        document.querySelector('#nqa-ask').click();
        window.__note = document.querySelector('#nqa-wait').innerText;
    }).observe(document.body, {subtree: true, childList: true});
}"""


def test_a_question_sent_while_an_answer_streams_is_asked_next(page):
    done = page.locator(".nqa-answer:not(.nqa-pending)").count()
    page.evaluate(SEND_WHILE_PENDING, "How many homes lost power during Storm Calloway?")
    page.locator("#nqa-question textarea").fill("When did the Harbor Bridge reopen?")
    page.locator("#nqa-question textarea").press("Enter")
    page.wait_for_function("() => window.__note !== undefined")
    assert "Storm Calloway?” will be asked as soon as the answer" in page.evaluate("__note")
    page.wait_for_function(f"() => document.querySelectorAll("
                           f"'.nqa-answer:not(.nqa-pending)').length >= {done + 2}",
                           timeout=60_000)
    first, second = page.locator(".nqa-answer:not(.nqa-pending)").all()[done:done + 2]
    assert "May 22" in first.inner_text() and "62,000" in second.inner_text()
    assert page.locator("#nqa-wait").inner_text().strip() == ""  # no longer waiting


def test_messages_have_plain_text_aria_labels(page):
    """Gradio labels each message with its raw HTML; the page script makes it the text shown
    (hostile article text stays text, as it shows)."""
    page.wait_for_timeout(300)
    pairs = page.locator("#nqa-chat [data-testid=bot], #nqa-chat [data-testid=user]").evaluate_all(
        "els => els.map(e => [e.getAttribute('aria-label'),"
        " e.innerText.replace(/\\s+/g, ' ').trim().slice(0, 600)])")
    assert len(pairs) >= 4
    for label, shown in pairs:
        who, _, text = label.partition(": ")
        assert who in ("Answer", "Your question") and text in (shown, shown + "…"), label
        assert 'class="' not in label and "<div" not in label and "<p>" not in label
    labels = [label for label, _ in pairs]
    assert any(label.startswith("Answer: Storm Calloway") and "62,000" in label
               for label in labels), labels
    assert "Your question: How many homes lost power during Storm Calloway?" in labels


CONTRAST = """e => {
    const rgba = s => s.match(/[\\d.]+/g).map(Number);
    const lum = c => c.slice(0, 3).map(v => (v /= 255) <= 0.03928 ? v / 12.92
        : ((v + 0.055) / 1.055) ** 2.4).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
    let b = e;  // the nearest ancestor with a background
    while (b && (rgba(getComputedStyle(b).backgroundColor)[3] ?? 1) === 0) b = b.parentElement;
    const fg = lum(rgba(getComputedStyle(e).color));
    const bg = lum(rgba(getComputedStyle(b || document.body).backgroundColor));
    return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
}"""


def test_dark_mode_keeps_the_highlight_and_the_answer_readable(browser, app_url):
    dark = browser.new_page(viewport={"width": 1280, "height": 900},
                                         color_scheme="dark")
    try:
        dark.goto(app_url)
        dark.wait_for_selector("#nqa-stats .nqa-stats", timeout=60_000)
        answer = ask(dark, QUESTION)
        assert "dark" in dark.evaluate("document.body.className")
        text = answer.locator("p").first
        assert text.evaluate("e => getComputedStyle(e).color") != "rgb(0, 0, 0)"  # light text
        for part in (answer.locator("mark").first, text, answer.locator(".nqa-passage").first):
            assert part.evaluate(CONTRAST) >= 4.5, part.evaluate("e => e.outerHTML")[:200]
    finally:
        dark.close()


def test_bidi_text_cannot_disguise_a_title_or_reorder_the_meta_line(browser):
    """What web.render makes, laid out by the browser: a title holding U+202E still reads
    "gnp.exe"; a right-to-left source does not pull the date after it to its left."""
    from datetime import date

    from qa.types import Answer, Citation
    from web.render import render_answer

    cards = [Citation(number=n, article_id=f"a{n}", title=title, url="", source=source,
                      author="", published=date(2025, 5, 23), start=0, end=5, score=1.0,
                      highlight=None, passage="Text.")
             for n, title, source in ((1, "Invoice \u202egnp.exe", "Evil \u202eTimes"),
                                      (2, "Harbor news", "صحيفة الميناء"))]
    html = render_answer(Answer(question="q", text="See [1] and [2].", citations=tuple(cards),
                                refused=False, query="q"), "b1")
    other = browser.new_page()
    try:
        other.set_content(f"<html><body style='width:700px'>{html}</body></html>")
        x = other.evaluate("""() => {
            const at = (el, text) => { const node = [...el.querySelectorAll('bdi')].map(b =>
                b.firstChild).find(n => n.data.includes(text)); const r = document.createRange();
                const i = node.data.indexOf(text); r.setStart(node, i); r.setEnd(node, i + 1);
                return r.getBoundingClientRect().left; };
            const [c1, c2] = document.querySelectorAll('.nqa-card');
            return {g: at(c1, 'gnp'), x: at(c1, 'xe'), evil: at(c1, 'Evil'),
                    date1: at(c1, '2025'), arabic: at(c2, 'صحيفة'), date2: at(c2, '2025')};
        }""")
    finally:
        other.close()
    assert x["g"] < x["x"]  # "gnp.exe", not "exe.png"
    assert x["evil"] < x["date1"] and x["arabic"] < x["date2"]  # source, then date


def test_the_page_shows_add_articles_only_to_writers_and_logs_out(tmp_path, browser):
    users = str(write(tmp_path / "users.txt", "alice:wonder-land\nbob:builder-1\n"))
    s = Settings(store=str(tmp_path / "store"), auth=users, writers="alice")
    with served(s) as url, served(Settings(store=str(tmp_path / "ro"), read_only=True)) as ro:
        for user, password, can_add in (("bob", "builder-1", False),
                                        ("alice", "wonder-land", True)):
            page = browser.new_page()
            page.goto(url)
            page.get_by_label("username").fill(user)
            page.get_by_label("password").fill(password)
            page.get_by_role("button", name="Login").click()
            page.wait_for_selector("#nqa-user >> text=Signed in as", timeout=60_000)
            assert page.locator("#nqa-user").inner_text().strip() == f"Signed in as {user}"
            assert page.get_by_text("Add articles").is_visible() is can_add
            page.locator("#nqa-logout").click()
            page.wait_for_selector("text=please log in", timeout=30_000)
            page.reload()
            page.wait_for_selector("text=please log in", timeout=30_000)  # still logged out
            assert page.locator("#nqa-question").count() == 0
            page.close()
        page = browser.new_page()  # read-only, no login: asks, adds nothing, no log out
        page.goto(ro)
        page.wait_for_selector("#nqa-stats .nqa-stats", timeout=60_000)
        assert page.locator("#nqa-question").is_visible()
        assert not page.get_by_text("Add articles").is_visible()
        assert not page.locator("#nqa-logout").is_visible()
        page.close()
