"""``ask`` with a real LLM: SmolLM2 (135M, it hallucinates) served by llama.cpp on 127.0.0.1
through the OpenAI-compatible path, and the same model in-process. Whatever the model says,
only sentences supported by the passages they cite may reach the user — and a question the
articles answer must be answered (by the model, or by the extractive fallback), not refused."""

from __future__ import annotations

from datetime import date

import pytest

from qa import ask
from qa.answer.citations import check_answer
from qa.api import default

# Both are answered by the sample corpus: (question, a word every answer's citations hold).
ANSWERABLE = [
    ("How much snow did Storm Calloway drop on Bayport?", "snow"),
    ("Who won Valdora's presidential election?", "Valdora"),
]
AS_OF = date(2026, 2, 1)


def _assert_answered_and_grounded(ans, settings, must_cite: str) -> None:
    assert ans.mode.startswith("llm:"), ans.mode
    # the articles answer these questions: a path that refuses them is broken
    assert not ans.refused, f"refused a question the articles answer: {ans.text!r}"
    assert ans.citations and ans.text.strip(), ans
    assert any(must_cite.lower() in c.passage.lower() for c in ans.citations), ans.citations
    qa = default(settings)
    for c in ans.citations:
        assert qa.article_text(c.article_id)[c.start:c.end] == c.passage
    # re-checking the final text drops nothing: every sentence is supported by its citation
    again = check_answer(ans.text, list(ans.citations))
    assert again.dropped == ()
    assert again.text == ans.text


@pytest.mark.parametrize(("question", "must_cite"), ANSWERABLE)
def test_ask_through_an_openai_compatible_server(corpus_settings, server_port,
                                                 question, must_cite):
    s = corpus_settings.with_(llm="openai", llm_base_url=f"http://127.0.0.1:{server_port}/v1",
                              llm_model="smollm2", k=2, llm_timeout=120.0)
    _assert_answered_and_grounded(ask(question, settings=s, as_of=AS_OF), s, must_cite)


def test_ask_with_the_model_in_process(corpus_settings, gguf):
    s = corpus_settings.with_(llm=f"gguf:{gguf}", k=2)
    question, must_cite = ANSWERABLE[0]
    _assert_answered_and_grounded(ask(question, settings=s, as_of=AS_OF), s, must_cite)


def test_in_process_model_uses_the_threads_asked_for(corpus_settings, gguf):
    from qa.errors import ConfigError
    from qa.settings import Settings

    threads = Settings.from_env({"NEWSQA_LLM_THREADS": "2"}).llm_threads
    assert threads == 2
    s = corpus_settings.with_(llm=f"gguf:{gguf}", k=2, llm_threads=threads)
    question, must_cite = ANSWERABLE[0]
    _assert_answered_and_grounded(ask(question, settings=s, as_of=AS_OF), s, must_cite)
    assert default(s).llm.threads == 2  # the model answering above, loaded with 2 threads
    with pytest.raises(ConfigError, match="NEWSQA_LLM_THREADS='many'"):
        Settings.from_env({"NEWSQA_LLM_THREADS": "many"})


def test_unreachable_llm_is_a_clear_error(corpus_settings):
    from qa.errors import LLMError

    s = corpus_settings.with_(llm="openai", llm_base_url="http://127.0.0.1:9/v1",
                              llm_model="x", llm_timeout=5.0)
    with pytest.raises(LLMError, match="cannot reach the LLM at http://127.0.0.1:9"):
        ask(ANSWERABLE[0][0], settings=s)
