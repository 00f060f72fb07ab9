"""The page's right-hand column: three tabs — "Ask" (date and source filters for the next
question, the collection at a glance, "Add articles" for those who may), "Articles" (the
stored articles, ``web.ui.articles``) and "Feeds" (``web.ui.feeds``, for those who may) —
and the article view drawer. Builds the components; the app wires "Add articles" and the
filters, and passes in what changes the store (``delete``, ``feeds``) and refreshes the
collection (``stats_view``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from ingest.formats import suffix_list
from qa.settings import Settings
from web.access import Access
from web.feeds import FeedService
from web.indexing import Indexer, render_indexing
from web.ui.articles import article_list, article_view, articles_tab
from web.ui.feeds import feeds_tab, run_with


@dataclass(frozen=True)
class Side:
    """The column's components the app wires."""

    since: gr.Textbox
    until: gr.Textbox
    source: gr.Dropdown
    stats: gr.HTML
    adding: gr.Accordion
    files: gr.File
    urls: gr.Textbox
    add: gr.Button
    report: gr.HTML
    show_indexing: Callable[[], tuple]  # -> outputs ``indexing_outputs``: call after adding
    indexing_outputs: list


def side_column(demo: gr.Blocks, settings: Settings, access: Access, *,
                stats_view: Callable[[], tuple], delete: Callable[[list[str]], Any],
                feeds: FeedService | None, indexer: Indexer | None = None) -> Side:
    """Build the column (call inside its ``gr.Column``). With an ``indexer``, a line under
    the collection shows the background indexing while articles wait for their vectors."""
    with gr.Tabs(elem_id="nqa-side"):
        with gr.Tab("Ask", id="ask", elem_id="nqa-ask-tab"):
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
            indexing = gr.HTML(elem_id="nqa-indexing-line")
            timer = gr.Timer(2.0, active=False)
            # shown on load to those who may add articles (add_articles checks again)
            with gr.Accordion("Add articles", open=False, visible=False,
                              elem_id="nqa-add") as adding:
                # the types are ingest.formats (what the readers take); no file_types=:
                # gradio would refuse the whole batch for one bad file, stage_files
                # refuses just that one, with a reason
                files = gr.File(label="Files: " + suffix_list(), file_count="multiple",
                                elem_id="nqa-files")
                urls = gr.Textbox("", label="URLs, one per line", lines=3,
                                  placeholder="https://…")
                add = gr.Button("Add to collection")
                report = gr.HTML(elem_id="nqa-report")
        articles = article_list(settings)
        articles_tab(demo, articles, access, delete=delete, stats=[stats, source],
                     stats_view=stats_view)
        feeds_tab(demo, access, feeds)
    article_view(articles)
    outputs = [indexing, timer, stats, source]

    def show_indexing() -> tuple:
        """The indexing line; the timer runs while articles wait (the collection is
        refreshed when the last one got its vectors)."""
        if indexer is None:
            return "", gr.Timer(active=False), gr.skip(), gr.skip()
        waiting, stored = indexer.status()
        line = render_indexing(waiting, stored, indexer.running, indexer.last_error)
        busy = bool(waiting) and indexer.running
        return (line, gr.Timer(active=busy), *((gr.skip(), gr.skip()) if busy else
                                               stats_view()))

    if indexer is not None:
        run_with(demo, indexer)  # articles left waiting (a killed run, --lexical-only)
        timer.tick(show_indexing, None, outputs, api_name=False, show_progress="hidden")
        demo.load(show_indexing, None, outputs, api_name=False, show_progress="hidden")
    return Side(since, until, source, stats, adding, files, urls, add, report,
                show_indexing, outputs)


__all__ = ["Side", "side_column"]
