"""The one error family of newsqa.

Every error a user can cause or fix is a ``QAError`` (or a subclass) whose message is
written for that user: one line, saying what went wrong and what to do next. The CLI
prints it and exits non-zero; the web app shows it. Nothing here formats tracebacks.
"""

from __future__ import annotations


class QAError(Exception):
    """Base class: a problem the user can act on. ``str(err)`` is the message to show."""


class ConfigError(QAError):
    """A ``NEWSQA_*`` setting is invalid."""


class EmptyStoreError(QAError):
    """No articles have been ingested yet."""


class ModelMismatchError(QAError):
    """The store was built with another embedding model than the one configured."""


class StoreUnavailableError(QAError):
    """The Chroma store (embedded directory or server) cannot be opened or reached."""


class EmbedderError(QAError):
    """The embedding model cannot be loaded or reached."""


class LLMError(QAError):
    """The configured LLM cannot be loaded or reached, or it failed to answer."""


class LLMConfigError(LLMError, ConfigError):
    """``NEWSQA_LLM*`` settings that cannot work (both an LLMError and a ConfigError)."""


class RerankError(QAError):
    """The configured reranker cannot be loaded or reached."""
