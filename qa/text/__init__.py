"""Text utilities shared by both sides: sentences, tokens, terms, [n] markers."""
