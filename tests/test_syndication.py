"""Syndicated and near-duplicate copies (issue 13, item 1), end to end with the real embedder.

One made-up wire story runs in three outlets with different boilerplate, a changed headline
and light edits: ingestion groups the copies under the earliest-ingested one, which alone is
indexed; answers cite it with the other outlets in ``also_in``; five copies never fill the
top five of ``retrieve``; an unrelated article on the same topic stays apart; a copy changed
so it no longer matches leaves the group; deleting the canonical copy keeps the story
answerable; the ingest report counts the grouped copies; one more article costs the same
LSH lookups whatever the store holds. Every text here was written for these tests.
"""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import replace
from pathlib import Path

from ingest import delete, ingest, rebuild_lexical
from qa import QA, Citation, StoryCopy, also_in_text
from qa.settings import Settings
from qa.store import Store
from qa.store.paths import lexical_path
from qa.text.minhash import BANDS, jaccard, sketch

WIRE = """The regional water board approved a desalination plant for Merrow Bay on Tuesday, \
ending a four-year dispute over how the drought-hit coast should secure its drinking water.

The plant will draw seawater from an intake pipe 900 meters offshore and is expected to \
produce 60 million liters of fresh water a day once it opens in 2028, enough for about \
half of the bay's residents, according to the board's decision.

Construction is budgeted at 410 million dollars. The board said two thirds of the cost \
will come from a state climate fund and the rest from a bond that voters in four towns \
approved last spring.

Fishing crews had opposed the project for years, saying the brine it returns to the sea \
would harm the shellfish beds north of the harbor. The approved design spreads the brine \
through a diffuser on the sea floor and requires monthly testing of the water near the \
beds, a condition the fishers' association called a partial victory.

"We did not get everything we asked for, but the testing is written into the permit," \
said Irena Castell, who chairs the association. "If the numbers go wrong, they have to \
stop."

Board chair Tomas Wendt said the vote came after the third dry winter in a row left the \
bay's two reservoirs at less than a third of their capacity. Water rationing has been in \
force since last June, with households limited to 140 liters a day.

The plant will run on power from a solar farm to be built on former salt flats east of \
the town of Pell, the board said. Critics have questioned whether the farm can be ready \
in time, and the decision allows the plant to buy power from the grid for its first two \
years.

Work on the intake pipe is scheduled to begin in the autumn."""

OUTLETS = [  # (source, url, title, text): the same wire story three times
    ("The Coastal Courier", "https://coastalcourier.example/news/merrow-desal-approved",
     "Water board approves Merrow Bay desalination plant",
     "MERROW BAY (Wirepress) — " + WIRE + "\n\nCopyright 2025 Wirepress. All rights "
     "reserved. This material may not be published, broadcast or redistributed."),
    ("Valley Post", "https://valleypost.example/2025/05/desalination-plant-vote",
     "Desalination plant gets green light after four-year fight",
     WIRE.replace("on Tuesday", "Tuesday") + "\n\nWirepress contributed to this report. "
     "Sign up for the Valley Post morning newsletter to get the day's news first."),
    ("Northfield Herald", "https://northfieldherald.example/region/merrow-bay-plant",
     "Merrow Bay will get its seawater plant",
     WIRE.replace("Fishing crews had opposed", "Local fishing crews have long opposed")
     .replace("a partial victory", "a partial win") + "\n\nFollow the Northfield Herald "
     "for more regional news."),
]
RELATED = (  # the same topic, written separately: not a copy
    "Opinion: Merrow Bay needed its desalination plant, but it must not stop saving water",
    "The water board's approval of the Merrow Bay desalination plant is a relief for "
    "households that have lived with rationing since last June. Yet a plant that makes "
    "fresh water from the sea is expensive to run, and its electricity bill will land on "
    "every customer. Leaky mains in the old town still lose a fifth of the water the "
    "reservoirs supply. Fixing them would cost a fraction of the plant and could start "
    "this summer instead of in 2028. The fishers who fought the project for four years "
    "won monthly testing near the shellfish beds; the board should publish those results "
    "as they come in. And the solar farm promised for the Pell salt flats must not slip, "
    "or the plant will burn grid power for far longer than two years. A desalination "
    "plant is insurance against the next dry winter, not a licence to waste what falls "
    "from the sky.")
QUESTION = "How much fresh water will the Merrow Bay desalination plant produce a day?"


def _jsonl(path: Path, rows: list[tuple[str, str, str, str]], day: str = "2025-05-13") -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for source, url, title, text in rows:
            fh.write(json.dumps({"url": url, "title": title, "text": text, "source": source,
                                 "published": day}) + "\n")
    return str(path)


def _group(settings: Settings) -> dict[str, str]:
    """url -> dup_of url ("" for a canonical article) of every stored article."""
    arts = Store.open(settings, None).all_articles()
    return {a.url: (arts[a.dup_of].url if a.dup_of else "") for a in arts.values()}


def test_the_sketch_tells_copies_from_related_articles():
    a, b, c = (sketch(text).shingles for _, _, _, text in OUTLETS)
    assert jaccard(a, b) >= 0.8 and jaccard(a, c) >= 0.8
    assert jaccard(a, sketch(RELATED[1]).shingles) < 0.2
    assert sketch("too short to group") is None


