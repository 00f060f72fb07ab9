"""The store: the only chromadb and SQLite code (Chroma collections, the lexical index,
their schema and the crash-safe write protocol). See ``qa.store.chroma``."""

from qa.store.chroma import ChunkRecord, Store, chunk_id

__all__ = ["ChunkRecord", "Store", "chunk_id"]
