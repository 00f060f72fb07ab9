"""qa.search.timewords.read_time: time phrases in questions -> date ranges relative to as_of."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.search.timewords import TimeReading, read_time

THU = date(2022, 6, 16)  # a Thursday
LEAP = date(2024, 3, 1)  # a Friday, the day after 29 February
D = date

# question, since, until (as_of = THU)
RANGES_THU = [
    ("What happened today?", D(2022, 6, 16), D(2022, 6, 16)),
    ("What did Biden say yesterday?", D(2022, 6, 15), D(2022, 6, 15)),
    ("What was announced last night?", D(2022, 6, 15), D(2022, 6, 16)),
    ("Who resigned this week?", D(2022, 6, 13), D(2022, 6, 16)),
    ("Who resigned last week?", D(2022, 6, 6), D(2022, 6, 12)),
    ("What happened in the past 3 days?", D(2022, 6, 13), D(2022, 6, 16)),
    ("Which stocks fell over the past two weeks?", D(2022, 6, 2), D(2022, 6, 16)),
    ("Which stocks fell over the last 2 weeks?", D(2022, 6, 2), D(2022, 6, 16)),
    ("What changed in the last 6 months?", D(2021, 12, 16), D(2022, 6, 16)),
    ("What happened in the past week?", D(2022, 6, 9), D(2022, 6, 16)),
    ("What happened this past week?", D(2022, 6, 9), D(2022, 6, 16)),
    ("Any storms in the past 24 hours?", D(2022, 6, 15), D(2022, 6, 16)),
    ("Who won elections over the past year?", D(2021, 6, 16), D(2022, 6, 16)),
    ("What did the Fed do in the past few days?", D(2022, 6, 13), D(2022, 6, 16)),
    ("What happened this month?", D(2022, 6, 1), D(2022, 6, 16)),
    ("What happened last month?", D(2022, 5, 1), D(2022, 5, 31)),
    ("What happened this year?", D(2022, 1, 1), D(2022, 6, 16)),
    ("What happened last year?", D(2021, 1, 1), D(2021, 12, 31)),
    ("Who won the vote earlier this month?", D(2022, 6, 1), D(2022, 6, 16)),
    ("What happened in March 2022?", D(2022, 3, 1), D(2022, 3, 31)),
    ("How did March 2022 inflation look?", D(2022, 3, 1), D(2022, 3, 31)),
    ("What happened in early March 2022?", D(2022, 3, 1), D(2022, 3, 31)),
    ("What happened in March?", D(2022, 3, 1), D(2022, 3, 31)),
    ("What happened in June?", D(2022, 6, 1), D(2022, 6, 16)),
    ("What happened in July?", D(2021, 7, 1), D(2021, 7, 31)),
    ("What happened in may?", D(2022, 5, 1), D(2022, 5, 31)),
    ("How many people left in August last year?", D(2021, 8, 1), D(2021, 8, 31)),
    ("What happened on 12 June 2022?", D(2022, 6, 12), D(2022, 6, 12)),
    ("What happened on the 12th of June 2022?", D(2022, 6, 12), D(2022, 6, 12)),
    ("What happened June 12, 2022?", D(2022, 6, 12), D(2022, 6, 12)),
    ("What happened on Jan. 6, 2021?", D(2021, 1, 6), D(2021, 1, 6)),
    ("What happened on 2022-06-12?", D(2022, 6, 12), D(2022, 6, 12)),
    ("What happened on June 12?", D(2022, 6, 12), D(2022, 6, 12)),
    ("What happened on June 12th?", D(2022, 6, 12), D(2022, 6, 12)),
    ("What happened on 12 June?", D(2022, 6, 12), D(2022, 6, 12)),
    ("What happened on June 20?", D(2021, 6, 20), D(2021, 6, 20)),  # most recent one
    ("Who won the election in 2021?", D(2021, 1, 1), D(2021, 12, 31)),
    ("What happened in the 1990s?", D(1990, 1, 1), D(1999, 12, 31)),
    ("What has changed since June?", D(2022, 6, 1), D(2022, 6, 16)),
    ("What has changed since June 2022?", D(2022, 6, 1), D(2022, 6, 16)),
    ("What has changed since 2021?", D(2021, 1, 1), D(2022, 6, 16)),
    ("What has changed since last week?", D(2022, 6, 6), D(2022, 6, 16)),
    ("What has changed since Monday?", D(2022, 6, 13), D(2022, 6, 16)),
    ("What has changed since July?", D(2021, 7, 1), D(2022, 6, 16)),
    ("What happened after May 2022?", D(2022, 6, 1), D(2022, 6, 16)),
    ("What was said before May 2022?", None, D(2022, 4, 30)),
    ("What was said before 2021?", None, D(2020, 12, 31)),
    ("What was said before May?", None, D(2022, 4, 30)),
    ("What happened between May and July 2022?", D(2022, 5, 1), D(2022, 6, 16)),
    ("What happened between March and May 2022?", D(2022, 3, 1), D(2022, 5, 31)),
    ("What happened between November and February 2022?", D(2021, 11, 1), D(2022, 2, 28)),
    ("What happened between 2019 and 2021?", D(2019, 1, 1), D(2021, 12, 31)),
    ("What happened from May to July 2021?", D(2021, 5, 1), D(2021, 7, 31)),
    ("What happened between May and July?", D(2021, 5, 1), D(2021, 7, 31)),
    ("What happened between June 1 and June 12?", D(2022, 6, 1), D(2022, 6, 12)),
    ("Who got married over the weekend?", D(2022, 6, 11), D(2022, 6, 12)),
    ("Who got married last weekend?", D(2022, 6, 11), D(2022, 6, 12)),
    ("What happened on Tuesday?", D(2022, 6, 14), D(2022, 6, 14)),
    ("What happened last Tuesday?", D(2022, 6, 14), D(2022, 6, 14)),
    ("What happened on Thursday?", D(2022, 6, 9), D(2022, 6, 9)),  # as_of is a Thursday
    ("Who scored on Monday night?", D(2022, 6, 13), D(2022, 6, 13)),
    ("Yellowstone reopened Wednesday. Why was it shut?", D(2022, 6, 15), D(2022, 6, 15)),
    ("Who was missing early Friday?", D(2022, 6, 10), D(2022, 6, 10)),
    ("What happened 3 days ago?", D(2022, 6, 13), D(2022, 6, 13)),
    ("What happened two weeks ago?", D(2022, 5, 30), D(2022, 6, 5)),
    ("WHAT HAPPENED YESTERDAY?", D(2022, 6, 15), D(2022, 6, 15)),
    ("how many cases as of this week", D(2022, 6, 13), D(2022, 6, 16)),
    ("What happened on Sunday, June 12?", D(2022, 6, 12), D(2022, 6, 12)),
    ("What happened in the year 2021?", D(2021, 1, 1), D(2021, 12, 31)),
    ("What has changed since early 2020?", D(2020, 1, 1), D(2022, 6, 16)),
    ("Which team won on Sept. 3?", D(2021, 9, 3), D(2021, 9, 3)),
    ("What changed prior to June 2022?", None, D(2022, 5, 31)),
    ("What did he say this morning?", D(2022, 6, 16), D(2022, 6, 16)),
    ("What happened from Monday to Wednesday?", D(2022, 6, 13), D(2022, 6, 15)),
]


@pytest.mark.parametrize(("question", "since", "until"), RANGES_THU)
def test_ranges_relative_to_a_thursday(question: str, since: date | None, until: date) -> None:
    hint = read_time(question, THU)
    assert (hint.since, hint.until) == (since, until), hint
    assert hint.recency is False
    assert hint.phrase and hint.phrase in question


# as_of = 2024-03-01 (Friday; 2024 is a leap year)
RANGES_LEAP = [
    ("What happened yesterday?", D(2024, 2, 29), D(2024, 2, 29)),
    ("What happened last month?", D(2024, 2, 1), D(2024, 2, 29)),
    ("What happened this month?", D(2024, 3, 1), D(2024, 3, 1)),
    ("What happened earlier this month?", D(2024, 3, 1), D(2024, 3, 1)),
    ("What happened this week?", D(2024, 2, 26), D(2024, 3, 1)),
    ("What happened last week?", D(2024, 2, 19), D(2024, 2, 25)),
    ("What happened this year?", D(2024, 1, 1), D(2024, 3, 1)),
    ("What happened last year?", D(2023, 1, 1), D(2023, 12, 31)),
    ("What happened in the past month?", D(2024, 2, 1), D(2024, 3, 1)),
    ("What happened in the past year?", D(2023, 3, 1), D(2024, 3, 1)),
    ("What happened in March?", D(2024, 3, 1), D(2024, 3, 1)),
    ("What happened in February?", D(2024, 2, 1), D(2024, 2, 29)),
    ("What happened in April?", D(2023, 4, 1), D(2023, 4, 30)),
    ("What happened in December?", D(2023, 12, 1), D(2023, 12, 31)),
    ("What happened on February 29?", D(2024, 2, 29), D(2024, 2, 29)),
    ("What happened on Feb 29, 2024?", D(2024, 2, 29), D(2024, 2, 29)),
    ("What happened over the weekend?", D(2024, 2, 24), D(2024, 2, 25)),
    ("What happened on Friday?", D(2024, 2, 23), D(2024, 2, 23)),
    ("What happened on Sunday?", D(2024, 2, 25), D(2024, 2, 25)),
    ("What happened in 2024?", D(2024, 1, 1), D(2024, 3, 1)),
    ("What happened since December?", D(2023, 12, 1), D(2024, 3, 1)),
    ("What happened between December and February?", D(2023, 12, 1), D(2024, 2, 29)),
]


@pytest.mark.parametrize(("question", "since", "until"), RANGES_LEAP)
def test_month_and_year_boundaries_in_a_leap_year(
    question: str, since: date | None, until: date
) -> None:
    hint = read_time(question, LEAP)
    assert (hint.since, hint.until) == (since, until), hint


@pytest.mark.parametrize(
    ("as_of", "question", "since", "until"),
    [
        (D(2023, 3, 1), "What happened on February 29?", D(2020, 2, 29), D(2020, 2, 29)),
        (D(2024, 2, 29), "What happened in the past year?", D(2023, 2, 28), D(2024, 2, 29)),
        (D(2024, 3, 31), "What happened in the past month?", D(2024, 2, 29), D(2024, 3, 31)),
        (D(2024, 1, 3), "What happened last month?", D(2023, 12, 1), D(2023, 12, 31)),
        (D(2024, 1, 1), "What happened last week?", D(2023, 12, 25), D(2023, 12, 31)),
        (D(2024, 1, 1), "What happened this week?", D(2024, 1, 1), D(2024, 1, 1)),
        (D(2022, 6, 19), "Who won over the weekend?", D(2022, 6, 18), D(2022, 6, 19)),  # Sun
        (D(2022, 6, 19), "Who won last weekend?", D(2022, 6, 11), D(2022, 6, 12)),
        (D(2022, 6, 18), "Who won over the weekend?", D(2022, 6, 18), D(2022, 6, 18)),  # Sat
        (D(2022, 6, 18), "Who won this weekend?", D(2022, 6, 18), D(2022, 6, 18)),
        (D(2022, 6, 20), "Who won last weekend?", D(2022, 6, 18), D(2022, 6, 19)),  # Mon
    ],
)
def test_edges(as_of: date, question: str, since: date, until: date) -> None:
    hint = read_time(question, as_of)
    assert (hint.since, hint.until) == (since, until), hint


@pytest.mark.parametrize(
    ("question", "phrase", "rest"),
    [
        ("Which movie is top of the box office this week?", "this week",
         "Which movie is top of the box office?"),
        ("Yesterday, what did Biden say?", "Yesterday", "What did Biden say?"),
        ("In 2021, who won the league?", "In 2021", "Who won the league?"),
        ("This week the richest man, Elon Musk, denied what?", "This week",
         "The richest man, Elon Musk, denied what?"),
        ("What happened in the past week?", "in the past week", "What happened?"),
        ("Who scored on Monday night in Oslo?", "on Monday night", "Who scored in Oslo?"),
        ("Who tied the knot over the weekend, after 20 years?", "over the weekend",
         "Who tied the knot, after 20 years?"),
        ("How many cases are there as of this week?", "as of this week",
         "How many cases are there?"),
        ("What did the minister say, yesterday?", "yesterday", "What did the minister say?"),
        ("Who is now the prime minister?", "now", "Who is the prime minister?"),
        ("Which nation plunged into chaos in recent days?", "in recent days",
         "Which nation plunged into chaos?"),
        ("What happened between May and July 2022?", "between May and July 2022",
         "What happened?"),
        ("What has changed since last week?", "since last week", "What has changed?"),
        # part of the sentence, not a filter: the question stays as it was
        ("Who won the prize for the best album of the last 12 months?",
         "the last 12 months", "Who won the prize for the best album of the last 12 months?"),
        ("Who won Sunday's election?", "Sunday's", "Who won Sunday's election?"),
        ("What is this week's top movie?", "this week's", "What is this week's top movie?"),
        ("Who is the latest to resign?", "latest", "Who is the latest to resign?"),
        ("today", "today", "today"),  # nothing left: keep the original
    ],
)
def test_phrase_and_remaining_question(question: str, phrase: str, rest: str) -> None:
    hint = read_time(question, THU)
    assert hint.phrase == phrase
    assert hint.question == rest


@pytest.mark.parametrize(
    ("question", "phrase"),
    [
        ("What are the latest Covid rules?", "latest"),
        ("Which team recently won the title?", "recently"),
        ("What is the newest iPhone?", "newest"),
        ("Who is the current UK prime minister?", "current"),
        ("Who is the PM now?", "now"),
        ("Who is currently leading the polls?", "currently"),
        ("New research found what about sleep?", "New"),
        ("What is this week's top movie?", "this week's"),
        ("Who won this year's Oscar for best picture?", "this year's"),
        ("What are today's headlines?", "today's"),
        ("What is the most recent poll?", "most recent"),
        ("Which singer will tour later this year?", "later this year"),
        ("Where will the summit be held next year?", "next year"),
        ("What will happen in 2050?", ""),  # future: ignored, not recency
        ("What happens next Tuesday?", "next Tuesday"),
        ("Why is tobacco banned for today's teens?", "today's"),
        ("Will it be hot this weekend?", "this weekend"),  # asked on a Thursday: coming
    ],
)
def test_recency_without_a_range(question: str, phrase: str) -> None:
    hint = read_time(question, THU)
    assert (hint.since, hint.until) == (None, None)
    assert hint.recency is bool(phrase)
    assert hint.phrase == phrase


@pytest.mark.parametrize(
    "question",
    [
        "Who may become the next PM?",
        "May I ask who won?",
        "Where did protesters march?",
        "Why did 2000 people march on parliament?",
        "Why did the 1,500 troops leave?",
        "How many were hurt in 2000 people's homes?",
        "What did USA Today report about the vote?",
        "What happened on Bloody Sunday?",
        "What did the Sunday Times reveal?",
        "Who hosts Thursday Night Football on Prime Video's Thursday Night Football?",
        "Who sold the most on Black Friday?",
        "Who won Super Tuesday?",
        "Who was staying in Mar-a-Lago?",
        "Who lives in Mayfair?",
        "Who won in New York?",
        "What did the New Zealand government announce?",
        "Who sang at the Super Bowl?",
        "What will happen in 2050?",
        "What happened on June 31?",
        "What happened on 29 February 2023?",
        "What happened in 2023?",  # after as_of
        "What happened on June 20, 2022?",  # after as_of
        "What happened after June 2022?",  # nothing after as_of
        "What was said before July?",  # the coming July: no real limit
        "Who won the 2022 Stanley Cup?",
        "Which country had 10 million cases?",
        "How much higher are prices than a year ago?",
        "Who stepped down two years ago?",
        "What did the Tuesday meeting decide?",
        "What did the report from 2021 say?",
        "Which team won in Q1 2022?",
        "",
    ],
)
def test_no_misfires(question: str) -> None:
    hint = read_time(question, THU)
    assert hint == TimeReading(None, None, False, "", question), hint


def test_narrowest_range_wins() -> None:
    q = "Leaked documents about Uber between 2013 and 2017 were published this week. How many?"
    hint = read_time(q, THU)
    assert (hint.since, hint.until, hint.phrase) == (D(2022, 6, 13), THU, "this week")
    assert hint.question == (
        "Leaked documents about Uber between 2013 and 2017 were published. How many?"
    )
    q = "Yellowstone reopened Wednesday after being closed since June 13. Why?"
    assert read_time(q, THU).phrase == "Wednesday"


def test_a_range_beats_recency() -> None:
    hint = read_time("What is the latest news from yesterday?", THU)
    assert (hint.since, hint.until, hint.recency) == (D(2022, 6, 15), D(2022, 6, 15), False)


def test_case_insensitive() -> None:
    for q in ("what happened LAST MONTH?", "What happened Last Month?"):
        assert (read_time(q, THU).since, read_time(q, THU).until) == (D(2022, 5, 1), D(2022, 5, 31))


def test_to_dict() -> None:
    assert read_time("What happened last week?", THU).to_dict() == {
        "since": "2022-06-06", "until": "2022-06-12", "recency": False,
        "phrase": "last week", "question": "What happened?",
    }
    assert read_time("Who won?", THU).to_dict()["since"] is None


PHRASES = [p for p, _, _ in RANGES_THU] + ["latest", "since", "May", "between", "on", "1999"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.text(max_size=30), st.sampled_from(PHRASES)), max_size=5),
    st.dates(min_value=D(1950, 1, 1), max_value=D(2100, 12, 31)),
)
def test_never_raises_and_ranges_are_sane(parts: list[str], as_of: date) -> None:
    question = " ".join(parts)
    hint = read_time(question, as_of)
    assert isinstance(hint.question, str) and isinstance(hint.phrase, str)
    if hint.since and hint.until:
        assert hint.since <= hint.until
    for d in (hint.since, hint.until):
        assert d is None or d <= as_of
    if hint.since or hint.until:
        assert not hint.recency and hint.phrase
    if not hint.phrase:
        assert hint.question == question
