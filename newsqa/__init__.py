"""newsqa: one command for the whole project (``newsqa ask|ingest|serve|mcp|stats|export``)
and the MCP server. It sits on top of the import arrows: it may use ``qa``, ``ingest``,
``web`` and ``app``; nothing imports it."""
