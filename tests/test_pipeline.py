"""Ingestion end to end into a real embedded Chroma with the real embedder."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ingest import delete, ingest, rebuild_lexical
from qa.errors import ModelMismatchError, QAError
from qa.settings import Settings
from qa.store import ModelInfo, Store, chunk_fields
from tests.support.helpers import ROOT, write

STORY = """Harbor Bridge reopens after repairs

By Dana Whitfield

PORT ALDER, March 3, 2025 — The Harbor Bridge reopened to traffic on Monday after fourteen
months of repairs that cost $38.5 million, city officials said.

Mayor Lena Ortiz cut a ribbon at the east ramp at 7 a.m. and said the bridge now carries
a protected cycle lane in both directions.

Engineers replaced two cracked steel beams and resurfaced the deck. Tolls stay at $2.
"""


def _store(s: Settings, embedder) -> Store:
    return Store.open(s, embedder)


def _consistent(store: Store) -> dict[str, int]:
    """Check the store exactly: ledger, chunks and lexical index agree. Returns chunk counts."""
    arts = store.all_articles()
    assert all(a.complete for a in arts.values())
    counts: dict[str, int] = {}
    for aid, art in arts.items():
        chunks = store.article_chunks(aid)
        assert len(chunks) == art.n_chunks, aid
        text = store.article_text(aid)
        for c in chunks:
            f = chunk_fields(c.meta)
            assert f.article_id == aid
            assert text[f.start : f.end] == c.text
        counts[aid] = len(chunks)
    assert store.count() == sum(counts.values())
    assert store.lexical.count() == store.count()
    assert store.lexical.article_hashes() == {a: m.hash for a, m in arts.items()}
    return counts


def test_second_run_changes_nothing_and_embeds_nothing(tmp_path: Path, settings, embedder):
    folder = tmp_path / "in"
    write(folder / "bridge.txt", STORY)
    write(folder / "more" / "bridge-copy.md", STORY.replace("Dana Whitfield", "D. Whitfield"))
    first = ingest([str(folder)], settings, embedder=embedder)
    assert (first.added, first.failed) == (2, [])
    assert first.grouped == 1 and first.chunks >= 1  # the copy is stored without chunks
    before = _consistent(_store(settings, embedder))
    second = ingest([str(folder)], settings, embedder=embedder)
    assert (second.added, second.updated, second.unchanged, second.chunks) == (0, 0, 2, 0)
    assert _consistent(_store(settings, embedder)) == before


def test_changed_article_replaces_its_old_chunks(tmp_path: Path, settings, embedder):
    path = write(tmp_path / "bridge.txt", STORY)
    ingest([str(path)], settings, embedder=embedder)
    write(path, STORY.replace("$38.5 million", "$41 million") + "\nA second ramp opens in May.\n")
    report = ingest([str(path)], settings, embedder=embedder)
    assert (report.added, report.updated) == (0, 1)
    store = _store(settings, embedder)
    _consistent(store)
    texts = " ".join(c.text for aid in store.all_articles() for c in store.article_chunks(aid))
    assert "$41 million" in texts and "$38.5 million" not in texts


def test_same_text_under_two_names_is_stored_once(tmp_path: Path, settings, embedder):
    write(tmp_path / "in" / "a.txt", STORY)
    write(tmp_path / "in" / "b.txt", STORY)
    report = ingest([str(tmp_path / "in")], settings, embedder=embedder)
    assert (report.added, report.duplicates) == (1, 1)


def test_delete_by_id_and_url(tmp_path: Path, settings, embedder):
    rec = {"url": "https://news.example.org/2025/03/bridge?utm_source=x", "title": "Bridge",
           "text": STORY, "published": "2025-03-03", "source": "Alder Ledger"}
    path = write(tmp_path / "in" / "a.jsonl", json.dumps(rec) + "\n")
    # another story, not a near-copy of the first: deleting a story's canonical article
    # promotes its copy, which needs the embedder
    write(tmp_path / "in" / "b.txt",
          "Canal ferry adds a night crossing\n\nPORT ALDER, March 9, 2025 — The canal "
          "ferry will run a last crossing at 11 p.m. from April, the transit board voted on "
          "Friday. Tickets stay at $3 and bicycles ride free after 8 p.m.\n")
    assert ingest([str(tmp_path / "in")], settings, embedder=embedder).added == 2
    gone = delete(["https://news.example.org/2025/03/bridge"], settings)
    assert gone.deleted == 1 and not gone.failed
    store = _store(settings, embedder)
    assert len(store.all_articles()) == 1
    _consistent(store)
    missing = delete(["no-such-article"], settings)
    assert missing.deleted == 0 and missing.failed[0][0] == "no-such-article"
    # ids from a generator (read once) are checked the same way
    missing = delete((i for i in ["no-such-article"]), settings)
    assert missing.failed and missing.failed[0][0] == "no-such-article"
    # re-ingesting brings it back
    assert ingest([str(path)], settings, embedder=embedder).added == 1


def test_maintenance_needs_no_embedding_model(tmp_path: Path, embedder):
    """Deleting, rebuilding the lexical index and stats open the store without a model: a
    configured embedder that cannot load (and would not match the store) is never touched."""
    s = Settings(store=str(tmp_path / "store"))
    write(tmp_path / "in" / "a.txt", STORY)
    # another story, not a near-copy of the first: deleting a story's canonical article
    # promotes its copy, which needs the embedder
    write(tmp_path / "in" / "b.txt",
          "Canal ferry adds a night crossing\n\nPORT ALDER, March 9, 2025 — The canal "
          "ferry will run a last crossing at 11 p.m. from April, the transit board voted on "
          "Friday. Tickets stay at $3 and bicycles ride free after 8 p.m.\n")
    assert ingest([str(tmp_path / "in")], s, embedder=embedder).added == 2
    broken = s.with_(embedder="no-such-embedder")
    with pytest.raises(QAError):  # what loading it would do
        from qa.embed import make_embedder

        make_embedder(broken)
    [aid, _] = sorted(_store(s, embedder).all_articles())
    assert delete([aid], broken).deleted == 1
    assert rebuild_lexical(broken) == 1
    store = Store.open(broken, None)
    assert store.model == ModelInfo(embedder.name, embedder.dim)  # the one it was built with
    assert (store.stats()["articles"], store.stats()["embedder"]) == (1, embedder.name)
    _consistent(store)
    with pytest.raises(ValueError):  # creating a store needs the model
        Store.open(s.with_(collection="other"), None, create=True)


def test_bad_files_are_reported_and_the_rest_ingested(tmp_path: Path, settings, embedder):
    write(tmp_path / "in" / "good.txt", STORY)
    write(tmp_path / "in" / "empty.txt", "")
    write(tmp_path / "in" / "binary.txt", b"\x00\x01\x02garbage\x00" * 50)
    write(tmp_path / "in" / "photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    write(tmp_path / "in" / "broken.jsonl", '{"title": "x", "text": "' + "fine words " * 40 + '"}\n'
          "{not json\n")
    report = ingest([str(tmp_path / "in")], settings, embedder=embedder)
    assert report.added == 2
    reasons = dict(report.failed)
    assert len(reasons) == 4, reasons
    assert all(r and "\n" not in r for r in reasons.values())
    assert any("invalid JSON at line 2" in r for r in reasons.values())


def test_model_mismatch_is_a_clear_error(settings, embedder, tmp_path: Path):
    ingest([str(write(tmp_path / "a.txt", STORY))], settings, embedder=embedder)

    class OtherModel:  # the real model under another name: what a config change looks like
        name, dim = "some-other-model", 384

        def embed(self, texts):
            return embedder.embed(texts)

    with pytest.raises(ModelMismatchError, match=f"{re.escape(embedder.name)}.*some-other-model"):
        Store.open(settings, OtherModel())
    with pytest.raises(ModelMismatchError):
        ingest([str(tmp_path / "a.txt")], settings, embedder=OtherModel())


def test_lexical_index_rebuilds_from_chroma(tmp_path: Path, settings, embedder):
    ingest([str(write(tmp_path / "a.txt", STORY))], settings, embedder=embedder)
    store = _store(settings, embedder)
    n = store.lexical.count()
    store.lexical.clear()
    assert store.lexical.search("Harbor Bridge", 5) == []
    assert rebuild_lexical(settings) == 1
    store = _store(settings, embedder)
    assert store.lexical.count() == n
    assert store.lexical.search("Harbor Bridge repairs", 5)


def _cli(*args: str, env_store: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "NEWSQA_STORE": env_store, "HOME": str(Path.home())}
    import os

    env = {**os.environ, **env}
    return subprocess.run([sys.executable, "-m", "ingest", *args], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=300)


def test_cli_exit_codes_and_json(tmp_path: Path):
    good = write(tmp_path / "in" / "good.txt", STORY)
    write(tmp_path / "in" / "bad.docx", b"PK\x03\x04 not supported")
    store = str(tmp_path / "store")
    ok = _cli(str(good), "--json", env_store=store)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["added"] == 1
    mixed = _cli(str(tmp_path / "in"), env_store=store)
    assert mixed.returncode == 1
    assert "bad.docx" in mixed.stderr and "Traceback" not in mixed.stderr
    assert "1 unchanged" in mixed.stdout
    usage = _cli(env_store=store)
    assert usage.returncode == 2
    helptext = _cli("--help", env_store=store)
    assert "--delete" in helptext.stdout and "NEWSQA_STORE" in helptext.stdout


def test_unchanged_inputs_are_skipped_before_cleaning(tmp_path: Path, settings, embedder,
                                                      monkeypatch):
    """Re-runs are fast because an unchanged raw record is recognised by its hash."""
    import ingest.pipeline as pipeline

    path = write(tmp_path / "in" / "bridge.txt", STORY)
    ingest([str(path)], settings, embedder=embedder)

    def no_cleaning(raw):
        raise AssertionError(f"cleaned {raw.origin} again")

    monkeypatch.setattr(pipeline, "clean", no_cleaning)
    report = ingest([str(path)], settings, embedder=embedder)
    assert (report.unchanged, report.added, report.chunks) == (1, 0, 0)


def test_two_records_with_one_url_do_not_flip_flop(tmp_path: Path, settings, embedder):
    """The first record of a URL wins, on every run (a re-run must not swap in the second)."""
    url = "https://news.example.org/2025/03/bridge"
    rows = [{"url": url, "title": "Bridge", "text": STORY, "published": "2025-03-03"},
            {"url": url, "title": "Bridge", "text": STORY.replace("$38.5", "$99"),
             "published": "2025-03-04"}]
    path = write(tmp_path / "in" / "a.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    first = ingest([str(path)], settings, embedder=embedder)
    assert (first.added, first.duplicates) == (1, 1)
    again = ingest([str(path)], settings, embedder=embedder)
    assert (again.added, again.updated, again.unchanged, again.duplicates, again.chunks) == \
        (0, 0, 1, 1, 0)


def test_a_closed_store_can_be_opened_again_in_the_same_process(tmp_path: Path, embedder):
    # Closing releases the directory for another process (the crash test's CLI reruns);
    # opening it again here must give a working store, not a stale shared client.
    s = Settings(store=str(tmp_path / "store"))
    write(tmp_path / "a.txt", "Harbor ferry\n\n" + "The harbor ferry will run every hour. " * 5)
    store = Store.open(s, embedder, create=True)
    ingest([str(tmp_path / "a.txt")], s, embedder=embedder, store=store)
    store.close()
    again = Store.open(s, embedder)
    assert again.stats()["articles"] == 1
    again.close()


class _LexicalThatDies:
    """The lexical index of a writer that dies when the write protocol reaches it: chunks
    are in Chroma, the ledger still says ``writing`` (what a crash leaves)."""

    def __init__(self, inner) -> None:
        self._inner = inner

    def replace_articles(self, *args, **kw):
        raise RuntimeError("the writer died here")

    def __getattr__(self, name: str):
        return getattr(self._inner, name)


def test_a_replica_drops_an_article_that_repair_removed(tmp_path: Path, embedder):
    # A second app process keeps its own BM25 copy and follows the ledger's generation
    # stamp; an article repair() removes after a crash must leave that copy too.
    s = Settings(store=str(tmp_path / "store"))
    path = write(tmp_path / "a.txt",
                 "Harbor ferry\n\n" + "The harbor ferry will run every hour. " * 5)
    store = Store.open(s, embedder, create=True)
    ingest([str(path)], s, embedder=embedder, store=store)
    replica = Store.open(Settings(store=s.store, lexical_dir=str(tmp_path / "replica")), embedder)
    replica.sync_lexical()
    [aid] = replica.lexical.article_hashes()
    write(path, "Harbor ferry\n\n" + "The harbor ferry will run every half hour. " * 5)
    real, store.lexical = store.lexical, _LexicalThatDies(store.lexical)
    with pytest.raises(RuntimeError, match="died"):  # a crash mid-update
        ingest([str(path)], s, embedder=embedder, store=store)
    store.lexical = real
    assert not store.all_articles()[aid].complete
    assert store.repair() == 1
    replica.sync_lexical()
    assert replica.lexical.article_hashes() == {}
