"""A local GGUF chat model run in-process with xllamacpp, as a llama-index ``CustomLLM``.

What it does: checks the file (exists, starts with the GGUF magic), loads it once per process
into an ``xllamacpp.Server`` (cached by path; loading is serialised by a lock; the server is
itself thread-safe and queues concurrent requests), and answers chat requests through
``Server.handle_chat_completions``, so the model's own chat template is applied by llama.cpp.
Streaming: xllamacpp calls a callback synchronously, in the calling thread, with one
OpenAI-style ``chat.completion.chunk`` dict per token, and returns only when generation ends;
``_stream`` runs that call in a worker thread and hands the chunks over through a queue,
and tells llama.cpp to stop (the callback returns ``True``) when the consumer stops reading.

What it does not do: download models, or expose an HTTP API of its own. (xllamacpp always
binds an HTTP port on 127.0.0.1; we lock it with a random API key so only this process can use
the model.) Errors are raised as ``LLMError`` with one-line messages; ``qa.llm`` wraps this
class behind the ``ChatLLM`` interface, so llama-index types stay inside ``qa``.
"""

from __future__ import annotations

import os
import queue
import secrets
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
)
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.custom import CustomLLM
from pydantic import Field, PrivateAttr

from qa.errors import LLMError

N_CTX = 4096  # tokens of context: enough for k passages of ~200 tokens, a question and history
# llama.cpp keeps past prompts' KV state in RAM for reuse, up to 8 GiB by default: ~35 MiB per
# answer here, so a chat grew to 7 GiB over 200 answers (bench/RESULTS.md). Each question
# brings new passages, so old prompts are rarely reused; a small cache is enough.
PROMPT_CACHE_MIB = 64
_servers: dict[tuple[str, int, int], Any] = {}
_load_lock = threading.Lock()
_DONE = object()


