"""A local GGUF chat model run in-process with xllamacpp, as a plain ``ChatLLM``.

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
the model.) Errors are raised as ``LLMError`` with one-line messages. No llama-index here:
messages stay ``{"role", "content"}`` dicts from the caller to llama.cpp.
"""

from __future__ import annotations

import os
import queue
import secrets
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from qa.errors import LLMError

if TYPE_CHECKING:
    from qa.llm.backends import Messages

N_CTX = 4096  # tokens of context: enough for k passages of ~200 tokens, a question and history
# llama.cpp keeps past prompts' KV state in RAM for reuse, up to 8 GiB by default: ~35 MiB per
# answer here, so a chat grew to 7 GiB over 200 answers (bench/RESULTS.md). Each question
# brings new passages, so old prompts are rarely reused; a small cache is enough.
PROMPT_CACHE_MIB = 64
_servers: dict[tuple[str, int, int, int], Any] = {}
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


def load_server(path: str, n_ctx: int = N_CTX, threads: int = 0,
                cache_mib: int = PROMPT_CACHE_MIB) -> Any:
    """The process-wide ``xllamacpp.Server`` for this GGUF file, loaded on first use
    (``threads`` 0 = ``default_threads()``; ``cache_mib``: llama.cpp's host prompt cache)."""
    full = check_gguf(path)
    threads = threads if threads > 0 else default_threads()
    key = (full, n_ctx, threads, cache_mib)
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
        params.cache_ram_mib = cache_mib
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


class GGUFLLM:
    """A ``ChatLLM`` over a GGUF file run in-process by xllamacpp (llama.cpp): dict messages
    in, plain text out; ``max_tokens`` caps each answer."""

    def __init__(self, model_path: str, n_ctx: int = N_CTX, temperature: float = 0.0,
                 timeout: float = 120.0, threads: int = 0,
                 prompt_cache_mib: int = PROMPT_CACHE_MIB) -> None:
        self.model_path = model_path
        self.name = f"gguf:{os.path.basename(model_path)}"
        self.temperature = temperature
        self.timeout = timeout  # seconds a stream may stall (and the generation time cap)
        self.threads = threads if threads > 0 else default_threads()  # what llama.cpp uses
        self._what = f"the local model {os.path.basename(model_path)}"
        self._server = load_server(model_path, n_ctx, self.threads, prompt_cache_mib)

    def chat(self, messages: Messages, max_tokens: int = 400) -> str:
        try:
            result = self._server.handle_chat_completions(self._request(messages, max_tokens))
        except (ValueError, RuntimeError) as e:
            raise LLMError(f"{self._what} failed: {e}") from None
        _raise_if_error(result, self._what)
        try:
            return result["choices"][0]["message"].get("content") or ""
        except (KeyError, IndexError, TypeError, AttributeError):
            raise LLMError(f"{self._what} failed: an answer without text") from None

    def stream(self, messages: Messages, max_tokens: int = 400) -> Iterator[str]:
        chunks = self._stream(self._request(messages, max_tokens))
        try:
            for chunk in chunks:
                if text := _text_of(chunk):
                    yield text
        finally:
            chunks.close()  # a reader that stops early stops the generation too

    def _request(self, messages: Messages, max_tokens: int) -> dict[str, Any]:
        return {
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "max_tokens": int(max_tokens),
            "temperature": float(self.temperature),
            "t_max_predict_ms": int(self.timeout * 1000),
        }

    def _stream(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
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
                self._server.handle_chat_completions({**request, "stream": True}, on_chunk)
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
