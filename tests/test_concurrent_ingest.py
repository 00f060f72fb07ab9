"""Questions and an ingestion at the same time in one process (what the web app does when
someone uploads while others chat): neither fails, and the new article becomes findable."""

from __future__ import annotations

import threading
from pathlib import Path

from ingest import ingest
from qa import ask, retrieve
from tests.support.helpers import EXAMPLES, write


def test_ingest_while_answering(tmp_path: Path, embedder):
    from qa.settings import Settings

    s = Settings(store=str(tmp_path / "store"))
    ingest([str(EXAMPLES)], s, embedder=embedder)
    errors: list[BaseException] = []
    stop = threading.Event()

    def asker() -> None:
        while not stop.is_set():
            try:
                assert not ask("How many homes lost power during Storm Calloway?",
                               settings=s).refused
            except BaseException as e:  # collected and asserted below
                errors.append(e)
                return

    threads = [threading.Thread(target=asker) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        docs = [write(tmp_path / "new" / f"n{i}.txt",
                      f"Kestrel Dam inspection {i}\n\nEngineers inspected the Kestrel Dam "
                      f"spillway on day {i} and found {i + 3} cracks in the concrete apron. "
                      "The county said repairs would start in the spring. " * 3)
                for i in range(12)]
        report = ingest([str(d) for d in docs], s, embedder=embedder)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not report.failed, report.failed
    assert report.added == 12
    assert not errors, errors
    assert "Kestrel" in retrieve("Kestrel Dam spillway cracks", k=1, settings=s)[0].title
