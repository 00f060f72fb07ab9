"""Download one http(s) URL safely: ``fetch(url, settings) -> FetchResult | Failure``.

Bounded in every direction: connect/read timeout (``settings.http_timeout``), a total
deadline (3 x the timeout by default) enforced by a watchdog that closes the socket, so a
server that drips one byte a second -- in the headers or the body -- cannot hold us; a
size cap (``settings.max_bytes``, also on gzip-decoded size); at most 10 redirects; only
http and https. Rejects HTTP errors and content types that cannot be articles (images,
video, octet-stream...). Built on ``http.client`` so the socket is reachable for the
watchdog; no cookies, no authentication, no proxy support, no retries. Every hop's host is
resolved once and checked by ``ingest.netguard`` (private addresses refused unless the
settings allow them, one uniform "refused: private address" line) and the connection goes
to the checked address. It does not parse what it downloads (see ``ingest.read``).
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from functools import cached_property
from http import HTTPStatus
from urllib.parse import quote, urljoin, urlsplit

from ingest.netguard import REFUSED, Refused, UrlPolicy, checked_addresses, connector, url_policy
from ingest.records import Failure
from ingest.textio import declared_charset, decode_bytes, human_size
from qa.errors import QAError
from qa.settings import Settings

MAX_REDIRECTS = 10
USER_AGENT = "Mozilla/5.0 (compatible; newsqa/0.1; +https://github.com/newsqa)"
ACCEPT = ("text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
          "application/xml;q=0.9,application/json;q=0.8,text/plain;q=0.7,"
          "application/pdf;q=0.6,*/*;q=0.1")
_APP_TYPES = {"html", "xhtml+xml", "xml", "rss+xml", "atom+xml", "rdf+xml", "json",
              "ld+json", "feed+json", "x-ndjson", "ndjson", "jsonl", "x-jsonlines", "pdf"}
_REDIRECTS = {301, 302, 303, 307, 308}


@dataclass(frozen=True)
class FetchResult:
    """A downloaded payload. ``url`` is the final URL after redirects."""

    url: str
    content_type: str  # bare media type, lowercase; "" when the server sent none
    data: bytes
    charset: str | None = None  # from the Content-Type header
    status: int = 200  # 304 only when the caller sent conditional ``headers``
    etag: str = ""  # the validators a conditional GET sends back (ingest.watch)
    last_modified: str = ""

    @cached_property
    def text(self) -> str:
        """The payload decoded: header charset, then in-document declaration, then guesses."""
        return decode_bytes(self.data, self.charset or declared_charset(self.data))


class _Abort(Exception):
    """Internal: stop this download with a user-facing reason."""


def content_type_ok(media_type: str) -> bool:
    """True for types that can hold an article, a feed or records."""
    if not media_type:
        return True
    main, _, sub = media_type.partition("/")
    if main == "text":
        return True
    return main == "application" and (sub in _APP_TYPES or sub.endswith(("+xml", "+json")))


def fetch(url: str, settings: Settings, *, deadline: float | None = None,
          headers: dict[str, str] | None = None) -> FetchResult | Failure:
    """GET ``url`` following redirects; a ``Failure(url, reason)`` on any problem, and
    ``Failure(url, REFUSED)`` when any hop's host resolves to an address ``settings`` do not
    allow (``ingest.netguard``: checked before connecting, then connected to as checked).

    ``deadline`` is the total time allowed in seconds (default ``3 * settings.http_timeout``).
    ``headers`` are added to every hop's request (``If-None-Match``...): a 304 answer to
    them is a ``FetchResult`` with ``status=304`` and no data.
    """
    total = deadline if deadline is not None else 3 * settings.http_timeout
    end = time.monotonic() + total
    current = url.strip()
    try:
        policy = url_policy(settings)
    except QAError as err:
        return Failure(url, str(err))
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            result = _get_once(current, settings, end, total, policy, headers or {})
            if isinstance(result, str):  # a redirect target
                current = result
                continue
            return result
        return Failure(url, f"too many redirects (more than {MAX_REDIRECTS})")
    except _Abort as err:
        return Failure(url, str(err))


def _get_once(url: str, settings: Settings, end: float, total: float,
              policy: UrlPolicy, extra: dict[str, str]) -> FetchResult | str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise _Abort(f"unsupported URL scheme {scheme or '(none)'}: newsqa fetches http and "
                     "https only")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise _Abort("invalid URL (bad port)") from None
    if not host:
        raise _Abort("invalid URL (no host)")
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    port = port or (443 if scheme == "https" else 80)
    try:  # resolve once, check, and connect to exactly what was checked (no DNS rebinding)
        addresses = checked_addresses(host, port, policy)
    except Refused:
        raise _Abort(REFUSED) from None
    except UnicodeError:
        raise _Abort(f"invalid host name {host}") from None
    except OSError as err:
        raise _Abort(_describe(err, host, settings.http_timeout)) from None
    remaining = end - time.monotonic()
    if remaining <= 0:
        raise _Abort(f"download took longer than {total:g} s")
    timeout = min(settings.http_timeout, remaining)
    if scheme == "https":  # SNI and the certificate check use the name, not the address
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    conn._create_connection = connector(addresses)  # type: ignore[attr-defined]
    fired = threading.Event()

    def _watchdog() -> None:
        fired.set()
        sock = conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(remaining, _watchdog)
    timer.daemon = True
    timer.start()
    try:
        conn.request("GET", path, headers={
            "User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate",
            "Connection": "close", **extra})
        resp = conn.getresponse()
        if resp.status in _REDIRECTS and resp.getheader("Location"):
            return urljoin(url, resp.getheader("Location", "").strip())
        validators = {"etag": resp.getheader("ETag", ""),
                      "last_modified": resp.getheader("Last-Modified", "")}
        if resp.status == 304 and extra:
            return FetchResult(url=url, content_type="", data=b"", status=304, **validators)
        if resp.status >= 400 or resp.status < 200 or resp.status in _REDIRECTS:
            raise _Abort(f"HTTP {resp.status} {resp.reason or _phrase(resp.status)}".strip())
        media, charset = _parse_content_type(resp.getheader("Content-Type", ""))
        if not content_type_ok(media):
            raise _Abort(f"unsupported content type {media}")
        data = _read_body(resp, settings.max_bytes, end, total)
        if fired.is_set():
            raise _Abort(f"download took longer than {total:g} s")
        return FetchResult(url=url, content_type=media, data=data, charset=charset,
                           status=resp.status, **validators)
    except _Abort:
        raise
    except Exception as err:  # every network problem becomes a Failure
        if fired.is_set():
            raise _Abort(f"download took longer than {total:g} s") from None
        raise _Abort(_describe(err, host, settings.http_timeout)) from None
    finally:
        timer.cancel()
        conn.close()


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _parse_content_type(value: str) -> tuple[str, str | None]:
    media, *params = value.split(";")
    charset = None
    for p in params:
        key, _, val = p.partition("=")
        if key.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip("\"'").lower()
    return media.strip().lower(), charset


def _read_body(resp: http.client.HTTPResponse, max_bytes: int, end: float, total: float) -> bytes:
    too_big = f"response larger than {human_size(max_bytes)}"
    length = resp.getheader("Content-Length")
    if length and length.strip().isdigit() and int(length) > max_bytes:
        raise _Abort(too_big)
    encoding = (resp.getheader("Content-Encoding") or "").strip().lower()
    inflater = None
    if encoding in ("gzip", "x-gzip"):
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        inflater = zlib.decompressobj()
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > end:
            raise _Abort(f"download took longer than {total:g} s")
        chunk = resp.read1(65536)
        if not chunk:
            break
        if inflater is not None:
            chunk = inflater.decompress(chunk, max_bytes + 1 - size)
        size += len(chunk)
        if size > max_bytes:
            raise _Abort(too_big)
        chunks.append(chunk)
    return b"".join(chunks)


def _describe(err: Exception, host: str, timeout: float) -> str:
    if isinstance(err, TimeoutError | socket.timeout):
        return f"timed out after {timeout:g} s"
    if isinstance(err, socket.gaierror):
        return f"could not resolve host {host}"
    if isinstance(err, ConnectionRefusedError):
        return f"connection refused by {host}"
    if isinstance(err, ssl.SSLError):
        return f"TLS error: {err.reason or err}"
    if isinstance(err, zlib.error):
        return "corrupt compressed response"
    if isinstance(err, http.client.InvalidURL):
        return f"invalid URL: {err}"
    if isinstance(err, http.client.HTTPException):
        return f"invalid HTTP response ({type(err).__name__})"
    if isinstance(err, OSError):
        return f"network error: {err.strerror or err}"
    return f"download failed: {type(err).__name__}: {err}"
