"""The note a fact answer gets when its figure was revised as the story moved on.

"When will the Harbor Bridge reopen?" answered from the newest article ("... reopened to
traffic ... May 22 [1]") says what earlier articles of the story had said: "Earlier
reports: late April on February 10, 2025 [2]; the second half of May on April 14, 2025
[3]." The answer's lead sentence must be one version of a revised figure
(``qa.news.changes``) of its article's story, within the question's filters (``as_of``
hides what was published later); the earlier versions are cited with their dates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from qa.news.articles import day, load
from qa.news.changes import revisions
from qa.search.filters import Filters
from qa.store import Store
from qa.text.sentences import sentences
from qa.types import Citation

_MARK = re.compile(r"\s*\[\d+(?:\s*[,;]\s*\d+)*\]")


def revision_note(text: str, cites: Sequence[Citation], store: Store,
                  limits: Filters) -> tuple[str, list[Citation]]:
    """(note, its citations numbered after ``cites``) — ("", []) when the answer's figure
    was not revised."""
    if not cites or not text:
        return "", []
    lead = cites[0]
    first = _MARK.sub("", (sentences(text) or [text])[0]).strip()
    index = store.stories()
    story = index.story_of([lead.article_id]).get(lead.article_id)
    if story is None:
        return "", []
    ids = index.members(story)
    if len(ids) < 2:
        return "", []
    states = store.article_states(ids)
    members = [states[i] for i in ids if i in states and states[i].complete
               and not states[i].dup_of and limits.matches(states[i].published,
                                                          states[i].source, i)]
    if len(members) < 2:
        return "", []
    arts = load(store, members)
    for chain in revisions(arts):
        at = [i for i, v in enumerate(chain.versions)
              if v.article.meta.article_id == lead.article_id and v.sentence.text in first]
        if not at or at[0] == 0:
            continue
        earlier = chain.versions[:at[0]]
        out: list[Citation] = []
        parts = []
        for v in earlier:
            n = len(cites) + len(out) + 1
            out.append(replace(v.article.cite(n, v.sentence)))
            parts.append(f"{v.value} on {day(v.article.published)} [{n}]")
        return f"Earlier reports of the {chain.word}: " + "; ".join(parts) + ".", out
    return "", []
