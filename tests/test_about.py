"""Questions about the articles themselves — who wrote it, which outlet reported it, when it
was published — answered from the stored byline, source and date, and cited. Pure tests of
``qa.answer.about`` plus the demo corpus through ``qa.ask`` (both store modes)."""

from __future__ import annotations

from datetime import date

import pytest

from qa import ask
from qa.answer.about import about_article, kind, pick
from qa.types import Citation

AS_OF = date(2026, 2, 1)


def cite(n: int, title: str, passage: str, **kw) -> Citation:
    base = dict(number=n, article_id=f"a{n}", title=title, url="", source="Coastal Wire",
                author="Sam Okonjo", published=date(2025, 9, 19), passage=passage, start=0,
                end=len(passage), score=1.0 / n)
    base.update(kw)
    return Citation(**base)


STRIKE = cite(1, "Port strike ends with a deal", "Dockworkers return to work on Saturday.")
STORM = cite(2, "Storm Calloway buries Bayport", "Snow fell all day.", author="",
             source="", published=None)


@pytest.mark.parametrize("question, expected", [
    ("Who wrote the story about the plastic-eating bacterium?", "author"),
    ("Who is the author of the article on the port strike?", "author"),
    ("Whose byline is on the storm report?", "author"),
    ("Which outlet reported the Harbor Bridge reopening?", "source"),
    ("What newspaper published the story about the strike?", "source"),
    ("When was the article about Storm Calloway published?", "published"),
    ("What is the publication date of the strike story?", "published"),
    ("Who wrote the new water-rate rules?", None),
    ("When was the Harbor Bridge reopened?", None),
    ("Who reported the corrosion?", None),
    ("Who wrote it?", "author"),
    ("Which source said the strike would end?", None),
    ("What site will the new terminal be built on?", None),
    ("What paper did the researchers publish in?", None),
    ("Which publication covered Storm Calloway?", "source"),
])
def test_kind(question, expected):
    assert kind(question) == expected


def test_pick_takes_the_article_that_covers_the_subject_or_none():
    assert pick("Who wrote about Storm Calloway?", [STRIKE, STORM]) is STORM
    assert pick("Who wrote the story about the Mars landing?", [STRIKE, STORM]) is None


def test_answer_from_the_byline_cites_the_article():
    a = about_article("Who wrote the story about the port strike?",
                      "Who wrote the story about the port strike?", [STORM, STRIKE])
    assert a is not None and not a.refused and a.mode == "metadata"
    assert a.text.startswith("Sam Okonjo wrote “Port strike ends with a deal”") and "[1]" in a.text
    assert a.citations[0].article_id == STRIKE.article_id and a.citations[0].number == 1
    assert [a.text[s:e] for s, e in a.spans] == ["Sam Okonjo"]


@pytest.mark.parametrize("question, says", [
    ("Who wrote the story about Storm Calloway?", "does not name its author"),
    ("Which outlet reported Storm Calloway?", "does not name the outlet"),
    ("When was the article about Storm Calloway published?", "has no publication date"),
])
def test_an_empty_field_is_said_plainly(question, says):
    a = about_article(question, question, [STRIKE, STORM])
    assert a is not None and says in a.text and "[1]" in a.text and a.spans == ()
    assert a.citations[0].article_id == STORM.article_id


def test_not_a_question_about_an_article():
    assert about_article("When did the strike end?", "When did the strike end?", [STRIKE]) \
        is None


# ---- the demo corpus ----------------------------------------------------------------------
@pytest.mark.parametrize("question, answer, title", [
    ("Who wrote the story about the plastic-eating bacterium?", "Dr. Hannah Cole",
     "bacterium"),
    ("Which outlet reported the Harbor Bridge reopening?", "Northshore Daily",
     "Harbor Bridge reopens"),
    ("When was the article about Storm Calloway published?", "January 15, 2026",
     "Storm Calloway"),
])
def test_questions_about_the_demo_articles(corpus_settings, question, answer, title):
    ans = ask(question, settings=corpus_settings, as_of=AS_OF)
    assert not ans.refused, ans.text
    assert answer in ans.text and "[1]" in ans.text
    assert len(ans.citations) == 1 and title in ans.citations[0].title
    c = ans.citations[0]
    assert answer in (c.author, c.source, f"{c.published:%B} {c.published.day}, "
                                            f"{c.published.year}")
    assert [ans.text[s:e] for s, e in ans.spans] == [answer]
    assert ans.to_dict()["spans"] == [list(s) for s in ans.spans]


def test_a_follow_up_about_the_article(corpus_settings):
    first = "When did the Harbor Bridge reopen?"
    ans = ask("Who wrote it?", history=[(first, "May 22 [1].")], settings=corpus_settings,
              as_of=AS_OF)
    assert not ans.refused and "Lena Fischer and Tom Adeyemi" in ans.text


def test_a_story_that_is_not_stored_is_refused(corpus_settings):
    ans = ask("Who wrote the story about the Mars landing?", settings=corpus_settings,
              as_of=AS_OF)
    assert ans.refused
