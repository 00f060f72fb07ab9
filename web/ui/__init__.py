"""The page's gradio wiring, one panel per module (the only place besides ``app.py`` that
imports gradio): ``chat`` the chat column; ``side`` the right-hand column (filters, the
collection, adding articles, and the tabs below); ``articles`` the Articles tab and the
article view; ``feeds`` the Feeds panel. The HTML they show comes from the gradio-free
``web`` modules (``web.articles``, ``web.feeds``, ``web.render``); what changes the store
is passed in by ``app.py``."""
