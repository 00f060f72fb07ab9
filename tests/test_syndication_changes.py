"""Near-copies when things change (issue 13, item 1): a copy rewritten leaves its group; a
canonical article lightly edited keeps its copies, rewritten lets them go; deleting the
canonical copy promotes the next one and the story stays answerable; deleting a copy only
shortens ``also_in``; copies whose story was removed another way regroup at the next run;
a replica, or a lexical index from before near-copies, gets its band keys from the ledger
(ingestion fills them in, readers do not); one more article costs the same LSH lookups
whatever the store holds. Embedded store and Chroma server; texts from
tests/support/syndication.py.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from ingest import delete, ingest, rebuild_lexical
from qa import QA
from qa.store import Store
from qa.store.paths import lexical_path
from qa.text.minhash import BANDS
from tests.support.syndication import OUTLETS, QUESTION, RELATED, filler, groups, jsonl


def test_changed_copy_leaves_and_deleted_canonical_keeps_story(tmp_path: Path, settings,
                                                                embedder):
    ingest(jsonl(tmp_path / "all.jsonl", OUTLETS), settings, embedder=embedder)
    courier, valley, herald = (u for _, u, _, _ in OUTLETS)
    # the Herald replaces its copy with a story of its own: it leaves the group
    changed = ("Northfield Herald", herald, "Merrow Bay will get its seawater plant",
               RELATED[1].replace("The water board's", "Northfield's view: the water board's"))
    report = ingest(jsonl(tmp_path / "herald.jsonl", [changed]), settings, embedder=embedder)
    assert (report.updated, report.grouped, report.chunks > 0) == (1, 0, True)
    assert groups(settings) == {courier: "", valley: courier, herald: ""}
    # deleting the canonical copy promotes the Valley Post's: still answerable, cited there
    gone = delete([courier], settings, embedder=embedder)
    assert (gone.deleted, gone.regrouped) == (1, 1), gone.to_dict()
    assert groups(settings) == {valley: "", herald: ""}
    with QA(settings, embedder=embedder) as newsqa:
        ans = newsqa.ask(QUESTION)
    assert not ans.refused and "60 million liters" in ans.text
    assert "Valley Post" in {c.source for c in ans.citations}


def test_copies_of_a_deleted_story_regroup_under_the_next(tmp_path: Path, settings,
                                                          embedder):
    ingest(jsonl(tmp_path / "all.jsonl", OUTLETS), settings, embedder=embedder)
    courier, valley, herald = (u for _, u, _, _ in OUTLETS)
    delete([courier], settings, embedder=embedder)
    assert groups(settings) == {valley: "", herald: valley}
    with QA(settings, embedder=embedder) as newsqa:
        [cite] = [c for c in newsqa.retrieve(QUESTION, k=3) if c.source == "Valley Post"][:1]
    assert [c.source for c in cite.also_in] == ["Northfield Herald"]


def test_deleting_a_copy_only_shortens_also_in(tmp_path: Path, settings, embedder):
    ingest(jsonl(tmp_path / "all.jsonl", OUTLETS), settings, embedder=embedder)
    courier, valley, herald = (u for _, u, _, _ in OUTLETS)
    gone = delete([valley], settings)  # a copy: nothing to promote, no model loaded
    assert (gone.deleted, gone.regrouped) == (1, 0)
    assert groups(settings) == {courier: "", herald: courier}
    with QA(settings, embedder=embedder) as newsqa:
        [cite] = [c for c in newsqa.retrieve(QUESTION, k=3) if c.url == courier][:1]
    assert [c.url for c in cite.also_in] == [herald]


def test_a_changed_canonical_keeps_matching_copies_and_lets_others_go(tmp_path: Path,
                                                                       settings, embedder):
    ingest(jsonl(tmp_path / "all.jsonl", OUTLETS), settings, embedder=embedder)
    courier, valley, herald = (u for _, u, _, _ in OUTLETS)
    source, url, title, text = OUTLETS[0]
    light = (source, url, title, text.replace("Tuesday", "Tuesday evening"))
    report = ingest(jsonl(tmp_path / "light.jsonl", [light]), settings, embedder=embedder)
    assert (report.updated, report.regrouped) == (1, 0)
    assert groups(settings) == {courier: "", valley: courier, herald: courier}
    rewritten = (source, url, title, RELATED[1])  # the Courier runs the op-ed instead
    report = ingest(jsonl(tmp_path / "new.jsonl", [rewritten]), settings, embedder=embedder)
    assert (report.updated, report.regrouped) == (1, 2), report.to_dict()
    assert groups(settings) == {courier: "", valley: "", herald: valley}
    with QA(settings, embedder=embedder) as newsqa:
        ans = newsqa.ask(QUESTION)
    assert not ans.refused and "60 million liters" in ans.text
    assert "Valley Post" in {c.source for c in ans.citations}


def test_copies_left_without_their_story_regroup_at_the_next_run(tmp_path: Path, settings,
                                                                  embedder):
    ingest(jsonl(tmp_path / "all.jsonl", OUTLETS), settings, embedder=embedder)
    courier, valley, herald = (u for _, u, _, _ in OUTLETS)
    store = Store.open(settings, embedder)
    [canonical] = [a for a in store.all_articles().values() if a.url == courier]
    store.delete_articles([canonical.article_id])  # not through ingest.delete: no promotion
    report = ingest([], settings, embedder=embedder)
    assert report.regrouped == 2
    assert groups(settings) == {valley: "", herald: valley}


def test_a_replica_rebuilds_the_sketches_from_the_ledger(tmp_path: Path, settings, embedder):
    ingest(jsonl(tmp_path / "a.jsonl", OUTLETS[:1]), settings, embedder=embedder)
    assert rebuild_lexical(settings) == 1  # the index, band keys included, from the ledger
    report = ingest(jsonl(tmp_path / "b.jsonl", OUTLETS[1:]), settings, embedder=embedder)
    assert report.grouped == 2


def test_an_index_from_before_sketches_is_filled_in_by_ingestion_only(tmp_path: Path,
                                                                      settings, embedder):
    ingest(jsonl(tmp_path / "a.jsonl", OUTLETS[:1]), settings, embedder=embedder)
    path = lexical_path(settings)
    with sqlite3.connect(path) as db:  # as a lexical index written before near-copies
        db.executescript("DELETE FROM sketches; DELETE FROM bands; "
                         "DELETE FROM meta WHERE key = 'sketches';")
    with QA(settings, embedder=embedder) as newsqa:  # a reader does not sketch the archive
        assert newsqa.retrieve(QUESTION, k=3)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM sketches").fetchone() == (0,)
    report = ingest(jsonl(tmp_path / "b.jsonl", OUTLETS[1:]), settings, embedder=embedder)
    assert report.grouped == 2


def test_one_more_article_costs_the_same_lookups(tmp_path: Path, settings, embedder):
    small = replace(settings, chunk_tokens=64, chunk_overlap=8)
    rows = filler(120)
    ingest(jsonl(tmp_path / "a.jsonl", rows[:40]), small, embedder=embedder)
    one = ingest(jsonl(tmp_path / "b.jsonl", rows[40:41]), small, embedder=embedder)
    ingest(jsonl(tmp_path / "c.jsonl", rows[41:119]), small, embedder=embedder)
    again = ingest(jsonl(tmp_path / "d.jsonl", rows[119:]), small, embedder=embedder)
    assert one.near_copy_lookups == again.near_copy_lookups == BANDS
    assert (one.grouped, again.grouped) == (0, 0)
