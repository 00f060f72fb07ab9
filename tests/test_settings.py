"""Settings: every NEWSQA_* variable validated with a one-line reason, and documented in the
README's configuration table with its real default."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import fields

import pytest

from qa.errors import ConfigError
from qa.settings import Settings, variable
from tests.support.helpers import ROOT


@pytest.mark.parametrize("env, says", [
    ({"NEWSQA_CHUNK_TOKENS": "5"}, "NEWSQA_CHUNK_TOKENS=5 is out of range: use a value from 32"),
    ({"NEWSQA_K": "six"}, "NEWSQA_K='six' is not a whole number"),
    ({"NEWSQA_REFUSE_BELOW": "1.5"}, "NEWSQA_REFUSE_BELOW=1.5 is out of range"),
    ({"NEWSQA_CHUNK_OVERLAP": "150"}, "NEWSQA_CHUNK_OVERLAP=150 must be at most half"),
    ({"NEWSQA_CHROMA_URL": "localhost:8000"}, "must be an http:// or https:// URL"),
    ({"NEWSQA_HTTP_TIMEOUT": "0"}, "NEWSQA_HTTP_TIMEOUT=0.0 is out of range"),
])
def test_a_bad_value_names_the_variable_and_what_it_accepts(env, says):
    with pytest.raises(ConfigError, match=re.escape(says)):
        Settings.from_env(env)


def test_sentinels_and_edges_are_accepted():
    s = Settings.from_env({"NEWSQA_REFUSE_BELOW": "-1", "NEWSQA_CHUNK_TOKENS": "32",
                           "NEWSQA_CHUNK_OVERLAP": "16", "NEWSQA_PREFER_RECENT": "0"})
    assert (s.refuse_below, s.chunk_tokens, s.prefer_recent) == (-1.0, 32, 0.0)
    assert sum(len(v) for v in Settings.groups().values()) == len(fields(Settings))


def test_a_too_small_chunk_size_is_one_line_not_a_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    env.update(NEWSQA_STORE=str(tmp_path / "store"), NEWSQA_CHUNK_TOKENS="8")
    for cmd in (["-m", "ingest", str(ROOT / "examples" / "articles")], ["-m", "qa", "Why?"]):
        run = subprocess.run([sys.executable, *cmd], capture_output=True, text=True, env=env,
                             cwd=ROOT, timeout=120)
        assert run.returncode == 2, run.stderr
        assert "Traceback" not in run.stderr
        assert "NEWSQA_CHUNK_TOKENS=8 is out of range" in run.stderr


def test_readme_lists_every_variable_with_its_default():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `(NEWSQA_\w+)` \| ([^|]*) \|", readme, re.M))
    for f in fields(Settings):
        name = variable(f.name)
        assert name in rows, f"{name} missing from the README's configuration table"
        if f.default not in ("", 0, -1.0):
            assert f"`{f.default}`" in rows[name] or f"`{f.default:g}`" in rows[name] \
                if not isinstance(f.default, str) else f"`{f.default}`" in rows[name], name


def test_yes_no_variables_read_common_spellings_and_reject_others():
    assert Settings.from_env({"NEWSQA_READ_ONLY": "true"}).read_only is True
    assert Settings.from_env({"NEWSQA_READ_ONLY": "0"}).read_only is False
    assert Settings.from_env({"NEWSQA_ALLOW_PRIVATE_URLS": "Yes"}).allow_private_urls is True
    with pytest.raises(ConfigError, match="NEWSQA_READ_ONLY='maybe' is not a yes/no value"):
        Settings.from_env({"NEWSQA_READ_ONLY": "maybe"})
