"""Syndicated and near-duplicate copies (issue 13, item 1), end to end with the real embedder.

One made-up wire story runs in three outlets with different boilerplate, a changed headline
and light edits: ingestion groups the copies under the earliest-ingested one, which alone is
indexed; answers cite it with the other outlets in ``also_in`` (the API dict and the command
line too); five copies never fill the top five of ``retrieve``; an op-ed on the same story
and site boilerplate under several headlines stay apart; the ingest report counts the
grouped copies. What happens when copies change or go is tests/test_syndication_changes.py.
Every text here was written for these tests (tests/support/syndication.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from ingest import ingest
from qa import QA, Citation, StoryCopy, also_in_text
from qa.settings import Settings
from qa.text.minhash import jaccard, sketch
from tests.support.syndication import (
    OUTLETS,
    QUESTION,
    RELATED,
    WIRE,
    groups,
    jsonl,
    other_water_stories,
)


def test_the_sketch_tells_copies_from_related_articles():
    a, b, c = (sketch(text).shingles for _, _, _, text in OUTLETS)
    assert jaccard(a, b) >= 0.8 and jaccard(a, c) >= 0.8
    assert jaccard(a, sketch(RELATED[1]).shingles) < 0.2
    assert sketch("too short to group") is None


def test_copies_grouped_answer_cites_one_with_also_in(tmp_path: Path, settings, embedder):
    first = ingest(jsonl(tmp_path / "a.jsonl", OUTLETS[:1]), settings, embedder=embedder)
    assert (first.added, first.grouped) == (1, 0)
    rest = [*OUTLETS[1:], ("Bay Opinion", "https://bayopinion.example/desal-op-ed", *RELATED)]
    report = ingest(jsonl(tmp_path / "b.jsonl", rest), settings, embedder=embedder)
    assert (report.added, report.grouped) == (3, 2), report.to_dict()
    assert "2 grouped as copies of stories already stored" in report.summary()
    assert report.to_dict()["grouped"] == 2
    courier = OUTLETS[0][1]
    assert groups(settings) == {courier: "", OUTLETS[1][1]: courier, OUTLETS[2][1]: courier,
                                "https://bayopinion.example/desal-op-ed": ""}
    with QA(settings, embedder=embedder) as newsqa:
        ans = newsqa.ask(QUESTION)
        assert not ans.refused and "60 million liters" in ans.text
        cited = [c for c in ans.citations if "desalination" in c.passage]
        assert {c.source for c in cited} == {"The Coastal Courier"}
        also = cited[0].also_in
        assert [(c.source, c.url) for c in also] == [(s, u) for s, u, _, _ in OUTLETS[1:]]
        assert all(str(c.published) == "2025-05-13" for c in also)
        assert also_in_text(cited[0]) == "also in: Valley Post, Northfield Herald"
        assert ans.to_dict()["citations"][0]["also_in"][0]["source"] == "Valley Post"
        # every copy's chunks stay out of retrieval: only the canonical one is found
        found = newsqa.retrieve("Merrow Bay desalination brine shellfish", k=10)
        assert {c.source for c in found} == {"The Coastal Courier", "Bay Opinion"}


def test_five_copies_never_fill_the_top_five(tmp_path: Path, settings, embedder):
    copies = [(f"Outlet {n}", f"https://outlet{n}.example/merrow", f"Merrow Bay plant ({n})",
               f"{n} minutes ago. " + WIRE + f"\n\nRead more from Outlet {n}.")
              for n in range(5)]
    others = [(f"Other {n}", f"https://other{n}.example/story", title, text)
              for n, (title, text) in enumerate(other_water_stories())]
    report = ingest(jsonl(tmp_path / "in.jsonl", copies + others), settings,
                    embedder=embedder)
    assert report.grouped == 4
    with QA(settings, embedder=embedder) as newsqa:  # ungrouped, the five copies fill it
        top = newsqa.retrieve("fishing crews brine shellfish beds testing desalination plant",
                              k=5)
    wire = [c for c in top if c.source.startswith("Outlet")]
    assert len({c.article_id for c in wire}) == 1 and len(wire) <= 2, \
        [(c.source, c.title) for c in top]
    assert len(wire[0].also_in) == 4


def test_site_boilerplate_in_place_of_stories_is_not_grouped(tmp_path: Path, settings,
                                                              embedder):
    consent = ("We will use the details you have shared to manage your account. You agree "
               "to the processing, storage and use of this information as described in our "
               "privacy notice, and you may withdraw your consent at any time by writing to "
               "the data protection officer at the address on our contact page. Please check "
               "your inbox for a message confirming your choices before you continue.")
    rows = [("Bay Weekly", f"https://bayweekly.example/{n}", title, consent)
            for n, title in enumerate(["Ferry timetable changes", "Harbor fish market reopens",
                                       "Council election results"])]
    report = ingest(jsonl(tmp_path / "in.jsonl", rows), settings, embedder=embedder)
    assert (report.added, report.grouped) == (3, 0)


def test_the_command_line_shows_the_other_outlets(tmp_path: Path, capsys, embedder):
    from qa.cli import main

    s = Settings(store=str(tmp_path / "store"))
    ingest(jsonl(tmp_path / "all.jsonl", OUTLETS), s, embedder=embedder)
    assert main(["--store", s.store, QUESTION]) == 0
    assert "(also in: Valley Post, Northfield Herald)" in capsys.readouterr().out
    assert main(["--store", s.store, "--json", QUESTION]) == 0
    [first, *_] = json.loads(capsys.readouterr().out)["citations"]
    assert [c["source"] for c in first["also_in"]] == ["Valley Post", "Northfield Herald"]


def test_also_in_text():
    def cite(*copies: tuple[str, str]) -> Citation:
        return Citation(1, "a", "t", "https://a.example/x", "Outlet A", "", None, "p", 0, 1,
                        0.0, also_in=tuple(StoryCopy(s, u, None) for s, u in copies))

    assert also_in_text(cite()) == ""
    assert also_in_text(cite(("Outlet A", "https://a.example/y"))) == ""  # same outlet
    assert also_in_text(cite(("Outlet B", ""), ("", "https://www.c.example/s"))) == \
        "also in: Outlet B, c.example"
    many = cite(*[(f"Outlet {x}", "") for x in "BCDEB"], ("Outlet F", ""))
    assert also_in_text(many) == "also in: Outlet B, Outlet C (3 more)"
