"""The web page's chat, as plain data: one turn's bubbles while the answer streams in, and
the ``/ask`` API's answer dict.

``chat_turn`` parses the filter fields, streams ``qa.ask_stream`` into an assistant bubble,
then swaps in the final answer with its source cards (or an error bubble: a ``QAError`` in
the user's words, anything else as a short note with the details in the server log), and
keeps the last ``MAX_TURNS`` turns of history for follow-ups; an answer left half-way
(stopped) is marked so first. ``regenerate_turn`` asks the chat's last question again in
place of its answer. It holds no state between calls: the app keeps each browser session's
chat and history. No gradio import; the HTML comes from ``web.render``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Any

from qa.errors import EmptyStoreError, QAError
from qa.settings import Settings
from web import render as view
from web.actions import answer_actions
from web.forms import parse_filters, parse_history
from web.transcript import history, last_question, settled

MAX_TURNS = 20  # conversation turns kept per session for follow-ups
log = logging.getLogger("newsqa.web")


def bubble(role: str, html: str) -> dict:
    """One chat message in the ``{"role", "content"}`` form the chat widget shows."""
    return {"role": role, "content": html}


def chat_turn(settings: Settings, message: str, chat: list | None, hist: list | None,
              since: str, until: str, source: Any) -> Iterator[tuple[list, list, dict | None]]:
    """Yield ``(chat, history, answer)`` as the answer streams: ``answer`` is None until the
    end, then the answer's dict (or ``{"error": message}``). An empty message yields the
    unchanged chat once."""
    from qa import ask_stream

    message = (message or "").strip()
    chat, hist = settled(chat), list(hist or [])
    if not message:
        yield chat, hist, None
        return
    chat += [bubble("user", view.render_user(message)),
             bubble("assistant", view.render_pending())]
    yield chat, hist, None
    response = None
    try:
        response = ask_stream(message, history=[tuple(h) for h in hist], settings=settings,
                              **parse_filters(since, until, source, names=("from", "to")))
        text = ""
        for piece in response:
            text += piece
            chat[-1] = bubble("assistant", view.render_pending(text))
            yield chat, hist, None
        answer = response.answer
        chat[-1] = bubble("assistant", view.render_answer(answer, f"a{uuid.uuid4().hex[:10]}",
                                                          answer_actions(answer)))
        hist = [*hist, [message, answer.text]][-MAX_TURNS:]
        yield chat, hist, answer.to_dict()
    except QAError as e:
        msg = str(e)
        if isinstance(e, EmptyStoreError):
            msg += " Or add some here: open “Add articles” on the right."
        chat[-1] = bubble("assistant", view.render_error(msg))
        yield chat, hist, {"error": msg}
    except Exception as e:  # keep serving; the details go to the server log
        log.exception("chat failed")
        msg = f"Something went wrong while answering ({type(e).__name__}); see the server log."
        chat[-1] = bubble("assistant", view.render_error(msg))
        yield chat, hist, {"error": msg}
    finally:  # Stop closes this generator: the answer's own work (an LLM stream) ends too
        if response is not None:
            response.close()


def regenerate_turn(settings: Settings, chat: list | None, since: str, until: str,
                    source: Any) -> Iterator[tuple[list, list, dict | None]]:
    """Ask the chat's last question again, its answer (or error, or stopped answer)
    replaced; the history is the chat's own before it. Like ``chat_turn``; a chat without
    a question yields it unchanged once."""
    last = last_question(chat)
    if last is None:
        yield settled(chat), history(chat, MAX_TURNS), None
        return
    before, question = last
    yield from chat_turn(settings, question, before, history(before, MAX_TURNS), since, until,
                         source)


def api_answer(settings: Settings, question: str, history: str = "", since: str = "",
               until: str = "", source: str = "") -> dict:
    """The ``/ask`` API: the structured ``Answer`` as a dict. Bad fields raise ``QAError``."""
    from qa import ask

    return ask(question, history=parse_history(history), settings=settings,
               **parse_filters(since, until, source)).to_dict()


__all__ = ["MAX_TURNS", "api_answer", "bubble", "chat_turn", "regenerate_turn"]
