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
