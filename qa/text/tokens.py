"""Token counting with tiktoken's cl100k_base, loaded offline.

tiktoken normally downloads its encoding file; llama-index-core ships that file in its
``_static/tiktoken_cache`` folder, so we point tiktoken there while loading. This module
does no network I/O and never touches llama-index's global tokenizer. ``encoding()`` is
memoised (``lru_cache``): the encoding is a constant table, the same for every store and
setting, so this is not a model cache and holds no state worth resetting.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from functools import lru_cache
from pathlib import Path

import tiktoken

_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """The cl100k_base encoding, from the cache bundled with llama-index-core."""
    spec = importlib.util.find_spec("llama_index.core")  # locate, do not import (~1.5 s)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("llama-index-core is not installed: pip install llama-index-core")
    cache = Path(list(spec.submodule_search_locations)[0]) / "_static" / "tiktoken_cache"
    with _LOCK:
        old = os.environ.get("TIKTOKEN_CACHE_DIR")
        os.environ["TIKTOKEN_CACHE_DIR"] = str(cache)
        try:
            return tiktoken.get_encoding("cl100k_base")
        finally:
            if old is None:
                os.environ.pop("TIKTOKEN_CACHE_DIR", None)
            else:
                os.environ["TIKTOKEN_CACHE_DIR"] = old


def count(text: str) -> int:
    """Number of cl100k_base tokens in ``text``."""
    return len(encoding().encode(text, disallowed_special=()))
