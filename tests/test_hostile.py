"""Hostile input, end to end: one ``python -m ingest ... --json`` run over broken, huge,
pathological and oddly named files and misbehaving HTTP URLs, mixed with good articles.

Everything is generated here (no committed fixtures): empty, binary, invalid-UTF-8 and
200 MB files, pathological HTML, JSONL with broken / oversized / wrongly typed lines, a
300-entry feed, file names with ``..``, unicode and spaces, and a local HTTP server that
answers 404, 500, a redirect loop, a one-byte-a-second drip, an endless body and a PNG.
The run must finish (a hang detector, not a timing test) with bounded peak memory, exit 1,
name every bad input with a specific one-line reason, and store every good article, which
is then checked through ``qa.store.Store``. A 10,000-entry feed is read and cleaned in a
separate child process (embedding 10,000 articles would take minutes), also under time and
memory bounds. Reader-level details are covered by test_read.py / test_fetch.py.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa.settings import Settings
from qa.store import Store
from tests.support.helpers import ROOT, write
from tests.support.httpd import LocalServer, endless_body, redirect_to

RUN_LIMIT = 240.0  # seconds: a hang detector, not a timing test
MEMORY_LIMIT = 2 * 1024**3  # bytes of peak RSS for the ingest child
HTTP_TIMEOUT = 2  # NEWSQA_HTTP_TIMEOUT for the run: fetch deadline 3 x 2 = 6 s
FEED_ENTRIES = 300

# --- good articles, written for this test ------------------------------------------------

HARBOR = """Kettle Point lighthouse to be repainted before summer

By Jane Doe
March 3, 2025

The harbor commission met on Tuesday and agreed to repaint the lighthouse at Kettle Point
before the summer season, at a cost of about 80,000 dollars.

Work will start in April and the beacon will stay lit throughout, the commission's chair
said, because fishing boats still rely on it at night.
"""

COUNCIL_PAGE = """<!doctype html><html><head><title>Library hours extended | Bayport Ledger</title>
<meta property="og:site_name" content="Bayport Ledger">
<meta property="article:published_time" content="2025-02-11T09:00:00Z"></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article><h1>Library hours extended</h1><p class="byline">By Omar Haddad</p>
<p>The Bayport public library will open until nine in the evening on weekdays from March,
after the city council approved an extra 140,000 dollars for staff on Monday night.</p>
<p>Councillors said students had asked for a quiet place to study after school, and the
head librarian promised a new homework club on Tuesdays and Thursdays.</p></article>
<footer>Copyright 2025 Bayport Ledger. All rights reserved.</footer></body></html>"""

CAFE = """# Café Lumière wins the regional pastry prize

The small bakery on Quai des Brumes took first place at the regional pastry fair on
Sunday, beating forty-two other entries with a pear and cardamom tart.

Owner Hélène Marchand said the recipe came from her grandmother and that the prize money,
about 3,000 euros, would pay for a second oven before the tourist season.
"""

SCHOOL = """School board approves new science wing

The Ridgefield school board voted five to two on Wednesday to build a science wing at the
north campus, with six laboratories and a greenhouse for the biology classes.

Construction is expected to begin in the autumn and to cost about 4.2 million dollars,
most of it covered by a state grant awarded last year.
"""

STORM = """Storm closes the coastal road for two days

Heavy rain and gusts of up to 110 kilometres an hour closed the coastal road between
Millbrook and Saltash on Thursday, and crews were still clearing fallen trees on Friday.

Police asked drivers to use the inland route, which adds about twenty minutes, until the
road reopens on Saturday morning after a final safety inspection.
"""

MARKET = """Farmers market moves to the old rail yard

The Saturday farmers market will move to the old rail yard in June, the market
association said, because the square outside the town hall is being repaved.

Stallholders welcomed the larger space, which has room for sixty stalls instead of forty,
and the association plans a shuttle bus from the station for older visitors.
"""

JAPANESE = """港湾委員会、灯台の塗り直しを決定

