"""Crash safety of ingestion: ``python -m ingest`` killed with SIGKILL, rerun, store checked.

The test writes 300 small made-up news articles (JSONL, 1-3 chunks each at a small chunk
size) and grows one store with them, 30 new articles per step, by running the ingest CLI
on a growing input file. Each of ten steps SIGKILLs the CLI at a different moment of its
run: during start-up, during repair, while embedding, or right after a given number of
writes to the store's files (the k-th Chroma transaction or lexical-index commit), i.e. in
the middle of the crash-safe batch write. Three more steps rewrite some already stored
articles (the update path: old chunks must go) and kill that run. After every kill the same
ingestion is run again to completion and the store is checked exactly against what
cleaning and chunking the input gives: every article once in the ledger with state ``ok``
and the right hash, text and chunk count; exactly the expected chunk ids with
``text == article_text[start:end]``; no orphan chunks; the lexical index holding the same
chunk ids, texts and article hashes as Chroma; every chunk findable by its own vector; and
a further rerun adding and updating nothing.

Growing one store (instead of ten fresh ingestions of everything) keeps the test to a few
minutes on 2 cores: each killed run only has to embed its 30 new articles, and the reruns
go through ``ingest.ingest`` in this process (the function the CLI calls, with the model
already loaded). Not covered here: a Chroma server (HttpClient), power loss or a full disk
(no fsync games), and concurrent ingestions.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest import ingest
from ingest.chunk import chunk_article
from ingest.clean import clean
from ingest.pipeline import content_hash
from ingest.read import iter_records
from ingest.records import Failure
from qa.errors import QAError
from qa.settings import Settings
from qa.store import Store, chunk_fields, chunk_id
from tests.support.helpers import ROOT

N_ARTICLES, STEP = 300, 30
CHUNK_TOKENS, OVERLAP = 32, 4  # small chunks keep embedding (the slow part) cheap

WORDS = """council harbor bridge river market budget school hospital road rail port festival
museum library court mayor minister senator union farmer teacher doctor engineer police storm
flood drought fire election vote tax price wage rent loan bank factory mine forest coast island
valley city town village district province border treaty summit trade export grain coffee
steel copper oil gas power grid solar wind water park stadium team season coach player match
record report survey study plan law bill fund grant contract project repair delay strike
protest deal talks board panel agency office opened closed raised cut approved rejected
announced delayed signed built moved sold bought planned warned expects reported found showed
began ended joined left new old large small early late local national regional northern
southern quiet busy rapid slow public private annual monthly weekly first second third""".split()
NAMES = "Alder Brannock Corvel Dunmore Esker Fallow Garrick Hollin Istra Jarrow Kestle".split()


def _sentence(rng: random.Random) -> str:
    n = rng.randint(3, 9)
    words = [rng.choice(WORDS) for _ in range(n)]
    words.insert(rng.randint(0, n), rng.choice(NAMES))
    if rng.random() < 0.3:
        words.insert(rng.randint(0, n), str(rng.randint(2, 9999)))
    s = " ".join(words)
    return s[0].upper() + s[1:] + rng.choice(".....!?")


def _text(rng: random.Random) -> str:
    target = rng.randint(20, 24) if rng.random() < 0.15 else rng.randint(25, 50)
    sents: list[str] = []
    while sum(len(s.split()) for s in sents) < target:
        sents.append(_sentence(rng))
    paras, i = [], 0
    while i < len(sents):
        k = rng.randint(1, 3)
        paras.append(" ".join(sents[i : i + k]))
        i += k
    return "\n\n".join(paras)


def article(i: int, revision: int = 0) -> dict:
    """Article ``i`` (a stable URL, hence a stable id) in its ``revision``-th wording."""
    rng = random.Random(i * 1000 + revision)
    return {"url": f"https://news.example.org/2024/{i:04d}",
            "title": f"{rng.choice(NAMES)} {rng.choice(WORDS)} {i}" + " (updated)" * revision,
            "text": _text(rng), "published": f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
            "source": "Example Gazette", "author": "Ada Rivers"}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Expected:
    hash: str
    text: str
    chunks: tuple[tuple[str, int, int, str], ...]  # (chunk id, start, end, text)


def expected_store(path: Path, settings: Settings) -> dict[str, Expected]:
    """What the store must hold for this input: read, cleaned and chunked independently."""
    out: dict[str, Expected] = {}
    for rec in iter_records([str(path)], settings):
        art = rec if isinstance(rec, Failure) else clean(rec)
        assert not isinstance(art, Failure), art
        h = content_hash(art)
        chunks = chunk_article(art, settings.chunk_tokens, settings.chunk_overlap)
        out[art.id] = Expected(h, art.text, tuple(
            (chunk_id(art.id, h, c.index), c.start, c.end, c.text) for c in chunks))
    return out


def check_store(store: Store, want: dict[str, Expected]) -> None:
    """The exact check: ledger, chunks, lexical index and vector index all match ``want``."""
    arts = store.all_articles()
    assert set(arts) == set(want)
    for aid, art in arts.items():
        assert art.complete, (aid, art.state)
        assert art.hash == want[aid].hash, aid
        assert art.n_chunks == len(want[aid].chunks), aid
        assert store.article_text(aid) == want[aid].text, aid

    for aid, exp in want.items():
        got = []
        for r in store.article_chunks(aid):
            f = chunk_fields(r.meta)
            assert f.article_id == aid and exp.text[f.start : f.end] == r.text, r.id
            got.append((r.id, f.start, f.end, r.text))
        assert sorted(got) == sorted(exp.chunks), aid
    # every expected chunk is there, and nothing else (no orphan chunks)
    ids = [c[0] for e in want.values() for c in e.chunks]
    assert store.count() == len(ids)
    chunks = store.get_chunks(ids, embeddings=True)
    assert [r.id for r in chunks] == ids

    # the lexical index: same chunk ids, article ids, texts and hashes; no stray FTS rows
    chroma_rows = {r.id: (chunk_fields(r.meta).article_id, r.text) for r in chunks}
    db = sqlite3.connect(store.lexical.path)
    try:
        lex_rows = {cid: (aid, text) for cid, aid, text in db.execute(
            "SELECT c.chunk_id, c.article_id, f.text FROM chunks c JOIN fts f "
            "ON f.rowid = c.rowid")}
        n_fts = db.execute("SELECT COUNT(*) FROM fts").fetchone()[0]
    finally:
        db.close()
    assert lex_rows == chroma_rows
    assert n_fts == len(chroma_rows)
    assert store.lexical.article_hashes() == {a: e.hash for a, e in want.items()}

    # dense search: every chunk is found by its own vector (nothing stale, nothing missing)
    live = {r.id for r in chunks}
    for r in chunks:
        hits = store.dense_ids(r.embedding, 5)
        assert {h for h, _ in hits} <= live, ("stale", r.id, hits)
        assert (r.id, True) in [(h, s > 1 - 1e-3) for h, s in hits], ("missing", r.id, hits)


# ---- killing the CLI ------------------------------------------------------------------------

@dataclass(frozen=True)
class Kill:
    """When to SIGKILL: ``after`` s from the start, or once the store's files were written
    ``writes`` times (Chroma transactions + lexical commits) / the lexical index committed
    ``lexical`` times, then ``delay`` s later."""

    label: str
    after: float = 0.0
    writes: int = 0
    lexical: int = 0
    delay: float = 0.0
    then: Kill | None = None  # kill the next run too (e.g. in its repair) before finishing


def _files(store_dir: Path) -> tuple[bool, tuple | None]:
    """(Chroma has a rollback journal open, lexical WAL (size, mtime)) right now."""
    journal = (store_dir / "chroma.sqlite3-journal").exists()
    try:
        st = os.stat(store_dir / "lexical-news.sqlite3-wal")
        wal = (st.st_size, st.st_mtime_ns)
    except FileNotFoundError:
        wal = None
    return journal, wal


def run_and_kill(data: Path, store_dir: Path, log: Path, kill: Kill) -> bool:
    """Run the CLI and SIGKILL it as ``kill`` says. True if killed, False if it ended first."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    env.update(NEWSQA_STORE=str(store_dir), NEWSQA_CHUNK_TOKENS=str(CHUNK_TOKENS),
               NEWSQA_CHUNK_OVERLAP=str(OVERLAP))
    with log.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "ingest", str(data), "--json"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err)
    t0 = time.monotonic()
    writes = lexical = 0
    journal, wal = _files(store_dir)
    while proc.poll() is None:
        if kill.after:
            if time.monotonic() - t0 >= kill.after:
                break
        else:
            now_journal, now_wal = _files(store_dir)
            writes += now_journal and not journal
            if now_wal != wal and now_wal is not None and wal is not None:
                writes, lexical = writes + 1, lexical + 1
            journal, wal = now_journal, now_wal
            if (kill.writes and writes >= kill.writes) or \
                    (kill.lexical and lexical >= kill.lexical):
                time.sleep(kill.delay)
                break
        time.sleep(0.001)
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    return True


