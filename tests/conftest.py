"""Shared fixtures: accounts named by role, a fresh deployment per module, a pool factory.

Every test runs in isolation (`fn_isolation`): Brownie snapshots the chain before each test and reverts after.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from brownie import FeeOnTransferToken, MockStablecoin, accounts
from support import (
    CHALLENGE_WINDOW,
    DAY,
    ETH,
    PRICE_ETH,
    PRICE_USDC,
    XIANJU_WDPA,
    deploy_system,
    execute_after_delay,
    latest_time,
    milestone_schedule,
    pass_challenge_window,
    warp_past,
)

from impact.chain.encoding import to_bytes32  # noqa: F401


@pytest.fixture(autouse=True)
def isolation(fn_isolation):
    pass


# --- accounts, by role ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def programme():
    return accounts[0]


@pytest.fixture(scope="session")
def oracles():
    return accounts[1:4]


@pytest.fixture(scope="session")
def oracle1(oracles):
    return oracles[0]


@pytest.fixture(scope="session")
def oracle2(oracles):
    return oracles[1]


@pytest.fixture(scope="session")
def oracle3(oracles):
    return oracles[2]


@pytest.fixture(scope="session")
def alice():
    return accounts[4]


@pytest.fixture(scope="session")
def bob():
    return accounts[5]


@pytest.fixture(scope="session")
def carol():
    return accounts[6]


@pytest.fixture(scope="session")
def manager():
    """The site manager's wallet: the beneficiary of released tranches."""
    return accounts[7]


@pytest.fixture(scope="session")
def rando():
    return accounts[8]


# --- contracts ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def reviewer():
    """An accredited Independent Reviewer: may void a certification within its challenge window."""
    return accounts[9]


@pytest.fixture(scope="module")
def system(programme, oracles, reviewer):
    """Registry, pools and certifier, wired to each other's immutable addresses. The certifier's address is known
    before it exists: it is the deployer's third contract from here. `programme` holds every programme role, as on a
    local chain; the change delay is the contracts' floor, two days; 2 of the 3 oracles make a quorum."""
    return deploy_system(programme, oracles=oracles, quorum=2, reviewers=[reviewer])


@pytest.fixture(scope="module")
def registry(system):
    return system[0]


@pytest.fixture(scope="module")
def pools(system):
    return system[1]


@pytest.fixture(scope="module")
def certifier(system):
    return system[2]


@pytest.fixture(scope="module")
def usdc(programme, alice, bob, carol):
    token = MockStablecoin.deploy("Sample USD", "USDC", 6, {"from": programme})
    for investor in (alice, bob, carol):
        token.mint(investor, 1_000_000 * 10**6, {"from": programme})
    return token


@pytest.fixture(scope="module")
def fee_token(programme, alice):
    token = FeeOnTransferToken.deploy({"from": programme})
    token.mint(alice, 10**24, {"from": programme})
    return token


@pytest.fixture(scope="module")
def site_id(registry, programme, manager):
    tx = registry.registerSite(
        "Xianju National Park", b"CN", XIANJU_WDPA, "ipfs://sample/xianju.json", manager, {"from": programme}
    )
    return tx.return_value


@pytest.fixture(scope="module")
def open_pool(pools, programme, site_id, certifier) -> Callable[..., int]:
    """Opens a pool and returns its id; keyword arguments override the defaults (an ETH pool, 3 milestones)."""

    def _open(**overrides: Any) -> int:
        now = latest_time()
        params = {
            "siteId": site_id,
            "asset": ETH,
            "price": PRICE_ETH,
            "goalTokens": 100,
            "capTokens": 1_000,
            "saleStart": now - 3600,
            "saleEnd": now + 30 * DAY,
            "challengeWindow": CHALLENGE_WINDOW,
        }
        milestones = overrides.pop("milestones", None)
        params.update(overrides)
        if milestones is None:
            milestones = milestone_schedule(params["saleEnd"])
        tx = pools.openPool(tuple(params.values()), milestones, {"from": programme})
        return tx.return_value

    return _open


@pytest.fixture(scope="module")
def eth_pool(open_pool) -> int:
    return open_pool()


@pytest.fixture(scope="module")
def usdc_pool(open_pool, usdc) -> int:
    return open_pool(asset=usdc.address, price=PRICE_USDC)


# --- helpers ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def buy(pools, usdc) -> Callable[..., Any]:
    """Buys `tokens` of `pool_id` for `buyer`, paying the exact price in the pool's asset."""

    def _buy(pool_id: int, buyer, tokens: int, recipient=None):
        info = pools.pool(pool_id).dict()
        cost = tokens * info["price"]
        recipient = recipient or buyer
        if info["asset"] == ETH:
            return pools.buy(pool_id, tokens, recipient, {"from": buyer, "value": cost})
        usdc.approve(pools, cost, {"from": buyer})
        return pools.buy(pool_id, tokens, recipient, {"from": buyer})

    return _buy


@pytest.fixture(scope="module")
def close_sale(pools) -> Callable[[int], None]:
    def _close(pool_id: int) -> None:
        warp_past(pools.pool(pool_id).dict()["saleEnd"])

    return _close


