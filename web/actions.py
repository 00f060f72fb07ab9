"""The tools under an answer in the chat: Copy (the answer with its sources as Markdown),
Download .md and Download .json.

``answer_actions(answer)`` is the row ``web.chat`` ends each answer bubble with (the
``tools`` of ``web.render.render_answer``): three buttons and, in two hidden ``<pre>``
blocks, the answer as Markdown (``qa.export.answer_markdown``: title, outlet, date, URL and
passage of every source, all of it escaped) and as JSON (``qa.export.answer_json``). The
page script (``web.chat_assets``) copies or downloads their text; nothing is fetched.
The buttons' words are drawn by the style sheet (their ``title`` describes them) so that
the text of the bubble, which its label is made from, stays the answer's own. Newlines are
written as character references: gradio tidies the indentation of a message's lines.
Pure; no gradio import.
"""

from __future__ import annotations

from qa.export import answer_json, answer_markdown
from qa.types import Answer

_BUTTONS = (("nqa-copy", "Copy the answer with its sources as Markdown"),
            ("nqa-dl-md", "Download the answer with its sources as Markdown"),
            ("nqa-dl-json", "Download the answer with its sources as JSON"))


def hidden_text(text: str) -> str:
    """``text`` for a hidden ``<pre>``: HTML-escaped, line breaks and tabs as character
    references, so its ``textContent`` is exactly ``text``."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#9;")


def answer_actions(answer: Answer) -> str:
    """The Copy / Download row of one answer, with its Markdown and JSON."""
    buttons = "".join(f'<button type="button" class="nqa-act {cls}" title="{title}">'
                      "</button>" for cls, title in _BUTTONS)
    return (f'<div class="nqa-actions">{buttons}'
            f'<pre class="nqa-md" hidden>{hidden_text(answer_markdown(answer))}</pre>'
            f'<pre class="nqa-json" hidden>{hidden_text(answer_json(answer))}</pre></div>')


__all__ = ["answer_actions", "hidden_text"]
