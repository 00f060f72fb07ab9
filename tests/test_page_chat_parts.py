"""The gradio-free parts of the page's chat column: an answer's Copy/Download row carries its
Markdown and JSON (``qa.export``) as inert text, a conversation is read back whole from its
bubbles (history for follow-ups, the answers, the conversation's Markdown, the question to
ask again, a stopped answer marked), and the example questions come from the collection.
A temp store of the sample corpus; no server, no browser."""

from __future__ import annotations

import pytest

from qa.settings import Settings
from tests.support.helpers import EXAMPLES

QUESTION = "When did the Harbor Bridge reopen?"
FOLLOW_UP = "How much did it cost?"
STORY = "How did the Harbor Bridge story unfold?"
pytestmark = pytest.mark.slow  # a store, the models


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, embedder) -> Settings:
    from ingest import ingest

    s = Settings(store=str(tmp_path_factory.mktemp("chat-parts") / "store"))
    assert ingest([str(EXAMPLES)], s, embedder=embedder).added
    return s


def test_a_conversation_is_read_back_from_its_bubbles(settings):
    from qa import ask as qa_ask
    from qa.export import conversation_markdown
    from web.chat import MAX_TURNS, chat_turn
    from web.transcript import answers as read_answers
    from web.transcript import conversation_export, history, last_question, settled

    *_, (chat, hist, data) = chat_turn(settings, QUESTION, [], [], "", "", [])
    *_, (chat, hist, _) = chat_turn(settings, FOLLOW_UP, chat, hist, "", "", [])
    assert history(chat, MAX_TURNS) == hist and len(hist) == 2
    (first, second) = read_answers(chat)
    assert first.to_dict() == data  # the Answer, back whole from the bubble
    assert conversation_export(chat) == conversation_markdown([first, second])
    assert last_question(chat) == (chat[:2], FOLLOW_UP)
    assert settled(chat) == chat  # nothing was stopped
    pending = [*chat[:2], {"role": "user", "content": "<div class=\"nqa-question\"><p>x</p>"
                                                      "</div>"},
               {"role": "assistant", "content": '<div class="nqa-answer nqa-pending"><p>'
                                                "Half &lt;an&gt; answer</p></div>"}]
    stopped = settled(pending)[-1]["content"]
    assert "nqa-stopped" in stopped and "Half &lt;an&gt; answer" in stopped
    assert history(pending, MAX_TURNS) == hist[:1]
    assert qa_ask(QUESTION, settings=settings).text == first.text


def test_the_answer_tools_carry_its_markdown_and_json_as_inert_text():
    from datetime import date
    from html.parser import HTMLParser

    from qa.export import answer_json, answer_markdown
    from qa.types import Answer, Citation
    from web.actions import answer_actions
    from web.transcript import answer_dict

    evil = '</pre><script>x()</script><img src=x onerror="x()">\u202e&amp;\n\tend'
    cite = Citation(
        number=1, article_id="a1", title="Title " + evil, url="javascript:x()",
        source="Outlet " + evil, author="", published=date(2025, 5, 23),
        passage="Passage " + evil, start=0, end=20, score=0.5)
    ans = Answer(question="Q " + evil, text="T " + evil + " [1].", citations=(cite,),
                 refused=False)

    class Parts(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags, self.texts = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append((tag, sorted(dict(attrs))))
            self.texts.append("")

        def handle_data(self, data):
            self.texts[-1] += data

    row = answer_actions(ans)
    parts = Parts()
    parts.feed(row)
    assert [t for t, _ in parts.tags] == ["div", "button", "button", "button", "pre", "pre"]
    assert all(set(attrs) <= {"class", "type", "title", "hidden"} for _, attrs in parts.tags)
    assert parts.texts[-2:] == [answer_markdown(ans), answer_json(ans)]  # exactly, as text
    assert "\n" not in row and "\t" not in row
    assert answer_dict(row) == ans.to_dict()


def test_example_questions_come_from_the_collection(settings):
    from qa.api import default
    from web.examples import DIGEST, questions

    found = questions(default(settings).store)
    assert 3 <= len(found) <= 4 and found[0] == STORY and found[-1] == DIGEST
    assert "What happened with Storm Calloway?" in found  # the newest article


def test_stopping_a_chat_turn_closes_the_answer_stream(monkeypatch):
    """Stop (gradio closes the turn's generator) ends the answer's own stream at once,
    not when the garbage collector gets to it: an LLM's HTTP stream is released."""
    import qa
    from qa.types import Response
    from web.chat import chat_turn

    closed: list[bool] = []

    def events():
        try:
            yield from ("The ", "bridge ", "reopened ", "in ", "May.")
        finally:
            closed.append(True)

    monkeypatch.setattr(qa, "ask_stream", lambda *a, **kw: Response(events()))
    turn = chat_turn(Settings(store="/nonexistent"), "When?", [], [], "", "", None)
    next(turn)  # the pending bubble
    next(turn)  # the first words streamed
    turn.close()  # the user pressed Stop
    assert closed == [True]
    r = Response(events())
    r.close()
    r.close()  # closing twice (or a finished stream) is harmless
