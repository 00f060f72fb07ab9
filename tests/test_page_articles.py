"""The page's Articles tab and article view (#14 item 4), in Debian chromium (Playwright)
against apps served in-process on 127.0.0.1 over a temp store holding the sample corpus
and one hostile article, plus gradio_client calls and the list/view HTML on their own.

The list shows the corpus, search narrows it, sorting flips it; a card's title opens the
whole article with the cited passage marked (docs/article.png); hostile text stays text;
a writer's delete removes the article from the list, the stats and later answers; a
reader sees no delete button and no Feeds tab and cannot delete through the API; the view
takes article references only. The archive's ledger is read once per store change
however many times the list is searched (5,000 rows)."""

from __future__ import annotations

import html
import json
from datetime import date, timedelta

import pytest

from qa.settings import Settings
from tests.support import panels as ui
from tests.support.helpers import EXAMPLES, ROOT, write
from tests.support.panels import EVIL, in_browser
from tests.support.webapp import ask_in_page as ask
from tests.support.webapp import client, served
from web.articles import ArticleList, Ref, Row, parse_ref, render_article, render_list, select

RLO = "\u202e"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, embedder) -> Settings:
    from ingest import ingest

    tmp = tmp_path_factory.mktemp("articles")
    evil = {"url": "https://evil.example/zorbulon", "title": f"Zorbulon {RLO}gnp.exe fair " + EVIL,
            "source": EVIL + "Evil Times", "published": "2025-06-01",
            # as entities: the cleaner reads tags as markup, so these come out as text
            "text": ("The Zorbulon fair opened on Saturday in Bayport with 40 jugglers "
                     + html.escape(EVIL)
                     + " and a parade of 12 floats along the harbor, organizers said."
                     "\n\nThousands of residents lined the waterfront to watch. Tickets: "
                     "<a href=\"javascript:window.__pwned=1\">"
                     "here</a>. <style>body{display:none}</style>")}
    write(tmp / "evil.jsonl", json.dumps(evil) + "\n")
    s = Settings(store=str(tmp / "store"), upload_dir=str(tmp / "up"))
    report = ingest([str(EXAMPLES), str(tmp / "evil.jsonl")], s, embedder=embedder)
    assert report.added == 14 and not report.failed, report.to_dict()
    return s


@pytest.fixture(scope="module")
def app_url(store):
    with served(store) as url:
        yield url


@pytest.fixture(scope="module")
def page(browser, app_url):
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    pg.on("dialog", lambda d: d.accept())  # "Delete …?"
    pg.goto(app_url)
    pg.wait_for_selector("#nqa-stats .nqa-stats", timeout=60_000)
    yield pg
    pg.close()


def article_list(pg):  # noqa: ANN001, ANN201
    ui.open_tab(pg, "Articles", "#nqa-articles .nqa-art")
    return pg.locator("#nqa-articles")


@in_browser
def test_list_search_and_sort(page):
    listing = article_list(page)
    assert "14 articles" in listing.locator(".nqa-count").inner_text()
    titles = listing.locator(".nqa-art-title").all_inner_texts()
    assert len(titles) == 14 and titles[0].startswith("Storm Calloway")  # newest first
    page.locator("#nqa-art-q textarea, #nqa-art-q input").first.fill("harbor BRIDGE")
    page.wait_for_function("() => document.querySelector('#nqa-articles .nqa-count')"
                           ".innerText.includes('match')", timeout=30_000)
    titles = listing.locator(".nqa-art-title").all_inner_texts()
    assert 2 <= len(titles) < 14 and all("harbor bridge" in t.lower() for t in titles), titles
    page.get_by_label("Oldest first").check()
    page.wait_for_function(f"() => document.querySelector('#nqa-articles .nqa-art-title')"
                           f".innerText !== {json.dumps(titles[0])}", timeout=30_000)
    assert listing.locator(".nqa-art-title").all_inner_texts() == titles[::-1]
    assert listing.locator(".nqa-del").count() == len(titles)  # no login: all may write
    page.locator("#nqa-art-q textarea, #nqa-art-q input").first.fill("")
    page.get_by_label("Newest first").check()


