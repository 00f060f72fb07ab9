"""The store: the only chromadb and SQLite code (Chroma collections, the lexical index,
their schema and the crash-safe write protocol).

    store = Store.open(settings, ModelInfo.of(embedder), create=True)  # or None: maintenance
    store.write([ArticleWrite(...), ...])

``qa.store.schema`` is the layout (ids, metadata keys, rows), ``qa.store.chroma`` the
``Store``, ``qa.store.ledger`` its ledger reads (records, texts, near-copy groups),
``qa.store.scoped.opened`` a store for one piece of work, ``qa.store.connection`` the
Chroma client, ``qa.store.lexical`` the BM25 index (and the near-copy LSH index),
``qa.store.sync`` keeping it in step, ``qa.store.models`` which model made the vectors and
where its chunks live, ``qa.store.migrate`` re-embedding a store for another model.
"""

from qa.store.chroma import Store
from qa.store.migrate import ChunkMigration, Plan
from qa.store.models import LedgerState
from qa.store.schema import (
    ArticleWrite,
    ChunkFields,
    ChunkRecord,
    ModelInfo,
    StoredArticle,
    chunk_fields,
    chunk_id,
)
from qa.store.scoped import opened

__all__ = ["ArticleWrite", "ChunkFields", "ChunkMigration", "ChunkRecord", "LedgerState",
           "ModelInfo", "Plan", "Store", "StoredArticle", "chunk_fields", "chunk_id", "opened"]
