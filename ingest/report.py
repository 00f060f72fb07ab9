"""``IngestReport``: what an ingestion run did, for people (``summary()``) and scripts
(``to_dict()``). No logic beyond counting and formatting."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class IngestReport:
    """Counts per article outcome, plus every failed input with its one-line reason."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0  # same text already stored under another id
    grouped: int = 0  # added or updated as near-copies of stories already stored
    regrouped: int = 0  # stored copies whose story changed or went: a new group
    deleted: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0  # chunks written (embedded) in this run
    repaired: int = 0  # half-written articles from an interrupted run, cleaned up
    relinked: int = 0  # chunks dense search could not reach, re-added (qa.store.relink)
    rebuilt: int = 0  # articles queued again by --rebuild-vectors (a damaged vector index)
    seconds: float = 0.0
    tokens: int = 0  # article tokens embedded in this run (for throughput)
    store: str = ""
    near_copy_lookups: int = 0  # LSH band keys looked up (BANDS per article checked)
    near_copy_seconds: float = 0.0  # CPU seconds spent detecting near-copies
    backfilled: int = 0  # articles given their vectors in this run (``ingest.backfill``)
    pending: int = 0  # articles still searchable by keywords only when it ended
    searchable_after: float = 0.0  # seconds from the start to the first batch searchable

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates": self.duplicates,
            "grouped": self.grouped,
            "regrouped": self.regrouped,
            "deleted": self.deleted,
            "failed": [{"input": i, "reason": r} for i, r in self.failed],
            "chunks": self.chunks,
            "repaired": self.repaired,
            "relinked": self.relinked,
            "rebuilt": self.rebuilt,
            "seconds": round(self.seconds, 3),
            "tokens": self.tokens,
            "store": self.store,
            "near_copy_lookups": self.near_copy_lookups,
            "near_copy_seconds": round(self.near_copy_seconds, 3),
            "backfilled": self.backfilled,
            "pending": self.pending,
            "searchable_after": round(self.searchable_after, 3),
        }

    def summary(self) -> str:
        parts = [f"{self.added} added", f"{self.updated} updated", f"{self.unchanged} unchanged"]
        if self.grouped:
            parts.append(f"{self.grouped} grouped as copies of stories already stored")
        if self.regrouped:
            parts.append(f"{self.regrouped} copies regrouped (their story changed or went)")
        if self.duplicates:
            parts.append(f"{self.duplicates} duplicate")
        if self.deleted:
            parts.append(f"{self.deleted} deleted")
        parts.append(f"{len(self.failed)} failed")
        line = ", ".join(parts) + f"; {self.chunks} chunks written in {self.seconds:.1f}s"
        if self.backfilled:
            line += f"; vectors added for {self.backfilled} article(s)"
        if self.pending:
            line += (f"; {self.pending} article(s) searchable by keywords only until "
                     "`python -m ingest --backfill` adds their vectors")
        if self.repaired:
            line += f"; repaired {self.repaired} article(s) left half-written by an interrupted run"
        if self.rebuilt:
            line += f"; vector index made again for {self.rebuilt} article(s)"
        if self.relinked:
            line += (f"; re-linked {self.relinked} chunk(s) the vector index could not reach "
                     "(Chroma's index after an interrupted write)")
        return line + (f" -> {self.store}" if self.store else "")