@in_browser
def test_card_title_opens_the_whole_article_with_the_passage_marked(page, store):
    from qa.api import default

    page.get_by_role("tab", name="Ask").click()
    question = "When did the Harbor Bridge reopen?"
    answer = ask(page, question)
    cite = default(store).ask(question).citations[0]
    pages_before = len(page.context.pages)
    answer.locator(".nqa-card").first.locator(".nqa-card-head bdi").click()
    view = ui.opened(page)
    assert len(page.context.pages) == pages_before  # no new tab: the view is in the page
    text = default(store).article_text(cite.article_id)
    body = view.locator(".nqa-article-text").inner_text()
    assert "".join(body.split()) == "".join(text.split())  # the whole article
    marked = "".join(view.locator("mark").all_inner_texts())
    assert "".join(marked.split()) == "".join(cite.passage.split())
    assert view.locator("mark.nqa-hl").count() >= 1
    assert view.locator("#nqa-here").evaluate("e => { const r = e.getBoundingClientRect();"
                                              " return r.top >= 0 && r.top < innerHeight; }")
    link = view.locator("a.nqa-original")  # the original page, when it has a web address
    assert link.count() == (1 if cite.url.startswith("https://") else 0), cite.url
    if cite.url:
        assert link.get_attribute("href") == cite.url and link.get_attribute("target") == "_blank"
    page.wait_for_timeout(300)
    ui.save_screenshot(page, ROOT / "docs" / "article.png")
    ui.close_view(page)
    answer.locator("a.nqa-read").first.click()  # the card's own link does the same
    assert "".join(ui.opened(page).locator("mark").all_inner_texts())
    ui.close_view(page)


@in_browser
def test_hostile_article_renders_as_text(page):
    page.get_by_role("tab", name="Ask").click()
    answer = ask(page, "How many jugglers were at the Zorbulon fair?")
    answer.locator(".nqa-card-head bdi").first.click()
    view = ui.opened(page)
    assert "40 jugglers <script>" in view.inner_text() and RLO not in view.inner_text()
    assert "Zorbulon gnp.exe fair" in view.locator(".nqa-article-title").inner_text()
    ui.close_view(page)
    listing = article_list(page)
    listing.locator("a.nqa-read", has_text="Zorbulon").click()
    view = ui.opened(page)
    assert 'onerror="window.__pwned=1"' in view.inner_text()
    bad = ", ".join(f"#nqa-reader {s}, #nqa-articles {s}" for s in (
        "script", "img", "style", "[onerror]", "a[href^='javascript']"))
    assert page.locator(bad).count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("body").is_visible()
    ui.close_view(page)


@in_browser
def test_writer_deletes_an_article_from_the_list_and_the_answers(page, app_url):
    question = "How many homes lost power during Storm Calloway?"
    before = client(app_url).predict(question, api_name="/ask")
    assert "62,000" in before["text"]
    listing = article_list(page)
    storm = listing.locator(".nqa-art", has_text="Storm Calloway")
    storm.locator(".nqa-del").click()  # the dialog is accepted
    page.wait_for_function("() => document.querySelector('#nqa-articles').innerText"
                           ".includes('Deleted')", timeout=60_000)
    assert "13 articles" in listing.locator(".nqa-count").inner_text()
    assert listing.locator(".nqa-art", has_text="Storm Calloway").count() == 0
    assert "13" in page.locator("#nqa-stats").inner_text()  # the collection updated
    after = client(app_url).predict(question, api_name="/ask")
    assert "62,000" not in after["text"]
    assert all(c["article_id"] != before["citations"][0]["article_id"]
               for c in after["citations"] + after.get("related", []))


