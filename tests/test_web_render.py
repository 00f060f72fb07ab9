"""Pure tests of ``web.render``: hostile article text is escaped, only http(s) URLs become
links, [n] markers link to their cards, the answer's spans are <strong>, cards without a
source or date say so, refusals look different. No server, no browser."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest

from qa.types import Answer, Citation
from web.render import (
    esc,
    link_markers,
    render_answer,
    render_error,
    render_pending,
    render_report,
    render_stats,
    render_user,
)
from web.urls import safe_url

EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'


class Tags(HTMLParser):
    """Every start tag with its attributes, as a browser's parser would see them."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))


def cite(n: int = 1, **kw) -> Citation:
    base = dict(number=n, article_id=f"a{n}", title=f"Bridge reopens {n}",
                url=f"https://news.example/{n}", source="Northshore Daily", author="Lena Fischer",
                published=date(2025, 5, 23), start=0, end=45, score=0.9, highlight=(8, 38),
                passage="Before. The bridge reopened on May 22. After.")
    base.update(kw)
    return Citation(**base)


def answer(**kw) -> Answer:
    base = dict(question="When did the bridge reopen?", text="It reopened on May 22 [1].",
                citations=(cite(1),), refused=False, query="When did the bridge reopen?")
    base.update(kw)
    return Answer(**base)


def assert_inert(html: str) -> None:
    """No script, no event handler, no non-http link, no image: only our own markup."""
    allowed = {"div", "p", "br", "a", "span", "mark", "blockquote", "details", "summary",
               "b", "ul", "li", "code", "strong", "bdi"}
    for tag, attrs in Tags(html).tags:
        assert tag in allowed, (tag, html)
        for name, value in attrs.items():
            assert name in {"class", "id", "href", "target", "rel"}, (name, html)
            if name == "href":
                assert value.startswith(("#", "http://", "https://")), value


def plain(html: str) -> str:
    """``html`` without its <bdi> isolation tags."""
    return html.replace("<bdi>", "").replace("</bdi>", "")


def test_hostile_article_fields_are_escaped():
    c = cite(1, title="Bad " + EVIL, source=EVIL + "Evil Times", author='<b onclick="x()">M</b>',
             url="javascript:window.__pwned=1", passage="Jugglers " + EVIL + " paraded.",
             highlight=(0, 8))
    html = render_answer(answer(text="They paraded " + EVIL + " [1].", citations=(c,)), "k1")
    assert_inert(html)
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "onerror=&quot;window.__pwned=1&quot;" in html
    assert "javascript:" not in html.replace("javascript:window.__pwned=1", "")  # not linked
    assert 'href="javascript' not in html


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x",
                                 "vbscript:x", "//evil.example/x", "ftp://x.example/",
                                 'https://x.example/"onmouseover="x', "http://", "",
                                 "java\nscript:alert(1)", "https://x.example/<b>"])
def test_only_http_urls_become_links(url):
    assert safe_url(url) is None
    html = render_answer(answer(citations=(cite(1, url=url),)), "k1")
    assert_inert(html)
    assert "<a href=" not in html  # the title is plain text


def test_http_url_is_linked_safely():
    html = render_answer(answer(citations=(cite(1, url="https://news.example/a?x=1&y=2"),)), "k")
    assert ('<a href="https://news.example/a?x=1&amp;y=2" target="_blank" '
            'rel="noopener noreferrer"><bdi>Bridge reopens 1</bdi></a>') in html


def test_markers_link_to_numbered_cards():
    a = answer(text="First [1]. Second [2]. Both [1, 2]. Unknown [7].",
               citations=(cite(1), cite(2, title="Second story")))
    html = render_answer(a, "ans3")
    hrefs = re.findall(r'class="nqa-cite" href="#([^"]+)"', html)
    assert hrefs == ["ans3-c1", "ans3-c2", "ans3-c1", "ans3-c2"]
    ids = re.findall(r'class="nqa-card" id="([^"]+)"', html)
    assert ids == ["ans3-c1", "ans3-c2"]
    assert "Unknown [7]." in html  # a marker without a card stays text
    assert "[1]</span>" in html and "Second story" in html


def test_card_shows_source_date_and_highlighted_sentence():
    html = render_answer(answer(), "k")
    assert "Northshore Daily · 2025-05-23 · Lena Fischer" in plain(html)
    assert "Before. <mark>The bridge reopened on May 22.</mark> After." in html


