"""What the store holds, for ``newsqa stats`` and the MCP tools ``list_sources`` and
``get_article``: the outlets with their article counts and date ranges, and one stored
article (its cleaned full text and metadata) found by id or URL.

Reads only the article ledger (``qa.store``'s ``all_articles``, ``article_states``,
``article_text``); it loads no model. A URL is matched as ingestion names articles
(``ingest.clean.article_id`` of the canonical URL), then against each stored article's own
URL, so the address a page was fetched from and the canonical one it declares both work.
"""

from __future__ import annotations

from typing import Any

from qa.errors import QAError


def overview(store: Any) -> dict:
    """The collection at a glance: articles, chunks, first and last publication date,
    where it lives, its embedder, and each outlet (``source``) with its article count and
    first/last date, most articles first. Counts complete articles, syndicated copies
    included (each is an article of its outlet)."""
    per: dict[str, dict] = {}
    dates = []
    articles = [a for a in store.all_articles().values() if a.complete]
    for a in articles:
        name = a.source or ""
        row = per.setdefault(name, {"source": name, "articles": 0, "first": None,
                                    "last": None})
        row["articles"] += 1
        if a.published:
            day = a.published.isoformat()
            dates.append(day)
            row["first"] = min(row["first"] or day, day)
            row["last"] = max(row["last"] or day, day)
    model = store.model
    return {
        "articles": len(articles),
        "chunks": store.count(),
        "first": min(dates) if dates else None,
        "last": max(dates) if dates else None,
        "where": store.settings.where,
        "embedder": model.name if model else None,
        "sources": sorted(per.values(), key=lambda r: (-r["articles"], r["source"].lower())),
    }


def overview_text(stats: dict) -> str:
    """``overview`` for people: a few lines and one row per outlet."""
    span = f", published {stats['first']} to {stats['last']}" if stats["first"] else ""
    lines = [f"{stats['articles']} articles ({stats['chunks']} passages){span}",
             f"store: {stats['where']}" + (f" (embedder {stats['embedder']})"
                                           if stats["embedder"] else "")]
    if stats["sources"]:
        width = max(len(r["source"] or "(unknown outlet)") for r in stats["sources"])
        lines.append("")
        for r in stats["sources"]:
            when = f"  {r['first']} to {r['last']}" if r["first"] else ""
            lines.append(f"  {(r['source'] or '(unknown outlet)'):<{width}}  "
                         f"{r['articles']:>5} article{'s' if r['articles'] != 1 else ' '}{when}")
    return "\n".join(lines)


def find_article(store: Any, key: str) -> dict:
    """A stored article by id or URL: its metadata and full cleaned text (``text``; the
    offsets of any citation of it index this text). ``QAError`` when there is none."""
    key = key.strip()
    if not key:
        raise QAError("give an article id or URL")
    ids = [key]
    url = key.startswith(("http://", "https://"))
    if url:
        from ingest.clean import article_id

        ids.append(article_id(key, ""))
    found = [r for r in store.article_states(ids).values() if r.complete]
    if not found and url:
        from ingest.clean import canonical_url

        want = canonical_url(key)
        found = [r for r in store.all_articles().values()
                 if r.complete and r.url and canonical_url(r.url) == want]
    if not found:
        raise QAError(f"no article with the id or URL {key[:200]!r} in the store")
    rec = found[0]
    text = store.article_text(rec.article_id) or ""
    return {
        "article_id": rec.article_id, "title": rec.title, "source": rec.source,
        "author": rec.author, "published": rec.published.isoformat() if rec.published
        else None, "url": rec.url, "copy_of": rec.dup_of or None, "chars": len(text),
        "text": text,
    }


__all__ = ["find_article", "overview", "overview_text"]
