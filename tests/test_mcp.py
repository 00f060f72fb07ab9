"""``newsqa mcp`` end to end: the MCP SDK's own client (``stdio_client`` + ``ClientSession``)
starts the server as a subprocess over a real store of the sample articles and calls every
tool as an assistant would: ``ask`` (a cited answer as structured content, and a refusal),
``search`` (filters), ``list_sources``, ``get_article`` (by id and by URL: the offsets of a
citation index its text), errors as tool errors with one-line reasons, and ``ingest_url``:
refused on a read-only server (and under NEWSQA_READ_ONLY even with ``--allow-writes``),
working with ``--allow-writes`` against a local web page."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.support.helpers import EXAMPLES, ROOT
from tests.support.httpd import LocalServer

mcp = pytest.importorskip("mcp")
from mcp.client.session import ClientSession  # noqa: E402
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402

pytestmark = pytest.mark.slow
QUESTION = "When did the Harbor Bridge reopen?"

LANTERN = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Lantern walk lights up Bayport pier - Harbor Courier</title>
<meta property="og:title" content="Lantern walk lights up Bayport pier">
<meta property="og:site_name" content="Harbor Courier">
<meta property="article:published_time" content="2025-11-08T09:00:00+00:00">
</head><body><article><h1>Lantern walk lights up Bayport pier</h1>
<p>About 9,400 people carried paper lanterns along the Bayport pier on Friday evening in
the city's first winter lantern walk, organisers from the Pier Trust said.</p>
<p>The walk raised 31,000 dollars for the harbor lifeboat station, whose boathouse roof
was torn off by a storm in October. Volunteers folded the last lanterns at midnight.</p>
</article></body></html>"""


