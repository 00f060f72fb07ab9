"""Old import path, kept for test modules not yet switched: use ``tests.support.chroma``
(``ChromaServer``) and ``tests.support.helpers`` (``free_port``) instead."""

from tests.support.chroma import ChromaServer
from tests.support.helpers import free_port

__all__ = ["ChromaServer", "free_port"]
