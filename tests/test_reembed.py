"""Re-embedding a store for another model (``python -m ingest --reembed``, ``ingest.reembed``).

The sample corpus is ingested with MiniLM and moved to bge-small, with the real models: the
mismatch message names both models and the command; after re-embedding, ``qa.retrieve`` and
``qa.ask`` work with bge-small, cite exact offsets, and the store holds exactly what it held
before (same ledger, chunk ids, texts and metadata, lexical index) with new vectors and no
old collection. Interruptions: the CLI SIGKILLed mid-way (then rerun), and a run dying in
each later stage (in process); meanwhile readers of the old model answer, readers of the new
one get a one-line progress message, and old-model writes go in before the freeze (and are
carried over) but are refused during it. Both store modes where cheap; the SIGKILL test
needs the embedded store (the killed CLI holds it in its own process).
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import numpy as np
import pytest

import qa
from ingest import delete, ingest, reembed
from ingest.reembed import text_of
from qa.api import MODELS, default
from qa.embed import BGE_SMALL, MINILM, OFFLINE, embedder_setting
from qa.errors import ModelMismatchError, StoreUnavailableError
from qa.settings import Settings
from qa.store import ChunkMigration, ModelInfo, Store
from tests.support.helpers import EXAMPLES, ROOT, STORE_MODES, store_settings, write

QUESTION = "How many homes lost power in Storm Calloway?"
EXTRA = ("Kestrel Dam inspection\n\nEngineers inspected the Kestrel Dam spillway on Monday "
         "and found seven cracks in the concrete apron. Repairs start in the spring.\n")


MINI = "minilm-onnx"  # the stores here are built with MiniLM and moved to bge-small


@pytest.fixture(params=STORE_MODES)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """conftest's fresh store, built with MiniLM whatever the default embedder."""
    return store_settings(request.param, tmp_path, request).with_(embedder=MINI)


@pytest.fixture(scope="module")
def embedder():
    return MODELS.embedder(Settings(embedder=MINI))


@pytest.fixture(scope="module")
def bge():
    return MODELS.embedder(Settings(embedder="bge-small"))


def _bge(s: Settings) -> Settings:
    return s.with_(embedder="bge-small")


def _release(*settings: Settings) -> None:
    """Close every handle this process has on these stores (another process writes next)."""
    for s in settings:
        default(s).close()
    Store.open(settings[0], None).close()


def snapshot(store: Store) -> dict:
    """Everything a store keeps but its vectors: ledger records and texts, each article's
    chunks (id, text, metadata), the lexical index's rows and hashes."""
    arts = store.all_articles()
    chunks = {aid: [(r.id, r.text, r.meta) for r in store.article_chunks(aid)] for aid in arts}
    db = sqlite3.connect(store.lexical.path)
    try:
        lex = sorted(db.execute("SELECT c.chunk_id, c.article_id, c.published, c.source, f.text "
                                "FROM chunks c JOIN fts f ON f.rowid = c.rowid"))
    finally:
        db.close()
    return {"articles": {a: (m, store.article_text(a)) for a, m in arts.items()},
            "chunks": chunks, "count": store.count(), "lexical": lex,
            "hashes": store.lexical.article_hashes()}


def check_reembedded(s: Settings, model, before: dict) -> None:
    """The exact check: everything as ``before``, every chunk once with ``model``'s vector,
    only the ledger and the new chunk collection left, the lexical index in step."""
    store = Store.open(s, model)
    assert store.model == ModelInfo(model.name, model.dim)
    assert store.stats()["embedder"] == model.name
    assert store.sync_lexical() == 0  # same chunk ids and texts: nothing to re-index
    assert snapshot(store) == before
    assert store.count() == sum(len(c) for c in before["chunks"].values())
    ids = [cid for cs in before["chunks"].values() for cid, _, _ in cs]
    recs = store.get_chunks(ids, embeddings=True)
    assert [r.id for r in recs] == ids
    # the model's vectors of what ingestion embeds (int8 models quantise activations per
    # batch, so a vector depends a little on its batch: compare by cosine)
    want = model.embed([text_of(r) for r in recs])
    got = np.asarray([r.embedding for r in recs], dtype=np.float32)
    assert (np.sum(got * want, axis=1) > 0.99).all()
    for r in recs:  # findable by its own vector among its nearest (HNSW is approximate)
        hits = store.dense_ids(r.embedding, 5)
        assert {h for h, _ in hits} <= set(ids), hits  # nothing of the old collection
        assert any(h == r.id and sim > 1 - 1e-3 for h, sim in hits), (r.id, hits)
    name = ModelInfo(model.name, model.dim)
    assert store.collections() == sorted([f"{s.collection}-articles", store.state().active])
    assert store.state().active == f"{s.collection}-chunks-{name.name}"
    assert not store.state().switching


def _ask_checks_offsets(s: Settings) -> None:
    ans = qa.ask(QUESTION, settings=s, as_of="2026-02-01")
    assert not ans.refused and "62,000" in ans.text, ans.text
    for c in ans.citations:
        assert default(s).article_text(c.article_id)[c.start:c.end] == c.passage