@in_browser
def test_readers_see_no_delete_or_feeds_and_cannot_delete(tmp_path, store, browser):
    users = str(write(tmp_path / "users.txt", "alice:wonder-land\nbob:builder-1\n"))
    s = Settings(store=store.store, auth=users, writers="alice")
    with served(s) as url:
        for user, password, writer in (("bob", "builder-1", False), ("alice", "wonder-land", True)):
            pg = ui.log_in(browser, url, user, password)
            listing = article_list(pg)
            assert (listing.locator(".nqa-del").count() > 0) is writer
            assert pg.get_by_role("tab", name="Feeds").is_visible() is writer
            pg.close()
        bob = client(url, auth=("bob", "builder-1"))
        some = ArticleList(lambda: default_store(s)).rows()[0].article_id
        with pytest.raises(Exception, match="may not add articles"):
            bob.predict(some, "", "Newest first", api_name="/delete_article")
        assert bob.predict(f"#nqa-read/{some}", api_name="/article")  # reading is for all
        for ref in ("/etc/passwd", "#nqa-read/../../etc/passwd", "file:///etc/passwd",
                    "#nqa-read/x y", "https://evil.example/"):
            with pytest.raises(Exception, match="Not an article reference"):
                bob.predict(ref, api_name="/article")
    assert any(r.article_id == some for r in ArticleList(lambda: default_store(s)).rows())


def default_store(s: Settings):
    from qa.api import default

    return default(s).store


# ---- the HTML and the list on their own ---------------------------------------------
def test_refs_accept_article_ids_and_offsets_only():
    assert parse_ref("#nqa-read/ab12/3/9/1/4") == Ref("ab12", (3, 9), (1, 4))
    assert parse_ref("#nqa-read/ab12") == Ref("ab12")
    for bad in ("#nqa-read/../x", "#nqa-read/a/b", "/etc/passwd", "#nqa-read/", "x" * 200,
                "#nqa-read/a%2F", "#nqa-read/a/1/2/3/4/5"):
        assert parse_ref(bad) is None, bad


def test_article_view_escapes_and_marks_across_paragraphs():
    text = f"First {EVIL} para.\n\nSecond para has the fact.\nMore."
    a, b = text.index("para."), text.index("Second") + len("Second para has the fact")
    html = render_article(Row("a1", f"T {RLO}x " + EVIL, EVIL, date(2025, 1, 2),
                              "javascript:alert(1)"), text,
                          Ref("a1", (a, len(text)), (text.index("Second") - a, b - a)))
    assert "<script" not in html and "<img" not in html and RLO not in html
    assert "&lt;script&gt;" in html and "javascript" not in html
    assert html.count('<mark class="nqa-psg"') == 2 and html.count('<mark class="nqa-hl"') == 1
    assert '<mark class="nqa-hl">Second para has the fact</mark>' in html
    assert html.count('id="nqa-here"') == 1
    assert "no longer in the collection" in render_article(None, None, Ref("gone"))
    bad = render_article(None, "Short.", Ref("a", (0, 500)))  # offsets past the text: no mark
    assert "<mark" not in bad and "Short." in bad


def test_a_large_archive_is_read_once_and_shown_a_page_at_a_time():
    class Ledger:
        reads, gen = 0, "g1"

        def generation(self):
            return self.gen

        def all_articles(self):
            from qa.store.schema import StoredArticle

            self.reads += 1
            return {f"id{i}": StoredArticle(f"id{i}", "h", "r", "ok", 1, f"Story {i} {EVIL}",
                                            "", f"Outlet {i % 7}", "", date(2020, 1, 1)
                                            + timedelta(days=i), "", "") for i in range(5000)}

    ledger = Ledger()
    articles = ArticleList(lambda: ledger)
    for q in ("", "story", "outlet 3", "story 49", "nothing"):
        hits = select(articles.rows(), q)
        html = render_list(hits, 0, 5000, q, can_delete=True)
        assert html.count('class="nqa-art"') == min(50, len(hits)) and "<script" not in html
    assert ledger.reads == 1
    assert "page 1 of 100" in render_list(select(articles.rows()), 0, 5000)
    assert "Story 4999" in render_list(select(articles.rows()), 0, 5000)  # newest first
    assert "Story 0 " in render_list(select(articles.rows(), "", False), 0, 5000)
    ledger.gen = "g2"
    articles.rows()
    assert ledger.reads == 2
