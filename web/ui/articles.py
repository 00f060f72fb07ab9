"""The Articles tab (the stored articles: search, sort by date, pages, delete for those who
may change the collection) and the article view (a drawer with one whole article), wired
to gradio.

How a click reaches the server: a list entry or a source card carries a link
``#nqa-read/<id>/...`` (``web.articles.read_ref``); the page script (``web.panel_assets``)
keeps its reference in ``window.__nqaRead`` and clicks a hidden button, whose ``js`` hands
that reference to ``/article`` in place of the hidden textbox's value. The server accepts
only references ``web.articles.parse_ref`` accepts and reads only that article from the
store. Delete buttons work the same way (``window.__nqaDelete``, ``/delete_article``) after
the browser asks for confirmation; the handler checks ``Access`` itself, whatever the page
showed. Deleting goes through ``delete`` (``ingest.delete``, passed in by the app).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr

from qa.errors import QAError
from qa.settings import Settings
from web.access import Access
from web.articles import ArticleList, pages, parse_ref, render_article, render_list, select
from web.render import esc

NEWEST, OLDEST = "Newest first", "Oldest first"


def article_list(settings: Settings) -> ArticleList:
    """The list of the stored articles the tab and the view share (one per app)."""
    def store() -> Any:
        from qa.api import default

        return default(settings).store
    return ArticleList(store)


def articles_tab(demo: gr.Blocks, articles: ArticleList, access: Access, *,
                 delete: Callable[[list[str]], Any], stats: Sequence[gr.Component],
                 stats_view: Callable[[], tuple]) -> gr.Tab:
    """The Articles tab (call inside ``gr.Tabs``); ``stats``/``stats_view``: the
    collection outputs refreshed after a delete and the function that fills them."""
    with gr.Tab("Articles", id="articles", elem_id="nqa-articles-tab") as tab:
        query = gr.Textbox("", label="Search titles and outlets", elem_id="nqa-art-q",
                           placeholder="e.g. harbor bridge")
        order = gr.Radio([NEWEST, OLDEST], value=NEWEST, label="Sort by date",
                         elem_id="nqa-art-sort")
        listing = gr.HTML(elem_id="nqa-articles")
        with gr.Row():
            back = gr.Button("← Previous", size="sm", elem_id="nqa-art-prev")
            more = gr.Button("Next →", size="sm", elem_id="nqa-art-next")
        page = gr.State(0)
        doomed = gr.Textbox("", visible="hidden", elem_id="nqa-del-id")
        drop = gr.Button("Delete", visible="hidden", elem_id="nqa-del-go")

    def show(q: str, order_: str, at: int, user: str | None, note: str = "") -> tuple:
        try:
            rows = articles.rows()
        except QAError as e:
            return f'<div class="nqa-articles"><p>{esc(e)}</p></div>', 0
        hits = select(rows, q, order_ != OLDEST)
        at = min(max(int(at or 0), 0), pages(len(hits)) - 1)
        return render_list(hits, at, len(rows), q, access.refusal(user) is None, note), at

    def on_show(q: str, order_: str, at: int, request: gr.Request) -> tuple:
        return show(q, order_, at, request.username)

    def on_first(q: str, order_: str, request: gr.Request) -> tuple:
        return show(q, order_, 0, request.username)

    def on_step(step: int) -> Callable[..., tuple]:
        def go(q: str, order_: str, at: int, request: gr.Request) -> tuple:
            return show(q, order_, int(at or 0) + step, request.username)
        return go

    def on_delete(article_id: str, q: str, order_: str, at: int,
                  request: gr.Request) -> tuple:
        refusal = access.refusal(request.username)
        if refusal:
            raise gr.Error(refusal, print_exception=False)
        ref = parse_ref("#nqa-read/" + (article_id or "").strip())
        if ref is None or ref.passage:
            raise gr.Error("Not an article id.", print_exception=False)
        row = articles.get(ref.article_id)
        try:
            report = delete([ref.article_id])
            articles.store().sync_lexical()  # answers stop citing it at once
        except QAError as e:
            raise gr.Error(str(e), print_exception=False) from None
        failed = dict(getattr(report, "failed", []) or [])
        name = row.title if row and row.title else ref.article_id
        note = f"Deleted “{name}”." if not failed else \
            f"Not deleted: {failed.get(ref.article_id, 'unknown article')}."
        return (*show(q, order_, at, request.username, note), *stats_view())

    inputs = [query, order, page]
    query.change(on_first, [query, order], [listing, page], api_name=False,
                trigger_mode="always_last", show_progress="hidden")
    query.submit(on_first, [query, order], [listing, page], api_name=False)
    order.change(on_first, [query, order], [listing, page], api_name=False)
    back.click(on_step(-1), inputs, [listing, page], api_name=False)
    more.click(on_step(1), inputs, [listing, page], api_name=False)
    tab.select(on_show, inputs, [listing, page], api_name=False)
    demo.load(on_show, inputs, [listing, page], api_name=False)
    drop.click(on_delete, [doomed, *inputs], [listing, page, *stats], api_name="delete_article",
               concurrency_limit=1,
               js="(...a) => [window.__nqaDelete || a[0], ...a.slice(1)]")
    return tab


def article_view(articles: ArticleList) -> None:
    """The article view: a drawer (hidden until an article is opened) and its hidden
    trigger; ``/article`` takes a ``#nqa-read/...`` reference and returns the view's HTML."""
    ref_box = gr.Textbox("", visible="hidden", elem_id="nqa-read-ref")
    go = gr.Button("Open", visible="hidden", elem_id="nqa-read-go")
    with gr.Column(visible=False, elem_id="nqa-reader") as drawer:
        close = gr.Button("Close", size="sm", elem_id="nqa-reader-close")
        view = gr.HTML(elem_id="nqa-article")

    def on_open(ref_text: str) -> str:
        """Show one stored article, its cited passage highlighted.

        Args:
            ref_text: a reference like "#nqa-read/<article id>/<start>/<end>".
        """
        ref = parse_ref(ref_text)
        if ref is None:
            raise gr.Error("Not an article reference.", print_exception=False)
        try:
            text = articles.store().article_text(ref.article_id)
            return render_article(articles.get(ref.article_id), text, ref)
        except QAError as e:
            raise gr.Error(str(e), print_exception=False) from None

    go.click(on_open, [ref_box], [view], api_name="article", concurrency_limit=4,
             js="(x) => window.__nqaRead || x").then(
        lambda: gr.update(visible=True), None, drawer, api_name=False)
    close.click(lambda: gr.update(visible=False), None, drawer, api_name=False)


__all__ = ["NEWEST", "OLDEST", "article_list", "article_view", "articles_tab"]
