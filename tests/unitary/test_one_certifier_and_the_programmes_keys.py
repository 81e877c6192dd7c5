"""One certifier, fixed: the pools take certifications and voids only from the certifier whose address is their
immutable; no role of any contract opens another path. And the issue's attacks with the programme's keys alone
(admin, registrar, programme and pauser in one hand): each is refused, or only scheduled in public while every holder
may exit; none moves a wei of escrow."""

import json

import brownie
import pytest
from brownie import accounts, chain, web3
from eth_utils import keccak
from support import (
    ADMIN_ROLE,
    CHANGE_DELAY,
    DAY,
    MAX_CHANGE_DELAY,
    MIN_CHANGE_DELAY,
    PRICE_ETH,
    error,
    latest_time,
    money_snapshot,
    next_block_at,
)

from impact.chain.encoding import to_bytes32
from impact.oracle import certification as cert

EVIDENCE = to_bytes32("forged evidence")
URI = "ipfs://forged"


def role_id(name: str) -> str:
    return "0x" + keccak(text=name).hex()


ARBITRARY_ROLES = [
    role_id("CERTIFIER_ROLE"),  # the old pools' role: gone
    role_id("ORACLE_ROLE"),  # the old certifier's role: gone
    role_id("REVIEWER_ROLE"),  # reviewers are a list, not a role
    "0x" + "00" * 31 + "01",
    "0x" + "ff" * 32,
]


@pytest.fixture
def escrowed(funded_pool, certify_final):
    """A funded pool whose first milestone is final (its tranche not yet released) and whose second is not
    certified."""
    certify_final(funded_pool, 0)
    return funded_pool


def sign_with_node(account, claim, certifier) -> bytes:
    """The EIP-712 signature of `claim` by an account whose key only the node holds (eth_signTypedData_v4)."""
    typed = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            **cert.CERTIFICATION_TYPES,
        },
        "primaryType": "Certification",
        "domain": cert.domain(chain.id, certifier.address),
        "message": {**claim.message(), "evidenceHash": "0x" + claim.evidence_hash.hex()},
    }
    response = web3.provider.make_request("eth_signTypedData_v4", [account.address, json.dumps(typed)])
    if "error" in response:  # Ganache takes the typed data as an object, Anvil as its JSON text
        response = web3.provider.make_request("eth_signTypedData_v4", [account.address, typed])
    assert "result" in response, response
    return bytes.fromhex(response["result"][2:])


def snapshot(pools, pool_id, holders):
    return money_snapshot(pools, [pool_id], holders)


def money(pools, pool_id, holders):
    """The escrow, the pool's books and the holdings: what no attack may move (the pool's flags may change)."""
    info = pools.pool(pool_id).dict()
    books = tuple(info[k] for k in ("raised", "released", "refunded", "exited", "escrow", "supply", "certifiedCount"))
    return pools.balance(), books, tuple(pools.balanceOf(h, pool_id) for h in holders)


# --- only the certifier ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", ["programme", "oracle1", "reviewer", "rando"])
def test_only_the_certifier_records_certifications(pools, funded_pool, caller, request):
    account = request.getfixturevalue(caller)
    with brownie.reverts(error("PoolsNotCertifier", account)):
        pools.recordCertification(funded_pool, 0, EVIDENCE, URI, {"from": account})
    assert pools.pool(funded_pool).dict()["certifiedCount"] == 0


@pytest.mark.parametrize("caller", ["programme", "oracle1", "reviewer", "rando"])
def test_only_the_certifier_voids_certifications(pools, funded_pool, certify, caller, request):
    certify(funded_pool, 0)
    account = request.getfixturevalue(caller)
    with brownie.reverts(error("PoolsNotCertifier", account)):
        pools.voidCertification(funded_pool, 0, account, EVIDENCE, URI, {"from": account})
    assert pools.milestone(funded_pool, 0).dict()["certified"]


