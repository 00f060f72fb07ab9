"""Lexical first, dense after: ingestion makes articles searchable by keywords at once and
a backfill adds their vectors (``ingest.backfill``, ``Store.fill_vectors``).

Checked here: the backfill (``python -m ingest --backfill``, a real subprocess) SIGKILLed at
random moments — after its k-th Chroma transaction plus a random delay — leaves a store
whose ledger says exactly which articles have their vectors, and the next backfill
completes it exactly (every chunk once, the lexical index and Chroma holding the same ids
and texts, each chunk found by its own vector); a second process watching a running
backfill sees its progress and can ask meanwhile; questions asked while articles are
lexical-only get no error, no duplicate passages and the "Still indexing N of M" notice;
near-copies, deletes and changed articles during the backfill; the CLI's flags.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from ingest import backfill, delete, ingest
from ingest.chunk import chunk_article
from ingest.clean import clean
from ingest.cli import main as ingest_main
from ingest.pipeline import content_hash
from ingest.read import iter_records
from qa import QA
from qa.search.hybrid import passage_text
from qa.settings import Settings
from qa.store import Store, chunk_fields, chunk_id, opened
from tests.support.helpers import ROOT
from tests.support.syndication import OUTLETS, QUESTION, filler, groups, jsonl

CHUNK_TOKENS, OVERLAP = 32, 4  # small chunks: several per article, cheap to embed
N_KILL = 200  # articles of the kill test: ~7 backfill batches, 4 killed runs store ~1 each


def _small(settings: Settings) -> Settings:
    from dataclasses import replace

    return replace(settings, chunk_tokens=CHUNK_TOKENS, chunk_overlap=OVERLAP)


def expected(data: str, settings: Settings) -> dict[str, tuple[str, list]]:
    """article id -> (content hash, [(chunk id, start, end, text)]) for this input."""
    out = {}
    for rec in iter_records([data], settings):
        art = clean(rec)
        h = content_hash(art)
        out[art.id] = (h, [(chunk_id(art.id, h, c.index), c.start, c.end, c.text)
                           for c in chunk_article(art, settings.chunk_tokens,
                                                  settings.chunk_overlap)])
    return out


def lexical_rows(store: Store) -> dict[str, tuple[str, str]]:
    db = sqlite3.connect(store.lexical.path)
    try:
        return {cid: (aid, text) for cid, aid, text in db.execute(
            "SELECT c.chunk_id, c.article_id, f.text FROM chunks c JOIN fts f "
            "ON f.rowid = c.rowid")}
    finally:
        db.close()


def check_partial(store: Store, want: dict) -> int:
    """Mid-backfill (after a kill): every article stored once, lexical-only or with all
    its vectors; the lexical index holds every chunk. Returns how many have vectors."""
    arts = store.all_articles()
    assert set(arts) == set(want)
    assert {a.state for a in arts.values()} <= {"ok", "lexical"}
    assert set(lexical_rows(store)) == {c[0] for _, cs in want.values() for c in cs}
    done = [a for a, art in arts.items() if art.embedded]
    ids = [c[0] for a in done for c in want[a][1]]
    assert [r.id for r in store.get_chunks(ids, embeddings=True)
            if r.embedding is not None] == ids
    return len(done)


def check_complete(store: Store, want: dict, embedder) -> None:
    """The exact check: ledger all ``ok``, chunks once, lexical == Chroma, each chunk's
    stored vector is its own text's."""
    arts = store.all_articles()
    assert set(arts) == set(want)
    assert all(a.embedded and a.hash == want[i][0] for i, a in arts.items())
    assert store.indexing() == (0, len(want))
    chroma = {}
    for aid, (_, chunks) in want.items():
        got = [(r.id, chunk_fields(r.meta).start, chunk_fields(r.meta).end, r.text)
               for r in store.article_chunks(aid)]
        assert got == chunks, aid
        chroma.update((c[0], (aid, c[3])) for c in chunks)
    assert store.count() == len(chroma)
    assert lexical_rows(store) == chroma
    recs = store.get_chunks(list(chroma), embeddings=True)
    # compared with the model's own vectors of what ingestion embeds (title and date, then
    # the passage: ``passage_text`` is the same text), not through the approximate (HNSW) index:
    # among hundreds of look-alike filler chunks its top 1 can miss an exact match
    fresh = np.asarray(embedder.embed([passage_text(r) for r in recs]), dtype=np.float32)
    stored = np.asarray([r.embedding for r in recs], dtype=np.float32)
    fresh /= np.linalg.norm(fresh, axis=1, keepdims=True)
    stored /= np.linalg.norm(stored, axis=1, keepdims=True)
    sims = stored @ fresh.T  # exact, all pairs; a batch's padding moves int8 vectors ~0.5 %
    assert len(recs) == len(chroma) and float(np.diag(sims).min()) > 0.98
    nearest = sims.argmax(axis=1)
    assert (nearest == np.arange(len(recs))).all(), \
        [recs[i].id for i in np.flatnonzero(nearest != np.arange(len(recs)))][:5]


