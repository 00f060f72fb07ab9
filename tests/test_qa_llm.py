"""``ask`` with a real LLM: SmolLM2 (135M, it hallucinates) served by llama.cpp on 127.0.0.1
through the OpenAI-compatible path, and the same model in-process. Whatever the model says,
only sentences supported by the passages they cite may reach the user."""

from __future__ import annotations

from datetime import date

import pytest

from qa import ask
from qa.answer.citations import check_answer
from qa.search.hybrid import get_engine
from tests.test_llm import gguf, server_port  # noqa: F401  (fixtures)

QUESTIONS = [
    "How much snow did Storm Calloway drop on Bayport?",
    "Who won Valdora's presidential election?",
]


def _assert_grounded(ans, settings) -> None:
    store = get_engine(settings).open()
    assert ans.mode.startswith("llm:")
    if ans.refused:
        assert ans.citations == () and ans.related
        return
    assert ans.citations, ans
    for c in ans.citations:
        assert store.article_text(c.article_id)[c.start:c.end] == c.passage
    # re-checking the final text drops nothing: every sentence is supported by its citation
    again = check_answer(ans.text, list(ans.citations))
    assert again.dropped == ()
    assert again.text == ans.text


@pytest.mark.parametrize("question", QUESTIONS)
def test_ask_through_an_openai_compatible_server(corpus_settings, server_port, question):  # noqa: F811
    s = corpus_settings.with_(llm="openai", llm_base_url=f"http://127.0.0.1:{server_port}/v1",
                              llm_model="smollm2", k=2, llm_timeout=120.0)
    ans = ask(question, settings=s, as_of=date(2026, 2, 1))
    _assert_grounded(ans, s)


def test_ask_with_the_model_in_process(corpus_settings, gguf):  # noqa: F811
    s = corpus_settings.with_(llm=f"gguf:{gguf}", k=2)
    ans = ask(QUESTIONS[0], settings=s, as_of=date(2026, 2, 1))
    _assert_grounded(ans, s)


def test_in_process_model_uses_the_threads_asked_for(corpus_settings, gguf):  # noqa: F811
    from qa.errors import ConfigError
    from qa.llm import gguf as llm_gguf
    from qa.settings import Settings

    threads = Settings.from_env({"NEWSQA_LLM_THREADS": "2"}).llm_threads
    assert threads == 2
    s = corpus_settings.with_(llm=f"gguf:{gguf}", k=2, llm_threads=threads)
    _assert_grounded(ask(QUESTIONS[0], settings=s, as_of=date(2026, 2, 1)), s)
    assert any(key[2] == 2 for key in llm_gguf._servers)  # loaded with 2 threads
    with pytest.raises(ConfigError, match="NEWSQA_LLM_THREADS='many'"):
        Settings.from_env({"NEWSQA_LLM_THREADS": "many"})


def test_unreachable_llm_is_a_clear_error(corpus_settings):
    from qa.errors import LLMError

    s = corpus_settings.with_(llm="openai", llm_base_url="http://127.0.0.1:9/v1",
                              llm_model="x", llm_timeout=5.0)
    with pytest.raises(LLMError, match="cannot reach the LLM at http://127.0.0.1:9"):
        ask(QUESTIONS[0], settings=s)
