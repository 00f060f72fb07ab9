"""Token counting with tiktoken's cl100k_base, loaded offline.

tiktoken normally downloads its encoding file; llama-index-core ships that file in its
``_static/tiktoken_cache`` folder, so we point tiktoken there while loading. This module
does no network I/O and never touches llama-index's global tokenizer.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

import tiktoken

_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    """The cl100k_base encoding, from the cache bundled with llama-index-core."""
    import llama_index.core

    cache = Path(llama_index.core.__file__).parent / "_static" / "tiktoken_cache"
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
