"""The one exit-status policy of ``python -m qa``, ``python -m ingest`` and ``python app.py``.

    0    success: an answer or a refusal ("not in the articles" is a result, not an
         error); every input ingested; the web server stopped with SIGTERM
    1    finished, but some inputs failed (``ingest`` only; each printed with its reason)
    2    a usage error or a problem the user must fix: a bad option or setting, an empty
         or unreachable store, a model mismatch, an LLM that cannot be reached, the port
         taken. One line on stderr, no traceback
    130  interrupted (Ctrl-C); finished work is kept. This includes the web server
         stopped with Ctrl-C (a message on stderr, no traceback)

A bug (an unexpected exception) is not part of the policy: Python prints the traceback and
exits with 1. This module holds only the numbers and their help text; it imports nothing
and each command maps its own errors onto these codes.
"""

from __future__ import annotations

OK = 0
PARTIAL = 1
USAGE = 2
INTERRUPTED = 130

_MEANING = {
    PARTIAL: "finished, but some inputs failed (each printed with its reason)",
    USAGE: "usage error or a problem to fix (bad option or setting, store unusable, ...):\n"
           "       one line on stderr, no traceback",
    INTERRUPTED: "interrupted (Ctrl-C); finished work is kept",
}


def epilog(success: str, codes: tuple[int, ...] = (PARTIAL, USAGE, INTERRUPTED)) -> str:
    """The "exit status" paragraph of a command's ``--help``: ``success`` says what 0 means
    for it, ``codes`` which of the other statuses it can return."""
    lines = [f"  {OK:<3}  {success}"] + [f"  {c:<3}  {_MEANING[c]}" for c in codes]
    return "exit status:\n" + "\n".join(lines)


__all__ = ["INTERRUPTED", "OK", "PARTIAL", "USAGE", "epilog"]
