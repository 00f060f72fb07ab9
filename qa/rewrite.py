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

from qa.textmatch import terms

_FOLLOW = re.compile(
    r"\b(he|she|it|they|them|him|his|her|hers|its|their|theirs|this|that|these|those|there|"
    r"then|the same|the former|the latter)\b|^(and|but|also|what about|how about|why|so)\b",
    re.I,
)
_NAME = re.compile(r"\b[A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-]+)*")


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


def heuristic(question: str, previous: str) -> str:
    """Append the previous question's names (else its key terms) that the question lacks."""
    have = {t.lower() for t in terms(question)}
    names = [m.group(0) for m in _NAME.finditer(previous) if m.start() > 0
             or not re.match(r"(What|When|Who|Where|Why|How|Which|Did|Does|Is|Are|Was)\b",
                             m.group(0))]
    extra = [n for n in names if n.lower() not in have]
    if not extra:
        extra = [t for t in terms(previous) if t not in have]
    if not extra:
        return question
    return f"{question.rstrip()} ({' '.join(dict.fromkeys(extra))})"


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
