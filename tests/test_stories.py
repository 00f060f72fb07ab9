"""Stories as news (issue #13 items 2-5): story threads kept with the articles, timelines,
revised figures ("what changed"), coverage questions and the digest of what is new —
through ``QA.ask``/``qa.ask`` on the demo corpus and on a five-article story written for
these tests (tests/support/stories.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingest import delete, ingest
from qa import QA, Filters
from qa.news.intent import read
from qa.settings import Settings
from qa.store import Store
from tests.support.stories import BAKERY, DAM, QUESTIONS, write_jsonl


def _stories(settings: Settings) -> list[list[str]]:
    """Each story's article titles, oldest first (the store's own threads)."""
    store = Store.open(settings, None)
    try:
        arts = store.all_articles()
        return sorted([[arts[a].title for a in members]
                       for members in store.stories().stories().values()])
    finally:
        store.close()


def _check_items(ans) -> None:
    """Every dated line is cited, its citation's passage holds the line's sentence, and
    the lines run oldest first."""
    assert not ans.refused and ans.items
    numbers = {c.number for c in ans.citations}
    for item in ans.items:
        assert item.citation in numbers
        cite = ans.citations[item.citation - 1]
        assert item.text in cite.passage
        assert cite.published == item.published
        a, b = cite.highlight
        assert cite.passage[a:b] == item.text
    days = [i.published for i in ans.items]
    assert days == sorted(days)


@pytest.fixture
def dam(settings: Settings, embedder, tmp_path: Path) -> Settings:
    ingest(write_jsonl(tmp_path / "in" / "dam.jsonl", [*DAM, BAKERY]), settings,
           embedder=embedder)
    return settings


def test_a_developing_story_is_one_thread_and_another_town_story_is_not(dam: Settings):
    threads = _stories(dam)
    assert [t for t, *_ in DAM] and [d[3] for d in DAM] in threads
    assert [BAKERY[3]] in threads


def test_timeline_of_the_five_article_story_with_its_revised_toll(dam: Settings, embedder):
    with QA(dam, embedder=embedder) as newsqa:
        ans = newsqa.ask(QUESTIONS["timeline"])
    assert ans.kind == "timeline" and ans.mode == "story"
    _check_items(ans)
    lines = [i for i in ans.items if not i.figure]
    assert [str(i.published) for i in lines[:5]] == [d[0] for d in DAM]
    assert ans.text.startswith("How the story unfolded (5 articles, March 2, 2026 to "
                               "March 7, 2026, oldest first):")
    assert ("death toll: four on March 2, 2026 [1], revised on March 3, 2026 to nine [2], "
            "revised on March 4, 2026 to 12 [3], revised on March 5, 2026 to 11 [4].") \
        in ans.text
    # the 11 repeated on March 7 is not a revision
    assert "March 7, 2026 to 11" not in ans.text
    assert ans.to_dict()["kind"] == "timeline"
    assert ans.to_dict()["items"][0]["published"] == "2026-03-02"


def test_was_the_figure_revised(dam: Settings, embedder):
    with QA(dam, embedder=embedder) as newsqa:
        ans = newsqa.ask(QUESTIONS["changes"])
    assert ans.kind == "changes"
    _check_items(ans)
    assert ans.text.startswith("Revised figures:\n- death toll: four on March 2, 2026")
    revised = [i for i in ans.items if i.revised]
    assert {i.figure for i in revised} == {"death toll"}
    assert [str(i.published) for i in revised][:3] == ["2026-03-03", "2026-03-04",
                                                       "2026-03-05"]


def test_which_outlets_and_how_many_articles(dam: Settings, embedder):
    with QA(dam, embedder=embedder) as newsqa:
        outlets = newsqa.ask(QUESTIONS["outlets"])
        count = newsqa.ask(QUESTIONS["count"])
        window = newsqa.ask("How many articles about the Ashcombe Dam collapse since "
                            "March 5, 2026?", filters=Filters(as_of=date(2026, 3, 31)))
    assert outlets.kind == "coverage"
    assert outlets.text.startswith("2 outlets covered this story in 5 articles:")
    assert "- Carrow Gazette (4 articles: March 2, 2026, March 3, 2026, March 5, 2026, " \
        "March 7, 2026)" in outlets.text
    assert "- Tarrant Valley News (March 4, 2026)" in outlets.text
    assert count.kind == "coverage" and count.text.startswith("5 articles about this story")
    _check_items(count)
    assert window.text.startswith("2 articles about this story from March 5, 2026 to "
                                  "March 31, 2026:")
    assert [str(i.published) for i in window.items] == ["2026-03-05", "2026-03-07"]


def test_threads_follow_deletes_and_new_articles(dam: Settings, embedder, tmp_path: Path):
    delete([DAM[2][2]], dam, embedder=embedder)
    assert [d[3] for d in DAM if d is not DAM[2]] in _stories(dam)
    later = ("2026-03-09", "Tarrant Valley News", "https://tvnews.example/ashcombe-funerals",
             "Millbrook buries Ashcombe Dam victims",
             "Hundreds of people gathered in Millbrook on Monday for the funerals of five "
             "of the 11 people killed when the Ashcombe Dam gave way, as Sheriff Owen Pryce "
             "and Carrow County officials paid their respects.")
    ingest(write_jsonl(tmp_path / "in" / "later.jsonl", [later]), dam, embedder=embedder)
    threads = _stories(dam)
    assert [d[3] for d in DAM if d is not DAM[2]] + [later[3]] in threads


def test_demo_corpus_stories(corpus_settings: Settings, embedder):
    threads = _stories(corpus_settings)
    assert ["Harbor Bridge to close for ten weeks of cable repairs",
            "Harbor Bridge repairs run late after crews find hidden corrosion",
            "Harbor Bridge reopens to traffic after 14-week closure"] in threads
    assert ["Dockworkers walk out at Port of Bayport over crane automation",
            "Port of Bayport strike ends with tentative five-year deal"] in threads
    assert ["Mavros wins Valdora presidency in first-round landslide",
            "Irena Mavros sworn in as Valdora's first woman president"] in threads
    with QA(corpus_settings, embedder=embedder) as newsqa:
        bridge = newsqa.ask("How did the Harbor Bridge closure unfold?")
        strike = newsqa.ask("Timeline of the port strike")
        outlets = newsqa.ask("Which outlets covered the Harbor Bridge closure?")
        fact = newsqa.ask("When did the Harbor Bridge reopen?")
    _check_items(bridge)
    assert [str(i.published) for i in bridge.items if not i.figure][:3] == [
        "2025-02-10", "2025-04-14", "2025-05-23"]
    assert "- reopening: late April on February 10, 2025" in bridge.text
    assert "revised on April 14, 2025 to the second half of May" in bridge.text
    assert "revised on May 23, 2025 to May 22" in bridge.text
    _check_items(strike)
    assert "- pay rise: 3 percent on September 3, 2025" in strike.text
    assert "revised on September 19, 2025 to 4.5 percent" in strike.text
    assert outlets.text.startswith("2 outlets covered this story in 3 articles:")
    assert fact.kind == "answer" and not fact.items
    first, note = fact.text.split(" Earlier reports of the reopening: ")
    assert "May 22" in first  # the newest statement leads; the revisions follow, cited
    assert note == "late April on February 10, 2025 [2]; the second half of May on " \
                   "April 14, 2025 [3]."
    assert [str(c.published) for c in fact.citations[1:]] == ["2025-02-10", "2025-04-14"]
    assert "late April" in _highlighted(fact.citations[1])


def _highlighted(c) -> str:
    a, b = c.highlight
    return c.passage[a:b]


def test_a_fact_answer_says_what_earlier_articles_reported(dam: Settings, embedder):
    with QA(dam, embedder=embedder) as newsqa:
        now = newsqa.ask("What is the death toll of the Ashcombe Dam collapse?")
        then = newsqa.ask("What is the death toll of the Ashcombe Dam collapse?",
                          filters=Filters(as_of=date(2026, 3, 3)))
    assert now.text.endswith("Earlier reports of the death toll: four on March 2, 2026 [2]; "
                             "nine on March 3, 2026 [3]; 12 on March 4, 2026 [4].")
    assert "11" in now.text.split(" Earlier reports")[0]
    assert then.text.endswith("Earlier reports of the death toll: four on March 2, 2026 [2].")
    assert all(c.published <= date(2026, 3, 3) for c in then.citations)


def test_the_newest_version_of_an_asked_figure_leads(dam: Settings, corpus_settings: Settings,
                                                     embedder):
    with QA(dam, embedder=embedder) as newsqa:
        died = newsqa.ask("How many people died in the Ashcombe Dam collapse?")
    assert died.text.startswith("Carrow County officials revised the death toll from the "
                                "Ashcombe Dam collapse down to 11 on Thursday")
    assert "reached 12" not in died.text  # the older versions are only in the note
    assert died.text.endswith("four on March 2, 2026 [2]; nine on March 3, 2026 [3]; 12 on "
                              "March 4, 2026 [4].")
    assert [c.number for c in died.citations] == [1, 2, 3, 4]
    with QA(corpus_settings, embedder=embedder) as newsqa:
        april = newsqa.ask("When will the Harbor Bridge reopen?",
                           filters=Filters(as_of=date(2025, 4, 20)))
    assert april.text.startswith("The department now expects the bridge to reopen in the "
                                 "second half of May [1].")
    assert april.text.endswith("Earlier reports of the reopening: late April on February "
                               "10, 2025 [3].")
    assert "May 22" not in april.text and april.citations[0].published == date(2025, 4, 14)


def test_since_a_date_and_what_is_new(corpus_settings: Settings, embedder):
    with QA(corpus_settings, embedder=embedder) as newsqa:
        since = newsqa.ask("What happened with the port strike since September 10, 2025?")
        new = newsqa.ask("What's new since September 15, 2025?",
                         filters=Filters(as_of=date(2025, 9, 30)))
        nothing = newsqa.ask("What's new?", filters=Filters(as_of=date(2024, 1, 31)))
    assert since.kind == "timeline"
    assert since.text.startswith("What happened since September 10, 2025 (1 article):")
    assert [i.published for i in since.items] == [date(2025, 9, 19)]
    assert new.kind == "digest"
    assert new.text.startswith("1 new article in 1 story from September 15, 2025 to "
                               "September 30, 2025, newest first:")
    assert "Port of Bayport strike ends with tentative five-year deal" in new.text
    assert nothing.kind == "digest" and not nothing.citations
    assert nothing.text == "There are no dated articles in the archive yet."


def test_a_story_not_in_the_archive_is_refused(corpus_settings: Settings, embedder):
    with QA(corpus_settings, embedder=embedder) as newsqa:
        ans = newsqa.ask("How did the Zorblax copper mine strike unfold?")
    assert ans.refused and not ans.items


@pytest.mark.parametrize(("question", "kind"), [
    ("How did the Harbor Bridge closure unfold?", "timeline"),
    ("Timeline of the port strike", "timeline"),
    ("What has happened to the port strike?", "timeline"),
    ("What changed in the Harbor Bridge story?", "changes"),
    ("Was the death toll of the dam collapse revised?", "changes"),
    ("What's new with the port strike?", "changes"),
    ("Which outlets covered the port strike?", "coverage"),
    ("How many articles about the Harbor Bridge this week?", "coverage"),
    ("What's new?", "digest"),
    ("latest news", "digest"),
    ("When did the Harbor Bridge reopen?", None),
    ("Which outlet reported the story about the bridge?", None),  # one article's metadata
    ("What happened to the Mariners in the final?", None),
    ("What changed?", None),
    ("Which sources reported the dam collapse?", "coverage"),
    ("What sources of funding does the desalination plant have?", None),
    ("What papers did the Bayport researchers publish?", None),
])
def test_which_questions_are_story_questions(question: str, kind: str | None):
    got = read(question)
    assert (got.kind if got else None) == kind


def test_the_command_line_keeps_a_timeline_one_line_per_event(corpus_settings: Settings,
                                                                embedder):
    from qa.cli import render

    with QA(corpus_settings, embedder=embedder) as newsqa:
        ans = newsqa.ask("How did the Harbor Bridge closure unfold?")
    text = render(ans, width=80).split("\n\n[1]")[0]
    lines = text.split("\n")
    assert lines[0].startswith("How the story unfolded (3 articles")
    dated = [line for line in lines if line.startswith("- ")]
    assert [line[2:20] for line in dated[:3]] == ["February 10, 2025 ", "April 14, 2025 (Th",
                                                  "May 23, 2025 (Nort"]
    assert all(len(line) <= 80 for line in lines)
    # an event's wrapped text continues indented under it, up to the next event
    at = lines.index(dated[0])
    block = " ".join(line.strip() for line in lines[at:lines.index(dated[1])])
    assert lines[at + 1].startswith("  ") and ans.items[0].text in block


def test_outlets_count_every_copy_of_a_wire_story(settings: Settings, embedder,
                                                  tmp_path: Path):
    from tests.support.syndication import OUTLETS, RELATED, jsonl

    rows = [*OUTLETS, ("Bay Opinion", "https://bayopinion.example/desal-op-ed", *RELATED)]
    ingest(jsonl(tmp_path / "wire.jsonl", rows), settings, embedder=embedder)
    with QA(settings, embedder=embedder) as newsqa:
        ans = newsqa.ask("Which outlets covered the Merrow Bay desalination plant?")
    assert ans.kind == "coverage"
    for outlet in ("The Coastal Courier", "Valley Post", "Northfield Herald"):
        assert f"- {outlet} (May 13, 2025)" in ans.text
    # the copies are stored once: the two other outlets' lines cite the canonical copy
    courier = [c for c in ans.citations if c.source == "The Coastal Courier"]
    assert courier and {"Valley Post", "Northfield Herald"} <= {
        c.source for c in courier[0].also_in}


def test_what_changed_since_a_date_stays_in_the_story(corpus_settings: Settings, embedder):
    with QA(corpus_settings, embedder=embedder) as newsqa:
        # "port" alone (Valdora's "port city of Sarenza") does not make another story the
        # port strike's; nothing of the strike came after October 1
        quiet = newsqa.ask("What changed in the port strike since October 1, 2025?")
        may = newsqa.ask("What changed in the Harbor Bridge story since May 1, 2025?")
    assert quiet.kind == "changes"
    assert quiet.text == ("Nothing in this story was reported since October 1, 2025; its "
                          "latest article is from September 19, 2025 [1].")
    assert [c.source for c in quiet.citations] == ["Coastal Wire"]
    assert "Reported since May 1, 2025:\n- May 23, 2025 (Northshore Daily)" in may.text
    assert "April 14, 2025 (The Bayport Ledger):" not in may.text
