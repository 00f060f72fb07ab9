"""Staging what a web user adds: uploaded files and pasted URLs, checked before ingestion.

Each accepted upload is copied into a fresh temp dir under the app's upload area with a
sanitized basename, so a file name can never point anywhere else; files of another type or
over the size limit are refused with a reason. Pasted lines must be http(s) URLs. This module
does not ingest anything (the app hands the staged paths to ``ingest``) and imports no gradio.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from web.render import safe_url

ALLOWED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl", ".xml", ".rss",
                    ".atom", ".pdf")


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


def stage_files(paths: list[str], upload_dir: str, max_mb: int,
                names: list[str] | None = None, into: Staged | None = None) -> Staged:
    """Check type and size of each uploaded file and copy the good ones into fresh temp dirs
    under ``upload_dir``. ``names`` are the names to show (default: the paths' basenames)."""
    out = into or Staged()
    root = Path(upload_dir)
    root.mkdir(parents=True, exist_ok=True)
    limit = max_mb * 1024 * 1024
    for i, src in enumerate(paths or []):
        shown = display_name(names[i] if names and i < len(names) else str(src))
        suffix = Path(shown.lower()).suffix
        if suffix not in ALLOWED_SUFFIXES:
            out.rejected.append((shown, f"not a supported file type (use one of "
                                        f"{' '.join(ALLOWED_SUFFIXES)})"))
            continue
        try:
            size = os.path.getsize(src)
        except OSError:
            out.rejected.append((shown, "the upload could not be read"))
            continue
        if size > limit:
            out.rejected.append((shown, f"larger than the {max_mb} MB upload limit"))
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


__all__ = ["ALLOWED_SUFFIXES", "Staged", "display_name", "safe_name", "stage_files",
           "stage_urls"]