@pytest.fixture(scope="module")
def certify(certifier, oracle1, oracle2) -> Callable[..., Any]:
    """Two of the three oracles attest the same evidence; the second attestation certifies."""

    def _certify(pool_id: int, milestone_id: int, evidence: str = "evidence"):
        evidence_hash = to_bytes32(evidence)
        certifier.attest(pool_id, milestone_id, evidence_hash, "ipfs://sample/evidence", {"from": oracle1})
        return certifier.attest(pool_id, milestone_id, evidence_hash, "ipfs://sample/evidence", {"from": oracle2})

    return _certify


@pytest.fixture(scope="module")
def finalize(pools) -> Callable[[int, int], None]:
    """Lets a certified milestone's challenge window pass, so that its certification is final."""

    def _finalize(pool_id: int, milestone_id: int) -> None:
        pass_challenge_window(pools, pool_id, milestone_id)

    return _finalize


@pytest.fixture(scope="module")
def certify_final(certify, finalize) -> Callable[..., Any]:
    """Certifies a milestone (two oracles attest) and lets its challenge window pass: its tranche is releasable."""

    def _certify_final(pool_id: int, milestone_id: int, evidence: str = "evidence"):
        tx = certify(pool_id, milestone_id, evidence)
        finalize(pool_id, milestone_id)
        return tx

    return _certify_final


@pytest.fixture
def funded_pool(open_pool, buy, alice, bob, carol, close_sale) -> int:
    """A new ETH pool whose sale closed above its goal: alice 100, bob 50, carol 50 tokens.

    Function-scoped: closing the sale moves the chain's clock, which must not leak into other tests' pools.
    """
    pool_id = open_pool()
    buy(pool_id, alice, 100)
    buy(pool_id, bob, 50)
    buy(pool_id, carol, 50)
    close_sale(pool_id)
    return pool_id


@pytest.fixture(scope="module")
def signing_oracles(certifier, programme):
    """Three accredited oracles whose private keys we hold (to sign EIP-712), in ascending address order."""
    oracles = sorted((accounts.add() for _ in range(3)), key=lambda a: int(a.address, 16))
    for oracle in oracles:
        programme.transfer(oracle, 10**18)
        execute_after_delay(certifier, certifier.scheduleOracleAccreditation(oracle, {"from": programme}))
    return oracles


# --- the node -----------------------------------------------------------------------------------------------------


def keep_anvil_history_off_disk() -> None:
    """Start Brownie's Anvil with `--max-persisted-states 0`. Anvil keeps the state of its last 500 blocks in memory
    and writes each older one to a file under ~/.foundry/anvil/tmp (about 150 kB each, even for an empty chain), and
    nothing deletes those files when the node is killed: a single run of the suite left gigabytes behind, until a
    full disk made every later test error. No test reads state that old. Brownie has no setting for the flag, so it
    is registered here, before Brownie launches the node."""
    from brownie._config import CONFIG
    from brownie.network.rpc import anvil

    anvil.CLI_FLAGS["max_persisted_states"] = "--max-persisted-states"
    for network in CONFIG.networks.values():
        if str(network.get("cmd", "")).split(" ")[0].endswith("anvil"):
            network["cmd_settings"] = {**(network.get("cmd_settings") or {}), "max_persisted_states": 0}


def pytest_configure(config):
    keep_anvil_history_off_disk()
    if config.getoption("coverage", default=False):
        allow_immutables_in_deployed_code()


# --- coverage -----------------------------------------------------------------------------------------------------


def allow_immutables_in_deployed_code() -> None:
    """Under --coverage, let Brownie trace contracts that have immutables. Brownie keeps a contract's program-counter
    map (which coverage needs) only if the deployed code equals the compiled code, and immutables (the pools' registry,
    the certifier's pools and EIP-712 domain) are zeros in the compiled code and values on chain."""
    from brownie import web3
    from brownie.network import contract

    exact = contract._verify_deployed_code

    def verify_allowing_immutables(address, expected_bytecode, language):
        if exact(address, expected_bytecode, language):
            return True
        actual = bytes(web3.eth.get_code(address))
        expected = bytes.fromhex(expected_bytecode.removeprefix("0x"))
        return len(actual) == len(expected) and all(a == e or e == 0 for a, e in zip(actual, expected, strict=True))

    contract._verify_deployed_code = verify_allowing_immutables


@pytest.hookimpl(tryfirst=True)
def pytest_terminal_summary(terminalreporter):
    """`brownie test --coverage`: Brownie 1.22.2 records the hits but its own (mypyc-compiled) merge and report crash
    on them ("dict object expected; got list", "int object expected; got str"). Report here instead, in plain
    Python: branch coverage of our non-test contracts, printed and written to reports/coverage-summary.json, then
    hand Brownie nothing to report."""
    if not terminalreporter.config.getoption("coverage", default=False):
        return  # without --coverage, Brownie may still hold hits cached in build/tests.json: not a measurement
    from brownie.test import coverage
    from coverage_report import summarise

    hits = {**coverage._cached_coverage_eval, **coverage._coverage_eval}
    if not hits:
        return
    terminalreporter.write_line(summarise(hits))
    coverage._coverage_eval.clear()
    coverage._cached_coverage_eval.clear()
