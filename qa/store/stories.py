"""Story threads: articles about the same developing story, kept beside the lexical index.

An article joins the story of the stored article it resembles most — the names both are
about (``qa.text.entities``), weighted by how rare each name is in the archive, cosine of
the two weighted name sets at least ``THRESHOLD``, at least ``MIN_SHARED`` names shared,
published at most ``WINDOW_DAYS`` apart — or starts a story of its own. Incremental: one
article costs a few indexed lookups (its names' frequencies, the articles that share a
rare one), whatever the archive size. A story is labelled by its first article's id.

Derived data, like the lexical index: ``sync(articles, texts)`` brings it in step with the
ledger (adds new and changed articles, oldest first; drops deleted ones) and may run in
any process; a transaction makes concurrent syncs take turns. Near-copies are members too
(their text is the story's). Deleting an article never splits its story.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import NamedTuple

from qa.text.entities import entities

TOP = 24  # names kept per article
THRESHOLD = 0.25
MIN_SHARED = 2
MATCH_MEMBERS = 2
WINDOW_DAYS = 90
PRIOR = 50  # idf as if the archive had this many more articles without the name: in a
# small archive a story's own name is in most articles and would otherwise weigh nothing
_COMMON = 0.05  # names in more than this share of articles (and over 20) find no candidates

_SCHEMA = """
CREATE TABLE IF NOT EXISTS story_names (article_id TEXT NOT NULL, name TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS story_names_name ON story_names(name);
CREATE INDEX IF NOT EXISTS story_names_article ON story_names(article_id);
CREATE TABLE IF NOT EXISTS stories (article_id TEXT PRIMARY KEY, story_id TEXT NOT NULL,
                                    published TEXT, hash TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS stories_story ON stories(story_id);
"""


class StoryDoc(NamedTuple):
    """What story grouping reads of an article."""

    article_id: str
    title: str
    text: str
    published: date | None
    hash: str = ""


class Stored(NamedTuple):
    """What ``sync`` needs to know of a stored article (``StoredArticle`` fits)."""

    article_id: str
    hash: str
    title: str
    published: date | None


def top_names(title: str, text: str, k: int = TOP) -> list[str]:
    """An article's ``k`` most frequent names."""
    counts = entities(title, text)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], -kv[0].count(" "), kv[0]))
    return [n for n, _ in ranked[:k]]


