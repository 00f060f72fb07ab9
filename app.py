"""newsqa web chat: ask questions of your news articles in the browser, with cited sources.

    python app.py [--host 127.0.0.1] [--port 7860] [--demo]

Builds the Gradio page (chat with streamed answers and numbered source cards, filters,
the collection at a glance, adding articles by upload or URL) and the ``/ask`` JSON API,
and wires them to ``qa.ask_stream`` and ``ingest.ingest``. Settings come from ``NEWSQA_*``
variables. HTML comes only from ``web.render`` (which escapes all article text) and
uploads are checked by ``web.uploads``. No answering logic lives here, and nothing is
module-global per user: each browser session has its own history in ``gr.State``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from qa import QAError, Settings, ask, ask_stream, collection_stats
from qa.errors import EmptyStoreError
from web import render as view
from web.forms import parse_auth, parse_day, parse_history, parse_sources
from web.uploads import ALLOWED_SUFFIXES, stage_files, stage_urls

EXAMPLES = Path(__file__).resolve().parent / "examples" / "articles"
log = logging.getLogger("newsqa.app")
MAX_TURNS = 20  # conversation turns kept per session for follow-ups


# ---- handlers ----------------------------------------------------------------------------
def _bubble(role: str, html: str) -> dict:
    return {"role": role, "content": html}


def respond(settings: Settings, message: str, chat: list | None, hist: list | None,
            since: str, until: str, source: Any) -> Iterator[tuple]:
    """The chat turn: yields (chat, history, textbox, last answer JSON) as the answer streams."""
    message = (message or "").strip()
    chat, hist = list(chat or []), list(hist or [])
    if not message:
        yield chat, hist, "", gr.skip()
        return
    chat += [_bubble("user", view.render_user(message)),
             _bubble("assistant", view.render_pending())]
    yield chat, hist, "", gr.skip()
    try:
        text = ""
        response = ask_stream(message, history=[tuple(h) for h in hist],
                              since=parse_day(since, name="from"),
                              until=parse_day(until, end=True, name="to"),
                              sources=parse_sources(source), settings=settings)
        for piece in response:
            text += piece
            chat[-1] = _bubble("assistant", view.render_pending(text))
            yield chat, hist, "", gr.skip()
        answer = response.answer
        chat[-1] = _bubble("assistant", view.render_answer(answer, f"a{uuid.uuid4().hex[:10]}"))
        hist = [*hist, [message, answer.text]][-MAX_TURNS:]
        yield chat, hist, "", answer.to_dict()
    except QAError as e:
        msg = str(e)
        if isinstance(e, EmptyStoreError):
            msg += " Or add some here: open “Add articles” on the right."
        chat[-1] = _bubble("assistant", view.render_error(msg))
        yield chat, hist, "", {"error": msg}
    except Exception as e:  # keep serving; the details go to the server log
        log.exception("chat failed")
        msg = f"Something went wrong while answering ({type(e).__name__}); see the server log."
        chat[-1] = _bubble("assistant", view.render_error(msg))
        yield chat, hist, "", {"error": msg}


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
    staged = stage_urls(urls or "", stage_files(paths, upload_dir, settings.max_upload_mb))
    try:
        if not staged.inputs:
            report: dict = {"failed": []}
            if not staged.rejected:
                staged.rejected.append(("Nothing to add", "choose files or paste URLs first"))
        else:
            def seen(n: int, origin: str) -> None:
                if progress is not None:
                    name = staged.inputs.get(origin, Path(origin).name)
                    progress((n, None), desc=f"Reading {name}", unit="articles")

            if progress is not None:
                progress(0, desc="Reading articles…")
            rep = ingest(list(staged.inputs), settings, on_article=seen).to_dict()
            for f in rep["failed"]:  # show the user's names, not our staging paths
                f["input"] = staged.inputs.get(f["input"], Path(f["input"]).name)
            report = rep
    except QAError as e:
        report = {"failed": [{"input": "all inputs", "reason": str(e)}]}
    except Exception as e:  # keep serving; the details go to the server log
        log.exception("ingest failed")
        report = {"failed": [{"input": "all inputs", "reason": f"ingestion failed "
                              f"({type(e).__name__}); see the server log"}]}
    finally:
        staged.cleanup()
    return (view.render_report(report, staged.rejected), *stats_view(settings))


def ask_json(settings: Settings, question: str, history: str = "", since: str = "",
             until: str = "", source: str = "") -> dict:
    """The /ask API: the structured Answer as a dict (errors become gr.Error)."""
    try:
        return ask(question, history=parse_history(history), since=parse_day(since, name="since"),
                   until=parse_day(until, end=True, name="until"), sources=parse_sources(source),
                   settings=settings).to_dict()
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
                    # no file_types=: gradio would refuse the whole batch for one bad
                    # file; stage_files refuses just that one, with a reason
                    files = gr.File(label="Files: " + " ".join(ALLOWED_SUFFIXES),
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
                            max_file_size=f"{settings.max_upload_mb}mb", css=view.CSS, quiet=True,
                            footer_links=["api"], show_error=False)
    return url


def demo_settings(settings: Settings) -> Settings:
    """--demo: a separate store (unless NEWSQA_STORE / NEWSQA_CHROMA_URL say otherwise)."""
    if os.environ.get("NEWSQA_STORE") or settings.chroma_url:
        return settings
    return settings.with_(store=str(Path(Settings().store_dir).parent / "demo-store"))


def fill_demo(settings: Settings) -> None:
    """Ingest examples/articles into the demo store unless it already holds articles."""
    try:
        if collection_stats(settings)["articles"]:
            return
    except QAError:
        pass
    from ingest import ingest

    if not EXAMPLES.is_dir():
        raise QAError(f"--demo needs the sample articles in {EXAMPLES} (run it from a clone "
                      "of the repository).")
    print(f"Loading the sample articles into {settings.where} (first start only)…", flush=True)
    print(ingest([str(EXAMPLES)], settings).summary(), flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python app.py", description="newsqa web chat: ask questions of stored news "
        "articles in the browser, with cited passages. Settings come from NEWSQA_* variables "
        "(see the README): e.g. NEWSQA_STORE, NEWSQA_CHROMA_URL, NEWSQA_LLM, NEWSQA_AUTH "
        "('user:password' or a file of such lines), NEWSQA_UPLOAD_DIR, NEWSQA_MAX_UPLOAD_MB.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--demo", action="store_true", help="use a separate demo store, filled "
                   "with the sample articles from examples/articles on first start")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = Settings.from_env()
        if args.demo:
            settings = demo_settings(settings)
            fill_demo(settings)
        if args.host not in ("127.0.0.1", "localhost", "::1") and not settings.auth:
            print(f"Warning: listening on {args.host} without a login (set NEWSQA_AUTH).",
                  file=sys.stderr)
        demo = build_app(settings)
        url = launch(demo, settings, args.host, args.port, block=False)
        print(f"newsqa: articles from {settings.where}; open {url}"
              + (" (login required)" if settings.auth else ""), flush=True)
        demo.block_thread()
    except QAError as e:
        print(f"newsqa: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # e.g. the port is taken
        print(f"newsqa: cannot start the web server: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
