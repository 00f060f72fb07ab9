"""One filter language: ``Filters.matches`` is the reference; the Chroma ``where`` clause and
the lexical index's SQL derived from the same ``Filters`` must select exactly the records the
predicate keeps — on generated filters, in an embedded Chroma and on a Chroma server."""

from __future__ import annotations

from datetime import date, timedelta

import chromadb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.dates import ymd
from qa.search.filters import Filters
from qa.store.filters import chroma_where
from qa.store.lexical import LexicalIndex

SOURCES = ["Harbor Times", "Coastal Wire", "bay news"]
DAY0 = date(2025, 1, 1)
RECORDS = [  # (chunk id, article id, published, source): undated ones included
    (f"c{i}", f"a{i // 2}", None if i % 7 == 0 else DAY0 + timedelta(days=9 * i),
     SOURCES[i % 3]) for i in range(40)
]
ARTICLES = sorted({a for _, a, _, _ in RECORDS})


def _load(col, lexical: LexicalIndex) -> None:
    col.add(ids=[c for c, *_ in RECORDS], embeddings=[[1.0, 0.0]] * len(RECORDS),
            documents=["a news story"] * len(RECORDS),
            metadatas=[{"published": ymd(p), "source_key": s.lower(), "article_id": a}
                       for _, a, p, s in RECORDS])
    for aid in ARTICLES:
        lexical.replace_articles([(aid, "h")], [(c, a, "a news story", ymd(p), s.lower())
                                                for c, a, p, s in RECORDS if a == aid])


@pytest.fixture(scope="module", params=["embedded", "server"])
def stores(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("filters")
    if request.param == "embedded":
        client = chromadb.PersistentClient(path=str(tmp / "chroma"))
    else:
        server = request.getfixturevalue("chroma_server")
        host, port = server.url.rsplit(":", 1)
        client = chromadb.HttpClient(host=host.split("//")[1], port=int(port))
    col = client.get_or_create_collection(f"filters-{request.param}", embedding_function=None)
    lexical = LexicalIndex(tmp / "lexical.sqlite3")
    if col.count() == 0:
        _load(col, lexical)
    yield col, lexical
    lexical.close()


days = st.one_of(st.none(), st.integers(-20, 400).map(lambda d: DAY0 + timedelta(days=d)))
names = st.lists(st.sampled_from(ARTICLES), max_size=4).map(tuple)
filters = st.builds(
    Filters, since=days, until=days, as_of=days,
    sources=st.lists(st.sampled_from(SOURCES + ["HARBOR TIMES", "Nowhere Post"]),
                     max_size=2).map(tuple),
    article_ids=names, exclude_ids=names)


@settings(max_examples=80, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
@given(f=filters)
def test_chroma_and_sql_select_what_the_predicate_keeps(stores, f):
    col, lexical = stores
    want = {c for c, a, p, s in RECORDS if f.matches(p, s, a)}
    where = chroma_where(f)
    got = set(col.get(where=where, include=[])["ids"]) if where else set(col.get()["ids"])
    assert got == want, (f, where)
    assert set(lexical.chunk_ids(f) or []) == want, f
    assert {c for c, _ in lexical.search("story", 100, f)} == want, f


def test_loose_values_read_with_the_one_date_grammar():
    f = Filters.of(since="2025-05", until="2025-05", sources="Harbor Times", as_of=None)
    assert (f.since, f.until, f.sources) == (date(2025, 5, 1), date(2025, 5, 31),
                                             ("Harbor Times",))
    assert f.matches(date(2025, 5, 31), "harbor times") and not f.matches(None, "Harbor Times")
    with pytest.raises(Exception, match="until date 'soon' is not a date"):
        Filters.of(until="soon")
