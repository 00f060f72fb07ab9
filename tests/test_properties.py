"""Property tests (hypothesis) for cleaning and citation checking.

Cleaning (``ingest.clean.clean``): for raw records of kind text, html and fields built from
arbitrary text it never raises and returns an ``Article`` (text stripped, long enough, a
16-hex id) or a ``Failure`` (a one-line reason); for a simple generated article with site
clutter mixed in, every body paragraph survives word for word, the clutter does not, and
the title is not repeated in the text. Citation checking (``qa.answer.citations.check_answer``):
for arbitrary answer text with random ``[n]`` markers, every citation returned is one of
the given passages, numbered 1..k in order of first mention in the returned text, every
marker in that text names a returned citation, and markers naming passages that were not
given never survive. Chunking properties live in ``tests/test_chunk.py``.
"""

from __future__ import annotations

import html
import re
import textwrap
from dataclasses import replace

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from ingest.clean import MIN_WORDS, clean
from ingest.records import Article, Failure, RawRecord
from qa.answer.citations import MARKER, check_answer, parse_markers
from qa.types import Citation

FAST = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

# ---- cleaning ------------------------------------------------------------------------------

# plain news words: none of them is page furniture, a name, a date or a clutter keyword
_WORDS = """council harbor bridge river market budget school hospital road port festival
museum library court mayor minister senator farmer teacher doctor engineer police storm
flood drought fire election vote tax price wage rent loan bank factory mine forest coast
island valley city town village district province border treaty summit trade grain coffee
steel copper oil gas grid solar wind water park stadium team season coach player match plan
law bill fund grant contract project repair delay strike protest deal talks panel agency
opened closed raised cut approved rejected announced delayed signed built moved sold bought
planned warned expects found showed began ended the a and of in to for with after before
during over under new old large small early late local national quiet busy rapid slow public
private annual monthly weekly first second third""".split()
_word = st.sampled_from(_WORDS)
_number = st.integers(min_value=100, max_value=99999).map(str)


@st.composite
def _sentence(draw: st.DrawFn) -> str:
    words = draw(st.lists(_word | _number, min_size=3, max_size=16))
    words.append(draw(_word))  # sentences end in a word, so a wrapped line never starts "12."
    s = " ".join(words)
    return s[0].upper() + s[1:] + draw(st.sampled_from(".!?"))


_paragraph = st.lists(_sentence(), min_size=1, max_size=4).map(" ".join)

_TAGS = ["<p>", "</p>", "<div>", "</div>", "<br>", "<h1>", "</h1>", "<article>", "</article>",
         "<script>", "</script>", "<style>", "<!--", "-->", "<title>", "</title>", "&amp;",
         "&#0;", "&#x110000;", "<a href='/x'>", "</a>", "<meta property='og:title' content='",
         "'>", "<![CDATA[", "]]>", "<html>", "<body>", "\x00", "\r\n", "\n\n", "By Ada Rivers",
         "© 2024 Gazette. All rights reserved.", "Advertisement", "June 3, 2024"]
_ANY_TEXT = st.text(max_size=300)
_MARKUP = st.lists(_ANY_TEXT | st.sampled_from(_TAGS), max_size=30).map("".join)
# long enough to become an article sometimes: generated paragraphs among tags and junk
_WORDY = st.lists(_paragraph | st.sampled_from(_TAGS) | _ANY_TEXT, max_size=12).map("\n\n".join)


@FAST
@given(kind=st.sampled_from(["text", "html", "fields"]), body=_ANY_TEXT | _MARKUP | _WORDY,
       title=st.text(max_size=60), author=st.text(max_size=40),
       published=st.text(max_size=30) | st.sampled_from(["2024-06-03", "3 June 2024", ""]),
       url=st.text(max_size=40) | st.just("https://news.example.org/a/b?utm_source=x"),
       extra=st.sampled_from([{}, {"fragment": True}, {"format": "markdown"},
                              {"format": "pdf"}, {"part": True}]))
