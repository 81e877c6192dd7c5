"""Impact claims (retirement): a holder sends tokens of a complete pool to ImpactClaims with a beneficiary and a
reason; the claim is recorded and announced with the evidence it rests on, and the tokens never move again."""

import brownie
import pytest
from brownie import ImpactClaims, accounts
from eth_abi import encode
from eth_utils import keccak
from support import error

from impact.chain.encoding import to_bytes32

BENEFICIARY = "Acme Tea Co. (sustainability report 2027)"
REASON = "Scope 3 biodiversity contribution, FY2027"


def claim_data(beneficiary: str = BENEFICIARY, reason: str = REASON) -> bytes:
    return encode(["string", "string"], [beneficiary, reason])


@pytest.fixture(scope="module")
def claims(pools, programme):
    return ImpactClaims.deploy(pools, {"from": programme})


@pytest.fixture
def complete_pool(funded_pool, certify_final):
    """A pool whose three milestones are certified and final (alice 100, bob 50, carol 50 tokens)."""
    for k in range(3):
        certify_final(funded_pool, k, f"evidence {k}")
    return funded_pool


def test_a_holder_claims_tokens_of_a_complete_pool_and_they_are_retired(claims, pools, complete_pool, alice):
    tx = pools.safeTransferFrom(alice, claims, complete_pool, 40, claim_data(), {"from": alice})
    event = tx.events["ImpactClaimed"]
    assert event["poolId"] == complete_pool and event["claimant"] == alice and event["claimId"] == 1
    assert event["operator"] == alice and event["tokens"] == 40
    assert (event["beneficiary"], event["reason"]) == (BENEFICIARY, REASON)
    assert [bytes(h) for h in event["evidenceHashes"]] == [
        bytes.fromhex(to_bytes32(f"evidence {k}")[2:]) for k in range(3)
    ]
    assert pools.balanceOf(alice, complete_pool) == 60 and pools.balanceOf(claims, complete_pool) == 40
    assert claims.claimCount() == 1 and claims.claimedTokens(complete_pool) == 40
    record = claims.claim(1).dict()
    assert record["poolId"] == complete_pool and record["tokens"] == 40 and record["claimant"] == alice
    assert record["claimedAt"] == tx.timestamp
    assert bytes(record["beneficiaryHash"]) == keccak(text=BENEFICIARY)
    assert bytes(record["reasonHash"]) == keccak(text=REASON)


def test_an_approved_operator_claims_in_the_holders_name(claims, pools, complete_pool, alice, rando):
    pools.setApprovalForAll(rando, True, {"from": alice})
    tx = pools.safeTransferFrom(alice, claims, complete_pool, 5, claim_data(), {"from": rando})
    assert tx.events["ImpactClaimed"]["claimant"] == alice and tx.events["ImpactClaimed"]["operator"] == rando


def test_claimed_tokens_can_never_move_again(claims, pools, complete_pool, alice, rando):
    pools.safeTransferFrom(alice, claims, complete_pool, 10, claim_data(), {"from": alice})
    # The contract has no function that sends, approves or burns tokens: only views and the receiver hooks.
    functions = {i["name"] for i in ImpactClaims.abi if i["type"] == "function"}
    writers = {
        i["name"] for i in ImpactClaims.abi if i["type"] == "function" and i["stateMutability"] not in ("view", "pure")
    }
    assert writers == {"onERC1155Received"}
    assert functions >= {"claim", "claimCount", "claimedTokens", "pools"}
    # Nobody can take them out: the pools move a holder's tokens only for the holder or its approved operators.
    with brownie.reverts(revert_pattern=r"ERC1155MissingApprovalForAll: .*"):
        pools.safeTransferFrom(claims, rando, complete_pool, 10, b"", {"from": rando})
    assert pools.balanceOf(claims, complete_pool) == 10


def test_a_claim_cannot_be_repeated_with_the_same_tokens(claims, pools, complete_pool, bob):
    pools.safeTransferFrom(bob, claims, complete_pool, 50, claim_data(), {"from": bob})
    with brownie.reverts(revert_pattern=r"ERC1155InsufficientBalance: .*"):
        pools.safeTransferFrom(bob, claims, complete_pool, 1, claim_data(), {"from": bob})
    assert claims.claimCount() == 1