def check_gguf(path: str) -> str:
    """Return the absolute path of a readable GGUF file, or raise ``LLMError`` saying why not."""
    where = f"NEWSQA_LLM=gguf:{path}"
    full = os.path.abspath(os.path.expanduser(path))
    if not os.path.exists(full):
        raise LLMError(f"{where}: no such file")
    if not os.path.isfile(full):
        raise LLMError(f"{where}: not a file")
    try:
        with open(full, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise LLMError(f"{where}: cannot read it ({e.strerror})") from None
    if magic != b"GGUF":
        raise LLMError(f"{where}: not a GGUF model file")
    return full


def default_threads() -> int:
    """Half the cores (at least one): llama.cpp spins its threads, and the app, the embedder
    and other users need the rest. On 2 cores, 2 threads answer 1.36× as fast (RESULTS.md)."""
    return max(1, min(8, (os.cpu_count() or 2) // 2))


def load_server(path: str, n_ctx: int = N_CTX, threads: int = 0) -> Any:
    """The process-wide ``xllamacpp.Server`` for this GGUF file, loaded on first use
    (``threads`` 0 = ``default_threads()``)."""
    full = check_gguf(path)
    threads = threads if threads > 0 else default_threads()
    key = (full, n_ctx, threads)
    with _load_lock:
        if key in _servers:
            return _servers[key]
        try:
            import xllamacpp
        except ImportError:
            raise LLMError(
                f"NEWSQA_LLM=gguf:{path} needs xllamacpp: pip install 'newsqa[llm]'"
            ) from None
        params = xllamacpp.CommonParams()
        params.model.path = full
        params.n_ctx = n_ctx
        params.n_parallel = 1
        params.cache_ram_mib = PROMPT_CACHE_MIB
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.verbosity = 0  # llama.cpp logs to stderr at every request otherwise
        params.hostnames = ["127.0.0.1"]
        params.api_keys = [secrets.token_hex(16)]  # the HTTP side is not ours to offer
        try:
            server = xllamacpp.Server(params)
        except RuntimeError as e:
            raise LLMError(f"NEWSQA_LLM=gguf:{path}: llama.cpp cannot load it ({e})") from None
        _servers[key] = server
        return server


def unload_all() -> None:
    """Drop every loaded model (their servers stop when garbage-collected); for tests."""
    with _load_lock:
        _servers.clear()


def _raise_if_error(result: Any, what: str) -> None:
    if isinstance(result, dict) and result.get("error"):
        err = result["error"]
        msg = err.get("message", str(err)) if isinstance(err, dict) else str(err)
        raise LLMError(f"{what} failed: {msg}")


def _text_of(chunk: dict[str, Any]) -> str:
    choices = chunk.get("choices") or [{}]
    return (choices[0].get("delta") or {}).get("content") or ""


class GGUFLLM(CustomLLM):
    """llama-index LLM over a GGUF file run in-process by xllamacpp (llama.cpp)."""

    model_path: str = Field(description="Path to the .gguf file.")
    n_ctx: int = Field(default=N_CTX, description="Context window in tokens.")
    max_tokens: int = Field(default=400, description="Default answer length cap in tokens.")
    temperature: float = Field(default=0.0)
    timeout: float = Field(default=120.0, description="Seconds a stream may stall.")
    threads: int = Field(default=0, description="CPU threads; 0 = half the cores.")
    _server: Any = PrivateAttr(default=None)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._server = load_server(self.model_path, self.n_ctx, self.threads)

    @classmethod
    def class_name(cls) -> str:
        return "newsqa_gguf_llm"

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            context_window=self.n_ctx,
            num_output=self.max_tokens,
            is_chat_model=True,
            model_name=os.path.basename(self.model_path),
        )

    @property
    def _what(self) -> str:
        return f"the local model {os.path.basename(self.model_path)}"

    def _request(self, body: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {
            **body,
            "max_tokens": int(kwargs.get("max_tokens") or self.max_tokens),
            "temperature": float(kwargs.get("temperature", self.temperature)),
            "t_max_predict_ms": int(self.timeout * 1000),
        }

    def _call(self, method: str, request: dict[str, Any]) -> dict[str, Any]:
        try:
            result = getattr(self._server, method)(request)
        except (ValueError, RuntimeError) as e:
            raise LLMError(f"{self._what} failed: {e}") from None
        _raise_if_error(result, self._what)
        return result

    def _stream(self, method: str, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Yield xllamacpp's stream chunks; a worker thread runs the blocking call."""
        chunks: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()

        def on_chunk(chunk: Any) -> bool:
            if stop.is_set():
                return True  # tells llama.cpp to stop generating
            chunks.put(chunk)
            return False

        def run() -> None:
            try:
                getattr(self._server, method)({**request, "stream": True}, on_chunk)
            except BaseException as e:  # handed to the consumer, raised there
                chunks.put(e)
            finally:
                chunks.put(_DONE)

        worker = threading.Thread(target=run, name="newsqa-gguf-stream", daemon=True)
        worker.start()
        try:
            while True:
                try:
                    item = chunks.get(timeout=self.timeout)
                except queue.Empty:
                    raise LLMError(
                        f"{self._what} produced nothing for {self.timeout:g} s (NEWSQA_LLM_TIMEOUT)"
                    ) from None
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise LLMError(f"{self._what} failed: {item}") from None
                _raise_if_error(item, self._what)
                yield item
        finally:
            stop.set()

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        request = self._request({"messages": _to_dicts(messages)}, **kwargs)
        result = self._call("handle_chat_completions", request)
        text = result["choices"][0]["message"].get("content") or ""
        return ChatResponse(message=ChatMessage(role="assistant", content=text), raw=result)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        request = self._request({"messages": _to_dicts(messages)}, **kwargs)

        def gen() -> ChatResponseGen:
            text = ""
            for chunk in self._stream("handle_chat_completions", request):
                delta = _text_of(chunk)
                text += delta
                yield ChatResponse(
                    message=ChatMessage(role="assistant", content=text), delta=delta, raw=chunk
                )

        return gen()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        result = self._call("handle_completions", self._request({"prompt": prompt}, **kwargs))
        return CompletionResponse(text=result["choices"][0].get("text") or "", raw=result)

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseGen:
        request = self._request({"prompt": prompt}, **kwargs)

        def gen() -> CompletionResponseGen:
            text = ""
            for chunk in self._stream("handle_completions", request):
                delta = (chunk.get("choices") or [{}])[0].get("text") or ""
                text += delta
                yield CompletionResponse(text=text, delta=delta, raw=chunk)

        return gen()


def _to_dicts(messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
    return [{"role": str(m.role.value), "content": m.content or ""} for m in messages]