def _env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    env.update(NEWSQA_CHUNK_TOKENS=str(CHUNK_TOKENS), NEWSQA_CHUNK_OVERLAP=str(OVERLAP))
    if settings.chroma_url:
        env.update(NEWSQA_CHROMA_URL=settings.chroma_url,
                   NEWSQA_COLLECTION=settings.collection,
                   NEWSQA_LEXICAL_DIR=str(settings.lexical_dir))
    else:
        env.update(NEWSQA_STORE=str(settings.store))
    return env


def _backfill_process(settings: Settings, log: Path) -> subprocess.Popen:
    with log.open("w") as err:
        return subprocess.Popen([sys.executable, "-m", "ingest", "--backfill", "--json"],
                                cwd=ROOT, env=_env(settings), stdout=subprocess.DEVNULL,
                                stderr=err)


def _journal(store_dir: str | Path) -> bool:
    return (Path(store_dir) / "chroma.sqlite3-journal").exists()


def kill_after(proc: subprocess.Popen, settings: Settings, embedder, filled: int,
               writes: int, delay: float) -> bool:
    """SIGKILL ``proc`` once another process sees ``filled`` articles with their vectors,
    then ``delay`` s after its next ``writes``-th Chroma transaction (0: at once); False
    if it ended first."""
    with opened(settings, embedder) as store:
        while proc.poll() is None and store.indexing()[0] > N_KILL - filled:
            time.sleep(0.05)
    seen, journal = 0, _journal(settings.store_dir)
    while proc.poll() is None and seen < writes:
        now = _journal(settings.store_dir)
        seen += now and not journal
        journal = now
        time.sleep(0.001)
    time.sleep(delay)
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    return True


@pytest.mark.slow
def test_a_backfill_killed_at_random_moments_is_finished_exactly(tmp_path: Path, embedder):
    s = _small(Settings(store=str(tmp_path / "store")))
    data = jsonl(tmp_path / "a.jsonl", filler(N_KILL))
    report = ingest(data, s, embedder=embedder, wait=False)
    want = expected(data, s)
    assert report.added == N_KILL and report.pending == N_KILL and report.backfilled == 0
    with opened(s, embedder) as store:
        assert check_partial(store, want) == 0
    rng = random.Random(15)
    kills, progress = 0, []
    # each run is killed once another process sees 0-40 more articles filled (0: in its
    # start-up), after 0-3 more Chroma transactions and a few ms (mid-batch-write)
    for step, more in enumerate(rng.sample([0, 1, 20, 40], 4)):
        proc = _backfill_process(s, tmp_path / f"fill{step}.log")
        before = progress[-1] if progress else 0
        kills += kill_after(proc, s, embedder, before + more,
                            rng.randint(0, 3), rng.choice([0.0, 0.003, 0.01, 0.03]))
        with opened(s, embedder) as store:
            progress.append(check_partial(store, want))
    print(f"\nkilled {kills} of 4 backfills; articles with vectors after each: {progress}")
    assert kills >= 3, progress
    assert progress == sorted(progress) and progress[-1] < N_KILL, progress  # kept, not all
    assert progress[-1] > 0, progress  # killed runs stored batches first
    done = backfill(s, embedder=embedder)
    assert done.left == 0 and done.articles == N_KILL - progress[-1], (done, progress)
    with opened(s, embedder) as store:
        check_complete(store, want, embedder)
    again = ingest(data, s, embedder=embedder)
    assert (again.unchanged, again.chunks, again.backfilled) == (N_KILL, 0, 0)