def test_a_pool_with_a_milestone_not_yet_final_cannot_be_claimed(
    claims, pools, funded_pool, certify, certify_final, alice
):
    certify_final(funded_pool, 0, "evidence 0")
    certify_final(funded_pool, 1, "evidence 1")
    certify(funded_pool, 2, "evidence 2")  # certified, but its challenge window is open: it could still be voided
    with brownie.reverts(error("ClaimsPoolNotComplete", funded_pool, 2, 3)):
        pools.safeTransferFrom(alice, claims, funded_pool, 1, claim_data(), {"from": alice})
    assert pools.balanceOf(alice, funded_pool) == 100 and claims.claimCount() == 0


def test_a_failed_pool_cannot_be_claimed(claims, pools, open_pool, buy, close_sale, alice):
    pool_id = open_pool(goalTokens=500)
    buy(pool_id, alice, 10)
    close_sale(pool_id)
    pools.fail(pool_id, {"from": alice})  # the goal was not reached
    with brownie.reverts(error("ClaimsPoolFailed", pool_id, 1)):
        pools.safeTransferFrom(alice, claims, pool_id, 1, claim_data(), {"from": alice})


@pytest.mark.parametrize(
    "data, expected",
    [
        (claim_data(""), lambda pool: error("ClaimsEmptyBeneficiary", pool)),
        (claim_data("x" * 1001), lambda pool: error("ClaimsTextTooLong", 1001, len(REASON), 1000)),
        (claim_data(BENEFICIARY, "y" * 1001), lambda pool: error("ClaimsTextTooLong", len(BENEFICIARY), 1001, 1000)),
        (b"", lambda pool: error("ClaimsMalformedData", 0)),
        (b"\x01" * 70, lambda pool: error("ClaimsMalformedData", 70)),
    ],
    ids=["no beneficiary", "beneficiary too long", "reason too long", "no data", "malformed data"],
)
def test_a_claim_without_a_proper_beneficiary_and_reason_is_refused(
    claims, pools, complete_pool, alice, data, expected
):
    with brownie.reverts(expected(complete_pool)):
        pools.safeTransferFrom(alice, claims, complete_pool, 1, data, {"from": alice})


def test_zero_tokens_and_batches_are_refused(claims, pools, complete_pool, alice):
    with brownie.reverts(error("ClaimsZeroTokens", complete_pool)):
        pools.safeTransferFrom(alice, claims, complete_pool, 0, claim_data(), {"from": alice})
    with brownie.reverts(error("ClaimsBatchNotAccepted", 2)):
        pools.safeBatchTransferFrom(alice, claims, [complete_pool] * 2, [1, 2], claim_data(), {"from": alice})
    # OpenZeppelin's ERC-1155 delivers a batch of one id through the single hook: that is one pool's claim.
    tx = pools.safeBatchTransferFrom(alice, claims, [complete_pool], [3], claim_data(), {"from": alice})
    assert tx.events["ImpactClaimed"]["tokens"] == 3


def test_only_the_pools_tokens_are_claimable(claims, rando):
    with brownie.reverts(error("ClaimsNotImpactToken", rando.address)):
        claims.onERC1155Received(rando, rando, 1, 1, claim_data(), {"from": rando})
    with brownie.reverts(error("ClaimsNotImpactToken", rando.address)):
        claims.onERC1155BatchReceived(rando, rando, [1], [1], claim_data(), {"from": rando})


def test_an_unknown_claim_is_an_error_with_the_count(claims, pools, complete_pool, alice):
    with brownie.reverts(error("ClaimsUnknownClaim", 1, 0)):
        claims.claim(1)
    pools.safeTransferFrom(alice, claims, complete_pool, 1, claim_data(), {"from": alice})
    assert claims.claim(1).dict()["tokens"] == 1
    for unknown in (0, 2):  # claims count from 1
        with brownie.reverts(error("ClaimsUnknownClaim", unknown, 1)):
            claims.claim(unknown)


def test_it_says_it_receives_erc1155_tokens(claims):
    assert claims.supportsInterface("0x4e2312e0")  # IERC1155Receiver
    assert claims.supportsInterface("0x01ffc9a7")  # IERC165
    assert not claims.supportsInterface("0xffffffff")
    assert claims.pools() != accounts[0]