港湾委員会は火曜日、夏の観光シーズンを前にケトル岬の灯台を塗り直すことを決めた。費用は約八万ドルになる見込みだ。

工事は四月に始まり、その間も灯台の明かりは消さない。委員長は「夜間の漁船はまだこの灯台を頼りにしている」と話した。

地元の漁業組合は決定を歓迎し、塗装の色については住民の意見を聞くよう求めている。
"""

# a real UTF-8 article with a corrupted stretch of bytes in the middle
BROKEN_UTF8 = (b"New ferry terminal opens at Gull Island\n\n"
               + "Zoë Müller, the port director, opened the new ferry terminal at Gull Island on "
                 "Monday, two months ahead of schedule and slightly under its budget. "
                 .encode()
               + b"\xff\xfe\xfd\xfc"
               + b"The terminal has a covered waiting room for 200 passengers, bicycle racks "
                 b"and a cafe, and the first morning ferry left at six as planned.\n")


def pathological(title: str, sentence: str) -> dict[str, str]:
    """Three HTML pages with an article inside hostile markup."""
    body = f"<p>{sentence} {sentence.replace('The', 'Again, the', 1)}</p>"
    head = "<html><head><title>{}</title></head><body>"
    return {
        "deep-nesting.html": head.format(title + " (deep)") + "<div>" * 10_000
        + body.replace("harbor", "harbor deep") + "</div>" * 10_000 + "</body></html>",
        "megabyte-attribute.html": head.format(title + " (attribute)") + '<div data-x="'
        + "x" * 1_000_000 + '">' + body.replace("harbor", "harbor wide") + "</div></body></html>",
        "unclosed-tags.html": head.format(title + " (unclosed)") + body.replace(
            "harbor", "harbor open") + "<div><span>" * 50_000,  # 100k unclosed tags
    }


PATHOLOGICAL_SENTENCE = ("The harbor pilots union signed a three year agreement with the port "
                         "authority on Friday, ending a dispute over night shifts that had "
                         "delayed cargo ships for most of the winter.")


def feed(n: int) -> str:
    """An RSS feed of ``n`` entries, each with full content:encoded and a distinct story."""
    items = []
    for i in range(n):
        text = (f"<p>Berth {i} at the north quay was cleared on Monday after {i % 17 + 2} days "
                f"of repairs, the harbor master said.</p><p>Crews replaced {i % 9 + 3} timber "
                f"piles and {i % 5 + 1} mooring rings, and the berth will take ships of up to "
                f"{100 + i} metres again from Wednesday, she added.</p>")
        items.append(f"<item><title>Berth {i} reopens</title>"
                     f"<link>https://dockwire.example/berths/{i}</link>"
                     f"<pubDate>Tue, 04 Mar 2025 10:00:00 GMT</pubDate>"
                     f"<content:encoded><![CDATA[{text}]]></content:encoded></item>")
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>Dock Wire</title>{''.join(items)}</channel></rss>")


def jsonl_lines(max_bytes: int) -> tuple[bytes, dict[int, list[str]], set[int]]:
    """(file content, {bad line number: reason key words}, good line numbers)."""
    good = ("The Gull Island ferry will run every half hour in summer, the operator said on "
            "Monday, after passenger numbers rose by a third last year.")
    lines: list[tuple[str, list[str] | None]] = [
        (json.dumps({"title": "Ferry timetable", "text": good}), None),
        ('{"title": "broken", "text": "no closing quote}', ["invalid json at line 2"]),
        (json.dumps({"title": 2025, "text": good.replace("half hour", "twenty minutes")}),
         None),  # a number title is coerced to text
        (json.dumps({"title": "dict text", "text": {"a": 1, "b": [2]}}),
         ["field 'text'", "object"]),
        (json.dumps({"title": "List body", "body": [good.replace("summer", "winter"),
                                                    "Tickets will cost the same as before."]}),
         None),  # a list of paragraphs is joined
        (json.dumps({"title": "numbers", "body": [1, 2, 3]}), ["field 'body'", "number"]),
        (json.dumps({"title": None, "text": None, "author": None, "url": None,
                     "published": None}), ["no article text"]),
        ("null", ["line is null"]),
        ("[1, 2, 3]", ["line is an array"]),
        (json.dumps({"title": "bool", "text": True}), ["field 'text'", "boolean"]),
        ("[" * 100_000, ["invalid json at line 11", "nested too deeply"]),
        ('{"text": "' + "x" * (max_bytes + 10) + '"}', ["line 12", "20 mb limit"]),
        ("\x00\x01 not json", ["invalid json at line 13"]),
        (json.dumps({"title": "After the huge line", "text": good.replace("third", "quarter")}),
         None),
    ]
    data = "\n".join(line for line, _ in lines).encode() + b"\n"
    bad = {n: keys for n, (_, keys) in enumerate(lines, 1) if keys is not None}
    return data, bad, {n for n, (_, keys) in enumerate(lines, 1) if keys is None}


# --- the local HTTP server ---------------------------------------------------------------

def drip_one_byte_a_second(h) -> None:
    """Headers at once, then one byte of body a second for up to two minutes."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.end_headers()
    h.wfile.write(b"<html><body><p>")
    h.wfile.flush()
    for _ in range(120):
        if h.stopping:
            return
        h.wfile.write(b"x")
        h.wfile.flush()
        time.sleep(1)