def test_copies_grouped_answer_cites_one_with_also_in(tmp_path: Path, settings, embedder):
    first = ingest(_jsonl(tmp_path / "a.jsonl", OUTLETS[:1]), settings, embedder=embedder)
    assert (first.added, first.grouped) == (1, 0)
    rest = [*OUTLETS[1:], ("Bay Opinion", "https://bayopinion.example/desal-op-ed", *RELATED)]
    report = ingest(_jsonl(tmp_path / "b.jsonl", rest), settings, embedder=embedder)
    assert (report.added, report.grouped) == (3, 2), report.to_dict()
    assert "2 grouped as copies of stories already stored" in report.summary()
    assert report.to_dict()["grouped"] == 2
    courier = OUTLETS[0][1]
    assert _group(settings) == {courier: "", OUTLETS[1][1]: courier, OUTLETS[2][1]: courier,
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
              for n, (title, text) in enumerate(_other_water_stories())]
    report = ingest(_jsonl(tmp_path / "in.jsonl", copies + others), settings,
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
    report = ingest(_jsonl(tmp_path / "in.jsonl", rows), settings, embedder=embedder)
    assert (report.added, report.grouped) == (3, 0)


def test_changed_copy_leaves_and_deleted_canonical_keeps_story(tmp_path: Path, settings,
                                                                embedder):
    ingest(_jsonl(tmp_path / "all.jsonl", OUTLETS), settings, embedder=embedder)
    courier, valley, herald = (u for _, u, _, _ in OUTLETS)
    # the Herald replaces its copy with a story of its own: it leaves the group
    changed = ("Northfield Herald", herald, "Merrow Bay will get its seawater plant",
               RELATED[1].replace("The water board's", "Northfield's view: the water board's"))
    report = ingest(_jsonl(tmp_path / "herald.jsonl", [changed]), settings, embedder=embedder)
    assert (report.updated, report.grouped, report.chunks > 0) == (1, 0, True)
    assert _group(settings) == {courier: "", valley: courier, herald: ""}
    # deleting the canonical copy promotes the Valley Post's: still answerable, cited there
    gone = delete([courier], settings, embedder=embedder)
    assert (gone.deleted, gone.regrouped) == (1, 1), gone.to_dict()
    assert _group(settings) == {valley: "", herald: ""}
    with QA(settings, embedder=embedder) as newsqa:
        ans = newsqa.ask(QUESTION)
    assert not ans.refused and "60 million liters" in ans.text
    assert "Valley Post" in {c.source for c in ans.citations}


def test_copies_of_a_deleted_story_regroup_under_the_next(tmp_path: Path, settings,
                                                          embedder):
    ingest(_jsonl(tmp_path / "all.jsonl", OUTLETS), settings, embedder=embedder)
    courier, valley, herald = (u for _, u, _, _ in OUTLETS)
    delete([courier], settings, embedder=embedder)
    assert _group(settings) == {valley: "", herald: valley}
    with QA(settings, embedder=embedder) as newsqa:
        [cite] = [c for c in newsqa.retrieve(QUESTION, k=3) if c.source == "Valley Post"][:1]
    assert [c.source for c in cite.also_in] == ["Northfield Herald"]


def test_deleting_a_copy_only_shortens_also_in(tmp_path: Path, settings, embedder):
    ingest(_jsonl(tmp_path / "all.jsonl", OUTLETS), settings, embedder=embedder)
    courier, valley, herald = (u for _, u, _, _ in OUTLETS)
    gone = delete([valley], settings)  # a copy: nothing to promote, no model loaded
    assert (gone.deleted, gone.regrouped) == (1, 0)
    assert _group(settings) == {courier: "", herald: courier}
    with QA(settings, embedder=embedder) as newsqa:
        [cite] = [c for c in newsqa.retrieve(QUESTION, k=3) if c.url == courier][:1]
    assert [c.url for c in cite.also_in] == [herald]


def test_a_changed_canonical_keeps_matching_copies_and_lets_others_go(tmp_path: Path,
                                                                       settings, embedder):
    ingest(_jsonl(tmp_path / "all.jsonl", OUTLETS), settings, embedder=embedder)
    courier, valley, herald = (u for _, u, _, _ in OUTLETS)
    source, url, title, text = OUTLETS[0]
    light = (source, url, title, text.replace("Tuesday", "Tuesday evening"))
    report = ingest(_jsonl(tmp_path / "light.jsonl", [light]), settings, embedder=embedder)
    assert (report.updated, report.regrouped) == (1, 0)
    assert _group(settings) == {courier: "", valley: courier, herald: courier}
    rewritten = (source, url, title, RELATED[1])  # the Courier runs the op-ed instead
    report = ingest(_jsonl(tmp_path / "new.jsonl", [rewritten]), settings, embedder=embedder)
    assert (report.updated, report.regrouped) == (1, 2), report.to_dict()
    assert _group(settings) == {courier: "", valley: "", herald: valley}
    with QA(settings, embedder=embedder) as newsqa:
        ans = newsqa.ask(QUESTION)
    assert not ans.refused and "60 million liters" in ans.text
    assert "Valley Post" in {c.source for c in ans.citations}


def test_copies_left_without_their_story_regroup_at_the_next_run(tmp_path: Path, settings,
                                                                  embedder):
    ingest(_jsonl(tmp_path / "all.jsonl", OUTLETS), settings, embedder=embedder)
    courier, valley, herald = (u for _, u, _, _ in OUTLETS)
    store = Store.open(settings, embedder)
    [canonical] = [a for a in store.all_articles().values() if a.url == courier]
    store.delete_articles([canonical.article_id])  # not through ingest.delete: no promotion
    report = ingest([], settings, embedder=embedder)
    assert report.regrouped == 2
    assert _group(settings) == {valley: "", herald: valley}


def test_the_command_line_shows_the_other_outlets(tmp_path: Path, capsys, embedder):
    from qa.cli import main

    s = Settings(store=str(tmp_path / "store"))
    ingest(_jsonl(tmp_path / "all.jsonl", OUTLETS), s, embedder=embedder)
    assert main(["--store", s.store, QUESTION]) == 0
    assert "(also in: Valley Post, Northfield Herald)" in capsys.readouterr().out
    assert main(["--store", s.store, "--json", QUESTION]) == 0
    [first, *_] = json.loads(capsys.readouterr().out)["citations"]
    assert [c["source"] for c in first["also_in"]] == ["Valley Post", "Northfield Herald"]


def test_a_replica_rebuilds_the_sketches_from_the_ledger(tmp_path: Path, settings, embedder):
    ingest(_jsonl(tmp_path / "a.jsonl", OUTLETS[:1]), settings, embedder=embedder)
    assert rebuild_lexical(settings) == 1  # the index, band keys included, from the ledger
    report = ingest(_jsonl(tmp_path / "b.jsonl", OUTLETS[1:]), settings, embedder=embedder)
    assert report.grouped == 2


def test_an_index_from_before_sketches_is_filled_in_by_ingestion_only(tmp_path: Path,
                                                                      settings, embedder):
    ingest(_jsonl(tmp_path / "a.jsonl", OUTLETS[:1]), settings, embedder=embedder)
    path = lexical_path(settings)
    with sqlite3.connect(path) as db:  # as a lexical index written before near-copies
        db.executescript("DELETE FROM sketches; DELETE FROM bands; "
                         "DELETE FROM meta WHERE key = 'sketches';")
    with QA(settings, embedder=embedder) as newsqa:  # a reader does not sketch the archive
        assert newsqa.retrieve(QUESTION, k=3)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM sketches").fetchone() == (0,)
    report = ingest(_jsonl(tmp_path / "b.jsonl", OUTLETS[1:]), settings, embedder=embedder)
    assert report.grouped == 2


def test_one_more_article_costs_the_same_lookups(tmp_path: Path, settings, embedder):
    small = replace(settings, chunk_tokens=64, chunk_overlap=8)
    rows = _filler(120)
    ingest(_jsonl(tmp_path / "a.jsonl", rows[:40]), small, embedder=embedder)
    one = ingest(_jsonl(tmp_path / "b.jsonl", rows[40:41]), small, embedder=embedder)
    ingest(_jsonl(tmp_path / "c.jsonl", rows[41:119]), small, embedder=embedder)
    again = ingest(_jsonl(tmp_path / "d.jsonl", rows[119:]), small, embedder=embedder)
    assert one.near_copy_lookups == again.near_copy_lookups == BANDS
    assert (one.grouped, again.grouped) == (0, 0)


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


def _other_water_stories() -> list[tuple[str, str]]:
    towns = ["Pell", "Northfield", "Ardley", "Castor", "Wenmouth", "Lisk"]
    subjects = ["reservoir levels", "water rationing", "a new pipeline", "leaking mains",
                "a water price rise", "a river clean-up"]
    return [(f"{t} council debates {s}",
             f"The {t} council met on Monday to debate {s}. Councillors said the drought "
             f"had hit {t} hard and the water board should help pay for {s}. The regional "
             f"water board, which approved a desalination plant for Merrow Bay last week, "
             f"said it would study the request. Residents of {t} asked whether the new "
             f"plant would also supply their town. A decision on {s} is due in the autumn, "
             f"after the board's budget is set and the summer's reservoir readings are in.")
            for t, s in zip(towns, subjects, strict=True)]


def _filler(n: int) -> list[tuple[str, str, str, str]]:
    rng = random.Random(13)
    words = ("council harbor bridge river market budget school hospital road rail port "
             "festival museum library court mayor minister union farmer teacher doctor "
             "storm flood election vote tax price wage rent loan bank factory forest coast "
             "island valley city town village district border treaty summit trade grain "
             "steel copper power grid solar wind water park stadium team season").split()
    return [("Filler Daily", f"https://filler.example/{i}", f"Filler story {i}",
             " ".join(rng.choice(words) for _ in range(70)) + ".") for i in range(n)]
