"""Follow-up questions -> standalone search queries, using the conversation so far.

``standalone(question, history, llm)`` first decides whether the question leans on earlier
turns (``needs_context``): a connective opening ("And why…"), a pronoun ("it", "they",
"that"), an ellipsis ("in the end", "instead"), or a bare definite phrase or very few content
words of its own ("the repairs", "the vote"). A question that names its own subject — a
capitalised name, or enough content words the earlier turns do not have — stands alone and
is searched exactly as asked: words of an earlier topic are never glued onto it.

A question that leans on context is rewritten. With an LLM, the model rewrites it (a bad
rewrite — empty, rambling, or dropping the question's own words — falls back); without
one, the current topic (names, then key words) is appended in parentheses, e.g. "Why was it
delayed? (Harbor Bridge reopen)". The topic is carried along a chain of follow-ups, so a
third question still knows the first one's subject. History items may be ``(user,
assistant)`` pairs or ``{"role": ..., "content": ...}`` messages (content a string or a list
of ``{"type": "text", "text": ...}`` parts). This is a heuristic, not coreference resolution:
it never replaces a pronoun, it only adds the words a search needs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from qa.text.terms import STOPWORDS, fold, terms

_CONNECTIVE = re.compile(r"^\s*(?:and|but|also|so|or|plus)\b[\s,]*", re.I)
_OPENING = re.compile(r"^\s*(?:and|but|also|so|or|plus|then|what about|how about|what else)\b",
                      re.I)
_PRONOUN = re.compile(r"\b(?:he|she|it|they|them|him|his|her|hers|its|their|theirs|these|"
                      r"those|the same|the former|the latter|the others?)\b", re.I)
_TIME = (r"week|weekend|month|year|morning|afternoon|evening|night|season|spring|summer|"
         r"autumn|fall|winter|time")
_THIS = re.compile(rf"\bthis\b(?!\s+(?:{_TIME})\b)", re.I)
# demonstrative "that" (not "the deal that ended…", not "said that…"): at the end, or after a
# verb, auxiliary or preposition
_THAT = re.compile(r"(?:\b(?:did|does|do|was|is|were|are|will|would|can|could|has|have|had|"
                   r"about|of|for|after|before|since|with|from|in|on|to|by|at|like|cause|"
                   r"caused|mean|means)\s+that\b|\bthat\s*[?.!,]*\s*$)", re.I)
_THERE = re.compile(r"\bthere\b", re.I)
_EXISTENTIAL = re.compile(r"\b(?:is|are|was|were|be|been|any)\s+$", re.I)
_ELLIPSIS = re.compile(r"\b(?:in the end|at the end|in the meantime|meanwhile|afterwards?|"
                       r"after that|before that|since then|by then|until then|instead|else)\b"
                       r"|\b(?:too|either|as well|then)\s*[?.!]*\s*$", re.I)
_NAME = re.compile(r"\b[A-Z][\w'’\-]+(?:\.\w+)*"  # "Port of Bayport" is one name
                   r"(?:\s+(?:of\s+(?:the\s+)?)?[A-Z][\w'’\-]+(?:\.\w+)*)*")
_SENTENCE_START = re.compile(r"(^|[.!?:]\s+)[\W_]*$")  # text before a sentence's first word
_IMPERATIVE = {"name", "list", "give", "explain", "describe", "compare", "summarize",
               "summarise", "show", "find"}
_WORD = re.compile(r"[A-Za-z0-9][\w'’\-.]*\w|\w")
# words that say how a question asks, not what it is about: never carried as its topic
_VAGUE = {fold(w) for w in "much many long far happen happened end thing things way kind lot "
          "exactly also else instead meanwhile afterward afterwards".split()}
MAX_WORDS = 6  # key words (besides names) carried from the earlier topic


def _content(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, list):  # [{"type": "text", "text": ...}, ...]
        parts = [p.get("text") for p in item if isinstance(p, dict)]
        text = " ".join(p for p in parts if isinstance(p, str))
        return text or None
    return None


def user_turns(history: Sequence[Any] | None) -> list[str]:
    """The user's earlier questions, oldest first, from either history format."""
    out: list[str] = []
    for item in history or ():
        if isinstance(item, dict):
            text = _content(item.get("content")) if item.get("role") == "user" else None
        elif isinstance(item, (list, tuple)) and item and isinstance(item[0], str):
            text = item[0]
        else:
            text = None
        if text and text.strip():
            out.append(text.strip())
    return out