def test_no_role_of_any_contract_opens_another_path_to_certify_void_or_be_paid(
    pools, registry, certifier, programme, escrowed, alice, bob, carol, manager
):
    attacker = accounts.add()
    programme.transfer(attacker, 10**18)
    for role in [pools.PROGRAMME_ROLE(), pools.PAUSER_ROLE(), ADMIN_ROLE, *ARBITRARY_ROLES]:
        pools.grantRole(role, attacker, {"from": programme})
    for role in [registry.REGISTRAR_ROLE(), *ARBITRARY_ROLES]:
        registry.grantRole(role, attacker, {"from": programme})
    for role in ARBITRARY_ROLES:
        certifier.grantRole(role, attacker, {"from": programme})
    for contract in (registry, certifier):  # the default admin moves only by its two-step transfer
        contract.beginDefaultAdminTransfer(attacker, {"from": programme})
    chain.sleep(1)
    for contract in (registry, certifier):
        contract.acceptDefaultAdminTransfer({"from": attacker})
        assert contract.defaultAdmin() == attacker

    holders = [alice, bob, carol, manager]
    before = snapshot(pools, escrowed, holders)
    with brownie.reverts(error("PoolsNotCertifier", attacker)):
        pools.recordCertification(escrowed, 1, EVIDENCE, URI, {"from": attacker})
    with brownie.reverts(error("PoolsNotCertifier", attacker)):
        pools.voidCertification(escrowed, 0, attacker, EVIDENCE, URI, {"from": attacker})
    with brownie.reverts(error("CertifierNotOracle", attacker)):
        certifier.attest(escrowed, 1, EVIDENCE, URI, {"from": attacker})
    with brownie.reverts(error("CertifierNotReviewer", attacker)):
        certifier.voidCertification(escrowed, 0, EVIDENCE, URI, {"from": attacker})
    with brownie.reverts(error("PoolsMilestoneNotCertified", escrowed, 1)):
        pools.release(escrowed, 1, {"from": attacker})
    with brownie.reverts(error("PoolsNothingToWithdraw", escrowed, 0)):
        pools.withdrawCredit(escrowed, 0, {"from": attacker})
    assert snapshot(pools, escrowed, holders) == before
    assert pools.balance() == 200 * PRICE_ETH


# --- the programme's keys alone --------------------------------------------------------------------------------------


def test_the_programme_cannot_certify_by_itself(pools, certifier, programme, escrowed, rando):
    with brownie.reverts(error("CertifierNotOracle", programme)):
        certifier.attest(escrowed, 1, EVIDENCE, URI, {"from": programme})
    with brownie.reverts(error("PoolsNotCertifier", programme)):
        pools.recordCertification(escrowed, 1, EVIDENCE, URI, {"from": programme})
    # Its own signature, twice, is no quorum of oracles.
    claim = cert.Certification(escrowed, 1, bytes.fromhex(EVIDENCE[2:]), URI, latest_time() + 3_600, 0)
    signature = sign_with_node(programme, claim, certifier)
    assert cert.recover(claim, chain.id, certifier.address, signature) == programme.address
    with brownie.reverts(error("CertifierNotOracle", programme)):
        certifier.certifyWithSignatures(
            escrowed, 1, claim.evidence_hash, URI, claim.deadline, signature + signature, {"from": rando}
        )
    assert pools.pool(escrowed).dict()["certifiedCount"] == 1


def test_the_programme_cannot_make_itself_an_oracle(certifier, programme):
    with brownie.reverts(error("CertifierDutyConflict", programme, ADMIN_ROLE)):
        certifier.scheduleOracleAccreditation(programme, {"from": programme})
    assert certifier.changeCount() == 0


