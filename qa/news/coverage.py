"""Coverage answers from the stored metadata: which outlets covered a story, how many
articles it has (in a window), and what is new (a digest: one line per story, newest
first).

Outlets count every copy of the story — a near-copy in another outlet covered it too
(``Store.copies_of``) — and each outlet's line cites one of its articles. The digest lists
the articles published in the window (the question's time words; by default the last
``DIGEST_DAYS`` days before the newest stored article or ``as_of``), grouped by story so
five articles about one story make one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from qa.news.articles import StoryArticle, day, load
from qa.news.timeline import Lines, key_sentence, line
from qa.search.filters import Filters
from qa.store import Store, StoredArticle

DIGEST_DAYS = 1
DIGEST_MAX = 10  # stories in a digest


def outlets(store: Store, arts: Sequence[StoryArticle], subject: str,
            reranker: Any) -> tuple[str, Lines]:
    """"3 outlets covered it: A (Feb 10, Apr 14, 2025) [1][2]; B (May 23, 2025) [3]."""
    lines = Lines()
    copies = store.copies_of([a.meta.article_id for a in arts])
    by_outlet: dict[str, list[tuple[date | None, int]]] = {}
    for a in arts:
        n = lines.add(a, key_sentence(a, subject, reranker)).citation
        by_outlet.setdefault(a.meta.source or "source unknown", []).append((a.published, n))
        for c in copies.get(a.meta.article_id, ()):
            by_outlet.setdefault(c.source or "source unknown", []).append((c.published, n))
    parts = []
    for outlet, seen in sorted(by_outlet.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        dates = ", ".join(dict.fromkeys(day(d) for d, _ in sorted(seen, key=_by_date)))
        marks = "".join(f"[{n}]" for n in dict.fromkeys(n for _, n in seen))
        count = f"{len(seen)} articles: " if len(seen) > 1 else ""
        parts.append(f"- {outlet} ({count}{dates}) {marks}")
    noun = "outlet" if len(by_outlet) == 1 else "outlets"
    total = sum(len(v) for v in by_outlet.values())
    head = f"{len(by_outlet)} {noun} covered this story in {total} " \
           f"article{'s' if total != 1 else ''}:"
    return head + "\n" + "\n".join(parts), lines


def count(arts: Sequence[StoryArticle], total: int, subject: str, reranker: Any,
          window: str) -> tuple[str, Lines]:
    """"4 articles about it (between … and …):" and one line per article."""
    lines = Lines()
    body = [line(lines.add(a, key_sentence(a, subject, reranker))) for a in arts]
    shown = f" (the {len(arts)} closest to the question listed)" if total > len(arts) else ""
    head = f"{total} article{'s' if total != 1 else ''} about this story{window}{shown}:"
    return head + "\n" + "\n".join(body), lines


def digest(store: Store, limits: Filters, since: date | None, until: date | None,
           reranker: Any) -> tuple[str, Lines, str]:
    """What is new: the stories of the articles published in the window, newest first,
    one line each. Returns (text, lines, the window said in words)."""
    every = [a for a in store.all_articles().values() if a.complete and not a.dup_of]
    dated = [a for a in every if a.published and limits.matches(a.published, a.source,
                                                                 a.article_id)]
    if not dated:
        return "", Lines(), ""
    end = until or limits.as_of or max(a.published for a in dated if a.published)
    start = since or end - timedelta(days=DIGEST_DAYS)
    new = [a for a in dated if a.published and start <= a.published <= end]
    window = f"from {day(start)} to {day(end)}" if start != end else f"on {day(end)}"
    if not new:
        return "", Lines(), window
    stories = store.stories().story_of(a.article_id for a in new)
    newest: dict[str, StoredArticle] = {}
    count_of: dict[str, int] = {}
    for a in sorted(new, key=lambda a: (a.published, a.article_id)):
        key = stories.get(a.article_id, a.article_id)
        newest[key] = a  # the story's newest article in the window speaks for it
        count_of[key] = count_of.get(key, 0) + 1
    picked = sorted(newest.items(), key=lambda kv: (kv[1].published, kv[1].article_id),
                    reverse=True)[:DIGEST_MAX]
    arts = {a.meta.article_id: a for a in load(store, [a for _, a in picked])}
    lines = Lines()
    body = []
    for key, meta in picked:
        art = arts.get(meta.article_id)
        if art is None:
            continue
        more = count_of[key] - 1
        note = f" (+{more} more in this story)" if more else ""
        item = lines.add(art, art.sentences[0])
        body.append(f"- {meta.title or 'Untitled'}{note} — {line(item)[2:]}")
    stories_n = len(newest)
    head = (f"{len(new)} new article{'s' if len(new) != 1 else ''} in {stories_n} "
            f"stor{'ies' if stories_n != 1 else 'y'} {window}, newest first:")
    if len(newest) > len(body):
        head += f" (the newest {len(body)} shown)"
    return head + "\n" + "\n".join(body), lines, window


def _by_date(pair: tuple[date | None, int]) -> tuple:
    return (pair[0] is None, pair[0] or date.min)
