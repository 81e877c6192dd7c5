"""Starting a throwaway local Anvil on a free port (for tests and benchmarks that need a node of their own)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from web3 import HTTPProvider, Web3

PROJECT_ANVIL = Path(__file__).resolve().parent.parent / "node_modules" / ".bin" / "anvil"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalAnvil:
    """`with LocalAnvil() as node:` — an Anvil on 127.0.0.1 that is stopped (and waited for) on exit."""

    def __init__(self, args: Sequence[str] = (), port: int | None = None) -> None:
        self.port = port or free_port()
        self.args = list(args)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalAnvil:
        binary = str(PROJECT_ANVIL) if PROJECT_ANVIL.exists() else shutil.which("anvil")
        if binary is None:
            raise RuntimeError("anvil not found: run `make install`")
        self.process = subprocess.Popen(
            [binary, "--host", "127.0.0.1", "--port", str(self.port), "--silent", *self.args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        w3 = Web3(HTTPProvider(self.url, request_kwargs={"timeout": 2}))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if w3.eth.chain_id:
                    return self
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"anvil did not start on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> LocalAnvil:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
