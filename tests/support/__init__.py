"""Helpers shared by the tests: servers, the scripted LLM, the test models.

``helpers`` (ROOT, EXAMPLES, write, free_port, wait_http), ``chroma`` (a real Chroma
server), ``httpd`` (a local HTTP server with hostile handlers), ``webapp`` (gradio_client
helpers for the running app), ``llm`` (the scripted LLM and the test GGUF). Test modules
import from here, never from each other or from conftest.py; fixtures stay in conftest.py.
"""
