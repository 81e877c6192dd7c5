"""A throwaway local Anvil (or Ganache) on a free port, for tests and benchmarks that need a node of their own."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from web3 import HTTPProvider, Web3

NODE_BIN = Path(__file__).resolve().parents[2] / "node_modules" / ".bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalAnvil:
    """`with LocalAnvil() as node:` — an Anvil on 127.0.0.1 that is stopped (and waited for) on exit."""

    program = "anvil"

    def __init__(self, args: Sequence[str] = (), port: int | None = None) -> None:
        self.port = port or free_port()
        self.args = list(args)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command_args(self) -> list[str]:
        # Anvil writes the state of every block but its last 500 to ~/.foundry/anvil/tmp and leaves the files there
        # when stopped: gigabytes after a benchmark. Nothing here reads state that old.
        return ["--host", "127.0.0.1", "--port", str(self.port), "--silent", "--max-persisted-states", "0", *self.args]

    def start(self) -> LocalAnvil:
        binary = str(NODE_BIN / self.program) if (NODE_BIN / self.program).exists() else shutil.which(self.program)
        if binary is None:
            raise RuntimeError(f"{self.program} not found: run `make install`")
        self.process = subprocess.Popen(
            [binary, *self.command_args()],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        w3 = Web3(HTTPProvider(self.url, request_kwargs={"timeout": 2}))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if w3.eth.chain_id:
                    return self
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.program} did not start on port {self.port}")

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


class LocalGanache(LocalAnvil):
    """The same for Ganache, with the settings TOOLCHAIN.md requires (Shanghai rules, not Ganache's default)."""

    program = "ganache-cli"

    def command_args(self) -> list[str]:
        return [
            "--server.host",
            "127.0.0.1",
            "--server.port",
            str(self.port),
            "--hardfork",
            "shanghai",
            "--logging.quiet",
            "--wallet.defaultBalance",
            "1000000",
            "--miner.blockGasLimit",
            "30000000",
            *self.args,
        ]
