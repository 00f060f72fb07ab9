"""Who may use the web app, and how: the network check at start-up, who may add articles,
password guessing slowed down, and uploads refused to those who may not add articles.

``exposure_problem`` is the one-line reason ``python app.py`` refuses a non-loopback
``--host`` without a login (unless told ``--public-readonly``). ``Access`` says who may add
articles (``NEWSQA_READ_ONLY``, ``NEWSQA_WRITERS`` naming ``NEWSQA_AUTH`` users); the app
asks it in every handler that changes the corpus, not only when it hides the controls.
``LoginGuard.check`` is the password check the app gives gradio's login: after a few failed
tries for one user name, each further try waits longer before it is checked, one at a time.
``UploadGate`` is an ASGI middleware that refuses gradio's upload route to anyone who may not
add articles, so a read-only app keeps no visitor's files; gradio's routes that the page never
uses and that fetch or process what a visitor names (a URL behind ``/gradio_api/file=``, a
screen recording) are closed to everyone. No gradio import: the app passes
these objects to gradio; the gate reads gradio's login cookie (``App.tokens``) and fails
closed when it cannot.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import time
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any

from qa.errors import ConfigError
from qa.settings import Settings

log = logging.getLogger("newsqa.web")


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1): this machine only."""
    name = (host or "").strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def exposure_problem(host: str, login: bool, public_readonly: bool) -> str | None:
    """Why the app must not start on ``host`` (one line, with what to do), or None."""
    if is_loopback(host) or login or public_readonly:
        return None
    return (f"--host {host} would let anyone who can reach this machine use the app without "
            "a login: set NEWSQA_AUTH (and NEWSQA_WRITERS for who may add articles), or pass "
            "--public-readonly to serve it read-only without a login.")


@dataclass(frozen=True)
class Access:
    """Who may add articles: nobody when ``read_only``; else the ``writers`` (every user when
    empty)."""

    read_only: bool = False
    writers: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: Settings, users: list[str] | None) -> Access:
        """From ``NEWSQA_READ_ONLY`` and ``NEWSQA_WRITERS``; ``users`` are the
        ``NEWSQA_AUTH`` user names (None: no login). Writers nobody can log in as are a
        ``ConfigError``."""
        writers = frozenset(w.strip() for w in settings.writers.split(",") if w.strip())
        if writers and not settings.read_only:
            if not users:
                raise ConfigError("NEWSQA_WRITERS names who may add articles, but nobody "
                                  "logs in: set NEWSQA_AUTH too.")
            unknown = sorted(writers - set(users))
            if unknown:
                raise ConfigError(f"NEWSQA_WRITERS names {', '.join(unknown)}: not a user "
                                  "in NEWSQA_AUTH.")
        return cls(read_only=settings.read_only, writers=writers)

    def refusal(self, user: str | None) -> str | None:
        """Why ``user`` (None: not logged in) may not add articles, or None if they may."""
        if self.read_only:
            return ("This newsqa is read-only: articles are added on the server "
                    "(python -m ingest), not from the web.")
        if self.writers and user not in self.writers:
            return (f"{user or 'You'} may not add articles here: only the users named in "
                    "NEWSQA_WRITERS can (ask whoever runs this newsqa).")
        return None


class LoginGuard:
    """The password check for gradio's login, slowed down for guessers: after ``free``
    failed tries for one user name, each further try for it waits 1 s, 2 s, 4 s … (at most
    ``max_wait``) and tries for that name are checked one at a time, so guessing in parallel
    gains nothing. A success, or ``forget`` seconds without a failure, starts afresh."""

    def __init__(self, users: list[tuple[str, str]], free: int = 3, max_wait: float = 30.0,
                 forget: float = 900.0) -> None:
        self._users = dict(users)
        self.free, self.max_wait, self.forget = free, max_wait, forget
        self._fails: dict[str, tuple[int, float]] = {}  # name -> (failures, last failure)
        self._locks: dict[str, asyncio.Lock] = {}

    def failures(self, name: str) -> int:
        """Failed tries for ``name`` in a row (forgotten ``forget`` seconds after the last)."""
        count, last = self._fails.get(name, (0, 0.0))
        return count if time.monotonic() - last <= self.forget else 0

    def wait_for(self, name: str) -> float:
        """Seconds the next try for ``name`` waits before it is checked."""
        count = self.failures(name)
        return 0.0 if count < self.free else min(2.0 ** (count - self.free), self.max_wait)

    def _matches(self, name: str, password: str) -> bool:
        known = self._users.get(name)
        ok = hmac.compare_digest(password.encode(), (known or "\0").encode())
        return ok and known is not None

    async def check(self, username: str, password: str) -> bool:
        """Gradio's ``auth`` function (a coroutine function: gradio awaits it)."""
        name = username[:200]
        self._prune()
        async with self._locks.setdefault(name, asyncio.Lock()):
            delay = self.wait_for(name)
            if delay:
                await asyncio.sleep(delay)
            if self._matches(username, password):
                self._fails.pop(name, None)
                return True
            count = self.failures(name)
            self._fails[name] = (count + 1, time.monotonic())
            log.warning("failed login for %r (%d in a row)", name, count + 1)
            return False

    def _prune(self, limit: int = 10_000) -> None:
        """Forget old failures and idle locks, so made-up user names cannot fill memory."""
        if len(self._locks) < limit:
            return
        now = time.monotonic()
        self._fails = {k: v for k, v in self._fails.items() if now - v[1] <= self.forget}
        self._locks = {k: v for k, v in self._locks.items() if v.locked() or k in self._fails}


def login_user(scope: dict) -> str | None:
    """The user gradio's login cookie names in an ASGI ``scope`` (None: nobody, or a gradio
    that keeps its tokens elsewhere)."""
    app = scope.get("app")
    tokens, cookie_id = getattr(app, "tokens", None), getattr(app, "cookie_id", None)
    if not isinstance(tokens, dict) or not cookie_id:
        return None
    raw = b"; ".join(v for k, v in scope.get("headers", ()) if k == b"cookie")
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw.decode("latin-1"))
    except CookieError:
        return None
    for name in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}"):
        if name in jar and jar[name].value in tokens:
            return tokens[jar[name].value]
    return None


class UploadGate:
    """ASGI middleware: a POST to gradio's upload route from someone ``access`` refuses gets
    403 with the reason, and the file is never stored. Closed to everyone: gradio's
    screen-recording route (it runs ffmpeg on what it gets and keeps a temp file of it) and
    ``/gradio_api/file=<http URL>`` (the server would fetch any public URL for a visitor)."""

    def __init__(self, app: Any, access: Access) -> None:
        self.app, self.access = app, access

    def _refusal(self, scope: dict) -> str | None:
        path, method = scope.get("path", "").rstrip("/"), scope.get("method")
        if method == "POST" and path.endswith("/gradio_api/upload"):
            return self.access.refusal(login_user(scope))
        if method == "POST" and path.endswith("/gradio_api/process_recording"):
            return "newsqa does not process recordings."
        if "/gradio_api/file=http" in path.lower() or "/gradio_api/file/http" in path.lower():
            return "newsqa does not fetch URLs for visitors."
        return None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") == "http":
            reason = self._refusal(scope)
            if reason:
                body = reason.encode()
                await send({"type": "http.response.start", "status": 403, "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


__all__ = ["Access", "LoginGuard", "UploadGate", "exposure_problem", "is_loopback",
           "login_user"]
