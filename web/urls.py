"""Which URLs the web page trusts: ``safe_url`` lets through plain http(s) URLs with a host.

Used for links in source cards (``web.render``) and for URLs pasted into the page
(``web.uploads``). It only looks at the string: it neither fetches nor resolves anything,
and it does not decide whether a host is reachable or allowed (``ingest.fetch`` does).
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit


def safe_url(url: str | None) -> str | None:
    """``url`` (stripped) if it is a plain http(s) URL with a host, else None: no other
    scheme, no spaces, control or invisible formatting characters (bidi controls, which can
    make a URL display as another), quotes, angle brackets or backslashes."""
    if not url:
        return None
    url = url.strip()
    if any(ord(ch) < 33 or ch in "\"'<>\\`" or unicodedata.category(ch)[0] in "CZ"
           for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


__all__ = ["safe_url"]
