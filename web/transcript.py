"""The conversation as the page holds it, read back: the chat's bubbles are the record.

Each finished answer's bubble carries the answer as JSON (``Answer.to_dict()``, put there
by ``web.chat`` with ``web.actions``), so all the page may need later is in what it shows
and keeps in the browser: ``history(chat)`` rebuilds the plain ``[question, answer text]`` history
used for follow-ups (after a reload or on returning to an earlier conversation),
``conversation_export(chat)`` the whole conversation as Markdown (``qa.export``),
``last_question(chat)`` what to ask again (regenerate), ``settled(chat)`` turns an answer
that stopped half-way (cancelled) into a "stopped" bubble, and ``clean(chat)`` keeps only
plain text messages of a chat sent back by the browser. Pure functions, no gradio import;
nothing here asks a question or reads the store.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import fields
from datetime import date
from typing import Any

from qa.export import conversation_markdown
from qa.types import Answer, Citation, StoryCopy, TimelineItem
from web import render as view

_JSON = re.compile(r'<pre class="nqa-json" hidden>(.*?)</pre>', re.S)
_PENDING = '<div class="nqa-answer nqa-pending">'
_USER = '<div class="nqa-question">'
MAX_MESSAGES = 400  # a restored conversation keeps at most this many bubbles


def text_of(message: Any) -> str:
    """A chat message's HTML, whether gradio gave its content as a string or as a list of
    ``{"type": "text", "text": ...}`` parts ("" for anything else)."""
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text") or "" for p in content
                       if isinstance(p, dict) and p.get("type", "text") == "text")
    return ""


def clean(chat: Any) -> list[dict]:
    """Only the user and assistant text messages of ``chat`` (as ``{"role", "content"}``),
    at most ``MAX_MESSAGES`` of the latest: what the browser sends back is not trusted to
    be the page's own."""
    out = []
    for m in chat if isinstance(chat, list) else []:
        role = m.get("role") if isinstance(m, dict) else None
        text = text_of(m)
        if role in ("user", "assistant") and text:
            out.append({"role": role, "content": text})
    return out[-MAX_MESSAGES:]


def plain_text(fragment: str) -> str:
    """The text a bubble shows: line and paragraph breaks kept, tags dropped, entities
    decoded."""
    text = re.sub(r"<br\s*/?>", "\n", fragment)
    text = re.sub(r"</p>\s*<p>", "\n\n", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def answer_dict(bubble: str) -> dict | None:
    """The answer a finished answer bubble carries (``Answer.to_dict()``), else None."""
    m = _JSON.search(bubble)
    if not m:
        return None
    try:
        data = json.loads(html.unescape(m.group(1)))
    except ValueError:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("text"), str) else None


def history(chat: Any, max_turns: int) -> list[list[str]]:
    """``[question, answer text]`` for each finished answer of ``chat``, the last
    ``max_turns`` (what ``web.chat.chat_turn`` keeps for follow-ups)."""
    out = []
    for m in clean(chat):
        data = answer_dict(m["content"]) if m["role"] == "assistant" else None
        if data is not None:
            out.append([str(data.get("question") or ""), data["text"]])
    return out[-max_turns:] if max_turns > 0 else []


def last_question(chat: Any) -> tuple[list[dict], str] | None:
    """(the chat before its last question, that question's text), or None without one."""
    chat = clean(chat)
    for i in range(len(chat) - 1, -1, -1):
        if chat[i]["role"] == "user":
            question = plain_text(chat[i]["content"])
            return (chat[:i], question) if question else None
    return None


def stopped_html(text: str) -> str:
    """The bubble of an answer stopped before it was done: what had come so far, marked as
    unchecked."""
    body = "".join(f"<p>{view.esc(p)}</p>" for p in re.split(r"\n\s*\n", text) if p.strip())
    return ('<div class="nqa-answer nqa-stopped"><span class="nqa-badge">Stopped</span>'
            f"{body or '<p>Stopped before an answer came.</p>'}"
            '<div class="nqa-note">Not a checked answer: its sources were not verified.'
            "</div></div>")


def settled(chat: Any) -> list[dict]:
    """``chat`` with a trailing answer still shown as coming (its answering was stopped)
    marked as stopped; unchanged otherwise."""
    chat = clean(chat)
    if chat and chat[-1]["role"] == "assistant" and chat[-1]["content"].startswith(_PENDING):
        text = plain_text(chat[-1]["content"])
        text = "" if text == "Searching the articles…" else text
        chat[-1] = {"role": "assistant", "content": stopped_html(text)}
    return chat


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _known(cls: type, data: dict) -> dict:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _citation(d: dict) -> Citation:
    copies = tuple(StoryCopy(str(c.get("source") or ""), str(c.get("url") or ""),
                             _date(c.get("published")), str(c.get("title") or ""),
                             str(c.get("article_id") or ""))
                   for c in d.get("also_in") or [] if isinstance(c, dict))
    hl = d.get("highlight")
    return Citation(**{**_known(Citation, d), "published": _date(d.get("published")),
                       "highlight": tuple(hl) if isinstance(hl, list) and len(hl) == 2
                       else None, "also_in": copies})


def answer_from_dict(d: dict) -> Answer:
    """An ``Answer`` back from its ``to_dict()`` (what the bubbles carry). Raises
    ``TypeError``/``ValueError``/``KeyError`` on something that is not one."""
    items = tuple(TimelineItem(_date(i.get("published")), str(i.get("text") or ""),
                               int(i.get("citation") or 0), str(i.get("source") or ""),
                               bool(i.get("revised")), str(i.get("figure") or ""))
                  for i in d.get("items") or [] if isinstance(i, dict))
    return Answer(**{**_known(Answer, d),
                     "citations": tuple(_citation(c) for c in d.get("citations") or []),
                     "related": tuple(_citation(c) for c in d.get("related") or []),
                     "dropped": tuple(d.get("dropped") or ()),
                     "spans": tuple(tuple(s) for s in d.get("spans") or ()),
                     "items": items})


def answers(chat: Any) -> list[Answer]:
    """The finished answers of ``chat``, in order (a bubble that does not hold a readable
    answer is left out)."""
    out = []
    for m in clean(chat):
        data = answer_dict(m["content"]) if m["role"] == "assistant" else None
        if data is not None:
            try:
                out.append(answer_from_dict(data))
            except (KeyError, TypeError, ValueError):
                continue
    return out


def conversation_export(chat: Any, exported: str = "") -> str:
    """The conversation's answers with their sources as one Markdown document
    (``qa.export.conversation_markdown``); "" when it has no answer yet."""
    turns = answers(chat)
    if not turns:
        return ""
    return conversation_markdown(turns, meta={"exported": exported} if exported else None)


__all__ = ["MAX_MESSAGES", "answer_dict", "answer_from_dict", "answers", "clean",
           "conversation_export", "history", "last_question", "plain_text", "settled",
           "stopped_html", "text_of"]
