"""Chunking: offsets slice back exactly, token limits hold, sentences are not cut."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunk import chunk_text
from qa.text.sentences import sentence_spans
from qa.text.tokens import count

ARTICLE = (
    "The Harbor Bridge will close on Monday for repairs. Engineers found cracks in two "
    "steel beams during an inspection in January.\n\nMayor Lena Ortiz said the work would "
    "take 14 months and cost $38.5 million. \"We cannot wait,\" she said. " * 12
)


def test_offsets_slice_back_to_the_chunk_text() -> None:
    chunks = chunk_text(ARTICLE, 60, 15)
    assert len(chunks) > 3
    for c in chunks:
        assert ARTICLE[c.start : c.end] == c.text
        assert count(c.text) <= 60


def test_chunks_end_on_sentence_boundaries() -> None:
    ends = {b for _, b in sentence_spans(ARTICLE)}
    for c in chunk_text(ARTICLE, 60, 15):
        assert c.end in ends


def test_overlap_repeats_trailing_sentences() -> None:
    chunks = chunk_text(ARTICLE, 60, 20)
    assert any(b.start < a.end for a, b in zip(chunks, chunks[1:], strict=False))


def test_a_sentence_longer_than_the_limit_is_cut_not_lost() -> None:
    text = "word " * 500 + "end."
    chunks = chunk_text(text, 50, 10)
    assert all(count(c.text) <= 50 for c in chunks)
    covered = "".join(c.text for c in chunks).replace(" ", "")
    assert covered == text.replace(" ", "")


_text = st.lists(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)
    | st.sampled_from(["Dr. Who went home.", "U.S. officials said so!", "\n\n", "Why? ",
                       "“Quoted.” ", "3.5 million", "e.g. this"]),
    max_size=40,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(_text, st.integers(min_value=8, max_value=80), st.integers(min_value=0, max_value=40))
def test_property_offsets_limits_and_coverage(text: str, max_tokens: int, overlap: int) -> None:
    chunks = chunk_text(text, max_tokens, overlap)
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert count(c.text) <= max_tokens
    # every sentence of the article lands (whole or in pieces) in some chunk
    for a, b in sentence_spans(text):
        assert any(c.start <= a < c.end for c in chunks)
        assert any(c.start < b <= c.end for c in chunks)
