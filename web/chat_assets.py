"""Style and page script of the chat's own controls (``web.ui.chat``); ``web.assets`` appends
them to the page's.

``LIB`` keeps conversations in the browser (``localStorage``; the server keeps none): each
one as the chat's bubbles under ``newsqa.chat.<id>``, the list (id, title = the first
question, time, questions) under ``newsqa.chats``, at most ``MAX`` of them (the oldest go
first, also when the browser's storage is full); the open one's id per tab
(``sessionStorage``, else the last one used), so a reload keeps it. A bubble still coming
is not saved. It also downloads a text as a file. Event handlers of ``web.ui.chat`` run
it before their own code (each may run before the page script), so it defines
``window.nqaChats`` once. ``JS`` (the page script) handles the answer's Copy (clipboard,
with a fallback for pages not served securely) and Download buttons (``web.actions``), draws
the list of earlier conversations (titles as text) and opens one by clicking the hidden
``#nqa-open-go`` button, and marks the page busy while an answer is coming (Stop shows,
Regenerate hides). ``CSS`` hides gradio's own clear icon: "New conversation" is the one
clear control. Pure constants, no gradio import.
"""

from __future__ import annotations

MAX = 30  # conversations kept per browser

LIB = r"""
window.nqaChats = window.nqaChats || (() => {
  const IDX = "newsqa.chats", CUR = "newsqa.chats.current", PRE = "newsqa.chat.", MAX = %MAX%;
  const get = (s, k) => { try { return s.getItem(k); } catch (e) { return null; } };
  const set = (s, k, v) => { try { s.setItem(k, v); } catch (e) { /* full or off */ } };
  const read = (k, d) => { try { return JSON.parse(localStorage.getItem(k)) ?? d; }
                           catch (e) { return d; } };
  const newId = () => Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
  let current = get(sessionStorage, CUR) || get(localStorage, CUR) || newId();
  const use = (id) => { current = id; set(sessionStorage, CUR, id); set(localStorage, CUR, id); };
  const list = () => { const v = read(IDX, []);
    return Array.isArray(v) ? v.filter(c => c && typeof c.id === "string") : []; };
  const html = (m) => { const c = m && m.content;
    return typeof c === "string" ? c
      : Array.isArray(c) ? c.map(p => (p && typeof p.text === "string") ? p.text : "").join("")
      : ""; };
  const text = (m) => (new DOMParser().parseFromString(html(m), "text/html").body.textContent || "")
    .replace(/\s+/g, " ").trim();
  const write = (idx, id, msgs) => {
    for (;;) {
      try { localStorage.setItem(PRE + id, JSON.stringify(msgs));
            localStorage.setItem(IDX, JSON.stringify(idx)); return true; }
      catch (e) {
        const old = idx.filter(c => c.id !== id).pop();
        if (!old) return false;
        idx = idx.filter(c => c !== old);
        localStorage.removeItem(PRE + old.id);
      }
    }
  };
  const api = {
    restore() { use(current); api.render(); const m = read(PRE + current, []);
                return Array.isArray(m) ? m : []; },
    save(msgs) {
      if (!Array.isArray(msgs) || !msgs.length) return;
      if (html(msgs[msgs.length - 1]).startsWith('<div class="nqa-answer nqa-pending">')) return;
      const first = msgs.find(m => m && m.role === "user");
      const idx = list().filter(c => c.id !== current);
      idx.unshift({id: current, title: (first ? text(first) : "").slice(0, 120) || "Conversation",
                   at: Date.now(), turns: msgs.filter(m => m && m.role === "user").length});
      for (const c of idx.splice(MAX)) localStorage.removeItem(PRE + c.id);
      write(idx, current, msgs);
      use(current);
      api.render();
    },
    fresh() { use(newId()); api.render(); },
    take(id) { if (!list().some(c => c.id === id)) return null;
               use(id); api.render(); const m = read(PRE + id, []);
               return Array.isArray(m) ? m : null; },
    drop(id) { if (id === current) return;
               set(localStorage, IDX, JSON.stringify(list().filter(c => c.id !== id)));
               localStorage.removeItem(PRE + id); api.render(); },
    render() {
      const box = document.querySelector("#nqa-convs .nqa-convs");
      if (!box) return;
      box.dataset.ready = "1";
      box.replaceChildren();
      const items = list();
      if (!items.length) {
        const p = document.createElement("p");
        p.textContent = "No saved conversations yet: they are kept in this browser.";
        box.append(p);
        return;
      }
      const ul = document.createElement("ul");
      for (const c of items) {
        const li = document.createElement("li"), open = document.createElement("button");
        open.type = "button"; open.className = "nqa-conv-open"; open.dataset.id = c.id;
        open.textContent = String(c.title || "Conversation");
        const when = document.createElement("span");
        when.className = "nqa-conv-when";
        when.textContent = new Date(Number(c.at) || 0).toLocaleString([], {dateStyle: "medium",
                                                                         timeStyle: "short"});
        li.append(open, when);
        if (c.id === current) {
          open.setAttribute("aria-current", "true");
          open.title = "The conversation shown";
        } else {
          const del = document.createElement("button");
          del.type = "button"; del.className = "nqa-conv-del"; del.dataset.id = c.id;
          del.textContent = "Delete";
          del.setAttribute("aria-label", "Delete the conversation " + open.textContent);
          li.append(del);
        }
        ul.append(li);
      }
      box.append(ul);
    },
    download(body, name, type) {
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([body], {type: type + ";charset=utf-8"}));
      a.download = name;
      document.body.append(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 2000);
    },
    fileName(json, ext) {
      let q = "";
      try { q = String(JSON.parse(json).question || ""); } catch (e) { /* no question */ }
      const slug = q.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
      return "newsqa-" + (slug.slice(0, 48).replace(/-+$/, "") || "answer") + "." + ext;
    },
  };
  return api;
})();
""".replace("%MAX%", str(MAX))

