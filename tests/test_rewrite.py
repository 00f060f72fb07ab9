"""Follow-up rewriting without an LLM: the standalone query must carry what the earlier
question was about (found by the concurrency benchmark: sentence-initial words were taken
for names, so "When did that happen? (Which)" was searched)."""

from __future__ import annotations

import pytest

from qa.answer.rewrite import standalone
from qa.text.terms import terms

EARLIER = [
    ("A bipartisan group of senators announced an agreement on gun safety legislation this "
     "week. Which measure did lawmakers leave out?", {"gun", "safety", "senators"}),
    ("The governing body of which sport has introduced new rules for elite women's "
     "categories?", {"sport", "rules", "women"}),
    ("After more than 60 years, which popular beverage is getting a new bottle design?",
     {"beverage", "bottle"}),
    ("Which is the world's best airline, according to a new analysis from "
     "AirlineRankings.com?", {"airlinerankings.com"}),
    ("What did Mayor Ada Okafor say about the Harbor Bridge?", {"okafor", "harbor"}),
]


@pytest.mark.parametrize("earlier,about", EARLIER)
@pytest.mark.parametrize("follow_up", ["When did that happen?", "Who was involved in it?"])
def test_follow_up_carries_the_earlier_subject(earlier, about, follow_up):
    query = standalone(follow_up, [(earlier, "an answer")])
    assert query.startswith(follow_up)
    got = set(terms(query))
    assert about & got, query
    added = {w.strip("()").lower() for w in query.split()[len(follow_up.split()):]}
    assert not {"which", "the", "after", "this", "for"} & added, query


def test_a_standalone_question_is_left_alone():
    q = "Who won the Bayport regatta?"
    assert standalone(q, [("What did the mayor say about the bridge?", "x")]) == q


BRIDGE = "When did the Harbor Bridge reopen?"


@pytest.mark.parametrize("question", [
    "And why was it delayed?", "How much did the repairs cost in the end?",
    "How much did it cost?", "When did that happen?", "What did they decide instead?",
    "Were there delays too?", "Who won the election?", "How long did the closure last?",
    "What about the ferries?", "Why is this important?",
])
def test_questions_that_lean_on_context(question):
    from qa.answer.rewrite import needs_context

    assert needs_context(question, BRIDGE)


@pytest.mark.parametrize("question", [
    "What is the population of Bayport?", "How many homes lost power during Storm Calloway?",
    "What is the boiling point of mercury?", "Is there a ferry to Eastshore?",
    "What pay rise did the deal that ended the port strike include?",
    "Who said that the Port of Bayport would reopen?", "What happened in Valdora this week?",
])
def test_questions_that_name_their_own_subject_stand_alone(question):
    from qa.answer.rewrite import needs_context

    assert not needs_context(question, BRIDGE)
    assert standalone(question, [(BRIDGE, "It reopened on May 22 [1].")]) == question


def test_no_words_of_an_earlier_topic_are_glued_onto_a_standalone_question():
    q = "What is the population of Bayport?"
    history = [("When was Irena Mavros sworn in as president?", "On November 20 [1].")]
    assert standalone(q, history) == q


def test_the_rewrite_drops_an_opening_and_and_adds_names_then_key_words():
    assert standalone("And why was it delayed?", [(BRIDGE, "x")]) == \
        "Why was it delayed? (Harbor Bridge reopen)"
    q = standalone("When was she sworn in?", [("Who won Valdora's presidential election?", "x")])
    assert q.startswith("When was she sworn in? (Valdora ") and "'s" not in q


def test_the_topic_carries_along_a_chain_and_names_keep_their_of():
    history = [(BRIDGE, "a"), ("And why was it delayed?", "b")]
    assert "Harbor Bridge" in standalone("How much did the repairs cost in the end?", history)
    port = [("How many dockworkers went on strike at the Port of Bayport?", "a")]
    assert "(Port of Bayport " in standalone("How did it end?", port)
    # a new subject starts a new topic: the bridge is not carried past it
    moved = [(BRIDGE, "a"), ("How many homes lost power during Storm Calloway?", "b")]
    q = standalone("When did it start?", moved)
    assert "Storm Calloway" in q and "Bridge" not in q


def test_history_formats():
    from qa.answer.rewrite import user_turns

    msgs = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "one?"},
            {"role": "assistant", "content": "a"},
            {"role": "user", "content": [{"type": "text", "text": "two?"}]},
            ["three?", "b"], ("four?", None), {"role": "user", "content": None}, 7]
    assert user_turns(msgs) == ["one?", "two?", "three?", "four?"]
    assert standalone("How much did it cost?", None) == "How much did it cost?"


def test_an_llm_rewrite_is_used_and_a_bad_one_falls_back():
    class LLM:
        def __init__(self, reply: str) -> None:
            self.reply, self.seen = reply, ""

        def chat(self, messages, max_tokens=60):
            self.seen = messages[-1]["content"]
            return self.reply

    good = LLM("How much did the Harbor Bridge repairs cost?")
    assert standalone("How much did it cost?", [(BRIDGE, "x")], good) == good.reply
    assert BRIDGE in good.seen
    bad = LLM("")
    assert standalone("How much did it cost?", [(BRIDGE, "x")], bad) == \
        "How much did it cost? (Harbor Bridge reopen)"
