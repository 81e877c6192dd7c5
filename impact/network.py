"""Which node to talk to: Brownie's network names resolved to an RPC URL, and a connected Web3."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from web3 import HTTPProvider, Web3

from impact.errors import UserError

_ENV_VAR = re.compile(r"\$\{?(\w+)\}?")


@dataclass(frozen=True)
class Network:
    name: str
    url: str
    live: bool
    chain_id: int | None = None


def brownie_network_config() -> dict:
    """Brownie's network configuration: the user's `~/.brownie/network-config.yaml`, else Brownie's defaults."""
    user = Path.home() / ".brownie" / "network-config.yaml"
    if user.exists():
        return yaml.safe_load(user.read_text()) or {}
    import brownie  # the packaged defaults, only when the user has none yet

    return yaml.safe_load((Path(brownie.__file__).parent / "data" / "network-config.yaml").read_text())


def resolve(name: str, rpc_url: str | None = None) -> Network:
    """The network called `name` in Brownie's configuration (or any `--rpc-url`), with `$VARS` expanded."""
    if rpc_url:
        return Network(name=name, url=rpc_url, live=name not in _development_ids())
    config = brownie_network_config()
    for development in config.get("development", []):
        if development["id"] == name:
            port = (development.get("cmd_settings") or {}).get("port", 8545)
            host = development.get("host", "http://127.0.0.1")
            return Network(name=name, url=f"{host}:{port}", live=False)
    for group in config.get("live", []):
        for live in group.get("networks", []):
            if live["id"] == name:
                return Network(name=name, url=_expand(live["host"], name), live=True, chain_id=int(live["chainid"]))
    known = sorted(_development_ids() | {n["id"] for g in config.get("live", []) for n in g.get("networks", [])})
    raise UserError(f"unknown network '{name}'; known: {', '.join(known[:12])}… (see `brownie networks list`)")


def connect(network: Network, timeout: float = 10.0) -> Web3:
    w3 = Web3(HTTPProvider(network.url, request_kwargs={"timeout": timeout}))
    try:
        chain_id = w3.eth.chain_id
    except Exception:  # noqa: BLE001 - any failure here means the same thing to the user
        hint = " (start one with `make node`)" if not network.live else ""
        raise UserError(f"no node answers at {network.url} for network '{network.name}'{hint}") from None
    if network.chain_id is not None and chain_id != network.chain_id:
        raise UserError(
            f"network '{network.name}' should be chain {network.chain_id}, but {network.url} is chain {chain_id}"
        )
    return w3


def _development_ids() -> set[str]:
    return {d["id"] for d in brownie_network_config().get("development", [])}


def _expand(url: str, name: str) -> str:
    missing = [v for v in _ENV_VAR.findall(url) if v not in os.environ]
    if missing:
        raise UserError(f"network '{name}' needs the environment variable {missing[0]} (its RPC URL is {url})")
    return _ENV_VAR.sub(lambda m: os.environ[m.group(1)], url)