# ---- the message ----------------------------------------------------------------------------

def test_every_offline_model_names_its_setting() -> None:
    for key, model in OFFLINE.items():
        assert OFFLINE[embedder_setting(model.name)] is model, key
        assert ModelInfo(model.name, model.dim).selector == embedder_setting(model.name)
    assert embedder_setting("openai:text-embedding-3-small") == "openai:text-embedding-3-small"
    assert embedder_setting("no-such-model") == ""


def test_mismatch_names_both_models_and_the_command(settings, embedder, bge, tmp_path) -> None:
    ingest([str(write(tmp_path / "a.txt", EXTRA))], settings, embedder=embedder)
    assert Store.open(settings, embedder).state().active == settings.collection  # as ever
    with pytest.raises(ModelMismatchError) as err:
        qa.retrieve("Kestrel Dam cracks", settings=_bge(settings))
    msg = str(err.value)
    assert "\n" not in msg
    for part in (MINILM.name, BGE_SMALL.name, "`python -m ingest --reembed`",
                 "NEWSQA_EMBEDDER=minilm-onnx"):
        assert part in msg, msg


# ---- re-embedding, both store modes -------------------------------------------------------

def test_reembed_minilm_to_bge(fresh_corpus: Settings, embedder, bge) -> None:
    s, b = fresh_corpus, _bge(fresh_corpus)
    replica = Store.open(s.with_(lexical_dir=str(Path(s.lexical_dir or s.store_dir) / "r")),
                         embedder)
    assert replica.sync_lexical() > 0
    before = snapshot(Store.open(s, embedder))
    _ask_checks_offsets(s)
    report = reembed(b, embedder=bge)
    assert (report.switched, report.articles, report.embedded, report.resumed) == \
        (True, len(before["articles"]), len(before["articles"]), 0)
    assert report.chunks == before["count"] and report.old_model == MINILM.name
    check_reembedded(b, bge, before)
    _ask_checks_offsets(b)
    assert qa.retrieve("Harbor Bridge reopening", k=3, settings=b)
    assert qa.collection_stats(settings=b)["embedder"] == BGE_SMALL.name
    # the replica's lexical copy is still exact: restamped, not re-indexed; but its open
    # MiniLM store now says what happened, like any reader of the old model
    with pytest.raises(ModelMismatchError, match="NEWSQA_EMBEDDER=bge-small"):
        replica.sync_lexical()
    follower = Store.open(replica.settings, None)  # maintenance: takes the new model
    assert follower.sync_lexical() == 0 and follower.model.name == BGE_SMALL.name
    assert follower.lexical.article_hashes() == before["hashes"]
    with pytest.raises(ModelMismatchError, match=f"built with {BGE_SMALL.name}"):
        qa.retrieve(QUESTION, settings=s.with_(k=5))  # a fresh MiniLM reader
    again = reembed(b, embedder=bge)
    assert not again.switched and again.chunks == 0
    check_reembedded(b, bge, before)


# ---- a run that dies, then a rerun ----------------------------------------------------------

class Killed(RuntimeError):
    pass


def _die(*_a, **_k):
    raise Killed("the re-embedding died here")


@pytest.mark.parametrize("stage", ["filling", "frozen", "switched"])
def test_a_run_that_dies_is_finished_by_the_next(fresh_corpus: Settings, embedder, bge,
                                                  stage, monkeypatch, tmp_path) -> None:
    s, b = fresh_corpus, _bge(fresh_corpus)
    n = len(Store.open(s, embedder).all_articles())

    def at_three(done: int, total: int) -> None:
        if done >= 3:
            raise Killed("the re-embedding died here")

    if stage == "frozen":
        monkeypatch.setattr(ChunkMigration, "switch", _die)
    if stage == "switched":
        monkeypatch.setattr(ChunkMigration, "finish", _die)
    with pytest.raises(Killed):
        reembed(b, embedder=bge, batch=1, on_batch=at_three if stage == "filling" else None)
    monkeypatch.undo()

    if stage == "switched":  # the new model answers; the old one is told what happened
        _ask_checks_offsets(b)
        with pytest.raises(ModelMismatchError, match="NEWSQA_EMBEDDER=bge-small"):
            qa.retrieve(QUESTION, settings=s.with_(k=4))
    else:  # the old model answers; the new one is told how far it got, on one line
        _ask_checks_offsets(s)
        with pytest.raises(ModelMismatchError) as err:
            qa.retrieve(QUESTION, settings=b)
        done = int(re.search(r": (\d+) of (\d+) articles done;", str(err.value))[1])
        assert (done == n) if stage == "frozen" else (3 <= done < n), str(err.value)
        assert "\n" not in str(err.value) and "NEWSQA_EMBEDDER=minilm-onnx meanwhile" in \
            str(err.value) and f"re-embedded for {BGE_SMALL.name}" in str(err.value)
    if stage == "filling":  # writers of the old model still work; the rerun carries it over
        assert ingest([str(write(tmp_path / "x.txt", EXTRA))], s, embedder=embedder).added == 1
        gone = sorted(Store.open(s, embedder).all_articles())[0]
        assert delete([gone], s).deleted == 1
    if stage == "frozen":  # writers wait for the switch
        with pytest.raises(StoreUnavailableError, match="--reembed"):
            ingest([str(write(tmp_path / "x.txt", EXTRA))], s, embedder=embedder)
    before = snapshot(Store.open(s, None))

    report = reembed(b, embedder=bge)
    assert report.switched == (stage != "switched")
    if stage == "filling":
        assert report.resumed >= 2 and report.embedded == report.articles - report.resumed
    check_reembedded(b, bge, before)


