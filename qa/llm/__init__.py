"""Chat LLM backends behind ``ChatLLM`` (see ``qa.llm.backends``): remote servers through
llama-index, and GGUF files in-process (``qa.llm.gguf``). Importing this loads no llama-index."""

from qa.llm.backends import ChatLLM, Messages, clear_llm_cache, make_llm

__all__ = ["ChatLLM", "Messages", "clear_llm_cache", "make_llm"]
