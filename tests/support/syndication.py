"""Fixtures for the near-copy tests (tests/test_syndication*.py): one made-up wire story as
three outlets ran it (other boilerplate, a changed headline, light edits), an op-ed on the
same story that is not a copy, other water stories and filler articles, written for these
tests; JSONL input files; each stored article's group."""

from __future__ import annotations

import json
import random
from pathlib import Path

from qa.settings import Settings
from qa.store import Store

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


def jsonl(path: Path, rows: list[tuple[str, str, str, str]], day: str = "2025-05-13") -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for source, url, title, text in rows:
            fh.write(json.dumps({"url": url, "title": title, "text": text, "source": source,
                                 "published": day}) + "\n")
    return str(path)


def groups(settings: Settings) -> dict[str, str]:
    """url -> dup_of url ("" for a canonical article) of every stored article."""
    arts = Store.open(settings, None).all_articles()
    return {a.url: (arts[a.dup_of].url if a.dup_of else "") for a in arts.values()}


def other_water_stories() -> list[tuple[str, str]]:
    """(title, text) of six council stories that mention the plant but are not copies."""
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


def filler(n: int) -> list[tuple[str, str, str, str]]:
    """``n`` unrelated articles of 70 random words (never near-copies of each other)."""
    rng = random.Random(13)
    words = ("council harbor bridge river market budget school hospital road rail port "
             "festival museum library court mayor minister union farmer teacher doctor "
             "storm flood election vote tax price wage rent loan bank factory forest coast "
             "island valley city town village district border treaty summit trade grain "
             "steel copper power grid solar wind water park stadium team season").split()
    return [("Filler Daily", f"https://filler.example/{i}", f"Filler story {i}",
             " ".join(rng.choice(words) for _ in range(70)) + ".") for i in range(n)]
