"""The demo corpus as a reader meets it (examples/questions.md): every answerable question is
answered in the first sentence, the unanswerable ones are refused, and stories that moved on
are answered as of the date asked. Real store, real models, default settings."""

from __future__ import annotations

import re
from datetime import date

import pytest

from qa import ask
from qa.answer.citations import MARKER
from qa.text.sentences import sentence_spans

AS_OF = date(2026, 2, 1)
ANSWERED = [  # question, what its first sentence must hold (examples/questions.md)
    ("When did the Harbor Bridge reopen?", "May 22"),
    ("How much did the Harbor Bridge repairs cost in the end?", "53.2 million"),
    ("Why was the Harbor Bridge reopening delayed?", "corrosion"),
    ("How did the Bayport City Council vote on the Mercer Avenue bike lanes?", "6-3"),
    ("How many dockworkers went on strike at the Port of Bayport, and why?", "1,900"),
    ("What pay rise did the deal that ended the port strike include?", "4.5 percent"),
    ("Who won Valdora's presidential election, and with what share of the vote?", "Mavros"),
    ("When was Irena Mavros sworn in as president?", "November 20"),
    ("Who scored for the Bayport Mariners in the Coastal League final?", "Okafor"),
    ("What does the BX-7 bacterium do, and at what temperature?", "30 degrees"),
    ("How many homes lost power during Storm Calloway?", "62,000"),
    ("How many electric ferries did Northshore Ferries order, and from whom?", "Halvorsen"),
    ("By how much will Bayport water rates rise, and when?", "7 percent"),
]
NOT_ANSWERED = [
    "Who won the 2025 Coastal League championship?",
    "What is the population of Bayport?",
    pytest.param("How much did Irena Mavros's inauguration ceremony cost?", marks=pytest.mark.xfail(
        strict=True, reason="a known miss (bench/RESULTS.md): the inaugural address's '50,000 "
        "euros' sentence scores like an answer; strict, so it is noticed when fixed")),
]


def first_sentence(text: str) -> str:
    spans = sentence_spans(text)
    return MARKER.sub("", text[spans[0][0]:spans[0][1]]) if spans else ""


@pytest.mark.parametrize("question, fragment", ANSWERED, ids=[q for q, _ in ANSWERED])
def test_the_first_sentence_answers(corpus_settings, question, fragment):
    ans = ask(question, settings=corpus_settings, as_of=AS_OF)
    assert not ans.refused, ans.text
    assert fragment in first_sentence(ans.text), ans.text


@pytest.mark.parametrize("question", NOT_ANSWERED)
def test_what_the_articles_do_not_hold_is_refused(corpus_settings, question):
    ans = ask(question, settings=corpus_settings, as_of=AS_OF)
    assert ans.refused and not ans.citations, ans.text


def test_a_year_the_articles_do_not_cover_is_named_in_the_refusal(corpus_settings):
    ans = ask("Who won the 2025 Coastal League championship?", settings=corpus_settings,
              as_of=AS_OF)
    assert ans.refused and "2025" in ans.text and "2024" in ans.text
    held = ask("Who won the 2024 Coastal League championship?", settings=corpus_settings,
               as_of=AS_OF)
    assert not held.refused and "Mariners" in held.text


@pytest.mark.parametrize("as_of, newest, expected", [
    (date(2025, 3, 1), date(2025, 2, 10), "late April"),  # the closure, as announced
    # the delay: the new expected date leads (the revised figure), not "will not reopen in
    # late April as planned"
    (date(2025, 4, 20), date(2025, 4, 14), "reopen in the second half of May"),
])
def test_a_story_is_answered_as_of_the_date_asked(corpus_settings, as_of, newest, expected):
    ans = ask("When will the Harbor Bridge reopen?", settings=corpus_settings, as_of=as_of)
    assert not ans.refused and expected in first_sentence(ans.text), ans.text
    assert ans.citations[0].published == newest  # the newest statement as of then leads
    assert all(c.published and c.published <= as_of for c in ans.citations)


def test_a_revised_figure_leads_with_the_newest_and_dates_the_older(corpus_settings):
    ans = ask("How much do the Harbor Bridge repairs cost?", settings=corpus_settings,
              as_of=AS_OF)
    assert "53.2 million" in first_sentence(ans.text), ans.text
    lead = ans.citations[0].published
    for sentence, cited in zip(re.split(r"(?<=\])\.? ", ans.text), ans.citations, strict=False):
        if cited.published and cited.published < lead:
            assert sentence.startswith("Earlier ("), ans.text
