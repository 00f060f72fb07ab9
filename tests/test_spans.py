"""Answer spans: the date, number, name or place a question asks for, marked in the answer's
first sentence (``qa.answer.spans``), carried in ``Answer.spans`` and shown bold by the CLI
(ANSI bold on a terminal only; ``--json`` carries the offsets). Pure tests on fixed
sentences, the demo corpus through ``qa.ask``, and the CLI's rendering (sources without an
outlet or date included)."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest

from qa import ask
from qa.answer.spans import answer_spans, kinds
from qa.cli import BOLD, RESET, main, render, use_bold
from qa.types import Answer, Citation

AS_OF = date(2026, 2, 1)

SENTENCES = [
    ("When did the Harbor Bridge reopen?",
     "The Harbor Bridge reopened to traffic at 5:30 a.m. on Thursday, May 22, ending a "
     "14-week closure [1]. The walkway will reopen on June 2 [2].", ["Thursday, May 22"]),
    ("How much did the Harbor Bridge repairs cost in the end?",
     "The final cost of the repairs came to $53.2 million, the Department of Transportation "
     "said, $4.6 million more than the original contract [1].", ["$53.2 million"]),
    ("How many dockworkers went on strike at the Port of Bayport, and why?",
     "About 1,900 dockworkers at the Port of Bayport went on strike at 6 a.m. on Tuesday, "
     "September 2, over plans to automate cranes at Terminal 4 [1].", ["About 1,900"]),
    ("Who won Valdora's presidential election, and with what share of the vote?",
     "CASTELLÓN — Irena Mavros of the Civic Union won Valdora’s presidential election on "
     "Sunday with 54.3 percent of the vote [1].", ["Irena Mavros", "54.3 percent"]),
    ("When was Irena Mavros sworn in as president?",
     "Irena Mavros was sworn in as president of Valdora on Thursday, November 20, 2025, in a "
     "ceremony at the National Assembly in Castellón [1].", ["Thursday, November 20, 2025"]),
    ("Where was Irena Mavros sworn in as president?",
     "Irena Mavros was sworn in as president of Valdora on Thursday, November 20, 2025, in a "
     "ceremony at the National Assembly in Castellón [1].", ["National Assembly"]),
    ("How many homes lost power during Storm Calloway?",
     "Storm Calloway dropped 38 centimeters of snow on Bayport on Wednesday, January 14, and "
     "left about 62,000 homes and businesses without power [1].", ["about 62,000"]),
    ("How much snow did Storm Calloway drop?",
     "Storm Calloway dropped 38 centimeters of snow on Bayport on Wednesday, January 14, and "
     "left about 62,000 homes and businesses without power [1].", ["38 centimeters"]),
    ("By how much will Bayport water rates rise, and when?",
     "Bayport households will pay 7 percent more for water from July 1, 2025, after a vote of "
     "4-1 [1].", ["7 percent", "July 1, 2025"]),
    ("How many electric ferries did Northshore Ferries order, and from whom?",
     "Northshore Ferries has ordered three battery-electric passenger ferries from Halvorsen "
     "Yards for $87 million [1].", ["three", "Halvorsen Yards"]),
    ("What does BX-7 do, and at what temperature?",
     "BX-7 broke down 90 percent of a thin PET film within 21 days at 30 degrees Celsius [1].",
     ["30 degrees Celsius"]),
    # nothing of the kind in the first sentence: nothing marked (not a guess from the second)
    ("When did the Harbor Bridge reopen?", "It reopened after repairs [1]. On May 22 [2].", []),
    ("Why was the Harbor Bridge reopening delayed?", "Crews found corrosion in 2025 [1].", []),
]


@pytest.mark.parametrize("question, text, marked", SENTENCES)
def test_spans_on_fixed_sentences(question, text, marked):
    spans = answer_spans(question, text)
    assert [text[a:b] for a, b in spans] == marked


def test_kinds_in_the_order_asked():
    assert kinds("Who won, and with what share of the vote?") == ["who", "number"]
    assert kinds("And when was she sworn in?") == ["when"]
    assert kinds("Why was it delayed?") == []


# ---- the demo corpus ----------------------------------------------------------------------
DEMO = [  # examples/questions.md numbers 1, 2, 5, 7, 8, 11
    ("When did the Harbor Bridge reopen?", ["May 22"]),
    ("How much did the Harbor Bridge repairs cost in the end?", ["$53.2 million"]),
    ("How many dockworkers went on strike at the Port of Bayport, and why?", ["1,900"]),
    ("Who won Valdora's presidential election, and with what share of the vote?",
     ["Irena Mavros", "54.3 percent"]),
    ("When was Irena Mavros sworn in as president?", ["November 20"]),
    ("How many homes lost power during Storm Calloway?", ["62,000"]),
]


@pytest.mark.parametrize("question, expected", DEMO)
def test_spans_of_the_demo_answers(corpus_settings, question, expected):
    ans = ask(question, settings=corpus_settings, as_of=AS_OF)
    assert not ans.refused
    marked = [ans.text[a:b] for a, b in ans.spans]
    assert len(marked) == len(expected), (marked, ans.text)
    for want, got in zip(expected, marked, strict=True):
        assert want in got, (marked, ans.text)
    assert ans.to_dict()["spans"] == [[a, b] for a, b in ans.spans]


def test_a_refusal_marks_nothing(corpus_settings):
    ans = ask("What is the population of Bayport?", settings=corpus_settings, as_of=AS_OF)
    assert ans.refused and ans.spans == ()


# ---- the CLI ------------------------------------------------------------------------------
def cite(n: int = 1, **kw) -> Citation:
    base = dict(number=n, article_id=f"a{n}", title="Bridge reopens", url="",
                source="Northshore Daily", author="", published=date(2025, 5, 23),
                passage="The bridge reopened on May 22.", start=0, end=30, score=1.0)
    base.update(kw)
    return Citation(**base)


def test_cli_shows_spans_bold_on_a_terminal_only(monkeypatch):
    text = "It reopened on Thursday, May 22, after 14 weeks [1]."
    a = text.index("Thursday, May 22")
    ans = Answer(question="When?", text=text, citations=(cite(),), refused=False,
                 spans=((a, a + len("Thursday, May 22")),))
    assert f"on {BOLD}Thursday, May 22{RESET}, after" in render(ans, bold=True)
    plain = render(ans)
    assert "\x1b" not in plain and "on Thursday, May 22, after" in plain
    narrow = render(ans, width=20, bold=True)  # wrapping does not break the markup
    assert narrow.count(BOLD) == 1 and narrow.count(RESET) == 1

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_bold(Tty()) and not use_bold(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_bold(Tty())


def test_cli_says_source_unknown_and_leaves_a_missing_date_out():
    ans = Answer(question="q", text="It reopened [1] [2] [3].", refused=False, citations=(
        cite(1, source="", published=None), cite(2, source=""), cite(3, published=None)))
    out = render(ans)
    assert "?" not in out and "undated" not in out
    assert "[1] Bridge reopens — source unknown\n" in out
    assert "[2] Bridge reopens — source unknown, 2025-05-23" in out
    assert "[3] Bridge reopens — Northshore Daily\n" in out


def test_cli_json_carries_the_offsets_and_piped_output_is_plain(corpus_settings, capsys):
    if not corpus_settings.store:
        pytest.skip("the CLI's --store names an embedded store")
    q = "How much did the Harbor Bridge repairs cost in the end?"
    assert main([q, "--json", "--store", corpus_settings.store, "--as-of", "2026-02-01"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [d["text"][a:b] for a, b in d["spans"]] == ["$53.2 million"]
    assert main([q, "--store", corpus_settings.store, "--as-of", "2026-02-01"]) == 0
    out = capsys.readouterr().out
    assert "$53.2 million" in out and "\x1b" not in out  # captured stdout is not a terminal
