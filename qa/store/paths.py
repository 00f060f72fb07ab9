"""Where a store's files live beside Chroma: the lexical index and the writers' lock."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from qa.settings import Settings


def lexical_path(s: Settings) -> str:
    """Where the lexical index of these settings lives."""
    name = f"lexical-{s.collection}.sqlite3"
    if s.lexical_dir:
        base = Path(s.lexical_dir)
    elif s.chroma_url:
        u = urlparse(s.chroma_url)
        base = Path.home() / ".cache" / "newsqa" / f"{u.hostname}_{u.port or 8000}"
    else:
        base = Path(s.store_dir)
    return str(base / name)


def write_lock(s: Settings) -> Path:
    """The writers' lock file: in the store directory, or beside the lexical index for a
    Chroma server (so it serialises the writers of one machine only)."""
    base = Path(lexical_path(s)).parent if s.chroma_url else Path(s.store_dir)
    return base / f"{s.collection}.write.lock"
