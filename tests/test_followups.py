"""Follow-up questions on the demo corpus through ``qa.ask(..., history=...)``, in the
history formats the page and the /ask API send: a follow-up that leans on the earlier turn
is rewritten (and the rewrite stays visible as ``Answer.query``); a question that names its
own subject is searched exactly as asked, with no words of the earlier topic glued on."""

from __future__ import annotations

from datetime import date

import pytest

from qa import ask
from web.render import render_answer

AS_OF = date(2026, 2, 1)
BRIDGE = "When did the Harbor Bridge reopen?"
VALDORA = "When was Irena Mavros sworn in as president?"


def _ask(settings, question: str, history=None):
    return ask(question, history=history, settings=settings, as_of=AS_OF)


@pytest.fixture
def bridge_turn(corpus_settings):
    first = _ask(corpus_settings, BRIDGE)
    assert not first.refused and "May 22" in first.text
    return [(BRIDGE, first.text)]


def test_and_why_was_it_delayed_answers_with_the_corrosion(corpus_settings, bridge_turn):
    ans = _ask(corpus_settings, "And why was it delayed?", bridge_turn)
    assert ans.query != ans.question and "Harbor Bridge" in ans.query
    assert not ans.refused, ans.text
    assert "corrosion" in ans.text, ans.text
    assert any("delay" in c.title.lower() or "corrosion" in c.passage for c in ans.citations)


def test_the_repairs_in_the_end_is_rewritten_and_answered(corpus_settings, bridge_turn):
    ans = _ask(corpus_settings, "How much did the repairs cost in the end?", bridge_turn)
    assert ans.query.startswith(ans.question) and "Harbor Bridge" in ans.query
    assert not ans.refused, ans.text
    assert "$53.2 million" in ans.text


def test_the_subject_carries_along_a_chain_of_follow_ups(corpus_settings, bridge_turn):
    delayed = _ask(corpus_settings, "And why was it delayed?", bridge_turn)
    history = [*bridge_turn, ("And why was it delayed?", delayed.text)]
    ans = _ask(corpus_settings, "How much did the repairs cost in the end?", history)
    assert "Harbor Bridge" in ans.query and "$53.2 million" in ans.text


def test_a_new_standalone_question_is_not_glued_to_the_earlier_topic(corpus_settings):
    first = _ask(corpus_settings, VALDORA)
    assert not first.refused
    question = "What is the population of Bayport?"
    ans = _ask(corpus_settings, question, [(VALDORA, first.text)])
    assert ans.query == question  # not "... (sworn)", not "... (Irena Mavros)"
    assert ans.refused


@pytest.mark.parametrize("history", [
    [{"role": "user", "content": BRIDGE}, {"role": "assistant", "content": "May 22 [1]."}],
    [{"role": "user", "content": [{"type": "text", "text": BRIDGE}]},
     {"role": "assistant", "content": "It reopened on May 22 [1]."}],
    [[BRIDGE, "It reopened on May 22 [1]."]],  # the /ask API's JSON pairs
])
def test_page_and_api_history_formats(corpus_settings, history):
    ans = _ask(corpus_settings, "How much did it cost?", history)
    assert "Harbor Bridge" in ans.query
    assert "$53.2 million" in ans.text


def test_the_page_shows_what_was_searched(corpus_settings, bridge_turn):
    ans = _ask(corpus_settings, "And why was it delayed?", bridge_turn)
    html = render_answer(ans, "f1")
    assert "Searched for: “Why was it delayed? (Harbor Bridge" in html
