"""LLM answers: numbered passages in a prompt, the model's answer checked before use.

The passages go in as data (title, source, date, text), clearly fenced, with the instruction
that they are not instructions. The model's ``[n]`` markers are then checked by
``qa.answer.citations.check_answer``: unsupported sentences and markers naming no passage are
dropped. If nothing supported remains, the caller falls back to the extractive answer.
The prompt's words and its sentinel are in ``qa.answer.prompts``. No retrieval here; the LLM
object comes from ``qa.llm.make_llm``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from qa.answer.prompts import NOT_IN_ARTICLES, SYSTEM, USER
from qa.types import Citation


def build_messages(question: str, passages: list[Citation]) -> list[dict[str, str]]:
    """Chat messages for the question and its numbered passages."""
    blocks = []
    for p in passages:
        head = " | ".join(x for x in (p.title, p.source,
                                      p.published.isoformat() if p.published else "") if x)
        blocks.append(f"[{p.number}] {head}\n{p.passage}")
    data = "\n\n".join(blocks)
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": USER.format(passages=data, question=question)},
    ]


def generate(llm: Any, question: str, passages: list[Citation]) -> str:
    """The model's raw answer text."""
    return llm.chat(build_messages(question, passages), max_tokens=300)


def generate_stream(llm: Any, question: str, passages: list[Citation]) -> Iterator[str]:
    """The model's raw answer, as text increments."""
    yield from llm.stream(build_messages(question, passages), max_tokens=300)


def declined(text: str) -> bool:
    """Whether the model said the articles do not hold the answer."""
    return NOT_IN_ARTICLES in text.upper()