@pytest.fixture(scope="module")
def server():
    with LocalServer() as s:
        s.add("/news/ferry-fares.html", COUNCIL_PAGE.replace("Library hours extended",
                                                             "Ferry fares frozen").replace(
            "public library will open until nine in the evening on weekdays from March",
            "ferry company will keep fares at this year's level until next spring"))
        s.add("/server-error", "<p>oops</p>", status=500)
        s.add_handler("/loop", redirect_to("/loop"))
        s.add_handler("/drip", drip_one_byte_a_second)
        s.add_handler("/endless", endless_body)
        s.add("/photo", b"\x89PNG\r\n\x1a\n" + bytes(2000), "image/png")
        yield s


# --- running the CLI in a child process, measuring it ----------------------------------

# Started by the test in a small launcher: a child forked straight from pytest would carry
# pytest's own peak RSS into its ru_maxrss (the high-water mark survives fork and exec).
LAUNCHER = """
import os, sys
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def run_child(args: list[str], env: dict[str, str], limit: float, cwd: Path
              ) -> tuple[int, str, str, float, int]:
    """Run ``args``; return (exit code, stdout, stderr, seconds, peak RSS in bytes).

    Peak memory is the child's own ``ru_maxrss`` (``os.wait4`` in the launcher). A child
    still running after ``limit`` seconds is killed with its launcher and the test fails.
    """
    out_path, err_path, rss_path = cwd / "child.out", cwd / "child.err", cwd / "child.rss"
    start = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(rss_path), *args],
                                stdout=out, stderr=err, env=env, cwd=ROOT,
                                start_new_session=True)
    try:
        code = proc.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the launcher's own group: it and the child
        proc.wait()
        pytest.fail(f"{args[1:3]} still running after {limit:.0f} s (a hang): "
                    + err_path.read_text(errors="replace")[-2000:])
    seconds = time.monotonic() - start
    return (code, out_path.read_text(errors="replace"), err_path.read_text(errors="replace"),
            seconds, int(rss_path.read_text()) * 1024)


def child_env(**newsqa: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep)
    env.update({f"NEWSQA_{k.upper()}": v for k, v in newsqa.items()})
    return env


def assert_reason(origin: str, reason: str, keys: list[str]) -> None:
    """A specific, one-line reason that names the problem (all ``keys``, any case)."""
    assert "\n" not in reason and 0 < len(reason) < 300, (origin, reason)
    for generic in ("unexpected error", "could not clean", "traceback", "Exception"):
        assert generic not in reason, (origin, reason)
    low = reason.lower()
    missing = [k for k in keys if not any(alt in low for alt in k.lower().split("|"))]
    assert not missing, f"{origin}: reason {reason!r} lacks {missing}"


# --- the end-to-end run ------------------------------------------------------------------

def test_hostile_inputs_in_one_ingest_run(tmp_path, server, embedder):
    max_bytes = Settings().max_bytes  # the default cap (20 MB)
    files = tmp_path / "in"
    good: dict[str, str] = {}  # origin -> a phrase its stored text must contain
    bad: dict[str, list[str]] = {}  # origin -> key words its reason must contain

    def add(name: str, content: str | bytes, phrase: str | None = None,
            keys: list[str] | None = None) -> str:
        path = write(files / name, content)
        if phrase is not None:
            good[str(path)] = phrase
        if keys is not None:
            bad[str(path)] = keys
        return str(path)

    inputs = [
        add("harbor.txt", HARBOR, phrase="repaint the lighthouse at Kettle Point"),
        add("council.html", COUNCIL_PAGE, phrase="open until nine in the evening"),
        add("a..b.txt", SCHOOL, phrase="science wing at the north campus"),
        add("broken bytes.txt", BROKEN_UTF8, phrase="covered waiting room for 200 passengers"),
        add("empty.txt", b"", keys=["empty"]),
        add("random.txt", random.Random(7).randbytes(65_536), keys=["binary"]),
    ]
    huge = files / "huge.txt"
    with open(huge, "wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: no disk used, must not be read
    inputs.append(str(huge))
    bad[str(huge)] = ["file is 210 MB", "20 MB limit"]  # the size from stat(), before reading
    for name, html in pathological("Pilots sign new contract", PATHOLOGICAL_SENTENCE).items():
        inputs.append(add(name, html, phrase="pilots union signed a three year agreement"))
    inputs.append(add("tags-only.html", "<html><body>" + "<div><p>" * 50_000,
                      keys=["no article text"]))
    data, bad_lines, good_lines = jsonl_lines(max_bytes)
    jsonl = add("records.jsonl", data)
    inputs.append(jsonl)
    bad.update({f"{jsonl}:{n}": keys for n, keys in bad_lines.items()})
    good.update({f"{jsonl}:{n}": "Gull Island ferry will run every" for n in good_lines})
    rss = add("dock wire.rss", feed(FEED_ENTRIES))
    inputs.append(rss)
    good.update({f"{rss}#{n}": f"Berth {n - 1} at the north quay" for n in
                 range(1, FEED_ENTRIES + 1)})
    # a folder read as a whole: unicode names and spaces
    intl = files / "intl ünï"
    good[add("intl ünï/日本語 ニュース.txt", JAPANESE)] = "ケトル岬の灯台を塗り直す"
    good[add("intl ünï/café.md", CAFE)] = "pear and cardamom tart"
    good[add("intl ünï/market report 2025.txt", MARKET)] = "old rail yard in June"
    inputs.append(str(intl))
    write(files / "dir" / "x.txt", STORM)
    dotted = str(files / "dir" / ".." / "dir" / "x.txt")  # given with "..", as typed
    inputs.append(dotted)
    good[dotted] = "closed the coastal road between"
    # over HTTP
    page = server.url("/news/ferry-fares.html")
    good[page] = "keep fares at this year's level"
    urls = {
        server.url("/missing.html"): ["HTTP 404"],
        server.url("/server-error"): ["HTTP 500"],
        server.url("/loop"): ["too many redirects"],
        server.url("/drip"): ["timed out|deadline|took longer than"],
        server.url("/endless"): ["larger than 20 MB"],
        server.url("/photo"): ["content type image/png"],
    }
    bad.update(urls)
    inputs += [page, *urls]

    store_dir = tmp_path / "store"
    code, out, err, seconds, peak = run_child(
        [sys.executable, "-m", "ingest", *inputs, "--json", "--allow-private-urls"],
        child_env(store=str(store_dir), http_timeout=str(HTTP_TIMEOUT)), RUN_LIMIT, tmp_path)
    print(f"\nhostile ingest run: {seconds:.1f} s, peak RSS {peak / 2**20:.0f} MiB, "
          f"{len(inputs)} inputs, {len(good)} good articles, {len(bad)} bad inputs")
    assert "Traceback" not in err, err[-3000:]
    assert code == 1, (code, err[-3000:])
    assert seconds < RUN_LIMIT
    assert peak < MEMORY_LIMIT, f"peak RSS {peak / 2**20:.0f} MiB"
    report = json.loads(out)

    failed = {f["input"]: f["reason"] for f in report["failed"]}
    assert len(failed) == len(report["failed"]), "an input is reported twice"
    for origin, keys in bad.items():
        assert origin in failed, f"{origin} is not reported as failed"
        assert_reason(origin, failed[origin], keys)
    unexpected = {o: r for o, r in failed.items() if o not in bad}
    assert not unexpected, f"good inputs reported as failed: {unexpected}"
    assert (report["added"], report["updated"], report["unchanged"],
            report["duplicates"]) == (len(good), 0, 0, 0), report
    assert report["chunks"] >= len(good)

    # what a user would find in the store
    store = Store.open(Settings(store=str(store_dir)), embedder)
    stored = store.all_articles()
    by_origin = {art.origin: art for art in stored.values()}
    assert set(by_origin) == set(good)
    assert len(stored) == len(good)
    for origin, phrase in good.items():
        art = by_origin[origin]
        assert art.complete and art.n_chunks >= 1, (origin, art)
        assert phrase in (store.article_text(art.article_id) or ""), origin
    broken = store.article_text(by_origin[str(files / "broken bytes.txt")].article_id)
    assert "Zoë Müller, the port director" in broken  # the good UTF-8 around bad bytes
    assert by_origin[page].title == "Ferry fares frozen"
    assert by_origin[f"{rss}#300"].title == "Berth 299 reopens"
    assert by_origin[str(intl / "café.md")].title == "Café Lumière wins the regional " \
                                                     "pastry prize"
    assert "/loop" in server.hits and server.hits.count("/drip") == 1


# --- a 10,000-entry feed, read and cleaned only ------------------------------------------

READ_AND_CLEAN = """
import json, sys
from ingest.clean import clean
from ingest.read import iter_records
from ingest.records import Article, Failure
from qa.settings import Settings
records = articles = 0
ids, failures = set(), []
for rec in iter_records([sys.argv[1]], Settings.from_env()):
    records += 1
    item = rec if isinstance(rec, Failure) else clean(rec)
    if isinstance(item, Article):
        articles += 1
        ids.add(item.id)
    else:
        failures.append([item.origin, item.reason])
print(json.dumps({"records": records, "articles": articles, "ids": len(ids),
                  "failures": failures[:5]}))
"""


def test_feed_with_10000_full_entries_reads_and_cleans_in_bounded_time_and_memory(tmp_path):
    path = write(tmp_path / "big feed.rss", feed(10_000))
    code, out, err, seconds, peak = run_child(
        [sys.executable, "-c", READ_AND_CLEAN, str(path)], child_env(), 150, tmp_path)
    print(f"\n10,000-entry feed: read and cleaned in {seconds:.1f} s, "
          f"peak RSS {peak / 2**20:.0f} MiB ({path.stat().st_size / 1e6:.1f} MB feed)")
    assert code == 0, err[-3000:]
    assert json.loads(out) == {"records": 10_000, "articles": 10_000, "ids": 10_000,
                               "failures": []}
    assert seconds < 100
    assert peak < 1024**3
