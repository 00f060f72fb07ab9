"""Fixtures for the story tests (tests/test_stories.py), written for these tests: a
five-article story whose death toll is revised (four, nine, twelve, then eleven after a
double count), an article from the same town that week about something else, and one from
another outlet about the same story; as a JSONL file."""

from __future__ import annotations

import json
from pathlib import Path

DAM = [  # (published, source, url, title, text)
    ("2026-03-02", "Carrow Gazette", "https://carrowgazette.example/ashcombe-dam-fails",
     "Ashcombe Dam gives way above Millbrook, killing at least four",
     "The Ashcombe Dam above the town of Millbrook gave way before dawn on Monday, sending "
     "a wall of water down the Tarrant valley and killing at least four people, Carrow "
     "County officials said.\n\nSheriff Owen Pryce said rescue crews had pulled 30 people "
     "from flooded homes along Mill Lane. The reservoir behind the earthen dam had risen "
     "after a week of heavy rain, and engineers had been inspecting a leak on its eastern "
     "face since Friday.\n\nThe county opened an emergency shelter at Millbrook High "
     "School."),
    ("2026-03-03", "Carrow Gazette", "https://carrowgazette.example/millbrook-toll-nine",
     "Millbrook death toll rises to nine as search goes on",
     "The death toll from the collapse of the Ashcombe Dam rose to nine on Tuesday, as "
     "rescue crews searched the flooded streets of Millbrook for people still missing, "
     "Carrow County officials said.\n\nSheriff Owen Pryce said six people were unaccounted "
     "for. Divers from the state police joined the search along the Tarrant River.\n\nThe "
     "Millbrook High School shelter housed about 400 people overnight."),
    ("2026-03-04", "Tarrant Valley News", "https://tvnews.example/ashcombe-toll-12",
     "Ashcombe Dam disaster: toll reaches 12",
     "The number of people killed when the Ashcombe Dam failed reached 12 on Wednesday, "
     "Carrow County officials said, after searchers found three more bodies downstream "
     "of Millbrook.\n\nSheriff Owen Pryce said the search would continue until every "
     "missing person was found. Power company crews restored electricity to most of the "
     "town."),
    ("2026-03-05", "Carrow Gazette", "https://carrowgazette.example/toll-revised-eleven",
     "Officials revise Ashcombe Dam toll to 11 after a double count",
     "Carrow County officials revised the death toll from the Ashcombe Dam collapse down "
     "to 11 on Thursday, saying one victim had been counted twice by two hospitals.\n\n"
     "Sheriff Owen Pryce apologised for the error. The search of the Tarrant River below "
     "Millbrook was called off on Thursday evening."),
    ("2026-03-07", "Carrow Gazette", "https://carrowgazette.example/ashcombe-inquiry",
     "Governor orders inquiry into Ashcombe Dam collapse",
     "Governor Lena Marsh ordered an independent inquiry on Saturday into the failure of "
     "the Ashcombe Dam above Millbrook, which killed 11 people this week.\n\nThe inquiry "
     "will examine why the leak engineers found on the dam's eastern face was not "
     "repaired, Marsh said in Millbrook, where she met families of the victims and Sheriff "
     "Owen Pryce."),
]
BAKERY = ("2026-03-04", "Carrow Gazette", "https://carrowgazette.example/millbrook-bakery",
          "Millbrook bakery wins county bread prize",
          "Hollis Bakery on Millbrook's Market Street won the Carrow County Fair's bread "
          "prize on Wednesday for its rye loaf, owner Denise Hollis said. The bakery has "
          "baked in the town since 1962 and employs eleven people.")
QUESTIONS = {
    "timeline": "How did the Ashcombe Dam collapse unfold?",
    "changes": "Was the death toll of the Ashcombe Dam collapse revised?",
    "outlets": "Which outlets covered the Ashcombe Dam collapse?",
    "count": "How many articles about the Ashcombe Dam collapse?",
}


def write_jsonl(path: Path, rows: list[tuple[str, str, str, str, str]]) -> str:
    """The rows as a JSONL file (one article per line)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for day, source, url, title, text in rows:
            fh.write(json.dumps({"url": url, "title": title, "text": text, "source": source,
                                 "published": day}) + "\n")
    return str(path)
