"""Follow-up questions -> standalone search queries, using the conversation so far.

``standalone(question, history, llm)``: when the question leans on earlier turns (a pronoun,
"what about ...", or very few content words) it is rewritten. With an LLM, the model rewrites
it (and a bad rewrite — empty, rambling, or dropping the question's own words — falls back);
without one, the names and key terms of the previous question are appended. History items
may be ``(user, assistant)`` pairs or ``{"role": ..., "content": ...}`` messages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from qa.text.terms import terms

_FOLLOW = re.compile(
    r"\b(he|she|it|they|them|him|his|her|hers|its|their|theirs|this|that|these|those|there|"
    r"then|the same|the former|the latter)\b|^(and|but|also|what about|how about|why|so)\b",
    re.I,
)
_NAME = re.compile(r"\b[A-Z][\w'’\-]+(?:\.\w+)*(?:\s+[A-Z][\w'’\-]+(?:\.\w+)*)*")
_SENTENCE_START = re.compile(r"(^|[.!?:]\s+)[\W_]*$")  # text before a sentence's first word


def user_turns(history: Sequence[Any] | None) -> list[str]:
    """The user's earlier questions, oldest first, from either history format."""
    out: list[str] = []
    for item in history or ():
        if isinstance(item, dict):
            if item.get("role") == "user" and isinstance(item.get("content"), str):
                out.append(item["content"])
        elif isinstance(item, (list, tuple)) and item and isinstance(item[0], str):
            out.append(item[0])
    return out


def needs_context(question: str) -> bool:
    return bool(_FOLLOW.search(question)) or len(terms(question)) <= 2


def heuristic(question: str, previous: str, max_terms: int = 6) -> str:
    """Append what the previous question was about and the question lacks: its names (runs
    of capitalised words that do not merely start a sentence), else its key terms."""
    have = set(terms(question))
    names = [m.group(0) for m in _NAME.finditer(previous)
             if not _SENTENCE_START.search(previous[: m.start()]) and terms(m.group(0))]
    extra: list[str] = []
    for n in names:
        if not set(terms(n)) <= have:
            extra.append(n)
            have |= set(terms(n))
    if not extra:  # no names: the earlier question's key terms stand for its subject
        extra = [t for t in dict.fromkeys(terms(previous)) if t not in have][:max_terms]
    if not extra:
        return question
    return f"{question.rstrip()} ({' '.join(extra)})"


def standalone(question: str, history: Sequence[Any] | None, llm: Any = None) -> str:
    """The question as it should be searched, given the conversation."""
    turns = user_turns(history)
    if not turns or not needs_context(question):
        return question
    previous = turns[-1]
    if llm is not None:
        try:
            out = llm.chat([
                {"role": "system", "content": "Rewrite the user's follow-up question as one "
                 "standalone question. Reply with the question only."},
                {"role": "user", "content": f"Earlier question: {previous}\n"
                 f"Follow-up: {question}\nStandalone question:"},
            ], max_tokens=60).strip().strip('"').splitlines()
            text = out[0].strip() if out else ""
            mine = set(terms(question))
            if 5 <= len(text) <= 3 * len(question) + 80 and (
                    not mine or len(mine & set(terms(text))) >= len(mine) / 2):
                return text
        except Exception:  # a failed rewrite must not fail the question
            pass
    return heuristic(question, previous)