def names(text: str) -> list[str]:
    """Runs of capitalised words that name something (a sentence's first word only when it
    is not a question word or an imperative), possessive "'s" removed."""
    out: list[str] = []
    for m in _NAME.finditer(text):
        words = m.group(0).split()
        if _SENTENCE_START.search(text[: m.start()]) and (
                words[0].lower() in STOPWORDS or words[0].lower() in _IMPERATIVE):
            words = words[1:]
        name = re.sub(r"['’]s$", "", " ".join(words))
        if name and terms(name) and name not in out:
            out.append(name)
    return out


def _leans(question: str) -> bool:
    """An explicit sign that the question refers back: connective, pronoun, ellipsis."""
    if _OPENING.search(question) or _PRONOUN.search(question) or _ELLIPSIS.search(question):
        return True
    if _THIS.search(question) or _THAT.search(question):
        return True
    return any(not _EXISTENTIAL.search(question[: m.start()])
               for m in _THERE.finditer(question))


def needs_context(question: str, previous: str = "") -> bool:
    """Whether ``question`` leans on the earlier turn (``previous``) to be understood."""
    if _leans(question):
        return True
    if names(question):  # it names its own subject
        return False
    new = set(terms(question)) - set(terms(previous))
    if len(new) <= 2:
        return True
    bare_definite = re.search(r"\bthe\b", question, re.I) and not re.search(
        r"\bof\b", question, re.I)  # "the repairs" (of what?), not "the price of gold"
    return bool(bare_definite) and len(new) < 5


@dataclass(frozen=True)
class Topic:
    """What a turn of the conversation is about: its names and key words."""

    names: tuple[str, ...] = ()
    words: tuple[str, ...] = ()

    def text(self) -> str:
        return " ".join((*self.names, *self.words))


def topic(question: str, inherited: Topic | None = None) -> Topic:
    """The question's own names and key words, then those of the topic it leans on."""
    own = names(question)
    in_names = {fold(w) for n in own for w in n.split()}
    words: list[str] = []
    seen = set(in_names)
    for w in _WORD.findall(_ELLIPSIS.sub(" ", question)):
        t = terms(w)
        if t and t[0] not in seen and t[0] not in _VAGUE:
            words.append(w.rstrip(".'’"))
            seen.add(t[0])
    if inherited is None:
        return Topic(tuple(own), tuple(words))
    have = set(terms(" ".join(own + words)))
    extra_names = [n for n in inherited.names if not set(terms(n)) <= have]
    extra_words = [w for w in inherited.words if terms(w) and terms(w)[0] not in have]
    return Topic(tuple(own + extra_names), tuple(words + extra_words)[:2 * MAX_WORDS])


def conversation_topic(turns: Sequence[str]) -> Topic | None:
    """The topic after these user turns: each follow-up inherits the one before it."""
    current: Topic | None = None
    for t in turns:
        leans = current is not None and needs_context(t, current.text())
        current = topic(t, current if leans else None)
    return current


def heuristic(question: str, about: Topic | str, max_words: int = MAX_WORDS) -> str:
    """``question`` (without an opening "and"/"but") plus, in parentheses, what ``about``
    names and the question lacks: its names, then up to ``max_words`` key words."""
    about = topic(about) if isinstance(about, str) else about
    have = set(terms(question))
    extra: list[str] = []
    for n in about.names:
        if not set(terms(n)) <= have:
            extra.append(n)
            have |= set(terms(n))
    words = [w for w in about.words if terms(w) and terms(w)[0] not in have][:max_words]
    extra += list(dict.fromkeys(words))
    if not extra:
        return question
    q = _CONNECTIVE.sub("", question).strip() or question.strip()
    return f"{q[:1].upper()}{q[1:]} ({' '.join(extra)})"


def _llm_rewrite(llm: Any, question: str, earlier: list[str]) -> str | None:
    try:
        shown = "\n".join(f"- {t}" for t in earlier)
        out = llm.chat([
            {"role": "system", "content": "Rewrite the user's follow-up question as one "
             "standalone question. Reply with the question only."},
            {"role": "user", "content": f"Earlier questions:\n{shown}\n"
             f"Follow-up: {question}\nStandalone question:"},
        ], max_tokens=60).strip().strip('"').splitlines()
    except Exception:  # a failed rewrite must not fail the question
        return None
    text = out[0].strip() if out else ""
    mine = set(terms(question))
    if 5 <= len(text) <= 3 * len(question) + 80 and (
            not mine or len(mine & set(terms(text))) >= len(mine) / 2):
        return text
    return None


def standalone(question: str, history: Sequence[Any] | None, llm: Any = None) -> str:
    """The question as it should be searched, given the conversation."""
    turns = user_turns(history)
    about = conversation_topic(turns)
    if about is None or not needs_context(question, about.text()):
        return question
    if llm is not None:
        text = _llm_rewrite(llm, question, turns[-3:])
        if text:
            return text
    return heuristic(question, about)
