"""The article ledger when Chroma cannot read it any more: its records read back from
Chroma's own SQLite tables, and the collection made again from them.

The same Chroma 1.5.9 defect that can make the chunk collection unreadable
(``qa.store.relink``: a kill while Chroma saves its vector index, then a deletion replayed
onto files ahead of their record) can strike the ledger, the collection every read starts
from. Its vectors are placeholders ([1.0]); what matters, each article's metadata and text,
lives in the collection's metadata segment (``embeddings`` / ``embedding_metadata`` rows of
``chroma.sqlite3``), which SQLite keeps transactionally and which stays readable. ``rows``
reads them back (read-only); ``Writer.reset_vectors`` then drops the ledger collection and
adds them again. Embedded stores only: a Chroma server's files are not ours to read.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

DOCUMENT = "chroma:document"  # the key Chroma stores a record's document under


def rows(store_dir: str, collection: str) -> list[tuple[str, str, dict]]:
    """(id, document, metadata) of every record of ``collection``, as Chroma's metadata
    segment holds them."""
    db = sqlite3.connect(f"file:{Path(store_dir) / 'chroma.sqlite3'}?mode=ro", uri=True)
    try:
        seg = db.execute(
            "SELECT s.id FROM segments s JOIN collections c ON s.collection = c.id "
            "WHERE c.name = ? AND s.scope = 'METADATA'", (collection,)).fetchone()
        if seg is None:
            return []
        got: dict[str, tuple[str, dict]] = {}
        for rid, key, s, i, f, b in db.execute(
                "SELECT e.embedding_id, m.key, m.string_value, m.int_value, m.float_value, "
                "m.bool_value FROM embeddings e JOIN embedding_metadata m ON m.id = e.id "
                "WHERE e.segment_id = ?", (seg[0],)):
            doc, meta = got.setdefault(rid, ("", {}))
            if key == DOCUMENT:
                got[rid] = (s or "", meta)
            else:
                meta[key] = s if s is not None else i if i is not None else \
                    f if f is not None else bool(b) if b is not None else None
        return [(rid, doc, meta) for rid, (doc, meta) in sorted(got.items())]
    finally:
        db.close()
