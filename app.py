"""newsqa web chat: ask questions of your news articles in the browser, with cited sources.

    python app.py [--host 127.0.0.1] [--port 7860] [--demo]

The Gradio wiring and ``main`` only: builds the page (chat with streamed answers and
numbered source cards, filters, the collection at a glance, adding articles by upload or
URL) and the ``/ask`` JSON API, and connects them to the gradio-free helpers in ``web/``
(``web.chat`` streams a turn, ``web.render`` makes all HTML and escapes article text,
``web.forms`` parses fields, ``web.uploads`` checks and ingests uploads, ``web.demo``
fills the --demo store). Settings come from ``NEWSQA_*`` variables. No answering logic
lives here, and nothing is module-global per user: each browser session has its own history
in ``gr.State``. Exit status follows ``qa.exitcodes``: 2 with one line on stderr when the
app cannot start (bad setting, store or port), 130 when stopped with Ctrl-C, 0 when stopped
with SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from ingest.formats import suffix_list
from qa import QAError, Settings, collection_stats, exitcodes
from web import render as view
from web.assets import CSS
from web.chat import api_answer, chat_turn
from web.demo import demo_settings, fill_demo
from web.forms import parse_auth
from web.uploads import ingest_staged, stage_files, stage_urls


# ---- handlers ----------------------------------------------------------------------------
def respond(settings: Settings, message: str, chat: list | None, hist: list | None,
            since: str, until: str, source: Any) -> Iterator[tuple]:
    """The chat turn: yields (chat, history, textbox, last answer JSON) as the answer streams."""
    for chat_value, hist_value, answer in chat_turn(settings, message, chat, hist, since,
                                                    until, source):
        yield chat_value, hist_value, "", gr.skip() if answer is None else answer


def stats_view(settings: Settings) -> tuple[str, Any]:
    """(collection HTML, source dropdown update)."""
    try:
        stats = collection_stats(settings)
    except QAError as e:
        return view.render_stats(None, str(e)), gr.update(choices=[])
    return view.render_stats(stats), gr.update(choices=list(stats.get("sources") or {}))


def add_articles(settings: Settings, upload_dir: str, files: list | None, urls: str,
                 progress: Any = None) -> tuple[str, str, Any]:
    """Stage uploads and URLs, ingest them, and report per input. Returns (report, stats,
    source dropdown update)."""
    from ingest import ingest

    paths = [f if isinstance(f, str) else getattr(f, "name", str(f)) for f in files or []]
    staged = stage_urls(urls or "", stage_files(paths, upload_dir, settings.max_bytes))
    report = ingest_staged(staged, ingest, settings, progress)
    return (view.render_report(report, staged.rejected), *stats_view(settings))


def ask_json(settings: Settings, question: str, history: str = "", since: str = "",
             until: str = "", source: str = "") -> dict:
    """The /ask API: the structured Answer as a dict (errors become gr.Error)."""
    try:
        return api_answer(settings, question, history, since, until, source)
    except (QAError, ValueError) as e:
        raise gr.Error(str(e)) from None


# ---- the page ------------------------------------------------------------------------
INTRO = ("Ask about the stored news articles. Answers cite their sources: click a "
         "<b>[n]</b> marker to jump to the passage it comes from.")


def build_app(settings: Settings, upload_dir: str | None = None) -> gr.Blocks:
    """The Gradio page and API for ``settings`` (not launched)."""
    upload_dir = upload_dir or settings.upload_dir or tempfile.mkdtemp(prefix="newsqa-up-")
    with gr.Blocks(title="newsqa", analytics_enabled=False) as demo:
        gr.HTML(f"<h2 style='margin:.2em 0'>newsqa — ask the news</h2><p>{INTRO}</p>")
        hist = gr.State([])
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Chat", height=640, render_markdown=False,
                                  sanitize_html=True, latex_delimiters=[], allow_tags=False,
                                  feedback_options=None, elem_id="nqa-chat", buttons=[],
                                  placeholder="Ask a question about the articles below.")
                with gr.Row():
                    msg = gr.Textbox(placeholder="e.g. When did the Harbor Bridge reopen?",
                                     show_label=False, scale=5, elem_id="nqa-question",
                                     autofocus=True)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="nqa-ask")
                new = gr.Button("New conversation", size="sm")
                with gr.Accordion("Last answer as JSON", open=False):
                    last = gr.JSON(label="Answer")
            with gr.Column(scale=1, min_width=280):
                gr.Markdown("**Filters** (apply to the next question)")
                with gr.Row():
                    since = gr.Textbox("", label="From", placeholder="YYYY-MM-DD", min_width=100,
                                       elem_id="nqa-since")
                    until = gr.Textbox("", label="To", placeholder="YYYY-MM-DD", min_width=100,
                                       elem_id="nqa-until")
                # allow_custom_value: API clients never see the choices set on page load
                source = gr.Dropdown(label="Sources", choices=[], multiselect=True, value=[],
                                     allow_custom_value=True)
                gr.Markdown("**Collection**")
                stats = gr.HTML(elem_id="nqa-stats")
                with gr.Accordion("Add articles", open=False):
                    # the types are ingest.formats (what the readers take); no file_types=:
                    # gradio would refuse the whole batch for one bad file, stage_files
                    # refuses just that one, with a reason
                    files = gr.File(label="Files: " + suffix_list(),
                                    file_count="multiple", elem_id="nqa-files")
                    urls = gr.Textbox("", label="URLs, one per line", lines=3,
                                      placeholder="https://…")
                    add = gr.Button("Add to collection")
                    report = gr.HTML(elem_id="nqa-report")

        def on_chat(question: str, chat: list, history: list, since: str, until: str,
                    sources: Any) -> Iterator[tuple]:
            yield from respond(settings, question, chat, history, since, until, sources)

        def on_add(files: list | None, urls: str,
                   progress: gr.Progress = gr.Progress()) -> tuple[str, str, Any]:  # noqa: B008
            return add_articles(settings, upload_dir, files, urls, progress)

        def api_ask(question: str, history: str = "", since: str = "", until: str = "",
                    source: str = "") -> dict:
            """Answer a question from the stored articles.

            Args:
                question: the question.
                history: earlier turns as JSON: [[question, answer], ...] or [{"role", "content"}].
                since: only articles published on or after this date (YYYY-MM-DD).
                until: only articles published on or before this date (YYYY-MM-DD).
                source: one source name, or a JSON list of names.
            """
            return ask_json(settings, question, history, since, until, source)

        gr.on([msg.submit, send.click], on_chat, [msg, chat, hist, since, until, source],
              [chat, hist, msg, last], api_name="chat", concurrency_limit=4)
        new.click(lambda: ([], [], None), None, [chat, hist, last], api_name=False)
        chat.clear(lambda: ([], None), None, [hist, last], api_name=False)
        add.click(on_add, [files, urls], [report, stats, source], api_name="add",
                  concurrency_limit=1).then(lambda: None, None, files, api_name=False)
        demo.load(lambda: stats_view(settings), None, [stats, source], api_name=False)
        gr.api(api_ask, api_name="ask", concurrency_limit=4)
    return demo


def launch(demo: gr.Blocks, settings: Settings, host: str = "127.0.0.1", port: int = 7860,
           block: bool = True) -> str:
    """Start serving; returns the local URL (with ``block=False``, runs in the background)."""
    _, url, _ = demo.launch(server_name=host, server_port=port, auth=parse_auth(settings.auth),
                            auth_message="newsqa: please log in", prevent_thread_lock=not block,
                            max_file_size=settings.max_bytes, css=CSS, quiet=True,
                            footer_links=["api"], show_error=False)
    return url


DESCRIPTION = """newsqa web chat: ask questions of stored news articles in the browser, with
cited passages. Settings come from NEWSQA_* variables (see the README): e.g. NEWSQA_STORE,
NEWSQA_CHROMA_URL, NEWSQA_LLM, NEWSQA_AUTH ('user:password' or a file of such lines),
NEWSQA_UPLOAD_DIR, NEWSQA_MAX_BYTES."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python app.py", description=DESCRIPTION, formatter_class=argparse.
        RawDescriptionHelpFormatter, epilog=exitcodes.epilog(
            "the server was stopped (SIGTERM) and shut down cleanly",
            (exitcodes.USAGE, exitcodes.INTERRUPTED)))
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--demo", action="store_true", help="use a separate demo store, filled "
                   "with the sample articles from examples/articles on first start")
    return p


