"""Chat LLM backends behind one small interface, ``ChatLLM``: chat and stream plain text.

What it does: ``make_llm(settings)`` turns ``NEWSQA_LLM`` into a new backend (no cache
here: ``qa.api.MODELS`` shares them): ``extractive`` (no LLM: returns None), ``openai`` (any
OpenAI-compatible endpoint through llama-index's ``OpenAILike``: OpenAI, vLLM, LM Studio,
llama.cpp server, Ollama's /v1), ``ollama`` (Ollama's native API through llama-index's
``Ollama``) and ``gguf:/path.gguf`` (a local model run in-process by xllamacpp, see
``qa.llm.gguf``). Failures become ``LLMError`` with one line a user can act on (server
unreachable, model unknown, timeout, bad file).

What it does not do: build prompts, check citations, or retry against a dead endpoint (no
retries: one call takes at most NEWSQA_LLM_TIMEOUT). This is the only module that imports
llama-index's LLM types (lazily, for the remote backends), and they never leave it;
llama-index's global ``Settings`` is never read or set.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, Protocol

from qa.errors import LLMConfigError, LLMError
from qa.settings import Settings

CONTEXT_WINDOW = 8192  # tokens assumed for remote models (and asked of Ollama as num_ctx)
TEMPERATURE = 0.0  # answers from articles: greedy, reproducible
Messages = list[dict[str, str]]


class ChatLLM(Protocol):
    """What the answerer needs from an LLM. Messages are ``{"role", "content"}`` dicts."""

    name: str

    def chat(self, messages: Messages, max_tokens: int = 400) -> str: ...

    def stream(self, messages: Messages, max_tokens: int = 400) -> Iterator[str]: ...


class _IndexChat:
    """A llama-index LLM seen through ``ChatLLM``: plain dicts in, plain strings out."""

    def __init__(
        self, name: str, llm_for: Callable[[int], Any], explain: Callable[[Exception], str]
    ) -> None:
        self.name = name
        self._llm_for = llm_for  # max_tokens -> llama-index LLM configured for it
        self._explain = explain  # exception -> one-line message for the user

    def chat(self, messages: Messages, max_tokens: int = 400) -> str:
        try:
            response = self._llm_for(max_tokens).chat(_to_index(messages), max_tokens=max_tokens)
            return response.message.content or ""
        except LLMError:
            raise
        except Exception as e:
            raise LLMError(self._explain(e)) from e

    def stream(self, messages: Messages, max_tokens: int = 400) -> Iterator[str]:
        try:
            parts = self._llm_for(max_tokens).stream_chat(
                _to_index(messages), max_tokens=max_tokens
            )
            try:
                for part in parts:
                    if part.delta:
                        yield part.delta
            finally:
                parts.close()  # a reader that stops early stops the generation too
        except LLMError:
            raise
        except Exception as e:
            raise LLMError(self._explain(e)) from e


def _to_index(messages: Messages) -> list[Any]:
    from llama_index.core.base.llms.types import ChatMessage

    return [ChatMessage(role=m["role"], content=m["content"]) for m in messages]


def _reason(e: BaseException) -> str:
    """The root cause of a network error, short: 'connection refused', 'timed out', ..."""
    while e.__cause__ is not None or e.__context__ is not None:
        e = e.__cause__ or e.__context__  # type: ignore[assignment]
    text = re.sub(r"^\[Errno -?\d+\]\s*", "", str(e).splitlines()[0] if str(e) else "")
    return (text or type(e).__name__).strip().rstrip(".").lower()


def _detail(e: Exception) -> str:
    """The server's own words from an HTTP error (OpenAI's body.message, Ollama's error)."""
    body = getattr(e, "body", None)
    if isinstance(body, dict):
        body = body.get("error", body)
        body = body.get("message") if isinstance(body, dict) else body
    text = str(body or getattr(e, "error", None) or getattr(e, "message", None) or e)
    return text.splitlines()[0][:200] if text else ""


def _explainer(kind: str, url: str, model: str, timeout: float) -> Callable[[Exception], str]:
    where = f"the LLM at {url}"

    def explain(e: Exception) -> str:
        name, status = type(e).__name__, getattr(e, "status_code", None)
        if "Timeout" in name or isinstance(e, TimeoutError):
            return f"{where} did not answer within {timeout:g} s (NEWSQA_LLM_TIMEOUT)"
        if "Connect" in name or isinstance(e, ConnectionError):
            return (
                f"cannot reach {where} ({_reason(e)}) — is the server "
                "running? set NEWSQA_LLM_BASE_URL"
            )
        detail = _detail(e) or name
        if status == 404:
            fix = f"ollama pull {model}" if kind == "ollama" else "check NEWSQA_LLM_BASE_URL"
            return f"{where} has no model {model!r} ({detail}) — set NEWSQA_LLM_MODEL or {fix}"
        if status in (401, 403):
            return f"{where} refused the request ({detail}) — set NEWSQA_LLM_API_KEY"
        return f"{where} failed ({name}: {detail})"

    return explain