def finish_and_check(data: Path, settings: Settings, embedder, want: dict[str, Expected]
                     ) -> dict:
    """Rerun to completion, check exactly, rerun again (must change nothing)."""
    store = Store.open(settings, embedder, create=True)
    try:
        rerun = ingest([str(data)], settings, embedder=embedder, store=store)
        assert not rerun.failed, rerun.failed
        assert rerun.added + rerun.updated + rerun.unchanged == len(want), rerun.to_dict()
        check_store(store, want)
        again = ingest([str(data)], settings, embedder=embedder, store=store)
        assert (again.added, again.updated, again.unchanged, again.chunks) == \
            (0, 0, len(want), 0), again.to_dict()
        return {"repaired": rerun.repaired, "added": rerun.added, "updated": rerun.updated,
                "relinked": rerun.relinked}  # chunks Chroma's index had lost (qa.store.relink)
    finally:  # release the store: the next CLI run writes it from another process
        store.close()


GROWTH_KILLS = [
    Kill("0.5 s after start (imports)", after=0.5),
    Kill("1st write (start-up)", writes=1),
    Kill("2nd write", writes=2),
    Kill("3rd write + 5 ms", writes=3, delay=0.005),
    Kill("1st lexical commit", lexical=1),
    Kill("1st lexical commit + 20 ms", lexical=1, delay=0.02),
    Kill("5th write; then the rerun's 2nd write (repair)", writes=5,
         then=Kill("", writes=2)),
    Kill("2nd lexical commit", lexical=2),
    Kill("7th write + 10 ms", writes=7, delay=0.01),
    Kill("3rd lexical commit", lexical=3),
]
UPDATE_KILLS = [
    Kill("update: 2nd write", writes=2),
    Kill("update: 1st lexical commit", lexical=1),
    Kill("update: 4th write + 20 ms", writes=4, delay=0.02),
]


