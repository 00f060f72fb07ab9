"""What the web page carries besides its HTML: the style sheet and the page script.

``CSS`` styles what ``web.render`` makes (answers, story timelines, cards, refusals, errors,
reports), in light
and dark mode (the highlighted sentence sets its own text colour, so it stays readable on its
pale background when the page text is near-white). ``JS`` runs once in the browser when the
page loads and watches the chat: each message's ``aria-label`` becomes plain text (gradio sets
it to the message's raw HTML); a question sent while an answer is still coming is kept and
marked as waiting (the app queues it: gradio's ``trigger_mode="always_last"``); a new answer
that arrives outside the visible part of the page is scrolled into view. Pure constants, no
gradio import, nothing is fetched from elsewhere.
"""

from __future__ import annotations

from web import chat_assets as _chat  # the chat column's style and script
from web import panel_assets as _panels  # the side panels' style and script

CSS = """
.nqa-answer { line-height: 1.5; scroll-margin-top: 1em; }
.nqa-answer p { margin: 0 0 .5em 0; }
.nqa-cite { font-weight: 700; text-decoration: none; padding: 0 1px;
  color: var(--color-accent, #f97316) !important; }
.nqa-cite:hover { text-decoration: underline; }
.nqa-cards { margin-top: .6em; display: flex; flex-direction: column; gap: .45em; }
.nqa-card { border: 1px solid var(--border-color-primary, #ddd); border-radius: 8px;
  padding: .5em .7em; background: var(--background-fill-secondary, #fafafa);
  scroll-margin-top: 1em; }
.nqa-card:target { outline: 2px solid var(--color-accent, #f97316);
  background: var(--color-accent-soft, #fff7ed); }
.nqa-card-head { font-weight: 600; }
.nqa-num { color: var(--color-accent, #f97316); margin-right: .35em; }
.nqa-meta { font-size: .85em; opacity: .75; margin: .1em 0 .3em 0; }
.nqa-also { font-size: .85em; opacity: .75; font-style: italic; margin: 0 0 .3em 0; }
.nqa-timeline { list-style: none; margin: 0 0 .6em 0; padding: 0 0 0 .9em;
  border-left: 2px solid var(--color-accent, #f97316); }
.nqa-timeline li { margin: 0 0 .45em 0; position: relative; }
.nqa-timeline li::before { content: ""; position: absolute; left: -1.25em; top: .5em;
  width: .55em; height: .55em; border-radius: 50%; background: var(--color-accent, #f97316); }
.nqa-when { font-weight: 600; white-space: nowrap; }
.nqa-passage { font-size: .9em; margin: 0; padding-left: .6em;
  border-left: 3px solid var(--border-color-primary, #ddd); }
.nqa-answer > p strong { font-weight: 700; }
/* both colours set: in dark mode the page's text is near-white */
.nqa-passage mark { background: #fde68a; color: #1f2937; padding: 0 1px; }
.nqa-more summary { cursor: pointer; font-size: .85em; opacity: .7; margin-top: .2em; }
.nqa-more { margin-top: .2em; }
.nqa-note { font-size: .85em; opacity: .75; margin-top: .35em; }
.nqa-refused { border: 1px dashed var(--border-color-primary, #bbb); border-radius: 8px;
  padding: .6em .8em; opacity: .92; }
.nqa-refused > p { font-style: italic; }
.nqa-badge { display: inline-block; font-size: .75em; font-weight: 700; letter-spacing: .04em;
  text-transform: uppercase; padding: .1em .55em; border-radius: 999px; margin-bottom: .4em;
  background: var(--neutral-200, #e5e7eb); color: var(--neutral-700, #374151); }
.nqa-related .nqa-card { opacity: .85; }
.nqa-error { border-left: 4px solid #dc2626; padding: .3em .7em; }
.nqa-error .nqa-badge { background: #fee2e2; color: #991b1b; }
.nqa-pending { opacity: .8; }
.nqa-stats b { font-weight: 700; }
.nqa-stats ul, .nqa-report ul { margin: .3em 0 0 1.1em; padding: 0; }
.nqa-report .nqa-fail { color: #b91c1c; }
.dark .nqa-report .nqa-fail { color: #fca5a5; }
.nqa-indexing { font-size: .9em; margin: .3em 0; }
.nqa-indexing progress { display: block; width: 100%; margin-top: .2em; }
.nqa-indexing.nqa-fail { color: #b91c1c; }
.dark .nqa-indexing.nqa-fail { color: #fca5a5; }
.nqa-wait { font-size: .85em; opacity: .85; margin: 0 .2em; min-height: 0; }
bdi { unicode-bidi: isolate; }
"""

JS = r"""
() => {
  const chatSel = "#nqa-chat", pending = "#nqa-chat .nqa-pending";
  const note = () => document.querySelector("#nqa-wait .nqa-wait");
  const plain = (el) => {
    const who = el.getAttribute("data-testid") === "user" ? "Your question: " : "Answer: ";
    let text = (el.innerText || el.textContent || "").replace(/\s+/g, " ").trim();
    if (text.length > 600) text = text.slice(0, 600) + "…";
    return who + text;
  };
  const asked = () => document.querySelectorAll(chatSel + " [data-testid=user]").length;
  let answers = 0, waitingAt = -1, scheduled = false;
  const tidy = () => {
    scheduled = false;
    const chat = document.querySelector(chatSel);
    if (!chat) return;
    for (const el of chat.querySelectorAll("[aria-label]")) {
      const label = el.getAttribute("aria-label");
      if (/^(bot|user|assistant)'s message: /.test(label)) el.setAttribute("aria-label", plain(el));
    }
    const done = chat.querySelectorAll(".nqa-answer:not(.nqa-pending)");
    if (waitingAt >= 0 && asked() > waitingAt && note()) {  // the waiting question is asked
      note().textContent = "";
      waitingAt = -1;
    }
    if (done.length > answers) {
      const last = done[done.length - 1], r = last.getBoundingClientRect();
      if (r.top < 0 || r.top > window.innerHeight - 80) last.scrollIntoView({block: "start"});
    }
    answers = done.length;
  };
  new MutationObserver(() => {
    if (!scheduled) { scheduled = true; requestAnimationFrame(tidy); }
  }).observe(document.body, {subtree: true, childList: true, characterData: true,
                              attributes: true, attributeFilter: ["aria-label"]});
  const waiting = () => {
    const box = document.querySelector("#nqa-question textarea");
    const q = box ? box.value.trim() : "";
    if (q && document.querySelector(pending) && note()) {
      waitingAt = asked();
      note().textContent = "\u201c" + q + "\u201d will be asked as soon as the answer " +
                           "above is complete.";
    }
  };
  document.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && e.target.closest?.("#nqa-question")) waiting();
  }, true);
  document.addEventListener("click", (e) => {
    if (e.target.closest?.("#nqa-ask")) waiting();
  }, true);
}
"""

CSS += _panels.CSS
JS = f"() => {{ ({JS.strip()})(); ({_panels.JS.strip()})(); }}"

# the chat's own controls: Copy/Download, Stop/Regenerate, conversations kept in the browser
CSS += _chat.CSS
JS = f"() => {{ ({JS.strip()})(); ({_chat.JS.strip()})(); }}"

__all__ = ["CSS", "JS"]