def _env(store: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    env.update(NEWSQA_STORE=store, PYTHONPATH=str(ROOT), **extra)
    return env


async def _session(env: dict[str, str], args: list[str], calls: list[tuple[str, dict]]
                   ) -> tuple[list[Any], list[Any]]:
    """Start ``newsqa mcp ARGS`` with the SDK's stdio client; list the tools, make the
    calls in order; returns (tools, results)."""
    params = StdioServerParameters(command=sys.executable,
                                   args=["-m", "newsqa", "mcp", *args], env=env, cwd=ROOT)
    with open(os.devnull, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = (await session.list_tools()).tools
                results = [await session.call_tool(name, arguments)
                           for name, arguments in calls]
    return tools, results


def session(env: dict[str, str], args: list[str], calls: list[tuple[str, dict]]):
    return anyio.run(_session, env, args, calls)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, embedder) -> str:
    from ingest import ingest
    from qa.settings import Settings

    path = str(tmp_path_factory.mktemp("mcp") / "store")
    report = ingest([str(EXAMPLES)], Settings(store=path), embedder=embedder)
    assert report.added >= 10 and not report.failed
    return path


@pytest.fixture(scope="module")
def reads(store: str) -> dict[str, Any]:
    """One read-only server session: every read tool, a refusal, errors, ingest_url."""
    calls = [
        ("ask", {"question": QUESTION}),
        ("ask", {"question": "What is the airspeed of an unladen swallow?"}),
        ("ask", {"question": QUESTION, "until": "2025-03"}),
        ("search", {"query": "Harbor Bridge corrosion", "k": 3}),
        ("search", {"query": "Harbor Bridge", "sources": ["Coastal Wire"], "k": 5}),
        ("list_sources", {}),
        ("ask", {"question": QUESTION, "since": "not a date"}),
        ("get_article", {"article": "no-such-article"}),
        ("ingest_url", {"url": "https://example.org/news/story"}),
        ("list_sources", {}),
        ("ask", {"question": "How did the Harbor Bridge closure unfold?"}),
    ]
    tools, results = session(_env(store), [], calls)
    keys = ["answer", "refused", "early", "search", "by_source", "sources", "bad_date",
            "missing", "ingest", "sources_after", "timeline"]
    return {"tools": tools, **dict(zip(keys, results, strict=True))}


def test_the_server_lists_every_tool_with_schemas(reads):
    tools = {t.name: t for t in reads["tools"]}
    assert set(tools) == {"ask", "search", "list_sources", "get_article", "ingest_url"}
    assert tools["ask"].input_schema["required"] == ["question"]
    assert "citations" in tools["ask"].output_schema["properties"]
    assert tools["ask"].annotations.read_only_hint is True
    assert tools["ingest_url"].annotations.read_only_hint is False


def test_ask_returns_the_cited_answer_as_structured_content(reads):
    res = reads["answer"]
    assert not res.is_error
    ans = res.structured_content
    assert not ans["refused"] and "May 22" in ans["text"] and "[1]" in ans["text"]
    c = ans["citations"][0]
    assert c["number"] == 1 and c["title"] == "Harbor Bridge reopens to traffic after " \
        "14-week closure"
    assert c["source"] == "Northshore Daily" and c["published"] == "2025-05-23"
    assert c["url"].startswith("https://northshoredaily.example/")
    assert "May 22" in c["passage"] and c["end"] - c["start"] == len(c["passage"])
    assert json.loads(res.content[0].text) == ans  # the same JSON as text, for old clients


def test_a_story_question_returns_its_dated_lines(reads):
    ans = reads["timeline"].structured_content
    assert ans["kind"] == "timeline" and reads["answer"].structured_content["kind"] == "answer"
    lines = [i for i in ans["items"] if not i["figure"]]
    assert [i["published"] for i in lines] == ["2025-02-10", "2025-04-14", "2025-05-23"]
    assert all(ans["citations"][i["citation"] - 1]["published"] == i["published"]
               for i in ans["items"])


def test_ask_refuses_off_topic_and_applies_date_filters(reads):
    refused = reads["refused"].structured_content
    assert refused["refused"] and refused["citations"] == []
    early = reads["early"].structured_content  # before the reopening: no May 22 answer
    assert early["filters"]["until"] == "2025-03-31"
    assert all(c["published"] <= "2025-03-31" for c in early["citations"] + early["related"])
    assert "May 22" not in early["text"]


def test_search_returns_passages_with_filters(reads):
    found = reads["search"].structured_content["passages"]
    assert 1 <= len(found) <= 3 and [p["number"] for p in found] == list(range(1, len(found)
                                                                                + 1))
    assert any("corrosion" in p["passage"] for p in found)
    by_source = reads["by_source"].structured_content["passages"]
    assert by_source and {p["source"] for p in by_source} == {"Coastal Wire"}


def test_list_sources_counts_the_outlets(reads):
    stats = reads["sources"].structured_content
    names = {s["source"]: s for s in stats["sources"]}
    assert stats["articles"] == sum(s["articles"] for s in stats["sources"]) >= 10
    assert names["Northshore Daily"]["articles"] == 2
    assert names["Northshore Daily"]["first"] == "2024-09-29"
    assert stats["first"] <= names["Coastal Wire"]["first"] <= stats["last"]


def test_errors_are_tool_errors_with_one_line_reasons(reads):
    for key, words in (("bad_date", "since"), ("missing", "no-such-article")):
        res = reads[key]
        assert res.is_error, res
        text = res.content[0].text
        assert "\n" not in text and words in text and "Traceback" not in text, text


def test_ingest_url_is_refused_on_a_read_only_server(reads):
    res = reads["ingest"]
    assert res.is_error and "--allow-writes" in res.content[0].text
    assert reads["sources_after"].structured_content == reads["sources"].structured_content


def test_get_article_by_id_and_url_gives_the_text_citations_index(reads, store):
    c = reads["answer"].structured_content["citations"][0]
    _, (by_id, by_url, canonical) = session(_env(store), [], [
        ("get_article", {"article": c["article_id"]}),
        ("get_article", {"article": c["url"]}),
        ("get_article", {"article": c["url"].rstrip("/") + "/?utm_source=mail"})])
    art = by_id.structured_content
    assert art["text"][c["start"]:c["end"]] == c["passage"]
    assert art["title"] == c["title"] and art["source"] == "Northshore Daily"
    assert art["chars"] == len(art["text"]) and "Vasquez" in art["text"]
    assert by_url.structured_content == art and canonical.structured_content == art


def test_ingest_url_adds_a_page_with_allow_writes(tmp_path: Path):
    store = str(tmp_path / "store")
    question = "How much did the lantern walk raise?"
    with LocalServer() as web:
        url = web.add("/news/lantern-walk", LANTERN)
        env = _env(store, NEWSQA_URL_ALLOWLIST="127.0.0.1")
        _, (added, again, ans, bad) = session(env, ["--allow-writes"], [
            ("ingest_url", {"url": url}), ("ingest_url", {"url": url}),
            ("ask", {"question": question}), ("ingest_url", {"url": "/etc/passwd"})])
        assert web.hits == ["/news/lantern-walk", "/news/lantern-walk"]
    assert not added.is_error and added.structured_content["added"] == 1
    assert again.structured_content["unchanged"] == 1  # the same page is not stored twice
    answer = ans.structured_content
    assert "31,000" in answer["text"] and answer["citations"][0]["source"] == "Harbor Courier"
    assert bad.is_error and "http" in bad.content[0].text  # no local files


def test_read_only_setting_keeps_ingest_url_off_even_with_allow_writes(tmp_path: Path):
    with LocalServer() as web:
        url = web.add("/news/lantern-walk", LANTERN)
        env = _env(str(tmp_path / "store"), NEWSQA_URL_ALLOWLIST="127.0.0.1",
                   NEWSQA_READ_ONLY="1")
        _, (res,) = session(env, ["--allow-writes"], [("ingest_url", {"url": url})])
        assert web.hits == []
    assert res.is_error and "NEWSQA_READ_ONLY" in res.content[0].text
