"""Runs an `impact` command on the network Brownie is connected to, so `brownie run scripts/X.py --network N`
and `impact X --network N` are the same thing."""

from __future__ import annotations

from brownie import network, web3

from impact.cli.main import main


def run(*args: str) -> None:
    name = network.show_active()
    code = main([*args, "--network", name, "--rpc-url", web3.provider.endpoint_uri])
    if code:
        raise SystemExit(code)