def test_a_puppet_oracle_is_only_scheduled_and_opens_exits(pools, certifier, programme, escrowed, alice):
    puppet = accounts.add()
    programme.transfer(puppet, 10**17)
    tx = certifier.scheduleOracleAccreditation(puppet, {"from": programme})
    assert "ChangeScheduled" in tx.events and not certifier.isOracle(puppet)
    with brownie.reverts(error("CertifierNotOracle", puppet)):
        certifier.attest(escrowed, 1, EVIDENCE, URI, {"from": puppet})
    assert pools.pool(escrowed).dict()["exitOpen"]
    assert pools.exit(escrowed, 100, {"from": alice}).return_value == 100 * (PRICE_ETH - PRICE_ETH * 3_000 // 10_000)


def test_a_lower_quorum_is_only_scheduled_and_opens_exits(pools, certifier, programme, escrowed, oracle1):
    certifier.scheduleQuorumDecrease(1, {"from": programme})
    assert certifier.quorum() == 2
    assert certifier.attest(escrowed, 1, EVIDENCE, URI, {"from": oracle1}).return_value is False
    assert pools.pool(escrowed).dict()["exitOpen"]


def test_pointing_the_beneficiary_at_itself_is_only_scheduled_and_opens_exits(
    pools, registry, programme, site_id, escrowed, manager
):
    registry.scheduleBeneficiaryChange(site_id, programme, {"from": programme})
    assert registry.site(site_id).dict()["beneficiary"] == manager
    assert pools.pool(escrowed).dict()["exitOpen"]


def test_the_programme_cannot_release_or_withdraw_to_itself(pools, programme, escrowed, manager):
    with brownie.reverts(error("PoolsMilestoneNotCertified", escrowed, 1)):
        pools.release(escrowed, 1, {"from": programme})
    with brownie.reverts(error("PoolsNothingToWithdraw", escrowed, 0)):
        pools.withdrawCredit(escrowed, 0, {"from": programme})
    before = programme.balance()
    tx = pools.release(escrowed, 0, {"from": programme})  # the final tranche goes to its recorded payee
    assert tx.events["TrancheReleased"]["beneficiary"] == manager
    assert programme.balance() == before - tx.gas_used * tx.gas_price


def test_the_programmes_keys_replaying_every_attack_at_once_move_no_escrow(
    pools, registry, certifier, programme, site_id, escrowed, alice, bob, carol, manager
):
    holders = [alice, bob, carol, manager, programme]
    before, manager_eth = money(pools, escrowed, holders), manager.balance()
    puppet = accounts.add()
    # Grant itself every role it can name (it already holds them), and more.
    for role in [pools.PROGRAMME_ROLE(), pools.PAUSER_ROLE(), *ARBITRARY_ROLES]:
        pools.grantRole(role, programme, {"from": programme})
    registry.grantRole(registry.REGISTRAR_ROLE(), programme, {"from": programme})
    # Puppets, a lower quorum, its own wallet as beneficiary: only scheduled; a shorter delay: refused.
    certifier.scheduleOracleAccreditation(puppet, {"from": programme})
    certifier.scheduleQuorumDecrease(1, {"from": programme})
    tx = registry.scheduleBeneficiaryChange(site_id, programme, {"from": programme})
    now = next_block_at()
    with brownie.reverts(error("ChangesNotDue", tx.return_value, tx.timestamp + CHANGE_DELAY, now)):
        registry.executeChange(tx.return_value, {"from": programme})
    with brownie.reverts(error("ChangesInvalidDelay", DAY, MIN_CHANGE_DELAY, MAX_CHANGE_DELAY)):
        registry.scheduleChangeDelay(DAY, {"from": programme})
    # Certify, release, fail: refused.
    with brownie.reverts(error("CertifierNotOracle", programme)):
        certifier.attest(escrowed, 1, EVIDENCE, URI, {"from": programme})
    with brownie.reverts(error("PoolsNotCertifier", programme)):
        pools.recordCertification(escrowed, 1, EVIDENCE, URI, {"from": programme})
    with brownie.reverts(error("PoolsMilestoneNotCertified", escrowed, 1)):
        pools.release(escrowed, 1, {"from": programme})
    with brownie.reverts(error("PoolsCannotFail", escrowed)):
        pools.fail(escrowed, {"from": programme})
    pools.pause({"from": programme})
    # Nothing moved: the escrow, the pool's books and every holding are as they were; the holders may leave.
    assert money(pools, escrowed, holders) == before
    assert manager.balance() == manager_eth
    assert pools.balance() == 200 * PRICE_ETH
    assert registry.site(site_id).dict()["beneficiary"] == manager
    assert not certifier.isOracle(puppet) and certifier.quorum() == 2
    assert pools.pool(escrowed).dict()["exitOpen"]
