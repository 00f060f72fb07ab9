"""newsqa web chat: ask questions of your news articles in the browser, with cited sources.

    python app.py [--host 127.0.0.1] [--port 7860] [--demo] [--public-readonly]

The Gradio wiring and ``main`` only: builds the page — the chat column (``web.ui.chat``:
streamed answers with numbered source cards, Copy/Download, Stop/Regenerate, examples,
saved conversations) and the side tabs (``web.ui.side``: filters, the collection at a
glance, adding articles for those who may; ``web.ui.articles``: the article list and view;
``web.ui.feeds``: watched feeds), logging out — and the ``/ask`` JSON API, and connects
them to the gradio-free helpers in ``web/`` (``web.chat`` streams a turn, ``web.render``
makes all HTML, ``web.assets`` the style sheet and page script, ``web.forms`` parses fields,
``web.uploads`` checks, ingests and deletes uploads, ``web.access`` says who may do what,
``web.cli`` the options and the network check, ``web.demo`` fills the --demo store).
Settings come from ``NEWSQA_*`` variables. No answering logic lives here, and nothing is
module-global per user: each browser session has its own history in ``gr.State``. Exit
status follows ``qa.exitcodes``: 2 with one line on stderr when the app cannot start (bad
setting, store or port, a network address without a login), 130 when stopped with Ctrl-C, 0
when stopped with SIGTERM.
"""

from __future__ import annotations

import logging
import signal
import sys
import tempfile
from functools import partial
from typing import Any

import gradio as gr
from gradio.utils import get_upload_folder
from starlette.middleware import Middleware

from ingest import delete
from qa import QAError, Settings, collection_stats, exitcodes
from qa.api import default
from web import render as view
from web.access import Access, LoginGuard, UploadGate
from web.assets import CSS, JS
from web.chat import api_answer
from web.cli import Stop, build_parser, on_sigterm, serve, start_settings
from web.demo import demo_settings, fill_demo
from web.feeds import FeedService
from web.forms import parse_auth
from web.indexing import Indexer
from web.ui.chat import chat_column, respond, wire_chat  # noqa: F401 (app.respond: a turn)
from web.ui.side import side_column
from web.uploads import discard_uploads, ingest_staged, stage_files, stage_urls


# ---- handlers ----------------------------------------------------------------------------
def stats_view(settings: Settings) -> tuple[str, Any]:
    """(collection HTML, source dropdown update)."""
    try:
        stats = collection_stats(settings)
    except QAError as e:
        return view.render_stats(None, str(e)), gr.update(choices=[])
    names = list(stats.get("sources") or {})
    return view.render_stats(stats), gr.update(choices=[(view.strip_bidi(n), n) for n in names])


def add_articles(settings: Settings, access: Access, upload_dir: str, files: list | None,
                 urls: str, user: str | None, progress: Any = None,
                 indexer: Indexer | None = None) -> tuple[str, str, Any]:
    """Stage uploads (gradio's file records) and URLs, ingest them, and report per input;
    the uploads are deleted afterwards. Returns (report, stats, source dropdown update).
    With an ``indexer`` the articles are answerable by keywords when this returns and their
    vectors follow in its background thread. Someone who may not add articles gets
    ``gr.Error`` with the reason, whatever the page showed them."""
    from ingest import ingest

    if indexer is not None:
        ingest = partial(ingest, wait=False)

    files = [f if isinstance(f, dict) else {"path": str(f)} for f in files or []]
    paths = [str(f.get("path") or "") for f in files]
    try:
        refusal = access.refusal(user)
        if refusal:
            raise gr.Error(refusal, print_exception=False)
        names = [f.get("orig_name") or p for f, p in zip(files, paths, strict=True)]
        staged = stage_urls(urls or "", stage_files(paths, upload_dir, settings.max_bytes, names,
                                                    uploads=get_upload_folder()))
        report = ingest_staged(staged, ingest, settings, progress)
        if indexer is not None:
            indexer.start()
    finally:
        discard_uploads(paths, get_upload_folder())
    return (view.render_report(report, staged.rejected), *stats_view(settings))


def feed_service(settings: Settings) -> FeedService | None:
    """The Feeds panel's watched feeds (``ingest.watch``), polled in the background; none
    for a read-only app."""
    from ingest.watch import FeedRegistry, poll

    return None if settings.read_only else FeedService(
        lambda: FeedRegistry(settings, embedder=default(settings).embedder), poll)


