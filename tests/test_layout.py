"""The house rules of the code (DESIGN.md, "Where the code is going"), checked on the source:
imports point down, chromadb/SQLite only in qa/store, llama-index LLM types only in qa/llm,
gradio only in app.py and web/ui (the page's gradio wiring, one panel per module), no module
over ~250 lines, and importing the light modules loads neither llama-index nor chromadb."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.helpers import ROOT

MAX_LINES = 260  # "~250": a little slack, never a second screenful

LOW = {"qa.text", "qa.dates", "qa.types", "qa.settings", "qa.errors"}
# for each room: the first-party modules it may import (a prefix match)
ALLOWED = {
    "qa.errors": set(),
    "qa.types": set(),
    "qa.settings": {"qa.errors"},
    "qa.dates": {"qa.errors"},
    "qa.text": {"qa.text"},
    "qa.store": LOW | {"qa.store"},
    "qa.embed": LOW,
    "qa.llm": LOW | {"qa.llm"},
    "qa.search": LOW | {"qa.search", "qa.store", "qa.embed"},
    "qa.answer": LOW | {"qa.answer", "qa.store"},
    "qa.news": LOW | {"qa.news", "qa.answer", "qa.search.filters", "qa.store"},
    "qa.service": LOW | {"qa.answer", "qa.news", "qa.search", "qa.store", "qa.embed", "qa.llm"},
    "qa.api": LOW | {"qa.service", "qa.search"},
    "qa.cli": LOW | {"qa.service", "qa.api", "qa.exitcodes", "qa"},
    "qa": LOW | {"qa"},  # qa/__init__ and small leaf modules (exitcodes)
    "ingest": LOW | {"ingest", "qa.store", "qa.embed", "qa.exitcodes"},
    "web": LOW | {"web", "qa", "ingest.formats"},  # the one list of inputs (DESIGN.md)
    "app": {"qa", "web", "ingest"},
    "newsqa": {"qa", "web", "ingest", "app", "newsqa"},  # the one command: on top of all
}
FIRST_PARTY = ("qa", "ingest", "web", "app", "newsqa")


def _modules() -> list[tuple[str, Path]]:
    out = [("app", ROOT / "app.py")]
    for pkg in ("qa", "ingest", "web", "newsqa"):
        for p in sorted((ROOT / pkg).rglob("*.py")):
            parts = p.relative_to(ROOT).with_suffix("").parts
            out.append((".".join(parts[:-1] if parts[-1] == "__init__" else parts), p))
    return out


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def _room(module: str) -> str:
    best = max((r for r in ALLOWED if module == r or module.startswith(r + ".")), key=len)
    return best


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


MODULES = _modules()


@pytest.mark.parametrize("module, path", MODULES, ids=[m for m, _ in MODULES])
def test_imports_point_down(module, path):
    room = _room(module)
    bad = []
    for name in _imports(path):
        if name.split(".")[0] not in FIRST_PARTY:
            continue
        if name == "qa" and room != "qa":  # `from qa import X`: judged by X
            continue
        if not any(_under(name, ok) for ok in ALLOWED[room] | {room}):
            if room == "qa" and _under(name, "qa"):  # qa/__init__ is the public door
                continue
            bad.append(name)
    for name in _imports(path):
        top = name.split(".")[0]
        if top == "chromadb" and not _under(module, "qa.store"):
            bad.append(name)
        if top == "sqlite3" and not _under(module, "qa.store"):
            bad.append(name)
        if top == "gradio" and module != "app" and not _under(module, "web.ui"):
            bad.append(name)
        if top == "llama_index" and ("llms" in name.split(".")) and not _under(module, "qa.llm"):
            bad.append(name)
    assert not bad, f"{module} ({room}) imports {sorted(set(bad))}"


@pytest.mark.parametrize("module, path", MODULES, ids=[m for m, _ in MODULES])
def test_modules_stay_small(module, path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"{path.relative_to(ROOT)} has {n} lines"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{path.relative_to(ROOT)} has no module docstring"


def test_light_imports_load_no_heavy_libraries():
    code = ("import sys, qa, ingest.clean, web.render, web.forms\n"
            "from qa import Answer, Citation, QAError, Settings\n"
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
            "{'llama_index', 'chromadb', 'gradio', 'onnxruntime'})\n"
            "print(heavy)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
