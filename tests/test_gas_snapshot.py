"""The committed gas snapshot holds: no core operation's gas moved by more than 1% from `bench/gas-snapshot.json`.

Run on Anvil only (the Ganache run leaves this file out): gas is a property of the contracts and the EVM rules, and
one chain is the reference the snapshot was taken on. A change that moves gas on purpose updates the snapshot in
the same commit with `make bench-update`.
"""

from __future__ import annotations

import pytest
from brownie import web3
from web3 import HTTPProvider, Web3

from bench import snapshot
from bench.gas import measure


@pytest.fixture(scope="module")
def measured():
    # A plain web3.py connection to Brownie's node: the benchmark is the same code `make bench` runs.
    return {m.operation: m.gas for m in measure(Web3(HTTPProvider(web3.provider.endpoint_uri)))}


def test_every_snapshot_operation_is_measured(measured):
    assert set(measured) == set(snapshot.read())


def test_no_operation_moved_more_than_one_percent(measured):
    assert snapshot.compare(measured) == []