class StoryIndex:
    """Story membership in one SQLite file (see the module docstring). Thread-safe."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                   timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ---- reads --------------------------------------------------------------------------
    def story_of(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Each known article's story id."""
        with self._lock:
            return self._stories_of(list(dict.fromkeys(article_ids)))

    def members(self, story_id: str) -> list[str]:
        """The story's articles, oldest first (undated last)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT article_id FROM stories WHERE story_id = ? "
                "ORDER BY published IS NULL, published, article_id", (story_id,)).fetchall()
        return [r[0] for r in rows]

    def stories(self) -> dict[str, list[str]]:
        """Every story with its articles, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT story_id, article_id FROM stories "
                "ORDER BY published IS NULL, published, article_id").fetchall()
        out: dict[str, list[str]] = {}
        for story, article in rows:
            out.setdefault(story, []).append(article)
        return out

    # ---- writes -------------------------------------------------------------------------
    def add(self, docs: Sequence[StoryDoc]) -> int:
        """Assign ``docs`` (oldest first) to stories; returns how many."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for doc in sorted(docs, key=_order):
                    self._assign(doc)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return len(docs)

    def remove(self, article_ids: Sequence[str]) -> None:
        """Forget articles (their stories keep the other members)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._drop(article_ids)
            self._db.execute("COMMIT")

    def sync(self, articles: Iterable[Stored],
             texts: Callable[[list[str]], dict[str, str]], page: int = 200) -> int:
        """Make the index agree with the stored ``articles`` (``texts`` reads article texts
        by id); returns how many articles were (re)assigned."""
        live = {a.article_id: a for a in articles}
        with self._lock:
            have = dict(self._db.execute("SELECT article_id, hash FROM stories").fetchall())
        gone = [i for i in have if i not in live or have[i] != live[i].hash]
        todo = sorted((a for i, a in live.items() if have.get(i) != a.hash), key=_order)
        if gone:
            self.remove(gone)
        done = 0
        for i in range(0, len(todo), page):
            part = todo[i:i + page]
            text = texts([a.article_id for a in part])
            done += self.add([StoryDoc(a.article_id, a.title, text[a.article_id], a.published,
                                       a.hash) for a in part if a.article_id in text])
        return done

    def _drop(self, article_ids: Sequence[str]) -> None:
        for i in range(0, len(article_ids), 500):
            part = list(article_ids[i:i + 500])
            marks = ",".join("?" * len(part))
            self._db.execute(f"DELETE FROM stories WHERE article_id IN ({marks})", part)
            self._db.execute(f"DELETE FROM story_names WHERE article_id IN ({marks})", part)

    def _assign(self, doc: StoryDoc) -> None:
        db = self._db
        self._drop([doc.article_id])
        names = top_names(doc.title, doc.text)
        n = db.execute("SELECT COUNT(*) FROM stories").fetchone()[0] + 1
        story = doc.article_id
        if names:
            idf = self._idf(names, n)
            common = max(20.0, _COMMON * n)
            rare = [x for x in names if (n + PRIOR) / math.exp(idf[x]) - 1 <= common]
            best = self._best(doc, names, idf, rare, n)
            if best:
                story = best
        db.execute("INSERT INTO stories VALUES (?, ?, ?, ?)", (
            doc.article_id, story, doc.published.isoformat() if doc.published else None,
            doc.hash))
        db.executemany("INSERT INTO story_names VALUES (?, ?)",
                       [(doc.article_id, x) for x in names])

    def _idf(self, names: Sequence[str], n: int) -> dict[str, float]:
        marks = ",".join("?" * len(names))
        df = dict(self._db.execute(
            f"SELECT name, COUNT(*) FROM story_names WHERE name IN ({marks}) GROUP BY name",
            list(names)).fetchall())
        return {x: math.log((n + PRIOR) / (max(df.get(x, 0), 1) + 1)) for x in names}

    def _best(self, doc: StoryDoc, names: list[str], idf: dict[str, float],
              rare: list[str], n: int) -> str | None:
        if not rare:
            return None
        db = self._db
        marks = ",".join("?" * len(rare))
        args: list = list(rare)
        window = ""
        if doc.published:
            window = " AND (s.published IS NULL OR ABS(julianday(s.published) - " \
                     "julianday(?)) <= ?)"
            args += [doc.published.isoformat(), WINDOW_DAYS]
        cands = [r[0] for r in db.execute(
            f"SELECT DISTINCT n.article_id FROM story_names n JOIN stories s "
            f"ON s.article_id = n.article_id WHERE n.name IN ({marks}){window}", args)]
        if not cands:
            return None
        theirs: dict[str, set[str]] = {}
        for i in range(0, len(cands), 500):
            part = cands[i:i + 500]
            for aid, name in db.execute(
                    f"SELECT article_id, name FROM story_names WHERE article_id IN "
                    f"({','.join('?' * len(part))})", part):
                theirs.setdefault(aid, set()).add(name)
        other = {x for s in theirs.values() for x in s} - set(names)
        idf = {**idf, **(self._idf(sorted(other), n) if other else {})}
        mine = set(names)
        norm_a = math.sqrt(sum(idf[x] ** 2 for x in mine)) or 1.0
        matched: dict[str, list[float]] = {}  # story -> scores of its matching members
        story_of = self._stories_of(list(theirs))
        for aid, theirs_names in theirs.items():
            shared = mine & theirs_names
            if len(shared) < MIN_SHARED:
                continue
            norm_b = math.sqrt(sum(idf[x] ** 2 for x in theirs_names)) or 1.0
            score = sum(idf[x] ** 2 for x in shared) / (norm_a * norm_b)
            if score >= THRESHOLD:
                matched.setdefault(story_of[aid], []).append(score)
        best, best_score = None, 0.0
        for story, scores in matched.items():
            # a story of several articles is joined by an article that resembles at least
            # MATCH_MEMBERS of them, so a thread does not drift one look-alike at a time
            need = max(1, min(MATCH_MEMBERS, self._size(story) - 1))
            if len(scores) >= need and max(scores) > best_score:
                best, best_score = story, max(scores)
        return best

    def _stories_of(self, ids: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            out.update(self._db.execute(
                f"SELECT article_id, story_id FROM stories WHERE article_id IN "
                f"({','.join('?' * len(part))})", part).fetchall())
        return out

    def _size(self, story: str) -> int:
        return self._db.execute("SELECT COUNT(*) FROM stories WHERE story_id = ?",
                                (story,)).fetchone()[0]


def _order(doc: StoryDoc | Stored) -> tuple:
    return (doc.published is None, doc.published or date.min, doc.article_id)