def test_long_passage_is_trimmed_around_the_highlight():
    filler = "Filler sentence number one goes here. " * 30
    passage = filler + "The bridge reopened on May 22. " + filler
    a0 = len(filler)
    c = cite(1, passage=passage, highlight=(a0, a0 + len("The bridge reopened on May 22.")))
    html = render_answer(answer(citations=(c,)), "k")
    shown = html.split("<details")[0]
    assert "<mark>The bridge reopened on May 22.</mark>" in shown
    assert shown.count("Filler sentence") < 12 and "… " in shown
    assert "whole passage" in html


def test_bad_highlight_is_ignored():
    html = render_answer(answer(citations=(cite(1, highlight=(30, 999)),)), "k")
    assert "<mark>" not in html and "The bridge reopened on May 22." in html


def test_refused_answer_looks_different_and_lists_related():
    rel = (cite(1, title="Closest one"), cite(2, title="Second closest"))
    a = answer(text="The articles I have do not answer this question.", citations=(),
               refused=True, related=rel)
    html = render_answer(a, "r9")
    assert "nqa-refused" in html and "Not in the articles" in html
    assert 'id="r9-r1"' in html and "Second closest" in html
    assert "nqa-cite" not in html
    normal = render_answer(answer(), "n1")
    assert "nqa-refused" not in normal and "Not in the articles" not in normal


def test_searched_for_shown_only_when_query_differs():
    same = render_answer(answer(query="when did the bridge reopen"), "k")
    assert "Searched for" not in same
    other = render_answer(answer(question="And its cost?", query="And its cost? (Harbor Bridge)"),
                          "k")
    assert "Searched for: “And its cost? (Harbor Bridge)”" in plain(other)
    hostile = render_answer(answer(query=EVIL), "k")
    assert_inert(hostile)


def test_key_must_be_id_safe():
    with pytest.raises(ValueError):
        render_answer(answer(), 'x" onclick="y')


def test_other_fragments_escape_everything():
    for html in (render_user(EVIL), render_pending(EVIL), render_error(EVIL),
                 render_report({"added": 1, "failed": [{"input": EVIL, "reason": EVIL}]},
                               [(EVIL, "bad type")]),
                 render_stats({"articles": 2, "chunks": 3, "sources": {EVIL: 2},
                               "newest": EVIL, "where": EVIL})):
        assert_inert(html)
        assert "&lt;script&gt;" in html
    assert "Searching the articles" in render_pending("")
    assert "No articles yet" in render_stats(None)


def test_report_counts_and_failures():
    html = render_report({"added": 2, "updated": 1, "unchanged": 3,
                          "failed": [{"input": "a.txt", "reason": "empty file"}]},
                         [("x.exe", "not a supported file type")])
    text = re.sub(r"<[^>]+>", "", html)
    assert "2 added · 1 updated · 3 unchanged · 2 failed" in text
    assert "a.txt: empty file" in text and "x.exe: not a supported file type" in text


def test_link_markers_only_touch_known_numbers():
    assert link_markers(esc("see [2]"), "k", [1]) == "see [2]"
    assert 'href="#k-c1"' in link_markers("see [1]", "k", [1])


def test_spans_are_strong_and_markers_still_link():
    text = "It reopened on Thursday, May 22 [1], costing $53.2 million [1]."
    spans = tuple((text.index(x), text.index(x) + len(x))
                  for x in ("Thursday, May 22", "$53.2 million"))
    html = render_answer(answer(text=text, spans=spans), "s1")
    assert_inert(html)
    assert ("<p>It reopened on <strong>Thursday, May 22</strong> "
            '<a class="nqa-cite" href="#s1-c1">[1]</a>, costing <strong>$53.2 million</strong> '
            '<a class="nqa-cite" href="#s1-c1">[1]</a>.</p>') in html


def test_spans_over_hostile_text_are_escaped_and_bad_spans_ignored():
    text = "Named <b>Eve & Co</b> [1]. " + EVIL
    a = text.index("<b>")
    html = render_answer(answer(text=text, spans=((a, a + len("<b>Eve & Co</b>")),)), "s2")
    assert_inert(html)
    assert "<strong>&lt;b&gt;Eve &amp; Co&lt;/b&gt;</strong>" in html
    for bad in (((5, 999),), ((4, 2),), ((0, 8), (3, 12)), ((-1, 3),)):
        out = render_answer(answer(text="It reopened on May 22 [1].", spans=bad), "s3")
        assert_inert(out)
        assert out.count("<strong>") <= 1 and "[1]</a>" in out
    refused = render_answer(answer(text="Not in the articles.", citations=(), refused=True,
                                   spans=((0, 3),)), "s4")
    assert "<strong>" not in refused


