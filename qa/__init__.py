"""newsqa query side: ask questions of the stored news articles.

    from qa import ask, retrieve, Answer, Citation, QAError
    ans = ask("When did the Harbor Bridge reopen?")
    print(ans.text)                      # "... [1]"
    for c in ans.citations: print(c.number, c.title, c.url, c.passage)

See ``qa.api`` for the parameters (history, k, since, until, sources, as_of).
"""

from qa.api import ask, ask_stream, collection_stats, retrieve
from qa.errors import QAError
from qa.settings import Settings
from qa.types import Answer, Citation

__all__ = [
    "Answer", "Citation", "QAError", "Settings", "ask", "ask_stream", "collection_stats",
    "retrieve",
]