def test_clean_never_raises_and_returns_an_article_or_a_failure(
        kind: str, body: str, title: str, author: str, published: str, url: str,
        extra: dict) -> None:
    raw = RawRecord(origin="gen:1", kind=kind, body=body, url=url, title=title,
                    author=author, published=published, extra=extra)
    got = clean(raw)
    assert isinstance(got, Article | Failure)
    if isinstance(got, Failure):
        assert got.origin == "gen:1"
        assert got.reason and "\n" not in got.reason
    else:
        assert got.text == got.text.strip() and got.text
        assert len(got.text.split()) >= MIN_WORDS
        assert re.fullmatch(r"[0-9a-f]{16}", got.id)
        assert got.title == got.title.strip() and "\n" not in got.title


# a simple article keeps every paragraph

CLUTTER = ["Advertisement", "Share this article", "Skip to main content",
           "Sign up for our newsletter to get the news in your inbox",
           "Tags: council, budget, harbor", "Read more: the week in review",
           "Photo: Ada Rivers / Example Gazette", "Follow us on Facebook"]
FOOTER = "© 2024 Example Gazette. All rights reserved."


@st.composite
def _article(draw: st.DrawFn) -> tuple[str, list[str], list[str]]:
    """(title, body paragraphs, body with clutter lines inserted as their own paragraphs)."""
    paras = draw(st.lists(_paragraph, min_size=2, max_size=8, unique=True))
    assume(sum(len(p.split()) for p in paras) >= MIN_WORDS + 5)
    title = "Headline " + " ".join(draw(st.lists(_word, min_size=2, max_size=8))).title()
    mixed = list(paras)
    for line in draw(st.lists(st.sampled_from(CLUTTER), max_size=4)):
        mixed.insert(draw(st.integers(0, len(mixed))), line)
    return title, paras, mixed


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.split("\n\n")]


def _check_kept(got: Article | Failure, title: str, paras: list[str]) -> None:
    assert isinstance(got, Article), got
    assert got.text == got.text.strip()
    kept = _paragraphs(got.text)
    for p in paras:
        assert p in kept, p
    for line in CLUTTER + [FOOTER, title]:
        assert line not in kept, line


@FAST
@given(_article(), st.booleans())
def test_plain_text_article_keeps_every_paragraph(article, wrap: bool) -> None:
    title, paras, mixed = article
    body = [textwrap.fill(p, 72) if wrap else p for p in mixed]  # hard-wrapped like email
    text = "\n\n".join([title, "By Ada Rivers", *body, FOOTER]) + "\n"
    got = clean(RawRecord(origin="gen.txt", kind="text", body=text))
    _check_kept(got, title, paras)
    assert isinstance(got, Article) and got.title == title and got.author == "Ada Rivers"


@FAST
@given(_article())
def test_fields_record_keeps_every_paragraph(article) -> None:
    title, paras, mixed = article
    raw = RawRecord(origin="gen.jsonl:1", kind="fields", body="\n\n".join(mixed + [FOOTER]),
                    url="https://news.example.org/2024/story", title=title,
                    author="Ada Rivers", published="2024-06-03", source="Example Gazette")
    _check_kept(clean(raw), title, paras)


@FAST
@given(_article())
def test_html_page_keeps_every_paragraph(article) -> None:
    title, paras, mixed = article
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in mixed)
    page = (f"<!doctype html><html><head><title>{html.escape(title)} | Example Gazette"
            "</title></head><body><nav><a href='/'>Home</a> | <a href='/news'>News</a> | "
            "<a href='/sport'>Sport</a></nav><main><article>"
            f"<h1>{html.escape(title)}</h1><p>By Ada Rivers</p>{body}</article></main>"
            f"<footer><p>{FOOTER}</p></footer></body></html>")
    got = clean(RawRecord(origin="gen.html", kind="html", body=page,
                          url="https://news.example.org/2024/story"))
    _check_kept(got, title, paras)


# ---- citation checking ----------------------------------------------------------------------