class _Stop(BaseException):
    """SIGTERM: stop serving (a BaseException, like KeyboardInterrupt, so nothing swallows it)."""


def _on_sigterm(signum: int, frame: object) -> None:
    raise _Stop


def serve(demo: gr.Blocks) -> None:
    """Block while the server runs (Ctrl-C raises KeyboardInterrupt, SIGTERM ``_Stop``)."""
    while demo.is_running:
        time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    """Run the web app until stopped; returns the exit status (``qa.exitcodes``)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    demo, previous = None, signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        settings = Settings.from_env()
        if args.demo:
            from ingest import ingest

            settings = demo_settings(settings)
            fill_demo(settings, ingest)
        if args.host not in ("127.0.0.1", "localhost", "::1") and not settings.auth:
            print(f"Warning: listening on {args.host} without a login (set NEWSQA_AUTH).",
                  file=sys.stderr)
        demo = build_app(settings)
        url = launch(demo, settings, args.host, args.port, block=False)
        print(f"newsqa: articles from {settings.where}; open {url}"
              + (" (login required)" if settings.auth else ""), flush=True)
        serve(demo)
    except _Stop:
        pass
    except QAError as e:
        print(f"error: {e}", file=sys.stderr)
        return exitcodes.USAGE
    except OSError as e:  # e.g. the port is taken
        print(f"error: cannot start the web server: {e}", file=sys.stderr)
        return exitcodes.USAGE
    except KeyboardInterrupt:
        print("\nnewsqa: interrupted, server stopped", file=sys.stderr)
        return exitcodes.INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
        if demo is not None:
            demo.close(verbose=False)
    return exitcodes.OK


if __name__ == "__main__":
    sys.exit(main())
