"""Citation checking: markers that name no passage, invented facts, renumbering."""

from __future__ import annotations

from qa.answer.citations import check_answer, parse_markers
from qa.types import Citation

SNOW = ("Storm Calloway dropped 38 centimeters of snow on Bayport on Wednesday, January 14, "
        "the heaviest single-day snowfall in the city in 19 years.")
POWER = "About 62,000 homes and businesses were without power at the height of the storm."
COST = "The final cost of the repairs came to $53.2 million, $4.6 million over the contract."


def _c(n: int, text: str) -> Citation:
    return Citation(n, f"a{n}", f"T{n}", "", "S", "", None, text, 0, len(text), 1.0)


PASSAGES = [_c(1, SNOW), _c(2, POWER), _c(3, COST)]


def test_supported_sentences_keep_their_citations_renumbered():
    out = check_answer("About 62,000 homes lost power [2]. The storm dropped 38 centimeters "
                       "of snow [1].", PASSAGES)
    assert out.dropped == ()
    assert out.text == ("About 62,000 homes lost power [1]. The storm dropped 38 centimeters "
                        "of snow [2].")
    assert [c.article_id for c in out.citations] == ["a2", "a1"]
    assert [c.number for c in out.citations] == [1, 2]


def test_invented_numbers_dates_and_names_are_dropped():
    out = check_answer(
        "Storm Calloway dropped 38 centimeters of snow on Bayport [1]. "
        "It dropped 45 centimeters of snow on Bayport on January 14 [1]. "
        "Storm Calloway dropped snow on Bayport on March 3 [1]. "
        "Mayor Henrietta Vance said Storm Calloway dropped snow on Bayport [1].", PASSAGES)
    assert out.text == "Storm Calloway dropped 38 centimeters of snow on Bayport [1]."
    assert len(out.dropped) == 3


def test_a_number_with_another_unit_is_not_support():
    # SmolLM2 wrote this one: "38" occurs in the passage, "38%" does not
    out = check_answer("Storm Calloway dropped 38 centimeters of snow on Bayport, which is 38% "
                       "of the city's total snowfall [1].", PASSAGES)
    assert out.citations == () and len(out.dropped) == 1
    money = check_answer("The repairs cost $53.2 billion [3].", PASSAGES)
    assert money.citations == ()
    ok = check_answer("The repairs cost $53.2 million [3].", PASSAGES)
    assert ok.citations and ok.dropped == ()


def test_markers_naming_no_passage_are_removed_or_reattributed():
    out = check_answer("About 62,000 homes and businesses were without power [7]. "
                       "Nothing supports this claim about dragons [4].", PASSAGES)
    assert out.text == "About 62,000 homes and businesses were without power [1]."
    assert out.citations[0].article_id == "a2"
    assert out.dropped == ("Nothing supports this claim about dragons.",)


def test_parse_markers_handles_lists_and_trailing_markers():
    assert parse_markers("One fact [1, 2]. Another fact.[3]") == [
        ("One fact.", [1, 2]), ("Another fact.", [3])]
