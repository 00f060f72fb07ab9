"""The Feeds tab, wired to gradio: the watched feeds (last poll, its result and error,
stored/known counts), adding a feed or OPML list by URL, removing one, "Poll now"; shown
only to those who may change the collection, and every handler checks ``Access`` again.

The feeds themselves are a ``web.feeds.FeedService`` the app makes from ``ingest.watch``
(none for a read-only app: then the tab never shows). Its background poller starts when
the app starts serving (``launch``, or mounted in a FastAPI app), not when it is built, and
stops when the app closes (``demo.close``). Errors are shown in the panel,
never raised into the page; a refusal is a ``gr.Error`` like "Add articles" gives.
"""

from __future__ import annotations

from typing import Any, Protocol

import gradio as gr

from qa.errors import QAError
from web.access import Access
from web.feeds import FeedService, poll_lines, render_feeds, render_status


class Background(Protocol):
    """A background thread of the app: the feed poller (``FeedService``) or the indexing
    (``web.indexing.Indexer``)."""

    def start(self) -> None: ...

    def stop(self, timeout: float = ...) -> None: ...


def run_with(demo: gr.Blocks, service: Background) -> None:
    """Start ``service`` when ``demo`` starts serving (gradio's start-up events, run by
    ``launch`` and ``gr.mount_gradio_app``; an app only built starts nothing) and stop it
    when ``demo`` is closed."""

    async def starting() -> None:
        service.start()

    demo.extra_startup_events.append(starting)
    stop_with(demo, service)


def stop_with(demo: gr.Blocks, service: Background) -> None:
    """Stop ``service`` when ``demo`` is closed."""
    close = demo.close

    def closing(*args: Any, **kwargs: Any) -> Any:
        service.stop()
        return close(*args, **kwargs)

    demo.close = closing  # type: ignore[method-assign]


def feeds_tab(demo: gr.Blocks, access: Access, service: FeedService | None) -> gr.Tab:
    """The Feeds tab (call inside ``gr.Tabs``); hidden until a page load finds a user who
    may change the collection."""
    with gr.Tab("Feeds", id="feeds", visible=False, elem_id="nqa-feeds-tab") as tab:
        listing = gr.HTML(elem_id="nqa-feeds")
        url = gr.Textbox("", label="Feed or OPML URL", placeholder="https://…/feed.xml",
                         elem_id="nqa-feed-url")
        add = gr.Button("Watch this feed", elem_id="nqa-feed-add")
        which = gr.Dropdown(label="Watched feed", choices=[], value=None,
                            elem_id="nqa-feed-which")
        with gr.Row():
            remove = gr.Button("Stop watching", size="sm", elem_id="nqa-feed-remove")
            poll = gr.Button("Poll now", size="sm", variant="primary", elem_id="nqa-feed-poll")
        status = gr.HTML(elem_id="nqa-feed-status")
    if service is not None:
        run_with(demo, service)

    def allowed(user: str | None) -> FeedService:
        refusal = access.refusal(user) if service is not None else \
            "This newsqa is read-only: feeds are watched on the server (python -m ingest --watch)."
        if refusal or service is None:
            raise gr.Error(refusal, print_exception=False)
        return service

    def view(svc: FeedService, problem: str = "") -> tuple[str, Any]:
        try:
            feeds = svc.feeds()
        except QAError as e:
            return render_status(problem=str(e)), gr.update(choices=[])
        html = render_feeds(feeds, problem or svc.last_error, svc.every, svc.last_round)
        urls = [str(f["url"]) for f in feeds]
        return html, gr.update(choices=urls, value=None)

    def on_load(request: gr.Request) -> tuple:
        if service is None or access.refusal(request.username):
            return gr.update(visible=False), "", gr.update()
        return gr.update(visible=True), *view(service)

    def on_add(new: str, request: gr.Request) -> tuple:
        svc = allowed(request.username)
        try:
            note = render_status(svc.add(new))
        except QAError as e:
            return (*view(svc), render_status(problem=str(e)), gr.skip())
        return (*view(svc), note, "")

    def on_remove(old: str | None, request: gr.Request) -> tuple:
        svc = allowed(request.username)
        try:
            note = render_status(svc.remove(old or ""))
        except QAError as e:
            note = render_status(problem=str(e))
        return (*view(svc), note)

    def on_poll(request: gr.Request) -> tuple:
        svc = allowed(request.username)
        try:
            results = svc.poll_now()
        except QAError as e:
            return (*view(svc), render_status(problem=str(e)))
        lines = poll_lines(results)
        note = render_status("Polled every watched feed." if lines else "No feeds to poll.",
                             lines=lines)
        return (*view(svc), note)

    def on_select(request: gr.Request) -> tuple:
        return view(allowed(request.username))

    shown = [listing, which]
    demo.load(on_load, None, [tab, *shown], api_name=False)
    tab.select(on_select, None, shown, api_name=False)
    gr.on([add.click, url.submit], on_add, [url], [*shown, status, url],
          api_name="add_feed", concurrency_limit=1)
    remove.click(on_remove, [which], [*shown, status], api_name="remove_feed",
                 concurrency_limit=1)
    poll.click(on_poll, None, [*shown, status], api_name="poll_feeds", concurrency_limit=1)
    return tab


__all__ = ["feeds_tab", "run_with", "stop_with"]
