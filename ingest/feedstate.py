"""What the feed watcher remembers: one ``FeedState`` per feed, in one small JSON file.

The file is ``feeds-<collection>.json`` in the store directory (for a Chroma server: beside
its lexical index, like the writers' lock, ``qa.store.paths``). Per feed it keeps the
validators of the last answer (ETag, Last-Modified), the keys of the entries already stored
(newest last, at most ``SEEN_CAP``), entries that failed and will be tried again, when it
was last polled, what that poll said, its last error and a few counts.

Every change is a read-modify-write inside ``StateFile.change()``: an exclusive ``flock`` on
``<file>.lock`` (so a watcher and the web app's Feeds panel can both edit it), then the
whole state is written to a temporary file in the same directory, flushed, fsynced and
moved over the old one with ``os.replace``. The file is therefore always a whole old or a
whole new state, even when the process is SIGKILLed in the middle. It does no network
I/O and knows nothing about feeds' contents (see ``ingest.watch``).
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path

from qa.errors import QAError
from qa.settings import Settings
from qa.store.paths import lexical_path

SEEN_CAP = 5000  # entry keys remembered per feed (a feed lists its latest few dozen)
VERSION = 1


def now() -> str:
    """The local time as the state file and the log lines write it (to the second)."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass
class FeedState:
    """One watched feed (or OPML list of feeds) and what its polls found so far."""

    url: str
    kind: str = "feed"  # "feed", or "opml" for a list of feeds (learnt at its first poll)
    title: str = ""
    via: str = ""  # the OPML list it was found in, if any
    added: str = ""  # when it was added
    etag: str = ""  # validators of the last full answer, sent back on the next poll
    last_modified: str = ""
    seen: list[str] = field(default_factory=list)  # entry keys stored (or given up)
    retry: dict[str, int] = field(default_factory=dict)  # entry key -> failed attempts
    last_poll: str = ""
    last_result: str = ""  # the last poll's log line, without time and URL
    last_error: str = ""  # "" when the last poll worked
    errors: int = 0  # failed polls in a row
    polls: int = 0
    stored: int = 0  # entries stored over the feed's life

    @classmethod
    def from_dict(cls, d: dict) -> FeedState:
        """Read one feed back; unknown keys (a newer version's) are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def to_dict(self) -> dict:
        """JSON-ready; ``seen`` and ``retry`` included (``summary()`` leaves them out)."""
        return asdict(self)

    def summary(self) -> dict:
        """What a Feeds panel shows: everything but the entry keys, plus their counts."""
        d = {k: v for k, v in asdict(self).items() if k not in ("seen", "retry")}
        return {**d, "known": len(self.seen), "retrying": len(self.retry)}

    def remember(self, keys: list[str]) -> None:
        """Mark entries as stored: seen from now on, no longer retried."""
        have = set(self.seen)
        self.seen.extend(k for k in keys if k not in have)
        del self.seen[:-SEEN_CAP]
        for k in keys:
            self.retry.pop(k, None)


def state_path(settings: Settings) -> Path:
    """Where the watcher's state file for these settings lives."""
    base = Path(lexical_path(settings)).parent if settings.chroma_url \
        else Path(settings.store_dir)
    return base / f"feeds-{settings.collection}.json"


class StateFile:
    """The feeds' state on disk: ``load()`` to read, ``with change() as feeds:`` to edit."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def load(self) -> dict[str, FeedState]:
        """Every feed by URL, in the order they were added ({} before the first one)."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as err:
            raise QAError(f"cannot read the feed list {self.path}: "
                          f"{err.strerror or err}") from None
        try:
            data = json.loads(raw)
            return {d["url"]: FeedState.from_dict(d) for d in data["feeds"]}
        except (ValueError, KeyError, TypeError) as err:
            raise QAError(f"the feed list {self.path} is damaged ({type(err).__name__}: "
                          f"{err}); move it away to start a new one") from None

    @contextmanager
    def change(self) -> Iterator[dict[str, FeedState]]:
        """Hold the lock, yield the current feeds to modify in place, save them atomically
        (nothing is saved when the block raises)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise QAError(f"cannot write the feed list beside {self.path}: "
                          f"{err.strerror or err}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            feeds = self.load()
            yield feeds
            self._save(feeds)
        finally:
            os.close(fd)  # closing drops the flock

    def _save(self, feeds: dict[str, FeedState]) -> None:
        data = {"version": VERSION, "feeds": [f.to_dict() for f in feeds.values()]}
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp",
                                   dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
