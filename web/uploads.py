"""What a web user adds: uploaded files and pasted URLs, checked, staged, then ingested.

Each accepted upload is copied into a fresh temp dir under the app's upload area with a
sanitized basename, so a file name can never point anywhere else; files of a type newsqa
does not read (the list is ``ingest.formats``, shared with the command line) or over the size
limit are refused with a reason. Pasted lines must be http(s) URLs (``web.urls``).
``ingest_staged`` runs the ingest function the app passes in, with the embedder of the
app's default ``QA`` (an upload loads no second model), and reports in the user's file names,
never raising; the staged copies are deleted afterwards. ``discard_uploads`` deletes the
copies gradio received (in its upload folder) once they were ingested or refused, so no
upload stays on the server or downloadable from it. The one size cap is
``NEWSQA_MAX_BYTES``: gradio refuses bigger uploads, staging and ingestion check it again.
This module imports no gradio and does not render anything.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.formats import SUFFIXES, suffix_list
from qa.errors import QAError
from web.urls import safe_url

ALLOWED_SUFFIXES = SUFFIXES  # exactly what the readers take: one list, ingest.formats
log = logging.getLogger("newsqa.web")


@dataclass
class Staged:
    """Accepted inputs (staged path or URL -> name to show) and refused ones (name, reason)."""

    inputs: dict[str, str] = field(default_factory=dict)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    dirs: list[str] = field(default_factory=list)  # temp dirs to remove after ingestion

    def cleanup(self) -> None:
        for d in self.dirs:
            shutil.rmtree(d, ignore_errors=True)
        self.dirs.clear()


def size_text(n: int) -> str:
    """``20_000_000 -> "20 MB"``, ``1500 -> "1.5 kB"`` (as ``python -m ingest`` says it)."""
    return (f"{n / 1e6:.3g} MB" if n >= 1_000_000 else f"{n / 1e3:.3g} kB" if n >= 1_000
            else f"{n} bytes")


def display_name(name: str) -> str:
    """The last path component of a client-supplied name (either slash), for messages."""
    return re.split(r"[\\/]", name or "")[-1] or "upload"


def safe_name(name: str) -> str:
    """A harmless basename: no directories, no leading dots, only ``[A-Za-z0-9._-]``."""
    base = unicodedata.normalize("NFKC", display_name(name))
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    ext = re.sub(r"[^A-Za-z0-9]+", "", ext)[:10].lower()
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem)
    stem = re.sub(r"\.{2,}", ".", stem).strip("._-")[:80] or "upload"
    return f"{stem}.{ext}" if ext else stem


def stage_files(paths: list[str], upload_dir: str, max_bytes: int,
                names: list[str] | None = None, into: Staged | None = None,
                uploads: str | None = None) -> Staged:
    """Check type and size of each uploaded file and copy the good ones into fresh temp dirs
    under ``upload_dir``. ``names`` are the names to show (default: the paths' basenames);
    ``uploads``, where uploads arrive: a path outside it is refused, whatever sent it."""
    out = into or Staged()
    root = Path(upload_dir)
    root.mkdir(parents=True, exist_ok=True)
    limit = max_bytes
    for i, src in enumerate(paths or []):
        shown = display_name(names[i] if names and i < len(names) else str(src))
        suffix = Path(shown.lower()).suffix
        if suffix not in ALLOWED_SUFFIXES:
            out.rejected.append((shown, f"not a supported file type (use one of "
                                        f"{suffix_list()})"))
            continue
        if uploads and Path(uploads).resolve() not in Path(src).resolve().parents:
            out.rejected.append((shown, "not an uploaded file"))
            continue
        try:
            size = os.path.getsize(src)
        except OSError:
            out.rejected.append((shown, "the upload is gone (uploads not added within an "
                                        "hour are deleted): upload it again"))
            continue
        if size > limit:
            out.rejected.append(
                (shown, f"larger than the {size_text(max_bytes)} limit (NEWSQA_MAX_BYTES)"))
            continue
        folder = Path(tempfile.mkdtemp(prefix="upload-", dir=root))
        out.dirs.append(str(folder))
        dest = folder / safe_name(shown)
        if dest.resolve().parent != folder.resolve():  # belt and braces
            out.rejected.append((shown, "bad file name"))
            continue
        shutil.copyfile(src, dest)
        out.inputs[str(dest)] = shown
    return out


def discard_uploads(paths: list[str], root: str) -> None:
    """Delete the uploaded files ``paths`` and then their folders when empty, but only inside
    ``root`` (gradio's upload folder): a path from a request never deletes anything else."""
    base = Path(root).resolve()
    for name in paths:
        try:
            path = Path(name).resolve()
            if base not in path.parents:
                continue
            path.unlink(missing_ok=True)
            folder = path.parent
            while folder != base and not any(folder.iterdir()):
                folder.rmdir()
                folder = folder.parent
        except OSError:
            log.warning("could not delete the upload %s", name)


def stage_urls(text: str, into: Staged | None = None) -> Staged:
    """Pasted lines -> URLs to fetch (http/https only; blank lines and ``#`` comments skipped)."""
    out = into or Staged()
    for line in (text or "").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if safe_url(line):
            out.inputs[line] = line
        else:
            out.rejected.append((line[:200], "not an http(s) URL"))
    return out


def ingest_staged(staged: Staged, ingest: Callable[..., Any], settings: Any,
                  progress: Callable[..., Any] | None = None) -> dict:
    """Ingest what was staged with ``ingest(inputs, settings, on_article=..., embedder=...)``
    (the embedder the questions use: ``qa.api.default(settings).embedder``) and return
    its report as a dict, failures named as the user named them. Never raises: a store
    problem or a crash becomes one failure for "all inputs" (a crash is logged). The staging
    dirs are removed afterwards. ``progress`` is called like gradio's ``gr.Progress``."""
    from qa.api import default

    try:
        if not staged.inputs:
            if not staged.rejected:
                staged.rejected.append(("Nothing to add", "choose files or paste URLs first"))
            return {"failed": []}

        def seen(n: int, origin: str) -> None:
            if progress is not None:
                name = staged.inputs.get(origin, Path(origin).name)
                progress((n, None), desc=f"Reading {name}", unit="articles")

        if progress is not None:
            progress(0, desc="Reading articles…")
        embedder = default(settings).embedder
        report = ingest(list(staged.inputs), settings, on_article=seen,
                        embedder=embedder).to_dict()
        for f in report["failed"]:  # show the user's names, not our staging paths
            f["input"] = staged.inputs.get(f["input"], Path(f["input"]).name)
        return report
    except QAError as e:
        return {"failed": [{"input": "all inputs", "reason": str(e)}]}
    except Exception as e:  # keep serving; the details go to the server log
        log.exception("ingest failed")
        return {"failed": [{"input": "all inputs", "reason": f"ingestion failed "
                            f"({type(e).__name__}); see the server log"}]}
    finally:
        staged.cleanup()


__all__ = ["ALLOWED_SUFFIXES", "Staged", "discard_uploads", "display_name", "ingest_staged",
           "safe_name", "size_text", "stage_files", "stage_urls"]
