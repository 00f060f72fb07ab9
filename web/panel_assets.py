"""Style and page script of the side panels (``web.ui``): the Articles list, the article
view drawer and the Feeds panel. ``web.assets`` appends them to the page's own.

The script turns clicks into requests for the server: a click on a source card's title or
on any ``a.nqa-read`` link (a card's "Read the whole article", a list entry) keeps the
link's ``#nqa-read/...`` reference in ``window.__nqaRead`` and clicks the hidden
``#nqa-read-go`` button, whose event sends that reference (never a path or URL) to
``/article``; a click with a modifier key or the middle button on a linked title still
opens the original page. A list entry's Delete button asks for confirmation, then does the
same with ``window.__nqaDelete`` and ``#nqa-del-go``. When an article opens, its marked
passage is scrolled into view; Escape closes the drawer. Pure constants, no gradio import.
"""

from __future__ import annotations

CSS = """
#nqa-reader { position: fixed; top: 0; right: 0; z-index: 1000; width: min(700px, 94vw);
  height: 100vh; overflow-y: auto; padding: 1em 1.3em; box-sizing: border-box;
  background: var(--background-fill-primary, #fff); box-shadow: -6px 0 24px rgba(0,0,0,.25);
  border-left: 1px solid var(--border-color-primary, #ddd); }
#nqa-reader-close { align-self: flex-end; width: auto; }
.nqa-article { line-height: 1.6; }
.nqa-article-title { margin: .2em 0 .3em 0; font-size: 1.25em; }
.nqa-article-links { margin: .2em 0 .6em 0; font-size: .9em; }
.nqa-article-text p { margin: 0 0 .8em 0; }
.nqa-article mark.nqa-psg { background: #fef3c7; color: #1f2937; padding: 0 1px; }
.nqa-article mark.nqa-hl { background: #fcd34d; color: #111827; padding: 0 1px; }
.nqa-tools { font-size: .85em; margin-top: .3em; }
.nqa-read { cursor: pointer; }
.nqa-card-head a, .nqa-card-head > bdi { cursor: pointer; }
.nqa-art-list, .nqa-feed-list { list-style: none; margin: .3em 0 0 0; padding: 0; }
.nqa-art, .nqa-feed { padding: .4em 0; position: relative;
  border-bottom: 1px solid var(--border-color-primary, #e5e7eb); }
.nqa-art-title { font-weight: 600; padding-right: 4.5em; }
.nqa-art .nqa-meta, .nqa-feed .nqa-meta { margin: .1em 0 0 0; }
.nqa-del { position: absolute; right: 0; top: .4em; font-size: .8em; padding: .1em .5em;
  border-radius: 6px; border: 1px solid #dc2626; color: #b91c1c; background: transparent;
  cursor: pointer; }
.dark .nqa-del { color: #fca5a5; border-color: #fca5a5; }
.nqa-feed-url { font-weight: 600; word-break: break-all; }
.nqa-feed-result { font-size: .9em; }
.nqa-feeds .nqa-fail, .nqa-feed-status .nqa-fail { color: #b91c1c; }
.dark .nqa-feeds .nqa-fail, .dark .nqa-feed-status .nqa-fail { color: #fca5a5; }
.nqa-feed-status ul { margin: .3em 0 0 1.1em; padding: 0; font-size: .85em; }
"""

JS = r"""
() => {
  const press = (sel) => document.querySelector(sel)?.click();
  const open = (ref) => { window.__nqaRead = ref; press("#nqa-read-go"); };
  document.addEventListener("click", (e) => {
    const t = e.target;
    if (!t || !t.closest || e.button !== 0) return;
    const del = t.closest("button.nqa-del");
    if (del) {
      e.preventDefault();
      const title = del.closest("li")?.querySelector(".nqa-art-title")?.innerText || "";
      if (window.confirm("Delete \u201c" + title.trim() + "\u201d from the collection? " +
                         "Answers will no longer use it.")) {
        window.__nqaDelete = del.getAttribute("data-nqa-id") || "";
        press("#nqa-del-go");
      }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;  // the original page
    let link = t.closest("a.nqa-read");
    if (!link && t.closest(".nqa-card-head a, .nqa-card-head bdi"))
      link = t.closest(".nqa-card")?.querySelector("a.nqa-read");
    if (!link) return;
    e.preventDefault();
    e.stopPropagation();
    open(link.getAttribute("href") || "");
  }, true);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && document.querySelector("#nqa-reader .nqa-article"))
      press("#nqa-reader-close");
  });
  let shown = null;
  new MutationObserver(() => {
    const art = document.querySelector("#nqa-reader .nqa-article");
    if (!art || art === shown || !art.getClientRects().length) return;
    shown = art;
    const here = art.querySelector("#nqa-here");
    if (here) here.scrollIntoView({block: "center"});
    else document.querySelector("#nqa-reader").scrollTop = 0;
  }).observe(document.body, {subtree: true, childList: true, attributes: true,
                             attributeFilter: ["style", "class"]});
}
"""

__all__ = ["CSS", "JS"]
