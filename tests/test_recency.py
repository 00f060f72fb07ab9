"""The default preference for newer articles: a question that names no dates is about the
moment it is asked, so between two articles that answer it about equally well, the one
nearer ``as_of`` comes first. Time words and explicit dates turn the preference off, and
``prefer_recent=0`` turns it off everywhere. Real embedded store, real embedder."""

from __future__ import annotations

from datetime import date

import pytest

from ingest import ingest
from qa import ask, retrieve
from qa.settings import Settings

# Two seasons of the same (invented) award. The older story says "Harbor Cup" more often,
# so on text alone it is the better match for "Who won the Harbor Cup?".
OLD = """Ortiz wins the Harbor Cup for the Bayport Gulls

Saturday, 14 September 2019

Lena Ortiz of the Bayport Gulls won the Harbor Cup on Saturday, the league's award for its
most valuable rower. The Harbor Cup is voted by the league's coaches. Ortiz is the first
Gulls rower to win the Harbor Cup, and she said winning the Harbor Cup was a dream.
"""
NEW = """Herons end a record season with another prize

Saturday, 17 May 2025

The Eastport Herons lost only one race all season, and on Saturday their stroke, Tomas
Mbeki, won the Harbor Cup as the league's most valuable rower. Coaches voted him the
winner by a wide margin.
"""
AS_OF = date(2025, 5, 20)


@pytest.fixture(scope="module")
def cup_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    tmp = tmp_path_factory.mktemp("recency")
    for name, text in (("2019-cup.txt", OLD), ("2025-cup.txt", NEW)):
        (tmp / name).write_text(text, encoding="utf-8")
    settings = Settings(store=str(tmp / "store"))
    rep = ingest([str(tmp)], settings)
    assert rep.added == 2, rep.summary()
    return settings


def _first_title(settings: Settings, question: str, **kw) -> str:
    return retrieve(question, k=2, as_of=AS_OF, settings=settings, **kw)[0].title


def test_without_dates_the_newer_article_comes_first(cup_settings: Settings) -> None:
    assert _first_title(cup_settings, "Who won the Harbor Cup?").startswith("Herons")
    ans = ask("Who won the Harbor Cup?", as_of=AS_OF, settings=cup_settings)
    assert not ans.refused and "Mbeki" in ans.text


def test_the_preference_can_be_turned_off(cup_settings: Settings) -> None:
    off = cup_settings.with_(prefer_recent=0.0)
    assert _first_title(off, "Who won the Harbor Cup?").startswith("Ortiz")


def test_dates_in_the_question_or_filters_replace_the_preference(cup_settings: Settings) -> None:
    assert _first_title(cup_settings, "Who won the Harbor Cup in 2019?").startswith("Ortiz")
    assert _first_title(cup_settings, "Who won the Harbor Cup?",
                        until=date(2019, 12, 31)).startswith("Ortiz")


def test_settings_read_prefer_recent_from_the_environment() -> None:
    assert Settings.from_env({}).prefer_recent == 30.0
    assert Settings.from_env({"NEWSQA_PREFER_RECENT": "0"}).prefer_recent == 0.0