JS = r"""
() => {
""" + LIB + r"""
  const chats = window.nqaChats;
  const flash = (btn, cls) => {
    btn.classList.remove("nqa-done", "nqa-failed");
    btn.classList.add(cls);
    setTimeout(() => btn.classList.remove(cls), 2500);
  };
  const copy = async (text) => {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) { /* below */ }
    const t = document.createElement("textarea");
    t.value = text; t.setAttribute("readonly", ""); t.style.position = "fixed";
    t.style.opacity = "0";
    document.body.append(t); t.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    t.remove();
    return ok;
  };
  document.addEventListener("click", async (e) => {
    const act = e.target.closest?.(".nqa-actions .nqa-act");
    if (act) {
      const box = act.closest(".nqa-actions");
      const md = box.querySelector("pre.nqa-md")?.textContent || "";
      const json = box.querySelector("pre.nqa-json")?.textContent || "";
      if (act.classList.contains("nqa-copy"))
        flash(act, await copy(md) ? "nqa-done" : "nqa-failed");
      if (act.classList.contains("nqa-dl-md"))
        chats.download(md, chats.fileName(json, "md"), "text/markdown");
      if (act.classList.contains("nqa-dl-json"))
        chats.download(json, chats.fileName(json, "json"), "application/json");
      return;
    }
    const open = e.target.closest?.("#nqa-convs .nqa-conv-open");
    if (open) {
      window.__nqaOpenId = open.dataset.id;
      document.querySelector("#nqa-open-go")?.click();
      return;
    }
    const del = e.target.closest?.("#nqa-convs .nqa-conv-del");
    if (del) chats.drop(del.dataset.id);
  });
  let queued = false;
  const mark = () => {
    queued = false;
    const chat = document.querySelector("#nqa-chat");
    if (!chat) return;
    document.body.classList.toggle("nqa-busy", !!chat.querySelector(".nqa-pending"));
    document.body.classList.toggle("nqa-asked", !!chat.querySelector(".nqa-question"));
    if (!document.querySelector("#nqa-convs .nqa-convs[data-ready]")) chats.render();
  };
  new MutationObserver(() => {
    if (!queued) { queued = true; requestAnimationFrame(mark); }
  }).observe(document.body, {subtree: true, childList: true});
}
"""

CSS = """
#nqa-chat .icon-button-wrapper.top-panel { display: none; }
body:not(.nqa-busy) #nqa-stop { display: none !important; }
body.nqa-busy #nqa-regen, body:not(.nqa-asked) #nqa-regen { display: none !important; }
.nqa-hidden { display: none !important; }
.nqa-actions { display: flex; flex-wrap: wrap; gap: .4em; margin-top: .55em; }
/* the answer's Markdown and JSON, for Copy and Download only (gradio styles every pre) */
.nqa-actions pre, .nqa-actions [hidden] { display: none !important; }
.nqa-act { font: inherit; font-size: .8em; padding: .15em .65em; border-radius: 6px;
  cursor: pointer; color: inherit; background: var(--background-fill-primary, #fff);
  border: 1px solid var(--border-color-primary, #ccc); }
.nqa-act:hover, .nqa-act:focus-visible { border-color: var(--color-accent, #f97316); }
.nqa-copy::before { content: "Copy"; }
.nqa-copy.nqa-done::before { content: "Copied \\2713"; }
.nqa-copy.nqa-failed::before { content: "Copy failed"; }
.nqa-dl-md::before { content: "Download .md"; }
.nqa-dl-json::before { content: "Download .json"; }
.nqa-stopped { border-left: 4px solid var(--neutral-400, #9ca3af); padding-left: .7em; }
.nqa-convs p { margin: .2em 0; font-size: .9em; opacity: .8; }
.nqa-convs ul { list-style: none; margin: 0; padding: 0; }
.nqa-convs li { display: flex; align-items: baseline; gap: .5em; margin: .15em 0; }
.nqa-conv-open { font: inherit; font-size: .95em; flex: 1; min-width: 0;
  text-align: left; background: none; border: 0;
  padding: .1em 0; color: inherit; cursor: pointer; text-decoration: underline;
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.nqa-conv-open[aria-current] { font-weight: 700; text-decoration: none; cursor: default; }
.nqa-conv-when { font-size: .8em; opacity: .75; white-space: nowrap; }
.nqa-conv-del { font: inherit; font-size: .8em; background: none; border: 0; color: inherit;
  cursor: pointer; text-decoration: underline; opacity: .8; }
"""

__all__ = ["CSS", "JS", "LIB", "MAX"]
