"""iter_records(): files, folders, globs, JSON/JSONL, feeds, PDF and URLs; bad input never
raises, it yields a Failure with a reason the user can act on."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

import ingest.read_feed as read_feed
from ingest.clean import clean
from ingest.formats import suffix_list
from ingest.read import iter_records
from ingest.records import Article, Failure, RawRecord
from qa.settings import Settings
from tests.support.httpd import LocalServer

SETTINGS = Settings(http_timeout=2.0, allow_private_urls=True)  # the server is 127.0.0.1
BODY = ("The harbor commission met on Tuesday and agreed to repaint the lighthouse at "
        "Kettle Point before the summer season, at a cost of about 80,000 dollars.")
STORY = f"A test headline about the lighthouse\n\nBy Jane Doe\nMarch 3, 2025\n\n{BODY}\n"
PAGE = (f"<html><head><title>Lighthouse to be repainted</title></head><body><nav>Home News"
        f"</nav><article><h1>Lighthouse to be repainted</h1><p>{BODY}</p><p>{BODY}</p>"
        "</article></body></html>")
UNSUPPORTED = f"(newsqa reads {suffix_list()})"


def rss(items: str) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Harbor Wire</title>'
            f"{items}</channel></rss>")


def rss_item(n: int, *, full: bool = True, link: str = "") -> str:
    content = (f"<content:encoded><![CDATA[<p>{BODY}</p><p>Item {n}. {BODY}</p>]]>"
               "</content:encoded>") if full else ""
    return (f"<item><title>Story {n}</title><link>{link or f'https://wire.example/{n}'}</link>"
            f"<dc:creator>Ann Lee</dc:creator><pubDate>Tue, 04 Mar 2025 10:00:00 GMT</pubDate>"
            f"<description>Short summary {n}.</description>{content}</item>")


def atom(entries: list[tuple[str, str]]) -> str:
    body = "".join(f"<entry><title>{t}</title><link rel='alternate' href='{h}'/><author><name>"
                   f"Bo Park</name></author><published>2025-03-05T08:00:00Z</published>"
                   f"<summary>Short teaser.</summary></entry>" for t, h in entries)
    return f"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'><title>T</title>{body}</feed>"


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)


def outcomes(items: list, root: Path) -> list[tuple[str, str]]:
    """(origin relative to root, "record:<kind>" or the failure reason) in yield order."""
    out = []
    for item in items:
        origin = item.origin.replace(str(root) + os.sep, "")
        out.append((origin, f"record:{item.kind}" if isinstance(item, RawRecord) else item.reason))
    return out


def test_folder_mixing_good_and_broken_files(tmp_path):
    record = {"title": "Lighthouse", "text": BODY}
    write(tmp_path, {
        "a_good.txt": STORY,
        "b_page.html": PAGE,
        "c_notes.md": f"# Lighthouse notes\n\n**Bold** start. {BODY}",
        "d_records.jsonl": "\n".join([json.dumps(record), "{broken", "[1, 2]",
                                      '{"title": "no text here"}', "",
                                      json.dumps({**record, "title": "Second"})]) + "\n",
        "e_list.json": json.dumps([record, {**record, "title": "Other"}]),
        "f_empty.txt": b"",
        "g_binary.txt": b"\x00\x01\x02binary\x00",
        "h_latin1.txt": ("Café owners welcome the plan. " + BODY).encode("latin-1"),
        "i_report.docx": b"PK\x03\x04",
        "j_photo.png": b"\x89PNG\r\n\x1a\n",
        "k_noext": b"hello",
        "feed.rss": rss(rss_item(1) + rss_item(2, full=False)),
        "name with spaces ü.txt": STORY,
        ".hidden.txt": STORY,
        ".git/config.txt": STORY,
        "sub/deeper/l_nested.txt": STORY,
    })
    items = list(iter_records([str(tmp_path)], SETTINGS))
    assert outcomes(items, tmp_path) == [
        ("a_good.txt", "record:text"),
        ("b_page.html", "record:html"),
        ("c_notes.md", "record:text"),
        ("d_records.jsonl:1", "record:fields"),
        ("d_records.jsonl:2", "invalid JSON at line 2: Expecting property name enclosed in "
                              "double quotes (column 2)"),
        ("d_records.jsonl:3", "line is an array, not an article object"),
        ("d_records.jsonl:4", "record has no article text (expected a field like text, body, "
                              "content, article or maintext)"),
        ("d_records.jsonl:6", "record:fields"),
        ("e_list.json[0]", "record:fields"),
        ("e_list.json[1]", "record:fields"),
        ("f_empty.txt", "empty file"),
        ("feed.rss#1", "record:html"),
        ("feed.rss#2", "feed entry has only a short summary (3 words); give the feed as a URL "
                       "to fetch the linked article"),
        ("g_binary.txt", "binary file, not text"),
        ("h_latin1.txt", "record:text"),
        ("i_report.docx", f"unsupported file type .docx {UNSUPPORTED}"),
        ("j_photo.png", f"unsupported file type .png {UNSUPPORTED}"),
        ("k_noext", f"unsupported file type (no extension) {UNSUPPORTED}"),
        ("name with spaces ü.txt", "record:text"),
        ("sub/deeper/l_nested.txt", "record:text"),
    ]
    articles = [clean(r) for r in items if isinstance(r, RawRecord)]
    assert all(isinstance(a, Article) for a in articles), articles
    latin = next(a for a in articles if a.origin.endswith("h_latin1.txt"))
    assert latin.text.startswith("Café owners")
    md = next(a for a in articles if a.origin.endswith("c_notes.md"))
    assert md.title == "Lighthouse notes" and md.text.startswith("Bold start.")
    assert list(iter_records([str(tmp_path)], SETTINGS)) == items  # deterministic


def test_mostly_utf8_with_a_bad_byte_keeps_the_utf8(tmp_path):
    (tmp_path / "a.txt").write_bytes(("Zoë met the mayor. " + BODY).encode() + b" \xff end.")
    [record] = iter_records([str(tmp_path / "a.txt")], SETTINGS)
    assert record.body.startswith("Zoë met") and "\ufffd end." in record.body


def test_missing_paths_and_patterns(tmp_path):
    write(tmp_path, {"x/a.txt": STORY, "x/b.txt": STORY, "x/y/c.jsonl": json.dumps(
        {"text": BODY}), "x/y/d.txt": STORY})
    missing = str(tmp_path / "nope.txt")
    assert list(iter_records([missing], SETTINGS)) == [
        Failure(missing, "no such file or directory")]
    pattern = str(tmp_path / "x" / "*.zzz")
    assert list(iter_records([pattern], SETTINGS)) == [
        Failure(pattern, "no files match this pattern")]
    flat = [r.origin for r in iter_records([str(tmp_path / "x" / "*.txt")], SETTINGS)]
    assert flat == [str(tmp_path / "x" / "a.txt"), str(tmp_path / "x" / "b.txt")]
    deep = [r.origin for r in iter_records([str(tmp_path / "x" / "**" / "*.jsonl")], SETTINGS)]
    assert deep == [str(tmp_path / "x" / "y" / "c.jsonl") + ":1"]
    dotted = str(tmp_path / "x" / "y" / ".." / "a.txt")
    assert [type(r) for r in iter_records([dotted], SETTINGS)] == [RawRecord]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert list(iter_records([str(empty)], SETTINGS)) == [
        Failure(str(empty), "no files in this folder")]


def test_file_over_the_size_cap_is_not_read(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(200_000_000)  # sparse: no disk space used
    start = time.monotonic()
    assert list(iter_records([str(big)], Settings())) == [
        Failure(str(big), "file is 200 MB, over the 20 MB limit (NEWSQA_MAX_BYTES)")]
    assert time.monotonic() - start < 10


def test_jsonl_is_streamed_and_capped_per_line(tmp_path):
    path = tmp_path / "big.jsonl"
    lines = [json.dumps({"text": BODY, "title": f"t{i}"}) for i in range(20)]
    lines[3] = json.dumps({"text": "x" * 5000})
    path.write_text("\n".join(lines) + "\n")
    items = list(iter_records([str(path)], Settings(max_bytes=1000)))
    assert len(items) == 20
    assert items[3] == Failure(f"{path}:4", "line 4 is over the 1 kB limit (NEWSQA_MAX_BYTES)")
    assert [r.title for r in items if isinstance(r, RawRecord)][-1] == "t19"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_permission_denied(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(STORY)
    path.chmod(0)
    try:
        assert list(iter_records([str(path)], SETTINGS)) == [
            Failure(str(path), "permission denied")]
    finally:
        path.chmod(0o600)


def test_json_field_names_shapes_and_coercion(tmp_path):
    data = {"articles": [
        {"link": "https://a.example/1", "headline": 2025, "maintext": BODY,
         "authors": [{"name": "Ann Lee"}, "Bo Park"], "datePublished": 1741089600000,
         "source": {"name": "Harbor Wire"}},
        {"url": "https://a.example/2", "title": {"rendered": "Rendered title"},
         "content": {"rendered": f"<p>{BODY}</p>"}, "byline": "By Cy Moss",
         "pubDate": "Tue, 04 Mar 2025 10:00:00 GMT", "site_name": "Site"},
        {"title": "Dict text", "text": {"a": 1}},
        {"title": "Number text", "body": 42},
        {"title": "Bad title", "text": BODY, "author": {"x": 1}},
        "just a string",
    ]}
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(data))
    items = list(iter_records([str(path)], SETTINGS))
    first, second, dict_text, number_text, bad_title, string = items
    assert (first.title, first.author, first.published, first.source, first.url) == (
        "2025", "Ann Lee, Bo Park", "2025-03-04", "Harbor Wire", "https://a.example/1")
    assert second.title == "Rendered title" and second.body == f"<p>{BODY}</p>"
    assert dict_text == Failure(f"{path}[2]", "field 'text' is an object without text")
    assert number_text == Failure(f"{path}[3]", "field 'body' is a number, not text")
    assert isinstance(bad_title, RawRecord) and bad_title.author == ""
    assert string == Failure(f"{path}[5]", "item is a string, not an article object")
    cleaned = clean(second)
    assert cleaned.text == BODY and cleaned.author == "Cy Moss"
    assert str(cleaned.published) == "2025-03-04"
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": "x",')
    [failure] = iter_records([str(bad)], SETTINGS)
    assert failure.reason.startswith("invalid JSON: Expecting property name")


def test_realtimeqa_search_result_shape(tmp_path):
    line = {"question_id": "q1", "search_result": [
        {"url": "https://b.example/1", "title": "One", "text": BODY, "authors": ["Ann Lee"],
         "publish_date": "2022/06/12"},
        {"url": "https://b.example/2", "title": "Two", "text": BODY, "authors": [],
         "publish_date": None}]}
    path = tmp_path / "week_gcs.jsonl"
    path.write_text(json.dumps(line) + "\n")
    one, two = iter_records([str(path)], SETTINGS)
    assert (one.origin, one.title, one.author, one.published) == (
        f"{path}:1[0]", "One", "Ann Lee", "2022/06/12")
    assert (two.origin, two.url, two.author) == (f"{path}:1[1]", "https://b.example/2", "")


def test_feed_with_10000_entries_is_fast(tmp_path):
    path = tmp_path / "big.rss"
    path.write_text(rss("".join(rss_item(i) for i in range(10_000))))
    start = time.monotonic()
    items = list(iter_records([str(path)], Settings()))
    assert time.monotonic() - start < 30
    assert len(items) == 10_000 and all(isinstance(r, RawRecord) for r in items)
    assert (items[0].title, items[0].author, items[0].extra["feed_title"]) == (
        "Story 0", "Ann Lee", "Harbor Wire")


def test_xml_that_is_not_a_feed(tmp_path):
    path = tmp_path / "data.xml"
    path.write_text("<?xml version='1.0'?><catalog><book>x</book></catalog>")
    assert list(iter_records([str(path)], SETTINGS)) == [
        Failure(str(path), "XML is not an RSS or Atom feed")]


def _pdf(lines: list[str]) -> bytes:
    content = "BT /F1 12 Tf 72 720 Td " + " ".join(f"({x}) Tj 0 -16 Td" for x in lines) + " ET"
    objects = ["<< /Type /Catalog /Pages 2 0 R >>",
               "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               "/Resources << /Font << /F1 5 0 R >> >> >>",
               f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out + trailer.encode()


def test_pdf_text_and_missing_pypdf(tmp_path, monkeypatch):
    pytest.importorskip("pypdf")
    path = tmp_path / "report.pdf"
    path.write_bytes(_pdf(["The harbor commission met on Tuesday and agreed to repaint",
                           "the lighthouse at Kettle Point before the summer season,",
                           "at a cost of about 80,000 dollars, officials said on Monday."]))
    [record] = iter_records([str(path)], SETTINGS)
    assert record.kind == "text" and "repaint" in record.body
    article = clean(record)
    assert "repaint the lighthouse at Kettle Point" in article.text
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\ngarbage")
    [failure] = iter_records([str(broken)], SETTINGS)
    assert isinstance(failure, Failure) and "PDF" in failure.reason
    monkeypatch.setitem(sys.modules, "pypdf", None)
    assert list(iter_records([str(path)], SETTINGS)) == [
        Failure(str(path), "reading PDF needs pypdf: pip install newsqa[pdf]")]


# --- URLs ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server():
    with LocalServer() as s:
        s.add("/article.html", PAGE)
        for n in range(1, 4):
            s.add(f"/pages/{n}.html", PAGE.replace("Lighthouse to be repainted", f"Page {n}"))
        s.add("/news.rss", rss(rss_item(1) + rss_item(2)), "application/rss+xml")
        s.add("/sniffed-feed", rss(rss_item(7)), "text/html")
        s.add("/teasers.atom", atom([("Entry one", s.url("/pages/1.html")),
                                     ("Entry two", s.url("/gone.html")),
                                     ("Entry three", s.url("/pages/3.html"))]),
              "application/atom+xml")
        s.add("/many.atom", atom([(f"E{n}", s.url(f"/pages/{n}.html")) for n in range(1, 4)]),
              "application/atom+xml")
        s.add("/records.json", json.dumps([{"url": "https://c.example/1", "text": BODY}]),
              "application/json")
        s.add("/records.jsonl", json.dumps({"text": BODY}) + "\nnot json\n",
              "application/x-ndjson")
        yield s


def test_url_article_page(server):
    [record] = iter_records([server.url("/article.html")], SETTINGS)
    assert (record.kind, record.origin, record.url) == (
        "html", server.url("/article.html"), server.url("/article.html"))
    article = clean(record)
    assert article.title == "Lighthouse to be repainted" and article.source == "127.0.0.1"
    assert "Home News" not in article.text


def test_url_feeds_with_full_content(server):
    items = list(iter_records([server.url("/news.rss"), server.url("/sniffed-feed")], SETTINGS))
    assert [(r.origin, r.title, r.url) for r in items] == [
        (server.url("/news.rss") + "#1", "Story 1", "https://wire.example/1"),
        (server.url("/news.rss") + "#2", "Story 2", "https://wire.example/2"),
        (server.url("/sniffed-feed") + "#1", "Story 7", "https://wire.example/7")]


def test_url_feed_with_teasers_fetches_linked_pages(server):
    items = list(iter_records([server.url("/teasers.atom")], SETTINGS))
    assert [(type(r).__name__, r.origin) for r in items] == [
        ("RawRecord", server.url("/pages/1.html")),
        ("Failure", server.url("/gone.html")),
        ("RawRecord", server.url("/pages/3.html"))]
    first = items[0]
    assert (first.title, first.author, first.published) == (
        "Entry one", "Bo Park", "2025-03-05T08:00:00Z")
    assert items[1].reason == "HTTP 404 Not Found"
    assert clean(first).title == "Entry one"


def test_url_feed_caps_linked_fetches(server, monkeypatch):
    monkeypatch.setattr(read_feed, "MAX_LINKS", 2)
    items = list(iter_records([server.url("/many.atom")], SETTINGS))
    assert [r.origin for r in items if isinstance(r, RawRecord)] == [
        server.url("/pages/1.html"), server.url("/pages/2.html")]
    assert items[-1] == Failure(server.url("/many.atom"), "skipped 1 feed entries with only a "
                                "summary: newsqa fetches at most 2 linked articles per feed")


def test_url_json_jsonl_and_errors(server):
    items = list(iter_records([server.url("/records.json"), server.url("/records.jsonl"),
                               server.url("/missing"), "ftp://x.example/a"], SETTINGS))
    assert isinstance(items[0], RawRecord) and items[0].url == "https://c.example/1"
    assert isinstance(items[1], RawRecord)
    assert items[2].reason.startswith("invalid JSON at line 2")
    assert items[3] == Failure(server.url("/missing"), "HTTP 404 Not Found")
    assert items[4].reason.startswith("unsupported URL scheme ftp")


def test_a_number_is_not_an_author(tmp_path):
    """A wrongly-typed author is dropped (the article is kept); a numeric title is text."""
    from ingest.read import iter_records
    from qa.settings import Settings

    p = tmp_path / "a.jsonl"
    p.write_text('{"title": 2025, "author": 3.5, "text": "' + "Words here. " * 30 + '"}\n')
    (rec,) = list(iter_records([str(p)], Settings()))
    assert rec.title == "2025" and rec.author == ""