@pytest.mark.parametrize("source, published, meta", [
    ("", None, "source unknown · Lena Fischer"),
    ("", date(2025, 5, 23), "source unknown · 2025-05-23 · Lena Fischer"),
    ("Northshore Daily", None, "Northshore Daily · Lena Fischer"),
])
def test_card_without_source_or_date(source, published, meta):
    html = render_answer(answer(citations=(cite(1, source=source, published=published),)), "k")
    assert f'<div class="nqa-meta">{meta}</div>' in plain(html)
    assert "undated" not in html and "no source or date" not in html


RLO, PDF, RLI = "\u202e", "\u202c", "\u2067"


def test_bidi_controls_cannot_disguise_titles_or_scramble_the_meta_line():
    """U+202E would show "Invoice gnp.exe" as "Invoice exe.png", and a source ending in it
    would reverse the date and author after it."""
    c = cite(1, title=f"Invoice {RLO}gnp.exe", source=f"Evil {RLO}Times", author=f"{RLI}Eve",
             url=f"https://news.example/{RLO}gnp.exe")
    html = render_answer(answer(citations=(c,)), "b1")
    assert_inert(html)
    assert not any(ch in html for ch in (RLO, PDF, RLI, "\u2066", "\u2069", "\u202a"))
    assert "<bdi>Invoice gnp.exe</bdi>" in html  # the name as stored, in logical order
    assert ('<div class="nqa-meta"><bdi>Evil Times</bdi> · <bdi>2025-05-23</bdi> · '
            '<bdi>Eve</bdi></div>') in html  # each field isolated from the next
    assert "<a href=" not in html  # a URL holding a bidi control is not linked


def test_right_to_left_text_is_kept_and_isolated():
    c = cite(1, title="الجسر يعيد فتح أبوابه", source="صحيفة الميناء")
    html = render_answer(answer(citations=(c,)), "b2")
    assert "<bdi>الجسر يعيد فتح أبوابه</bdi>" in html and "<bdi>صحيفة الميناء</bdi>" in html


def test_reports_and_stats_isolate_names():
    report = render_report({"failed": [{"input": f"photo{RLO}gnp.exe", "reason": "bad"}]},
                           [(f"{RLO}cod.exe", "not a supported file type")])
    assert RLO not in report and "<bdi>photognp.exe</bdi>: bad" in report
    assert "<bdi>cod.exe</bdi>: not a supported file type" in report
    stats = render_stats({"articles": 1, "chunks": 1, "sources": {f"Daily{RLO} Post": 1}})
    assert RLO not in stats and "<li><bdi>Daily Post</bdi> (1)</li>" in stats


def test_card_names_the_other_outlets_of_a_syndicated_story():
    from qa.types import StoryCopy
    from web.render import render_card

    copies = tuple(StoryCopy(src, f"https://{i}.example/x", date(2025, 5, 23))
                   for i, src in enumerate(["Coastal Wire", "Harbor Times", "Northshore Daily",
                                            "Bay <b>Post</b>"]))
    html = render_card(cite(also_in=copies), "c1")
    assert "also in: Coastal Wire, Harbor Times (1 more)" in plain(html)  # own outlet left out
    assert "<b>Post" not in html
    assert "nqa-also" not in render_card(cite(), "c2")


def test_story_answer_renders_as_a_timeline_list_with_hostile_text_escaped():
    cite = Citation(number=1, article_id="a1", title="T", url="https://x.example/a",
                    source="Wire", author="", published=date(2025, 2, 10),
                    passage=f"It began. {EVIL}", start=0, end=30, score=0.0)
    text = ("How the story unfolded (2 articles, oldest first):\n"
            f"- February 10, 2025 (Wire): It began. {EVIL} [1]\n"
            "- February 11, 2025 (Wire): It went on. [1]\nRevised figures:\n"
            "- death toll: four on February 10, 2025 [1].")
    html = render_answer(Answer(question="q", text=text, citations=(cite,), refused=False,
                                kind="timeline"), "k")
    tags = Tags(html).tags
    assert not any(t in ("script", "img") for t, _ in tags)
    assert [a.get("class") for t, a in tags if t == "ul"] == ["nqa-timeline", "nqa-timeline"]
    assert sum(1 for t, _ in tags if t == "li") == 3
    assert '<span class="nqa-when">February 10, 2025 (Wire)</span>' in html
    assert html.count('href="#k-c1"') == 3 and "&lt;script&gt;" in html
