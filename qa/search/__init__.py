"""Search: filters, time words, hybrid (dense + lexical) retrieval."""
