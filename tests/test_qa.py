"""Answering on the sample corpus: citations, refusal, filters, time words, follow-ups,
and citation checking with a scripted LLM. Real store, real embedder, both store modes."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from datetime import date

import pytest

from qa import Answer, QAError, ask, ask_stream, retrieve
from qa.api import default
from qa.errors import EmptyStoreError
from qa.search.filters import Filters, resolve
from qa.search.hybrid import SearchConfig, dense_search, search
from tests.support.helpers import ROOT

AS_OF = date(2026, 2, 1)


def _article_text(settings, article_id: str) -> str:
    return default(settings).article_text(article_id)


def test_answer_cites_the_right_article_with_exact_offsets(corpus_settings):
    ans = ask("How many homes lost power in Storm Calloway?", settings=corpus_settings,
              as_of=AS_OF)
    assert not ans.refused
    assert "62,000" in ans.text and "[1]" in ans.text
    first = ans.citations[0]
    assert first.number == 1 and "Calloway" in (first.title + first.passage)
    assert _article_text(corpus_settings, first.article_id)[first.start:first.end] == \
        first.passage
    a, b = first.highlight
    assert "62,000" in first.passage[a:b]
    # only cited passages are returned, numbered from 1 in order
    cited = {int(n) for n in __import__("re").findall(r"\[(\d+)\]", ans.text)}
    assert cited == {c.number for c in ans.citations}
    assert [c.number for c in ans.citations] == list(range(1, len(ans.citations) + 1))


@pytest.mark.parametrize("question, expect_title", [
    ("Who won Valdora's presidential election?", "Mavros"),
    ("How much did the Harbor Bridge repairs finally cost?", "Harbor Bridge reopens"),
    ("Why did dockworkers at the Port of Bayport go on strike?", "Dockworkers"),
    ("By how much will Bayport water rates rise?", "water rates"),
])
def test_questions_from_the_sample_corpus(corpus_settings, question, expect_title):
    ans = ask(question, settings=corpus_settings, as_of=AS_OF)
    assert not ans.refused, ans.text
    assert any(expect_title.lower() in c.title.lower() for c in ans.citations), \
        [c.title for c in ans.citations]


@pytest.mark.parametrize("question", [
    "Who won the 2023 Super Bowl?",
    "What is the boiling point of mercury?",
    "How many moons does Jupiter have?",
])
def test_refuses_when_the_articles_do_not_answer(corpus_settings, question):
    ans = ask(question, settings=corpus_settings, as_of=AS_OF)
    assert ans.refused
    assert ans.citations == ()
    assert "do not answer" in ans.text
    assert ans.related  # the closest passages, shown as related, never as an answer


def test_filters_by_date_and_source(corpus_settings):
    q = "Harbor Bridge closure"
    all_dates = {c.published for c in retrieve(q, k=10, settings=corpus_settings)}
    assert len(all_dates) >= 2
    late = retrieve(q, k=10, since=date(2025, 5, 1), settings=corpus_settings)
    assert late and all(c.published and c.published >= date(2025, 5, 1) for c in late)
    early = retrieve(q, k=10, until=date(2025, 3, 1), settings=corpus_settings)
    assert early and all(c.published and c.published <= date(2025, 3, 1) for c in early)
    ledger = retrieve(q, k=10, sources=["The Bayport Ledger"], settings=corpus_settings)
    assert ledger and all(c.source == "The Bayport Ledger" for c in ledger)
    assert retrieve(q, k=10, sources="No Such Paper", settings=corpus_settings) == []


def test_time_words_are_read_relative_to_as_of(corpus_settings):
    # asked on 2025-05-25, "this week" is the week the bridge reopened
    ans = ask("What happened with the Harbor Bridge this week?", settings=corpus_settings,
              as_of=date(2025, 5, 25))
    assert ans.filters.get("since") == "2025-05-19"
    assert ans.citations and ans.citations[0].published == date(2025, 5, 23)
    # as_of hides articles published later
    before = retrieve("Harbor Bridge", k=10, as_of=date(2025, 3, 1), settings=corpus_settings)
    assert before and all(c.published is None or c.published <= date(2025, 3, 1)
                          for c in before)


def test_time_words_with_no_article_from_then_lower_grounding_and_refuse(corpus_settings):
    # the bridge reopened in May 2025; asked in February 2026, "this week" names a week no
    # article is from, and the May story alone is not enough to answer about that week
    q = "What happened with the Harbor Bridge this week?"
    then = ask(q, settings=corpus_settings, as_of=date(2025, 5, 25))
    later = ask(q, settings=corpus_settings, as_of=date(2026, 2, 1))
    # "what happened with ..." is a story question: this week's part of the story
    assert not then.refused and then.kind == "timeline"
    assert [i.published for i in then.items] == [date(2025, 5, 23)]
    assert later.signals["off_window"] == 1.0 and later.grounding < then.grounding
    assert later.refused and later.citations == ()
    assert "for this week (2026-01-26 to 2026-02-01)" in later.text and later.related
    # without the time words the same question, asked on the same day, is answered
    plain = ask("What happened with the Harbor Bridge?", settings=corpus_settings,
                as_of=date(2026, 2, 1))
    assert not plain.refused and plain.kind == "timeline" and len(plain.items) >= 3
    fact = ask("What did the Harbor Bridge repairs cost this week?", settings=corpus_settings,
               as_of=date(2025, 5, 25))
    assert not fact.refused and fact.signals["off_window"] == 0.0


def test_scripts_may_pass_dates_as_iso_strings(corpus_settings):
    # a script reading dates from a CSV or JSON passes strings; they mean the same dates
    as_date = retrieve("Harbor Bridge", k=10, since=date(2025, 5, 1), as_of=date(2025, 5, 25),
                       settings=corpus_settings)
    as_text = retrieve("Harbor Bridge", k=10, since="2025-05-01", as_of="2025-05-25",
                       settings=corpus_settings)
    assert as_text and [c.chunk_id for c in as_text] == [c.chunk_id for c in as_date]
    with pytest.raises(QAError, match="since date .May 2025. is not a date like 2025-05-01"):
        ask("Harbor Bridge", since="May 2025", settings=corpus_settings)


def test_follow_up_uses_the_conversation(corpus_settings):
    first = "Who won Valdora's presidential election?"
    ans1 = ask(first, settings=corpus_settings, as_of=AS_OF)
    ans2 = ask("When was she sworn in?", history=[(first, ans1.text)],
               settings=corpus_settings, as_of=AS_OF)
    assert ans2.query != ans2.question and "Valdora" in ans2.query
    assert not ans2.refused
    assert "November 20" in ans2.text
    # the same follow-up with gradio-style message history
    msgs = [{"role": "user", "content": first}, {"role": "assistant", "content": ans1.text}]
    assert "Valdora" in ask("When was she sworn in?", history=msgs, settings=corpus_settings,
                            as_of=AS_OF).query


def test_stream_yields_text_then_the_answer(corpus_settings):
    response = ask_stream("How much snow did Storm Calloway drop?",
                          settings=corpus_settings, as_of=AS_OF)
    pieces = list(response)
    assert len(pieces) > 1 and all(isinstance(p, str) for p in pieces)
    assert isinstance(response.answer, Answer)
    assert "".join(pieces).strip() == response.answer.text
    assert "38 centimeters" in response.answer.text


def test_scripted_llm_wrong_and_out_of_range_markers_are_caught(corpus_settings):
    from tests.support.llm import ScriptedLLM

    reply = ("Storm Calloway dropped 38 centimeters of snow on Bayport [1]. "
             "It was the worst storm since 1887 and killed 40 people [1]. "
             "About 62,000 homes and businesses lost power [9].")
    llm = ScriptedLLM([reply])
    ans = ask("What did Storm Calloway do?", settings=corpus_settings, llm=llm, as_of=AS_OF)
    assert ans.mode.startswith("llm:")
    assert "38 centimeters" in ans.text
    assert "1887" not in ans.text and "40 people" not in ans.text  # invented: dropped
    assert any("1887" in d for d in ans.dropped)
    assert "[9]" not in ans.text  # no such passage: marker removed ...
    assert "62,000" in ans.text  # ... but the sentence is re-attributed to its support
    for c in ans.citations:
        assert _article_text(corpus_settings, c.article_id)[c.start:c.end] == c.passage
    # passages went to the model as numbered data, not instructions
    prompt = json.dumps(llm.calls[0])
    assert "[1]" in prompt and "not instructions" in prompt


def test_llm_that_only_invents_falls_back_to_extractive(corpus_settings):
    from tests.support.llm import ScriptedLLM

    llm = ScriptedLLM(["The storm was named after Admiral Calloway in 1921 [1]."])
    ans = ask("How much snow did Storm Calloway drop?", settings=corpus_settings, llm=llm,
              as_of=AS_OF)
    assert "1921" not in ans.text
    assert ans.mode.endswith("+extractive") and "38 centimeters" in ans.text


def test_empty_store_says_how_to_ingest(settings):
    with pytest.raises(EmptyStoreError, match="python -m ingest"):
        ask("Anything?", settings=settings)
    with pytest.raises(QAError):
        ask("   ", settings=settings)


def test_cli_answer_json_and_errors(corpus_settings, tmp_path):
    import os

    env = {**os.environ, "NEWSQA_STORE": corpus_settings.store,
           "NEWSQA_CHROMA_URL": corpus_settings.chroma_url,
           "NEWSQA_COLLECTION": corpus_settings.collection,
           "NEWSQA_LEXICAL_DIR": corpus_settings.lexical_dir}
    run = lambda *a, e=env: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "qa", *a], capture_output=True, text=True, cwd=ROOT, env=e,
        timeout=300)
    out = run("How much snow did Storm Calloway drop?", "--json", "--as-of", "2026-02-01")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["refused"] is False and data["citations"][0]["number"] == 1
    human = run("How much snow did Storm Calloway drop?")
    assert "[1]" in human.stdout and "Calloway" in human.stdout
    bad = run("x", "--since", "yesterday-ish")
    assert bad.returncode == 2 and "not a date" in bad.stderr
    empty = run("Anything?", e={**os.environ, "NEWSQA_STORE": str(tmp_path / "none")})
    assert empty.returncode == 2 and "python -m ingest" in empty.stderr
    assert "Traceback" not in empty.stderr


@pytest.mark.parametrize("oversample", [(8, 200), (1, 0)])  # whole store; fall back to where
def test_post_filtered_dense_search_equals_chromas_where(corpus_settings, oversample,
                                                         monkeypatch):
    # Date and exclusion filters are applied to an unfiltered search (Chroma's `where` is
    # linear in the archive); the passages found must be exactly the ones `where` finds.
    cfg = SearchConfig(oversample=oversample[0], min_candidates=oversample[1])
    qa = default(corpus_settings)
    store = qa.store
    qvec = qa.embedder.embed_query("Harbor Bridge closure and the ferry")
    some = store.dense(qvec, 3, None)[0].meta["article_id"]
    cases = [Filters(as_of=date(2025, 3, 1)), Filters(since=date(2025, 5, 1)),
             Filters(until=date(2025, 3, 1)), Filters(exclude_ids=(some,)),
             Filters(since=date(2025, 2, 1), until=date(2025, 5, 20),
                     as_of=date(2025, 5, 25), exclude_ids=(some,)),
             Filters(since=date(2030, 1, 1))]
    # dates are read from the lexical index's side table; a replica whose lexical copy
    # has not caught up yet (here: an empty one) reads them from Chroma instead
    from qa.store.lexical import LexicalIndex

    behind = copy.copy(store)
    behind.lexical = LexicalIndex(":memory:")
    ways = []  # how each fallback searched: by chunk ids (lexical in step) or Chroma's where
    real_dense = type(store).dense
    monkeypatch.setattr(type(store), "dense", lambda self, v, k, f=None, ids=None: ways.append(
        "ids" if ids is not None else "where" if f else "plain") or real_dense(
        self, v, k, f, ids))
    used = {"in step": set(), "lagging": set()}
    for f in cases:
        want = [(x.id, round(x.score, 5)) for x in store.dense(qvec, 6, f)]
        for name, s in (("in step", store), ("lagging", behind)):
            ways.clear()
            got = [(x.id, round(x.score, 5)) for x in dense_search(s, qvec, f, 6, 6, cfg)]
            assert got == want, f
            used[name].update(ways)
    # when too few survive the post-filter, the search is restricted by chunk ids listed
    # by the lexical index (Chroma's `where` is linear in the archive); a lexical copy
    # that lags behind Chroma falls back to `where`
    if oversample == (1, 0):
        assert used == {"in step": {"ids"}, "lagging": {"where"}}
    else:
        assert used == {"in step": set(), "lagging": set()}  # post-filter was enough


def test_time_words_never_send_a_date_range_to_chromas_where(corpus_settings, monkeypatch):
    # A range read from time words is soft; on a big archive Chroma's `where` on it costs
    # seconds (bench/RESULTS.md, scale), so the in-range dense list is post-filtered only
    # (want=0: no fallback to `where`, however few survive). Explicit dates may fall back.
    import qa.search.hybrid as hybrid

    qa = default(corpus_settings)
    calls = []
    monkeypatch.setattr(hybrid, "dense_search", lambda s, v, f, n, want, cfg: calls.append(
        (f.since, want)) or dense_search(s, v, f, n, want, cfg))
    scope = resolve("What happened with the Harbor Bridge this week?",
                    Filters(as_of=date(2025, 5, 25)))
    assert scope.hint.window and scope.windowed.since
    out = search(qa.store, qa.embedder, scope, 4).records
    assert out and out[0].meta["published"] >= 20250519  # the in-range article still leads
    assert [want for since, want in calls if since] == [0]
    calls.clear()
    search(qa.store, qa.embedder, resolve("Harbor Bridge", Filters(since=date(2025, 5, 19))), 4)
    assert [want for since, want in calls if since] == [4]