@pytest.mark.slow
def test_sigkill_at_any_moment_leaves_a_store_that_the_next_run_completes(
        tmp_path: Path, embedder):
    # embedded only: the CLI is killed with the store in its own process
    s = Settings(store=str(tmp_path / "store"), chunk_tokens=CHUNK_TOKENS,
                 chunk_overlap=OVERLAP)
    data = tmp_path / "articles.jsonl"
    rows = [article(i) for i in range(N_ARTICLES)]
    counts = Counter(len(e.chunks) for e in
                     expected_store(write_jsonl(data, rows), s).values())
    assert {1, 2, 3} <= set(counts), counts  # the input exercises varied chunk counts

    t0 = time.monotonic()
    results = []
    for step, kill in enumerate(GROWTH_KILLS):
        write_jsonl(data, rows[: STEP * (step + 1)])
        killed = run_and_kill(data, Path(s.store_dir), tmp_path / f"run{step}.log", kill)
        if kill.then:
            killed &= run_and_kill(data, Path(s.store_dir), tmp_path / f"run{step}b.log",
                                   kill.then)
        r = finish_and_check(data, s, embedder, expected_store(data, s))
        results.append((kill.label, killed, r))
    for version, kill in enumerate(UPDATE_KILLS, start=1):
        changed = [i for i in range(N_ARTICLES) if (i + version) % 9 == 0]
        for i in changed:
            rows[i] = article(i, version)
        write_jsonl(data, rows)
        want = expected_store(data, s)
        killed = run_and_kill(data, Path(s.store_dir), tmp_path / f"upd{version}.log", kill)
        r = finish_and_check(data, s, embedder, want)
        results.append((kill.label, killed, r))

    print(f"\n{len(results)} kills in {time.monotonic() - t0:.0f} s")
    for label, killed, r in results:
        print(f"  {label:32s} killed={killed!s:5s} {r}")
    assert sum(killed for _, killed, _ in results) >= 10, results  # (a late trigger may miss)
    # some kills hit half-written batches (otherwise this test would prove little) ...
    assert sum(r["repaired"] > 0 for _, _, r in results) >= 3, results
    # ... and some hit the update path, whose old chunks are gone (checked exactly above)
    assert any(r["updated"] for label, _, r in results if label.startswith("update")), results