# ---- the command, SIGKILLed mid-way (embedded store) -----------------------------------------

def _cli(store: Path, *args: str, stderr=subprocess.PIPE) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    env.update(NEWSQA_STORE=str(store), NEWSQA_EMBEDDER="bge-small", NEWSQA_EMBED_THREADS="1")
    return subprocess.Popen([sys.executable, "-m", "ingest", "--reembed", *args], cwd=ROOT,
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=stderr)


def _kill_after_progress(store: Path, articles: int) -> int:
    """Run the CLI with its progress bar on a terminal; SIGKILL it once the bar shows
    ``articles`` done. Returns the count the bar showed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns
    proc = _cli(store, "--batch", "1", stderr=slave)
    os.close(slave)
    shown, out, deadline = 0, b"", time.monotonic() + 300
    try:
        while proc.poll() is None and shown < articles and time.monotonic() < deadline:
            if select.select([master], [], [], 0.2)[0]:
                try:
                    out += os.read(master, 4096)
                except OSError:  # the terminal closed: the CLI ended
                    break
                shown = max([int(d) for d, _ in re.findall(rb"(\d+)/(\d+)", out)] or [0])
        assert proc.poll() is None, out.decode(errors="replace")  # still running: kill it
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        os.close(master)
    assert proc.returncode == -signal.SIGKILL and b"re-embedding" in out
    return shown


@pytest.mark.slow
def test_cli_killed_mid_way_then_rerun(tmp_path: Path, embedder, bge) -> None:
    s = Settings(store=str(tmp_path / "store"), embedder=MINI)
    b = _bge(s)
    assert ingest([str(EXAMPLES)], s, embedder=embedder).added >= 10
    before = snapshot(Store.open(s, embedder))
    n = len(before["articles"])
    usage = _cli(tmp_path / "store", str(EXAMPLES))
    assert usage.wait(timeout=120) == 2 and b"--reembed runs on its own" in usage.stderr.read()
    _release(s)

    shown = _kill_after_progress(tmp_path / "store", 3)
    assert 3 <= shown < n
    # half done: MiniLM readers answer, bge readers are told how far it got
    _ask_checks_offsets(s)
    with pytest.raises(ModelMismatchError, match=rf": ([3-9]|1\d) of {n} articles done; run "
                       r"`python -m ingest --reembed` to finish, or set "
                       r"NEWSQA_EMBEDDER=minilm-onnx meanwhile"):
        qa.retrieve(QUESTION, settings=b)
    _release(s, b)

    rerun = _cli(tmp_path / "store", "--json")
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err.decode()
    report = json.loads(out)
    assert report["switched"] and report["articles"] == n and report["resumed"] >= 3
    assert report["embedded"] == n - report["resumed"]
    check_reembedded(b, bge, before)
    _ask_checks_offsets(b)
    _release(s, b)
    done = _cli(tmp_path / "store")
    assert done.wait(timeout=300) == 0 and b"nothing to re-embed" in done.stdout.read()


# ---- articles still waiting for their vectors -----------------------------------------------

def test_articles_waiting_for_vectors_are_moved_too(settings, embedder, bge, tmp_path) -> None:
    ingest([str(EXAMPLES)], settings, embedder=embedder)
    extra = write(tmp_path / "dam.txt", EXTRA)
    report = ingest([str(extra)], settings, embedder=embedder, wait=False)  # --lexical-only
    assert report.added == 1
    waiting, stored = Store.open(settings, embedder).indexing()
    assert waiting == 1
    report = reembed(_bge(settings), embedder=bge)
    assert report.backfilled == 1 and "1 article(s) that waited for vectors" in report.summary()
    store = Store.open(_bge(settings), bge)
    # the move embeds the waiting article too: afterwards every article is searchable both
    # ways with the new model, nothing lost or half-done
    assert store.indexing() == (0, stored)
    [dam] = [a for a in store.all_articles().values() if "Kestrel" in a.title]
    assert dam.complete and dam.embedded
    ids = [r.id for r in store.article_chunks(dam.article_id)]
    recs = store.get_chunks(ids, embeddings=True)
    assert ids and all(r.embedding is not None for r in recs)
    hits = qa.retrieve("Kestrel Dam spillway cracks", k=3, settings=_bge(settings))
    assert hits and "Kestrel" in hits[0].title
