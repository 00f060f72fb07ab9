"""``qa.export``: answers with their citations as Markdown and JSON. A real answer from the
sample articles carries title, outlet, date, URL, the exact passage and offsets that index
the stored article; hostile article text (HTML, Markdown, bidi controls) renders as plain
text in a CommonMark renderer (markdown-it) instead of injecting markup; a conversation
is one document with its turns in order."""

from __future__ import annotations

import html
import json
import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.export import (
    FORMAT,
    answer_json,
    answer_markdown,
    conversation_json,
    conversation_markdown,
    escape,
)
from qa.types import Answer, Citation
from tests.support.helpers import EXAMPLES

markdown_it = pytest.importorskip("markdown_it")
MD = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])
QUESTION = "When did the Harbor Bridge reopen?"

HOSTILE = ("<script>alert('x')</script> Mayor **said** [click here](javascript:alert(1)) "
           "![pixel](http://tracker.example/p.gif) <img src=x onerror=alert(1)>\n"
           "# Not a heading\n1. not a list\n- nor this\n    not code\n| a | b |\n|---|---|\n"
           "```\nnot a fence\n```\n$x^2$ costs $5 &amp; AT&T <!-- comment --> ~~gone~~\n"
           "> not a quote\nsetext\n===\n\u202eevil\u202c [ref]: http://evil.example")


def _text(rendered: str) -> str:
    """What a reader sees: tags removed, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", rendered)).split())


def _plain(s: str) -> str:
    return " ".join(s.translate(dict.fromkeys([0x202E, 0x202C])).split())


def _citation(passage: str = HOSTILE, **kw) -> Citation:
    fields = dict(number=1, article_id="0123abcd", title="Bridge <b>news</b> *today*",
                  url="https://news.example/a?b=1", source="Harbor_Times", author="",
                  published=date(2025, 5, 23), passage=passage, start=100,
                  end=100 + len(passage), score=1.0)
    return Citation(**{**fields, **kw})


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory, embedder):
    """A real answer from the sample articles, and the QA that gave it."""
    from ingest import ingest
    from qa import QA
    from qa.api import MODELS
    from qa.settings import Settings

    s = Settings(store=str(tmp_path_factory.mktemp("export") / "store"))
    ingest([str(EXAMPLES)], s, embedder=embedder)
    qa = QA(s, embedder=embedder, reranker=MODELS.reranker(s))
    yield qa, qa.ask(QUESTION)
    qa.close()


def test_markdown_of_a_real_answer_names_every_source_with_its_exact_passage(real):
    qa, ans = real
    md = answer_markdown(ans)
    assert md.startswith(f"## {QUESTION}\n") and "\\[1\\]" in md
    page = MD.render(md)
    seen = _text(page)
    assert ans.citations and any(c.url for c in ans.citations)
    for c in ans.citations:
        assert c.title in seen and c.source in seen and c.published.isoformat() in seen
        if c.url:  # the sample corpus's text files have none (a revision note cites one)
            assert f'<a href="{c.url}">{c.url}</a>' in page  # a working link
        else:
            assert '<a href="">' not in page
        assert f"characters {c.start}–{c.end}" in seen
        assert _plain(c.passage) in seen  # rendered, the passage reads exactly as stored


def test_json_carries_the_citations_and_their_offsets_index_the_article(real):
    qa, ans = real
    data = json.loads(answer_json(ans))
    assert data == json.loads(json.dumps(ans.to_dict()))
    assert data["text"] == ans.text and data["refused"] is False
    for c in data["citations"]:
        assert {"title", "source", "published", "url", "passage", "start", "end"} <= set(c)
        text = qa.article_text(c["article_id"])
        assert text[c["start"]:c["end"]] == c["passage"]


def test_hostile_article_text_cannot_inject_markup():
    ans = Answer("Who <i>said</i> it? [x](javascript:y)", "He said so <script>x</script> [1].",
                 (_citation(),), False)
    page = MD.render(answer_markdown(ans))
    for tag in ("<script", "<img", "<h1", "<h3", "<table", "<pre", "<del", "<hr", "<!--",
                "<i>", "<b>", "javascript:alert(1)\"", "tracker.example/p.gif\""):
        assert tag not in page, tag
    assert page.count("<a ") == 1 and 'href="https://news.example/a?b=1"' in page
    assert page.count("<li>") == 1 and page.count("<blockquote>") == 1
    assert page.count("<h2>") == 1 and page.count("<code>") == 1  # ours: question, id
    seen = _text(page)
    assert _plain(HOSTILE) in seen  # every character shown as text (bidi controls dropped)
    assert "\u202e" not in page
    assert "Who <i>said</i> it? [x](javascript:y)" in seen
    assert "Bridge <b>news</b> *today* — Harbor_Times, 2025-05-23" in seen


@pytest.mark.parametrize("url", ["javascript:alert(1)", "http://x.example/a b",
                                 "https://x.example/<script>", "data:text/html,hi"])
def test_only_plain_http_urls_become_links(url: str):
    page = MD.render(answer_markdown(Answer("q", "a [1].", (_citation("p", url=url),), False)))
    assert "<a " not in page
    assert "<script" not in page


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1 \n\t.-+=#>*_`~|$![](){}<>&;:\\\"'/x9")),
               max_size=60))
def test_escaped_text_renders_as_itself(s: str):
    assert _text(MD.render(escape(s))) == " ".join(s.split())


def test_a_refusal_lists_the_closest_passages_as_not_an_answer():
    ans = Answer("What is the airspeed of a swallow?", "The articles do not say.", (), True,
                 related=(_citation("Swallows were seen near the pier."),))
    md = answer_markdown(ans)
    assert "do not answer the question" in md and "Swallows were seen near the pier." in md
    assert "**Sources**" not in md


def test_a_conversation_is_one_document_with_its_turns_in_order():
    first = Answer("When did it reopen?", "On May 22 [1].", (_citation("It reopened."),),
                   False)
    second = Answer("Why was it late?", "Corrosion [1].",
                    (_citation("Crews found corrosion.", number=1),), False,
                    query="Why was the Harbor Bridge late?")
    md = conversation_markdown([first, second], title="Bridge <brief>",
                               meta={"store": "/tmp/s"})
    assert md.startswith("# Bridge &lt;brief&gt;\n")
    assert md.index("## 1. When did it reopen?") < md.index("## 2. Why was it late?")
    assert "Searched for: Why was the Harbor Bridge late?" in md and "- store: /tmp/s" in md
    doc = json.loads(conversation_json([first, second], {"store": "/tmp/s"}))
    assert doc["format"] == FORMAT and doc["store"] == "/tmp/s"
    assert [t["question"] for t in doc["turns"]] == [first.question, second.question]
    assert doc["turns"][1]["citations"][0]["passage"] == "Crews found corrosion."
