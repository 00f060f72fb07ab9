"""The page's chat column: the chat, the question box with Ask and Stop, Regenerate, New
conversation, Download conversation, the earlier conversations of this browser, and the
last answer as JSON.

``chat_column()`` builds the components (inside the app's column); ``wire_chat`` connects
them once the filters exist. A question (the ``/chat`` API too), Regenerate and a click on
an example question stream through ``web.chat``; Stop cancels whichever is running (gradio's
``cancels=``) and marks the answer stopped; New conversation and opening an earlier one
cancel it too. Conversations are kept in the browser only (``web.chat_assets``): on load
the page sends back the open one's bubbles, and the history for follow-ups is rebuilt from
them (``web.transcript``); the empty chat offers example questions drawn from the collection
(``web.examples``). Each answer's Copy and Download buttons work in the page
(``web.actions``); Download conversation makes the Markdown here (``qa.export``).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import anyio.to_thread
import gradio as gr

from qa.settings import Settings
from web.chat import MAX_TURNS, chat_turn, regenerate_turn
from web.chat_assets import LIB
from web.examples import Examples
from web.transcript import conversation_export, history, settled

PLACEHOLDER = ("**Ask a question about the stored articles.** Answers cite their sources; "
               "the filters and the collection are beside the chat.")


@dataclass(frozen=True)
class ChatColumn:
    """The column's components the app and ``wire_chat`` use."""

    chat: gr.Chatbot
    hist: gr.State
    msg: gr.Textbox
    send: gr.Button
    stop: gr.Button
    regen: gr.Button
    new: gr.Button
    export: gr.Button
    export_text: gr.Textbox
    opener: gr.Button
    last: gr.JSON


def respond(settings: Settings, message: str, chat: list | None, hist: list | None,
            since: str, until: str, source: Any) -> Iterator[tuple]:
    """The chat turn: yields (chat, history, textbox, last answer JSON) as the answer streams.
    The textbox is emptied once, at the start: a next question typed meanwhile is kept (and
    asked when this answer is done)."""
    for i, (chat_value, hist_value, answer) in enumerate(
            chat_turn(settings, message, chat, hist, since, until, source)):
        yield (chat_value, hist_value, gr.skip() if i else "",
               gr.skip() if answer is None else answer)


def _turns(turns: Iterator[tuple[list, list, dict | None]]) -> Iterator[tuple]:
    """(chat, history, last answer JSON) of ``web.chat``'s turns."""
    for chat_value, hist_value, answer in turns:
        yield chat_value, hist_value, gr.skip() if answer is None else answer


def _until(flag: threading.Event, turns: Iterator[tuple]) -> Iterator[tuple]:
    """``turns`` until ``flag`` is set; closing it (or stopping) closes ``turns``: the
    answer's own stream ends at once."""
    try:
        for out in turns:
            if flag.is_set():
                return
            yield out
    finally:
        turns.close()  # type: ignore[attr-defined]


def _close(gen: Iterator[tuple]) -> None:
    """Close a turn's stream now, unless a worker thread is running its step (then the
    turn's flag, already set, ends that step and the stream closes itself)."""
    try:
        gen.close()  # type: ignore[attr-defined]
    except ValueError:  # "generator already executing"
        pass


def chat_column() -> ChatColumn:
    """Build the chat column's components (call inside the column)."""
    hist = gr.State([])
    chat = gr.Chatbot(label="Chat", height=640, render_markdown=False, sanitize_html=True,
                      latex_delimiters=[], allow_tags=False, feedback_options=None,
                      elem_id="nqa-chat", buttons=[], placeholder=PLACEHOLDER)
    with gr.Row():
        msg = gr.Textbox(placeholder="e.g. When did the Harbor Bridge reopen?",
                         show_label=False, scale=5, elem_id="nqa-question", autofocus=True)
        send = gr.Button("Ask", variant="primary", scale=1, elem_id="nqa-ask")
        # shown only while an answer is coming (the page script marks the page busy)
        stop = gr.Button("Stop", variant="stop", scale=1, elem_id="nqa-stop")
    # the page script says here when a question waits for the answer before it
    gr.HTML('<div class="nqa-wait" aria-live="polite"></div>', elem_id="nqa-wait")
    with gr.Row():
        regen = gr.Button("Regenerate", size="sm", elem_id="nqa-regen")
        new = gr.Button("New conversation", size="sm", elem_id="nqa-new")
        export = gr.Button("Download conversation (.md)", size="sm", elem_id="nqa-export")
    export_text = gr.Textbox(visible=False)
    with gr.Accordion("Earlier conversations (kept in this browser)", open=False,
                      elem_id="nqa-convs-box"):
        gr.HTML('<div class="nqa-convs" aria-live="polite"></div>', elem_id="nqa-convs")
        # clicked by the page script with the chosen conversation in window.__nqaOpenId
        opener = gr.Button("Open", elem_id="nqa-open-go", elem_classes=["nqa-hidden"])
    with gr.Accordion("Last answer as JSON", open=False):
        last = gr.JSON(label="Answer")
    return ChatColumn(chat, hist, msg, send, stop, regen, new, export, export_text, opener,
                      last)


def _js(body: str, args: str = "") -> str:
    """An event's browser code: the conversation store (``LIB``), then ``body``."""
    return f"({args}) => {{ {LIB} {body} }}"