def test_asking_while_articles_are_lexical_only(tmp_path: Path, settings, embedder):
    s = _small(settings)
    rows = OUTLETS[:1] + filler(100)  # 4 backfill batches: stopping after one leaves some
    data = jsonl(tmp_path / "a.jsonl", rows)
    assert ingest(data, s, embedder=embedder, wait=False).pending == 101
    with QA(s, embedder=embedder) as qa:
        ans = qa.ask(QUESTION)
        assert not ans.refused and "60 million liters" in ans.text, ans.text
        assert ans.indexing == (101, 101)
        assert ans.text.endswith("(Still indexing 101 of 101 articles: those are searched "
                                 "by keywords only until they are done.)")
        assert ans.to_dict()["indexing"] == {"pending": 101, "articles": 101,
                                             "notice": ans.notice}
        passages = qa.retrieve("harbor council budget water plant", k=10)
        assert len(passages) == 10
        assert len({p.chunk_id for p in passages}) == 10
        assert len({(p.article_id, p.start) for p in passages}) == 10
        assert all(p.score > 0 for p in passages)  # similarity computed for lexical-only
        # half the vectors in: dense and lexical fused, still no duplicates
        stop = threading.Event()
        part = backfill(s, embedder=embedder, on_batch=lambda done, n: stop.set(), stop=stop)
        assert 0 < part.articles < 101 and part.left == 101 - part.articles
        ans = qa.ask(QUESTION)
        assert ans.indexing == (part.left, 101) and "60 million liters" in ans.text
        passages = qa.retrieve("harbor council budget water plant", k=12)
        assert len({p.chunk_id for p in passages}) == len(passages) == 12
        backfill(s, embedder=embedder)
        ans = qa.ask(QUESTION)
        assert ans.indexing == () and "Still indexing" not in ans.text
        assert ans.to_dict()["indexing"] is None and ans.notice == ""
    with opened(s, embedder) as store:
        check_complete(store, expected(data, s), embedder)


def test_another_process_sees_the_backfill_progress(tmp_path: Path, settings, embedder):
    s = _small(settings)
    data = jsonl(tmp_path / "a.jsonl", filler(160))
    assert ingest(data, s, embedder=embedder, wait=False).pending == 160
    seen: list[int] = []
    with QA(s, embedder=embedder) as qa:
        proc = _backfill_process(s, tmp_path / "fill.log")
        try:
            while proc.poll() is None:
                pending, total = qa.store.indexing()
                assert total == 160
                seen.append(pending)
                ans = qa.ask("What did the council say about the harbor budget?")
                if ans.indexing:
                    assert "Still indexing" in ans.text
                time.sleep(0.2)
        finally:
            proc.wait(timeout=600)
        assert proc.returncode == 0, (tmp_path / "fill.log").read_text()[-2000:]
        assert qa.store.indexing() == (0, 160)
    assert seen == sorted(seen, reverse=True), seen  # never backwards
    assert any(0 < p < 160 for p in seen), seen  # seen mid-way, not just before and after
    with opened(s, embedder) as store:
        check_complete(store, expected(data, s), embedder)


def test_copies_deletes_and_changes_during_the_backfill(tmp_path: Path, settings, embedder):
    s = _small(settings)
    rows = OUTLETS + filler(6)
    data = jsonl(tmp_path / "a.jsonl", rows)
    report = ingest(data, s, embedder=embedder, wait=False)
    assert report.grouped == 2 and report.pending == 7  # copies need no vectors
    courier, valley = OUTLETS[0][1], OUTLETS[1][1]
    assert groups(s)[valley] == courier
    # the canonical copy goes before it has vectors: the next copy takes over the story
    assert delete([courier], s, embedder=embedder).deleted == 1
    assert groups(s)[valley] == "" and groups(s)[OUTLETS[2][1]] == valley
    # a lexical-only article changes: its old chunks never reach Chroma
    changed = [*OUTLETS[1:], *filler(6)]
    changed[3] = (*changed[3][:3], changed[3][3] + " The budget vote was delayed.")
    data = jsonl(tmp_path / "a.jsonl", changed)
    assert ingest(data, s, embedder=embedder, wait=False).updated == 1
    assert backfill(s, embedder=embedder).left == 0
    with opened(s, embedder) as store:
        canonical = {aid: w for aid, w in expected(data, s).items()
                     if not store.all_articles()[aid].dup_of}
        check_complete(store, {**canonical, **{a: (h, []) for a, (h, _) in
                                               expected(data, s).items()
                                               if a not in canonical}}, embedder)
        assert store.stories() is not None
    with QA(s, embedder=embedder) as qa:
        ans = qa.ask(QUESTION)
        assert "60 million liters" in ans.text and ans.indexing == ()
        assert ans.citations[0].url == valley and ans.citations[0].also_in


def test_the_command_line_flags(tmp_path: Path, capsys, embedder):
    s = Settings(store=str(tmp_path / "store"))
    data = jsonl(tmp_path / "a.jsonl", filler(5))
    argv = ["--store", s.store, "--no-progress"]
    assert ingest_main([data, "--lexical-only", *argv]) == 0
    assert "5 article(s) searchable by keywords only" in capsys.readouterr().out
    assert ingest_main(["--backfill", *argv]) == 0
    assert "vectors added for 5 article(s)" in capsys.readouterr().out
    assert ingest_main([data, "--wait", *argv]) == 0
    out = capsys.readouterr().out
    assert "5 unchanged" in out and "keywords only" not in out
    with pytest.raises(SystemExit) as stopped:  # argparse: the two exclude each other
        ingest_main(["--backfill", "--lexical-only", *argv])
    assert stopped.value.code == 2
