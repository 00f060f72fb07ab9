"""Answers: extractive sentences, citations and their checking, LLM prompts, follow-up rewriting."""