def wire_chat(demo: gr.Blocks, settings: Settings, col: ChatColumn, since: gr.Component,
              until: gr.Component, source: gr.Component) -> None:
    """Connect the column's events (``/chat`` is the only API route among them)."""
    examples = Examples(lambda: _store(settings))
    filters = [since, until, source]
    turn_out = [col.chat, col.hist, col.last]

    # per browser session: the answer being streamed, and whether Stop was pressed
    streams: dict[str, tuple[threading.Event, list[Iterator[tuple]]]] = {}

    async def stoppable(request: gr.Request | None,
                        turns: Iterator[tuple]) -> AsyncIterator[tuple]:
        """``turns`` until Stop, each step in a worker thread that Stop does not wait for.
        Gradio's cancel (which the Stop handler waits behind) used to wait for the running
        step: with a model still reading a long prompt, until its first word — the page
        stayed busy and the next question waited. Now the step is left to finish on its own
        (the turn's flag ends it at that word, closing the model's stream) while the page
        moves on. A suspended stream is closed at once (an LLM stream would otherwise run on
        until garbage collection)."""
        flag, holder = threading.Event(), []
        streams[getattr(request, "session_hash", None) or ""] = (flag, holder)
        gen = _until(flag, turns)
        holder.append(gen)
        try:
            while (out := await anyio.to_thread.run_sync(
                    next, gen, None, abandon_on_cancel=True)) is not None:
                yield out
        finally:  # Stop, New conversation, a closed page, or the end
            flag.set()
            _close(gen)

    def on_stop(chat: Any, request: gr.Request) -> Any:
        flag, holder = streams.get(getattr(request, "session_hash", None) or "", (None, []))
        if flag is not None:
            flag.set()
            for gen in holder:
                _close(gen)
        return settled(chat)

    async def on_chat(question: str, chat: list, hist: list, since: str, until: str,
                      sources: Any, request: gr.Request) -> AsyncIterator[tuple]:
        async for out in stoppable(request, respond(settings, question, chat, hist, since,
                                                    until, sources)):
            yield out

    async def on_regen(chat: list, since: str, until: str, sources: Any,
                       request: gr.Request) -> AsyncIterator[tuple]:
        async for out in stoppable(request, _turns(regenerate_turn(settings, chat, since,
                                                                   until, sources))):
            yield out

    async def on_example(evt: gr.SelectData, chat: list, hist: list, since: str, until: str,
                         sources: Any, request: gr.Request) -> AsyncIterator[tuple]:
        value = evt.value if isinstance(evt.value, dict) else {}
        async for out in stoppable(request, _turns(chat_turn(
                settings, str(value.get("text") or ""), chat, hist, since, until, sources))):
            yield out

    def on_restore(chat: Any) -> tuple:
        chat = settled(chat)
        return chat, history(chat, MAX_TURNS), None

    def on_load(chat: Any) -> tuple:
        chat = settled(chat)
        shown = [{"text": q} for q in examples.get()] or None
        return gr.Chatbot(value=chat, examples=shown), history(chat, MAX_TURNS)

    def on_export(chat: Any) -> str:
        text = conversation_export(chat, exported=date.today().isoformat())
        if not text:
            gr.Info("No answer to download yet.")
        return text

    # always_last: a question sent while an answer streams is asked after it, not dropped
    asked = gr.on([col.msg.submit, col.send.click], on_chat,
                  [col.msg, col.chat, col.hist, *filters],
                  [col.chat, col.hist, col.msg, col.last], api_name="chat",
                  concurrency_limit=4, concurrency_id="chat", trigger_mode="always_last")
    again = col.regen.click(on_regen, [col.chat, *filters], turn_out, api_name=False,
                            concurrency_limit=4, concurrency_id="chat")
    picked = col.chat.example_select(on_example, [col.chat, col.hist, *filters], turn_out,
                                     api_name=False, concurrency_limit=4,
                                     concurrency_id="chat")
    running = [asked, again, picked]
    col.stop.click(on_stop, col.chat, col.chat, cancels=running,
                   api_name=False, queue=False)
    col.new.click(lambda: ([], [], None), None, turn_out, cancels=running, api_name=False,
                  js=_js("window.nqaChats.fresh(); return [];"))
    col.opener.click(on_restore, col.chat, turn_out, cancels=running, api_name=False,
                     js=_js("return [window.nqaChats.take(window.__nqaOpenId) || chat];",
                            "chat"))
    col.export.click(on_export, col.chat, col.export_text, api_name=False).then(
        None, col.export_text, None, api_name=False,
        js=_js("if (text) window.nqaChats.download(text, 'newsqa-conversation.md', "
               "'text/markdown'); return [];", "text"))
    # saved in the browser whenever it changes (never while an answer is still coming)
    col.chat.change(None, col.chat, None, api_name=False,
                    js=_js("window.nqaChats.save(chat); return [];", "chat"))
    demo.load(on_load, col.chat, [col.chat, col.hist], api_name=False,
              js=_js("return [window.nqaChats.restore()];"))


def _store(settings: Settings) -> Any:
    from qa.api import default

    return default(settings).store


__all__ = ["PLACEHOLDER", "ChatColumn", "chat_column", "respond", "wire_chat"]