def _need(module: str, value: str) -> None:
    try:
        __import__(module)
    except ImportError:
        raise LLMConfigError(
            f"NEWSQA_LLM={value} needs {module}: pip install 'newsqa[llm]'"
        ) from None


def _openai(s: Settings) -> _IndexChat:
    _need("llama_index.llms.openai_like", "openai")
    from llama_index.llms.openai_like import OpenAILike

    url = s.llm_base_url or "https://api.openai.com/v1"
    llm = OpenAILike(
        model=s.llm_model,
        api_base=url,
        api_key=s.llm_api_key or "not-needed",  # local servers ignore it; the client needs one
        is_chat_model=True,
        context_window=CONTEXT_WINDOW,
        temperature=TEMPERATURE,
        timeout=s.llm_timeout,
        max_retries=0,  # a dead endpoint must fail in seconds, not minutes of backoff
    )
    return _IndexChat(
        f"openai:{s.llm_model}",
        lambda _n: llm,
        _explainer("openai", url, s.llm_model, s.llm_timeout),
    )


def _ollama(s: Settings) -> _IndexChat:
    _need("llama_index.llms.ollama", "ollama")
    from llama_index.llms.ollama import Ollama
    from ollama import Client

    url = s.llm_base_url or "http://127.0.0.1:11434"
    client = Client(host=url, timeout=s.llm_timeout)
    by_length: dict[int, Any] = {}  # the answer cap is an Ollama option, fixed per object

    def llm_for(max_tokens: int) -> Any:
        if max_tokens not in by_length:
            by_length[max_tokens] = Ollama(
                model=s.llm_model,
                base_url=url,
                client=client,
                request_timeout=s.llm_timeout,
                context_window=CONTEXT_WINDOW,
                temperature=TEMPERATURE,
                additional_kwargs={"num_predict": max_tokens},
            )
        return by_length[max_tokens]

    return _IndexChat(
        f"ollama:{s.llm_model}", llm_for, _explainer("ollama", url, s.llm_model, s.llm_timeout)
    )


def _gguf(s: Settings, path: str) -> ChatLLM:
    from qa.llm.gguf import GGUFLLM, check_gguf

    check_gguf(path)  # a clear message before the import question
    _need("xllamacpp", f"gguf:{path}")
    return GGUFLLM(path, temperature=TEMPERATURE, timeout=s.llm_timeout, threads=s.llm_threads)


def unload_local_models() -> None:
    """Unload the in-process GGUF models (``qa.llm.gguf`` keeps one llama.cpp server per
    file and parameters); for tests and long-running scripts that switch models."""
    from qa.llm.gguf import unload_all

    unload_all()


def make_llm(settings: Settings) -> ChatLLM | None:
    """A new LLM of the kind ``NEWSQA_LLM`` names, or None for ``extractive`` (no cache:
    ``qa.api.MODELS`` shares them). Raises ``LLMConfigError`` / ``LLMError``."""
    value = (settings.llm or "extractive").strip()
    if value.lower() == "extractive":
        return None
    return _build(value, settings)


def _build(value: str, s: Settings) -> ChatLLM:
    kind = value.split(":", 1)[0].lower()
    if kind == "gguf":
        path = value.split(":", 1)[1].strip() if ":" in value else ""
        if not path:
            raise LLMConfigError("NEWSQA_LLM=gguf: needs a file path, e.g. gguf:/models/x.gguf")
        return _gguf(s, path)
    if kind in ("openai", "ollama"):
        if ":" in value and not s.llm_model:  # shorthand: NEWSQA_LLM=ollama:llama3.2
            s = s.with_(llm_model=value.split(":", 1)[1].strip())
        if not s.llm_model:
            raise LLMConfigError(f"NEWSQA_LLM={value} needs NEWSQA_LLM_MODEL (the model name)")
        return _openai(s) if kind == "openai" else _ollama(s)
    raise LLMConfigError(
        f"NEWSQA_LLM={value!r} is not known: use extractive, openai, ollama or "
        "gguf:/path/model.gguf"
    )
