"""The "also in" line of a source card: the other outlets that carried a cited story.

``also_in_text(citation)`` -> ``"also in: Outlet B, Outlet C (3 more)"``: the outlets of
the citation's other copies (``Citation.also_in``, earliest ingested first), each named
once, the cited outlet itself left out (a copy at another URL of the same outlet adds
nothing to say); a copy without a source name is named by its web host. At most ``shown``
names, then how many more outlets. "" when no other outlet carried it. Pure: no store,
no HTML (the page escapes what it shows).
"""

from __future__ import annotations

from urllib.parse import urlparse

from qa.types import Citation


def _outlet(source: str, url: str) -> str:
    if source.strip():
        return source.strip()
    host = urlparse(url).hostname or ""
    return host.removeprefix("www.")


def also_in_text(citation: Citation, shown: int = 2) -> str:
    """The card's "also in: A, B (n more)" line for ``citation``, or ""."""
    own = _outlet(citation.source, citation.url).casefold()
    names: dict[str, str] = {}
    for copy in citation.also_in:
        name = _outlet(copy.source, copy.url)
        if name and name.casefold() != own:
            names.setdefault(name.casefold(), name)
    if not names:
        return ""
    listed = list(names.values())
    more = len(listed) - shown
    return "also in: " + ", ".join(listed[:shown]) + (f" ({more} more)" if more > 0 else "")
