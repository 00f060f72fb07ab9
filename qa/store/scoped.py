"""A store opened for one piece of work and closed after it, even when the work fails.

    with opened(settings) as store:      # maintenance: no model check
        store.rebuild_lexical()

The maintenance commands (delete, rebuild the keyword index, check or rebuild the vectors),
the catalog and the tests share it: a long-running app that does them many times keeps no
reference to Chroma open, and another process can write the store next.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from qa.settings import Settings
from qa.store.chroma import Store


@contextmanager
def opened(settings: Settings, model: Any = None, create: bool = False) -> Iterator[Store]:
    """``Store.open(settings, model, create)`` for the block; closed when it ends."""
    store = Store.open(settings, model, create)
    try:
        yield store
    finally:
        store.close()
