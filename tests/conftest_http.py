"""Old import path, kept for test modules not yet switched: use ``tests.support.httpd``."""

from tests.support.httpd import (
    LocalServer,
    declared_huge,
    endless_body,
    redirect_to,
    slow_body,
    slow_headers,
)

__all__ = ["LocalServer", "declared_huge", "endless_body", "redirect_to", "slow_body",
           "slow_headers"]
