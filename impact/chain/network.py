"""Which node to talk to: Brownie's network names resolved to an RPC URL, `--rpc-url` or `$ETH_RPC_URL`, and a
connected Web3 whose every request gives up after a timeout, naming the node.

Which URL, in order: `--rpc-url`; else, if `--network` names a network, that network's configured URL; else
`$ETH_RPC_URL` (Foundry's convention); else the `development` network (a local node on 127.0.0.1:8545).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from impact.chain.errors import UserError

_ENV_VAR = re.compile(r"\$\{?(\w+)\}?")
RPC_URL_VAR = "ETH_RPC_URL"
DEFAULT_NETWORK = "development"
DEFAULT_TIMEOUT = 10.0
CUSTOM = "custom"  # the name of a node given only by its URL


@dataclass(frozen=True)
class Network:
    name: str
    url: str
    live: bool
    chain_id: int | None = None
    timeout: float = DEFAULT_TIMEOUT
    # A URL given without a network name: local or live is decided by the chain id once connected.
    by_chain_id: bool = False

    def describe(self) -> str:
        chain = f"chain {self.chain_id}" if self.chain_id is not None else "chain ?"
        return f"network '{self.name}' ({chain}) at {self.url}"


def brownie_network_config() -> dict:
    """Brownie's network configuration: the user's `~/.brownie/network-config.yaml`, else Brownie's defaults."""
    import yaml

    user = Path.home() / ".brownie" / "network-config.yaml"
    if user.exists():
        return yaml.safe_load(user.read_text()) or {}
    import brownie  # the packaged defaults, only when the user has none yet

    return yaml.safe_load((Path(brownie.__file__).parent / "data" / "network-config.yaml").read_text())


def resolve(name: str | None, rpc_url: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> Network:
    """The node to talk to (see the module's docstring for the order), with `$VARS` in configured URLs expanded."""
    if not rpc_url and name is None and os.environ.get(RPC_URL_VAR):
        rpc_url = os.environ[RPC_URL_VAR]
    if rpc_url:
        if name is None:  # a bare URL: local or live by its chain id
            return Network(name=CUSTOM, url=rpc_url, live=True, timeout=timeout, by_chain_id=True)
        return Network(name=name, url=rpc_url, live=name not in _development_ids(), timeout=timeout)
    name = name or DEFAULT_NETWORK
    config = brownie_network_config()
    for development in config.get("development", []):
        if development["id"] == name:
            port = (development.get("cmd_settings") or {}).get("port", 8545)
            host = development.get("host", "http://127.0.0.1")
            return Network(name=name, url=f"{host}:{port}", live=False, timeout=timeout)
    for group in config.get("live", []):
        for live in group.get("networks", []):
            if live["id"] == name:
                return Network(
                    name=name,
                    url=_expand(live["host"], name),
                    live=True,
                    chain_id=int(live["chainid"]),
                    timeout=timeout,
                )
    known = sorted(_development_ids() | {n["id"] for g in config.get("live", []) for n in g.get("networks", [])})
    raise UserError(
        f"unknown network '{name}'; known: {', '.join(known[:12])}… (see `brownie networks list`)", "unknown-network"
    )


def connect(network: Network) -> tuple[Network, object]:
    """(the network with its chain id filled in, a connected Web3). Requests time out after `network.timeout`
    seconds and are not retried, so a hung node is reported promptly and by name."""
    from web3 import HTTPProvider, Web3

    provider = HTTPProvider(
        network.url, request_kwargs={"timeout": network.timeout}, exception_retry_configuration=None
    )
    w3 = Web3(provider)
    try:
        chain_id = w3.eth.chain_id
    except Exception as exc:  # noqa: BLE001 - any failure here means the same thing to the user
        raise node_error(exc, network) from None
    if network.chain_id is not None and chain_id != network.chain_id:
        raise UserError(
            f"network '{network.name}' should be chain {network.chain_id}, but {network.url} is chain {chain_id}",
            "wrong-chain",
        )
    from impact.chain.deployments import LOCAL_CHAIN_IDS

    live = chain_id not in LOCAL_CHAIN_IDS if network.by_chain_id else network.live
    return replace(network, chain_id=chain_id, live=live), w3


def node_error(exc: BaseException, network: Network) -> UserError:
    """One sentence, naming the node, for a failure to talk to it: a timeout, a refused connection, a bad answer."""
    import requests

    where = f"the node at {network.url} (network '{network.name}')"
    if isinstance(exc, requests.exceptions.Timeout):
        return UserError(
            f"{where} did not answer within {network.timeout:g} s: check that it is running and reachable, or "
            "allow it more time with --timeout",
            "node-timeout",
        )
    if isinstance(exc, requests.exceptions.ConnectionError | ConnectionError):
        hint = "start one with `make node`" if not network.live else "check the URL and your connection"
        return UserError(f"no node answers at {network.url} for network '{network.name}': {hint}", "node-unreachable")
    if isinstance(exc, requests.exceptions.RequestException | ValueError):
        first = " ".join(str(exc).split())[:200]
        return UserError(
            f"{where} gave an answer that is not JSON-RPC ({first}): is this an Ethereum node?", "node-bad-answer"
        )
    response = getattr(exc, "rpc_response", None) or {}
    error = response.get("error") if isinstance(response, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    message = message or getattr(exc, "message", None) or str(exc)
    return UserError(f"{where} refused the request: {' '.join(str(message).split())}", "node-refused")


def _development_ids() -> set[str]:
    return {d["id"] for d in brownie_network_config().get("development", [])}


def _expand(url: str, name: str) -> str:
    missing = [v for v in _ENV_VAR.findall(url) if v not in os.environ]
    if missing:
        raise UserError(
            f"network '{name}' needs the environment variable {missing[0]} (its RPC URL is {url})", "missing-variable"
        )
    return _ENV_VAR.sub(lambda m: os.environ[m.group(1)], url)
