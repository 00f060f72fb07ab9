"""Chat LLM backends behind ``ChatLLM`` (see ``qa.llm.backends``): remote servers through
llama-index, and GGUF files in-process (``qa.llm.gguf``). Importing this loads no llama-index.
``make_llm`` builds a new backend each call; sharing them is ``qa.api``'s job."""

from qa.llm.backends import ChatLLM, Messages, make_llm, unload_local_models

__all__ = ["ChatLLM", "Messages", "make_llm", "unload_local_models"]
