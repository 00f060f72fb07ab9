"""Example questions for a first visit, drawn from the stored collection.

``questions(store)`` reads the article ledger once (titles, dates, near-copies) and the
story threads (``Store.stories``), and makes up to four questions the collection can
answer: "How did the <story> story unfold?" for its largest story told in several articles
(the name its titles share, e.g. "Harbor Bridge"), "What happened with <name>?" for the
newest articles of other stories (the first name in the title, e.g. "Storm Calloway"), and
"What's new?" (a digest). No model runs and nothing is searched: a name comes from the
title's capitalised words (``qa.text.entities``), so a question is only as good as the
titles. ``Examples`` keeps the questions until the store changes (its generation stamp).
Article text is untrusted, but a name is only letters, digits, apostrophes, hyphens and
the joining words of a name; the page shows the questions as text. No gradio import.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

from qa.errors import QAError
from qa.text.entities import names

DIGEST = "What's new?"
MAX_NAME = 60  # characters: a longer "name" is a headline in capitals, not a name
log = logging.getLogger("newsqa.web")


def _original(name: str, title: str) -> str:
    """``name`` (lower-cased) as ``title`` writes it, or ""."""
    m = re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", title, re.IGNORECASE)
    return m.group(0) if m and len(m.group(0)) <= MAX_NAME else ""


def story_subject(titles: list[str]) -> str:
    """The name most of a story's titles share (the longest of those in as many), as the
    titles write it; "" when no name is in two of them."""
    counts: Counter[str] = Counter()
    for title in titles:
        counts.update(set(names(title)))
    shared = [(n, k) for n, k in counts.items() if k >= 2]
    if not shared:
        return ""
    best, _ = max(shared, key=lambda nk: (nk[1], len(nk[0].split()), len(nk[0])))
    for title in titles:
        if original := _original(best, title):
            return original
    return ""


def title_subject(title: str) -> str:
    """The name a headline is about: its first name of several words, else its first
    name (as the title writes it); "" without one."""
    found = names(title)
    for name in [n for n in found if " " in n] + found:
        if original := _original(name, title):
            return original
    return ""


def questions(store: Any, limit: int = 4) -> list[str]:
    """Up to ``limit`` example questions for the articles in ``store`` (a ``qa.store.Store``;
    none when it holds no article)."""
    live = {i: a for i, a in store.all_articles().items() if a.complete and not a.dup_of}
    if not live:
        return []
    newest = sorted(live.values(), key=lambda a: (a.published or date.min, a.ingested_at),
                    reverse=True)
    threads = store.stories().stories()
    story_of = {m: sid for sid, members in threads.items() for m in members}
    out: list[str] = []
    used: set[str] = set()  # stories asked about
    told = [(sid, [live[m] for m in members if m in live]) for sid, members in threads.items()]
    told = [(sid, arts) for sid, arts in told if len(arts) >= 2]
    if told:
        sid, arts = max(told, key=lambda t: (len(t[1]), max(a.published or date.min
                                                            for a in t[1])))
        if subject := story_subject([a.title for a in arts]):
            out.append(f"How did the {subject} story unfold?")
            used.add(sid)
    for art in newest:
        if len(out) >= limit - 1:
            break
        sid = story_of.get(art.article_id, art.article_id)
        subject = title_subject(art.title)
        question = f"What happened with {subject}?"
        if subject and sid not in used and question not in out:
            out.append(question)
            used.add(sid)
    return [*out, DIGEST][:limit]


class Examples:
    """The example questions of one store, made again only when the store has changed."""

    def __init__(self, store: Callable[[], Any]) -> None:
        self._store = store  # opens (or returns) the app's store
        self._lock = threading.Lock()
        self._at: str | None = None
        self._questions: list[str] = []

    def get(self) -> list[str]:
        """The questions; [] when the store cannot be read (the page says why elsewhere)."""
        try:
            store = self._store()
            at = store.generation()
            with self._lock:
                if at != self._at:
                    self._questions, self._at = questions(store), at
                return list(self._questions)
        except QAError:
            return []
        except Exception:  # examples are a convenience: never break the page for them
            log.exception("example questions failed")
            return []


__all__ = ["DIGEST", "Examples", "questions", "story_subject", "title_subject"]