# ---- a write that fails between two steps of the protocol (in process) ------------------

class _Dies:
    """A lexical index whose ``method`` raises: the writer dies at that step."""

    def __init__(self, inner, method: str) -> None:
        self._inner, self._method = inner, method

    def __getattr__(self, name: str):
        if name == self._method:
            raise RuntimeError(f"the writer died in {name}")
        return getattr(self._inner, name)


class _WrongVectors:
    """The real model, but its vectors do not fit the store: Chroma refuses the chunks
    after the ledger says ``writing`` and a changed article's old chunks are gone."""

    def __init__(self, inner) -> None:
        self.name, self.dim, self._inner = inner.name, inner.dim, inner

    def embed(self, texts):
        return self._inner.embed(texts)[:, :3]


@pytest.mark.parametrize("step", ["chunks", "lexical", "stamp"])
def test_a_write_that_dies_between_steps_is_repaired(tmp_path: Path, embedder, step):
    """Dies: in the backfill's chunk write (chunks: the articles stay searchable by
    keywords, ``lexical``, and the next run adds their vectors), after the old chunks were
    deleted (lexical: half-written, repaired and re-added), or after the ledger's
    ``lexical`` and generation (stamp). The next run checks out exactly."""
    s = Settings(store=str(tmp_path / "store"), chunk_tokens=CHUNK_TOKENS,
                 chunk_overlap=OVERLAP)
    data = write_jsonl(tmp_path / "articles.jsonl", [article(i) for i in range(6)])
    assert ingest([str(data)], s, embedder=embedder).added == 6
    write_jsonl(data, [article(i, 1 if i < 3 else 0) for i in range(7)])  # 3 changed, 1 new
    want = expected_store(data, s)
    store = Store.open(s, embedder)
    try:
        real = store.lexical
        model = _WrongVectors(embedder) if step == "chunks" else embedder
        if step != "chunks":
            store.lexical = _Dies(real, "replace_articles" if step == "lexical" else "set_meta")
        with pytest.raises((QAError, RuntimeError)):
            ingest([str(data)], s, embedder=model, store=store)
        store.lexical = real
        arts = store.all_articles().values()
        half = {a.article_id for a in arts if not a.complete}
        keywords_only = {a.article_id for a in arts if a.complete and not a.embedded}
        assert len(half) == (4 if step == "lexical" else 0), half
        assert len(keywords_only) == (0 if step == "lexical" else 4), keywords_only
        if step == "stamp":  # all written, but the lexical index does not know it is in step
            assert store.lexical.get_meta("generation") != store.generation()
        rerun = ingest([str(data)], s, embedder=embedder, store=store)  # repaired ones: re-added
        assert (rerun.repaired, rerun.added, rerun.updated, rerun.backfilled) == \
            ((4, 4, 0, 4) if step == "lexical" else (0, 0, 0, 4)), rerun.to_dict()
        check_store(store, want)
        assert store.lexical.get_meta("generation") == store.generation()
    finally:
        store.close()
