"""Chat LLM backends (see ``qa.llm.backends``): remote (llama-index) and in-process GGUF."""

from qa.llm.backends import ChatLLM, ScriptedLLM, clear_llm_cache, make_llm

__all__ = ["ChatLLM", "ScriptedLLM", "clear_llm_cache", "make_llm"]