_FACTS = ["Storm Calloway dropped 38 centimeters of snow on Bayport on Wednesday.",
          "About 62,000 homes were without power at the height of the storm.",
          "The final cost of the repairs came to $53.2 million.",
          "Mayor Lena Ortiz opened the Harbor Bridge on March 3, 2025.",
          "The council approved the budget by a vote of 6 to 3."]


def _cite(n: int, text: str) -> Citation:
    return Citation(n, f"art{n}", f"Title {n}", f"https://x.example/{n}", "Gazette", "",
                    None, text, 10 * n, 10 * n + len(text), 1.0 / n, chunk_id=f"c{n}")


_passages = st.lists(st.sampled_from(_FACTS) | st.text(max_size=120), max_size=5).map(
    lambda texts: [_cite(i + 1, t) for i, t in enumerate(texts)])
_marker = st.lists(st.integers(0, 9), min_size=1, max_size=3).map(
    lambda ns: "[" + ", ".join(map(str, ns)) + "]")
# a claim: a passage's fact (so it is supported) or any text, markers, then punctuation
_claim = st.builds(
    lambda body, marks, end: body + "".join(marks) + end,
    st.sampled_from([f[:-1] for f in _FACTS]) | st.text(max_size=60),
    st.lists(_marker | st.sampled_from([" ", "[", "]", "[]", "[x]", "[1", "2]"]), max_size=3),
    st.sampled_from([". ", "! ", "? ", ".", "\n", " ", ""]))
_answer = st.lists(_claim | _marker | st.sampled_from(_FACTS), max_size=8).map("".join)


def _check_citations(text: str, passages: list[Citation]) -> None:
    out = check_answer(text, passages)
    by_chunk = {p.chunk_id: p for p in passages}
    for c in out.citations:  # each one is a given passage, unchanged but for its number
        given_p = by_chunk[c.chunk_id]
        assert replace(c, number=given_p.number, highlight=None) == given_p
        if c.highlight:
            a, b = c.highlight
            assert 0 <= a < b <= len(c.passage)
    assert len({c.chunk_id for c in out.citations}) == len(out.citations)
    assert [c.number for c in out.citations] == list(range(1, len(out.citations) + 1))
    mentioned = [int(n) for m in MARKER.finditer(out.text)
                 for n in re.split(r"[,;]\s*", m.group(1))]
    # every marker names a returned citation, first mentions in order 1, 2, ...
    assert list(dict.fromkeys(mentioned)) == [c.number for c in out.citations], out.text
    if not passages:
        assert out.citations == () and out.text == ""


@settings(max_examples=300, deadline=None)
@given(_answer, _passages)
def test_check_answer_cites_only_given_passages_numbered_by_first_mention(
        text: str, passages: list[Citation]) -> None:
    _check_citations(text, passages)


def test_a_marker_inside_brackets_leaves_no_stray_number() -> None:
    fact = _FACTS[0][:-1]
    _check_citations(f"{fact} [3[1]].", [_cite(1, _FACTS[0])])


def _marker_numbers(text: str) -> set[int]:
    """Every number a marker names, nested ones included: removing "[0]" from "[[0]2]"
    leaves the marker "[2]" (see test_a_marker_inside_brackets_leaves_no_stray_number)."""
    found: set[int] = set()
    while MARKER.search(text):
        found |= {int(n) for m in MARKER.finditer(text) for n in re.split(r"[,;]\s*", m.group(1))}
        text = MARKER.sub("", text)
    return found


@settings(max_examples=200, deadline=None)
@given(_answer)
@example("Storm Calloway dropped 38 centimeters of snow on Bayport on Wednesday[[0]2]. ")
def test_parse_markers_strips_every_marker_and_keeps_the_numbers(text: str) -> None:
    parsed = parse_markers(text)
    in_text = _marker_numbers(text)
    for sentence, numbers in parsed:
        assert sentence and sentence == sentence.strip()
        assert MARKER.search(sentence) is None, sentence
        assert set(numbers) <= in_text
        assert len(numbers) == len(set(numbers))
