"""The full story on a local chain: deploy, register Xianju National Park, fund two pools, certify, release, fail
and refund, printing one line per event.

    brownie run scripts/demo.py            (or: make demo)

Runs on Brownie's development network (a local Anvil it starts itself). All figures are sample data.
"""

from __future__ import annotations

from pathlib import Path

from brownie import MockStablecoin, accounts, chain, network
from eth_utils import keccak

from impact.deploy import deploy_system
from impact.encoding import format_amount, to_bytes32
from impact.narrate import Narrator
from impact.pool_spec import load_pool_spec

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "xianju-pool.yaml"
GREEN_LISTED = 2


def main() -> None:
    if network.show_active() not in ("development", "anvil", "ganache-cli"):
        raise SystemExit("the demo runs on a local development chain: brownie run scripts/demo.py")

    programme, oracle1, oracle2, oracle3, alice, bob, carol, manager, relayer = accounts[:9]
    narrator = Narrator(
        names={
            a.address.lower(): n
            for a, n in [
                (programme, "programme"), (oracle1, "oracle-1"), (oracle2, "oracle-2"), (oracle3, "oracle-3"),
                (alice, "alice"), (bob, "bob"), (carol, "carol"), (manager, "site manager"), (relayer, "anyone"),
            ]
        }
    )

    def act(method, *args):
        """Sends a transaction quietly and prints one line per event it emitted."""
        tx = method.transact(*args, silent=True)
        for event in tx.events:
            line = narrator.describe(event.name, event)
            if line:
                print(f"  [block {tx.block_number:>3}] {line}")
        return tx

    print("== Deploying the registry, the pools and the certifier (2 of 3 oracles) ==")
    system = deploy_system(programme, [oracle1, oracle2, oracle3], quorum=2)
    for name, address in system.addresses().items():
        print(f"  {name:<19} {address}")
    registry, pools, certifier = system.registry, system.pools, system.certifier
    usdc = MockStablecoin.deploy("Sample USD", "USDC", 6, {"from": programme}, silent=True)
    narrator.assets[usdc.address.lower()] = (6, "USDC")
    for investor in (alice, bob, carol):
        usdc.mint.transact(investor, 10_000 * 10**6, {"from": programme}, silent=True)

    spec = load_pool_spec(SAMPLE)
    print(f"\n== Registering the site (sample data from {SAMPLE.name}) ==")
    site = spec.site
    tx = act(
        registry.registerSite,
        site.name, site.country.encode(), site.wdpa_id, site.metadata_uri, manager, {"from": programme},
    )
    site_id = tx.return_value
    act(registry.setStatus, site_id, GREEN_LISTED, {"from": programme})

    print("\n== Pool 1 (ETH): three investors fund the park's milestones ==")
    params, milestones = spec.to_contract_args(site_id, "0x" + "00" * 20, 18, chain[-1].timestamp)
    tx = act(pools.openPool, params, milestones, {"from": programme})
    eth_pool = tx.return_value
    price = params[2]
    for investor, tokens in ((alice, 120), (bob, 60), (carol, 40)):
        act(pools.buy, eth_pool, tokens, investor, {"from": investor, "value": tokens * price})
    act(pools.safeTransferFrom, carol, bob, eth_pool, 10, b"", {"from": carol})

    print("\n== The sale closes; two of three oracles certify milestone 0; anyone releases the tranche ==")
    _warp_past(params[6])
    report = b"SAMPLE EAGL assessment report: criterion 1.1, Xianju National Park"
    evidence = "0x" + keccak(report).hex()
    for oracle in (oracle1, oracle2):
        act(certifier.attest, eth_pool, 0, evidence, "ipfs://sample/xianju/eagl-report-1.pdf", {"from": oracle})
    before = manager.balance()
    act(pools.release, eth_pool, 0, {"from": relayer})
    print(f"  -> the site manager's wallet grew by {format_amount(manager.balance() - before, 18, 'ETH')}")

    print("\n== Pool 2 (USDC): the goal is missed, the pool fails, holders are refunded ==")
    usdc_params = (site_id, usdc.address, 25 * 10**6, 500, 2_000, chain[-1].timestamp, chain[-1].timestamp + 7 * 86_400)
    usdc_milestones = [(to_bytes32("GLS-V1.1-3.4.1"), milestones[1][1], milestones[1][2], 10_000,
                        usdc_params[6] + 365 * 86_400)]
    tx = act(pools.openPool, usdc_params, usdc_milestones, {"from": programme})
    usdc_pool = tx.return_value
    for investor, tokens in ((alice, 100), (carol, 60)):
        usdc.approve.transact(pools, tokens * usdc_params[2], {"from": investor}, silent=True)
        act(pools.buy, usdc_pool, tokens, investor, {"from": investor})
    _warp_past(usdc_params[6])
    act(pools.fail, usdc_pool, {"from": relayer})
    for investor in (alice, carol):
        act(pools.refund, usdc_pool, pools.balanceOf(investor, usdc_pool), {"from": investor})

    print("\n== Escrow, from the contract's own accounting ==")
    for pool_id in (eth_pool, usdc_pool):
        info = pools.pool(pool_id).dict()
        m = lambda amount: narrator.money(pool_id, amount)  # noqa: E731
        print(
            f"  pool {pool_id}: raised {m(info['raised'])} = released {m(info['released'])} "
            f"+ refunded {m(info['refunded'])} + escrow {m(info['escrow'])}"
        )
        assert info["raised"] == info["released"] + info["refunded"] + info["escrow"]


def _warp_past(timestamp: int) -> None:
    while chain[-1].timestamp <= timestamp:
        chain.sleep(timestamp - chain[-1].timestamp + 1)
        chain.mine()