def indexer(settings: Settings) -> Indexer | None:
    """The app's background backfill (``ingest.backfill`` with the questions' embedder);
    none for a read-only app (a writer's ``python -m ingest`` fills its store)."""
    from ingest import backfill

    return None if settings.read_only else Indexer(
        lambda stop: backfill(settings, embedder=default(settings).embedder, stop=stop),
        lambda: default(settings).store.indexing())


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
    """The Gradio page and API for ``settings`` (not launched). Uploads never added are
    deleted after an hour (and all of them when the server stops)."""
    upload_dir = upload_dir or settings.upload_dir or tempfile.mkdtemp(prefix="newsqa-up-")
    users = parse_auth(settings.auth)
    access = Access.from_settings(settings, [u for u, _ in users or []])
    dense = indexer(settings)
    with gr.Blocks(title="newsqa", analytics_enabled=False, delete_cache=(600, 3600)) as demo:
        with gr.Row(equal_height=True):
            with gr.Column(scale=4):
                gr.HTML(f"<h2 style='margin:.2em 0'>newsqa — ask the news</h2><p>{INTRO}</p>")
            with gr.Column(scale=1, min_width=200, visible=bool(users)):
                signed_in = gr.HTML(elem_id="nqa-user")
                # gradio's /logout: ends every session of this user (over plain http its
                # one-session variant misses the Secure cookie and ends none)
                gr.Button("Log out", link="logout", size="sm", elem_id="nqa-logout")
        with gr.Row():
            with gr.Column(scale=3):  # the chat, its controls, earlier conversations (web/ui)
                chat_col = chat_column()
            with gr.Column(scale=1, min_width=280):  # tabs: Ask, Articles, Feeds (web/ui)
                side = side_column(demo, settings, access, feeds=feed_service(settings),
                                   indexer=dense,
                                   stats_view=lambda: stats_view(settings),
                                   delete=lambda ids: delete(ids, settings,
                                                             embedder=default(settings).embedder))
            since, until, source, stats, adding = (side.since, side.until, side.source,
                                                   side.stats, side.adding)
            files, urls, add, report = side.files, side.urls, side.add, side.report

        def on_add(files: list | None, urls: str, request: gr.Request,
                   progress: gr.Progress = gr.Progress()) -> tuple[str, str, Any]:  # noqa: B008
            return add_articles(settings, access, upload_dir, files, urls, request.username,
                                progress, dense)

        def on_load(request: gr.Request) -> tuple:
            user = request.username
            return (*stats_view(settings), view.render_signed_in(user),
                    gr.update(visible=access.refusal(user) is None))

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

        # /chat, stop, regenerate, examples, conversations kept in the browser
        wire_chat(demo, settings, chat_col, since, until, source)
        # preprocess=False: the handler gets gradio's file records as they are (checked to be
        # uploads; their original names), with no empty temp file per upload left behind
        add.click(on_add, [files, urls], [report, stats, source], api_name="add",
                  concurrency_limit=1, preprocess=False).then(lambda: None, None, files,
                                                              api_name=False).then(
            side.show_indexing, None, side.indexing_outputs, api_name=False,
            show_progress="hidden")
        demo.load(on_load, None, [stats, source, signed_in, adding], api_name=False)
        gr.api(api_ask, api_name="ask", concurrency_limit=4)
    return demo


def launch(demo: gr.Blocks, settings: Settings, host: str = "127.0.0.1", port: int = 7860,
           block: bool = True) -> str:
    """Start serving; returns the local URL (with ``block=False``, runs in the background).
    Logins go through ``LoginGuard`` (slowed down after failed tries); gradio's upload route
    refuses those who may not add articles."""
    users = parse_auth(settings.auth)
    access = Access.from_settings(settings, [u for u, _ in users or []])
    _, url, _ = demo.launch(
        server_name=host, server_port=port, auth=LoginGuard(users).check if users else None,
        auth_message="newsqa: please log in", prevent_thread_lock=not block,
        max_file_size=settings.max_bytes, css=CSS, js=JS, quiet=True, footer_links=["api"],
        show_error=False, app_kwargs={"middleware": [Middleware(UploadGate, access=access)]})
    return url


def main(argv: list[str] | None = None) -> int:
    """Run the web app until stopped; returns the exit status (``qa.exitcodes``)."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    demo, previous = None, signal.signal(signal.SIGTERM, on_sigterm)
    try:
        settings = start_settings(args)
        if args.demo:
            from ingest import ingest

            settings = demo_settings(settings)
            fill_demo(settings, ingest)
        demo = build_app(settings)
        url = launch(demo, settings, args.host, args.port, block=False)
        print(f"newsqa: articles from {settings.where}; open {url}"
              + (" (login required)" if settings.auth else "")
              + (" (read-only)" if settings.read_only else ""), flush=True)
        serve(demo)
    except Stop:
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
