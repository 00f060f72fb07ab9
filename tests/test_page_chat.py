"""The chat column of the page in a real browser (Debian chromium, Playwright; apps served
in-process on 127.0.0.1 over a temp store of the sample corpus): example questions on an
empty chat, Copy (the answer with its sources as Markdown on the clipboard), the Markdown and
JSON downloads and the whole conversation's, Regenerate, conversations kept in the browser
across a reload with a list to return to, one clear control, and Stop against a fake
OpenAI-compatible LLM that streams slowly (tests/support/slowllm.py). The gradio-free parts
are in tests/test_page_chat_parts.py. Timeouts are generous and nothing is timed. Skipped
only without /usr/bin/chromium."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.settings import Settings
from tests.support.chatpage import (
    TIMEOUT,
    answers,
    clipboard,
    downloaded,
    no_html,
    questions,
    wait_answers,
)
from tests.support.helpers import EXAMPLES
from tests.support.slowllm import HESITANT, LONGEST, SLOW, SlowLLM
from tests.support.webapp import CHROMIUM, served

QUESTION = "When did the Harbor Bridge reopen?"
FOLLOW_UP = "How much did it cost?"
STORY = "How did the Harbor Bridge story unfold?"
pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason=f"{CHROMIUM} is missing (apt-get install chromium)")]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, embedder) -> Settings:
    from ingest import ingest

    s = Settings(store=str(tmp_path_factory.mktemp("page-chat") / "store"))
    assert ingest([str(EXAMPLES)], s, embedder=embedder).added
    return s


def open_page(browser, url: str):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900},
                              permissions=["clipboard-read", "clipboard-write"])
    pg = ctx.new_page()
    pg.goto(url)
    pg.wait_for_selector("#nqa-stats .nqa-stats", timeout=TIMEOUT)
    return pg


@pytest.fixture(scope="module")
def page(browser, settings):
    with served(settings) as url:
        pg = open_page(browser, url)
        yield pg
        pg.context.close()


def ask(pg, question: str):
    n = answers(pg).count()
    pg.locator("#nqa-question textarea").fill(question)
    pg.locator("#nqa-ask").click()
    return wait_answers(pg, n + 1)


# ---- the page -----------------------------------------------------------------------------
def test_an_empty_chat_offers_example_questions_and_one_click_answers(page):
    examples = page.locator("#nqa-chat .example")
    examples.first.wait_for(timeout=TIMEOUT)
    texts = examples.all_inner_texts()
    assert 3 <= len(texts) <= 4 and STORY in texts and "What's new?" in texts
    examples.filter(has_text=STORY).click()
    answer = wait_answers(page, 1)
    assert questions(page) == [STORY]
    assert answer.locator("ul.nqa-timeline li").count() >= 3
    assert page.locator("#nqa-chat .example").count() == 0  # gone once the chat has a turn
    page.get_by_role("button", name="New conversation").click()
    examples.first.wait_for(timeout=TIMEOUT)  # back on an empty chat
    assert answers(page).count() == 0


def test_copy_puts_the_answer_with_its_sources_on_the_clipboard(page, settings):
    from qa import ask as qa_ask
    from qa.export import answer_markdown

    answer = ask(page, QUESTION)
    titles = answer.locator(".nqa-card-head bdi").all_inner_texts()
    urls = [a.get_attribute("href") for a in answer.locator(".nqa-card-head a[href^=http]").all()]
    assert titles and urls  # the sample answer cites an article with a web address
    assert answer.locator(".nqa-actions pre").count() == 2  # the Markdown and JSON it carries,
    assert not answer.locator(".nqa-actions pre").first.is_visible()  # never shown
    assert "Download .json" not in answer.inner_text()  # the buttons' words are not its text
    answer.get_by_role("button", name="Copy").click()
    page.wait_for_function("() => document.querySelector('.nqa-copy.nqa-done')")
    text = clipboard(page)
    assert text.startswith(f"## {QUESTION}\n") and "**Sources**" in text
    assert all(t.strip() in text for t in titles) and all(f"<{u}>" in text for u in urls)
    assert "reopened to traffic at 5:30 a.m." in text  # the passage
    assert no_html(text), text
    assert text == answer_markdown(qa_ask(QUESTION, settings=settings))  # qa.export's own


def test_downloads_give_the_answer_and_the_conversation_with_their_citations(page):
    answer = answers(page).last
    name, md = downloaded(page, answer.get_by_role("button", name="Download .md"))
    assert name.endswith(".md") and md == clipboard(page)
    name, raw = downloaded(page, answer.get_by_role("button", name="Download .json"))
    data = json.loads(raw)
    assert name.endswith(".json") and data["question"] == QUESTION
    assert data["citations"] and all(c["passage"] and c["title"] for c in data["citations"])
    assert data["citations"][0]["url"].startswith("https://")
    name, conv = downloaded(page, page.get_by_role("button", name="Download conversation"))
    assert name == "newsqa-conversation.md" and conv.startswith("# newsqa conversation")
    assert f"## 1. {QUESTION}" in conv and data["citations"][0]["url"] in conv
    assert no_html(conv)


def test_regenerate_replaces_the_last_answer(page):
    before = answers(page).last.locator(".nqa-card").first.get_attribute("id")
    page.get_by_role("button", name="Regenerate").click()
    page.wait_for_function(
        f"() => {{ const a = document.querySelectorAll('#nqa-chat .nqa-card'); return a.length"
        f" && !document.querySelector('#nqa-chat .nqa-pending') && "
        f"!document.getElementById('{before}'); }}", timeout=TIMEOUT)
    assert questions(page) == [QUESTION]  # asked again in place, not appended
    assert answers(page).count() == 1
    assert "May 22" in answers(page).last.inner_text()


def test_a_reload_keeps_the_conversation_and_the_list_returns_to_an_earlier_one(page):
    shown = answers(page).last.inner_text()
    page.reload()
    wait_answers(page, 1)
    assert questions(page) == [QUESTION] and answers(page).last.inner_text() == shown
    follow = ask(page, FOLLOW_UP)  # the history came back too: a follow-up is rewritten
    assert "Searched for:" in follow.inner_text() and "Harbor Bridge" in follow.inner_text()
    page.get_by_role("button", name="New conversation").click()
    page.locator("#nqa-chat .example").first.wait_for(timeout=TIMEOUT)
    page.get_by_text("Earlier conversations").click()
    # the list is drawn by the page script once the opened accordion mounts it (a frame
    # later): wait for the drawing (data-ready), not just the click
    page.locator("#nqa-convs .nqa-convs[data-ready]").wait_for(timeout=TIMEOUT)
    entries = page.locator("#nqa-convs .nqa-conv-open")
    assert entries.all_inner_texts() == [QUESTION, STORY]  # the latest first
    entries.filter(has_text=QUESTION).click()
    wait_answers(page, 2)
    assert questions(page) == [QUESTION, FOLLOW_UP]
    assert page.locator("#nqa-convs .nqa-conv-open[aria-current]").inner_text() == QUESTION


def test_one_clear_control_and_the_placeholder_says_where_things_are(page):
    assert answers(page).count()  # gradio's clear icon shows on a chat with messages:
    assert page.locator("#nqa-chat button[aria-label=Clear]").count() == 1
    assert page.locator("#nqa-chat button[aria-label=Clear]:visible").count() == 0  # hidden
    assert page.get_by_role("button", name="New conversation").count() == 1  # the one
    page.get_by_role("button", name="New conversation").click()
    page.locator("#nqa-chat .example").first.wait_for(timeout=TIMEOUT)
    placeholder = page.locator("#nqa-chat .placeholder").inner_text()
    assert "below" not in placeholder and "stored articles" in placeholder


def test_stop_ends_a_running_answer_and_the_next_question_works(browser, settings):
    with SlowLLM() as llm, served(llm.settings(settings)) as url:
        pg = open_page(browser, url)
        try:
            assert not pg.locator("#nqa-stop").is_visible()  # nothing to stop yet
            pg.locator("#nqa-question textarea").fill(
                f"Tell me {SLOW} about the Harbor Bridge repairs")
            pg.locator("#nqa-ask").click()
            pg.wait_for_function("() => (document.querySelector('#nqa-chat .nqa-pending')"
                                 "?.innerText || '').includes('word2')", timeout=TIMEOUT)
            pg.get_by_role("button", name="Stop").click()
            stopped = wait_answers(pg, 1)
            assert "nqa-stopped" in stopped.get_attribute("class")
            shown = stopped.inner_text()
            assert "word2" in shown and "not verified" in shown
            pg.wait_for_timeout(2000)  # a running stream would add words meanwhile
            assert answers(pg).last.inner_text() == shown
            assert not pg.locator("#nqa-stop").is_visible()
            answer = ask(pg, "When did the Harbor Bridge reopen?")
            assert answer.locator(".nqa-card").count() >= 1
            assert questions(pg)[-1] == "When did the Harbor Bridge reopen?"
            assert llm.requests[0] is True and False in llm.requests
        finally:
            pg.context.close()


def test_stop_before_the_llm_sends_anything_frees_the_page_at_once(browser, settings):
    """A model still reading a long prompt sends nothing for a long time (here the whole of
    LONGEST, longer than a question may wait): Stop marks the answer stopped at once, and
    the next question is answered without waiting for the stopped one's first word."""
    assert LONGEST * 1000 > TIMEOUT  # waiting for the stopped answer would fail this test
    with SlowLLM() as llm, served(llm.settings(settings)) as url:
        pg = open_page(browser, url)
        try:
            pg.locator("#nqa-question textarea").fill(
                f"Tell me {HESITANT} about the Harbor Bridge repairs")
            pg.locator("#nqa-ask").click()
            pg.locator("#nqa-stop").wait_for(state="visible", timeout=TIMEOUT)
            pg.wait_for_function("() => document.querySelector('#nqa-chat .nqa-pending')",
                                 timeout=TIMEOUT)
            for _ in range(600):  # the model has the question (and says nothing)
                if llm.requests:
                    break
                pg.wait_for_timeout(100)
            assert llm.requests == [True]
            pg.get_by_role("button", name="Stop").click()
            assert "nqa-stopped" in wait_answers(pg, 1).get_attribute("class")
            answer = ask(pg, "When did the Harbor Bridge reopen?")
            assert "reopened" in answer.inner_text() and answer.locator(".nqa-card").count()
            assert llm.requests == [True, False]
        finally:
            pg.context.close()
