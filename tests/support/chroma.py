"""A real Chroma server for tests: ``chroma run`` on 127.0.0.1, started and stopped here.

``ChromaServer(path).start()`` waits for the heartbeat; ``stop()`` kills it; ``restart()``
brings it back on the same port and data. Used by the parametrised store fixtures in
conftest.py and by the server-failure tests. Not product code, and no fixture itself.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.support.helpers import free_port


class ChromaServer:
    """One ``chroma run`` process on loopback."""

    def __init__(self, path: Path, port: int | None = None) -> None:
        self.path = Path(path)
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> ChromaServer:
        exe = shutil.which("chroma")
        if exe is None:
            raise RuntimeError("the `chroma` command (installed with chromadb) is not on PATH")
        self.path.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [exe, "run", "--path", str(self.path), "--host", "127.0.0.1", "--port",
             str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1):
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("chroma run did not answer its heartbeat in time")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()
