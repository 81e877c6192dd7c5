"""Challenge windows and reviewers: a certification becomes final, and its tranche releasable, only once the pool's
challenge window has passed; within it an accredited reviewer may void it (and every later milestone certified since),
after which the voided evidence can never certify that milestone again and the oracles start a new round."""

import brownie
import pytest
from brownie import ZERO_ADDRESS, chain
from support import (
    CHALLENGE_WINDOW,
    PRICE_ETH,
    Failure,
    Status,
    error,
    execute_after_delay,
    latest_time,
    next_block_at,
    warp_past,
)

from impact.chain.encoding import to_bytes32
from impact.oracle import certification as cert

EVIDENCE = to_bytes32("evidence")
NEW_EVIDENCE = to_bytes32("new evidence")
URI = "ipfs://sample/evidence"
REASONS = to_bytes32("reviewer's reasons")
REASONS_URI = "ipfs://sample/review.pdf"


def void(certifier, pool_id, milestone_id, reviewer):
    return certifier.voidCertification(pool_id, milestone_id, REASONS, REASONS_URI, {"from": reviewer})


def attest_both(certifier, pool_id, milestone_id, evidence, oracles):
    for oracle in oracles:
        tx = certifier.attest(pool_id, milestone_id, evidence, URI, {"from": oracle})
    return tx


# --- the window ---------------------------------------------------------------------------------------------------


def test_a_tranche_is_not_releasable_inside_its_challenge_window(pools, funded_pool, certify, rando):
    ends_at = certify(funded_pool, 0).events["MilestoneCertified"]["challengeEndsAt"]
    next_block_at(ends_at - 1)
    with brownie.reverts(error("PoolsChallengeWindowOpen", funded_pool, 0, ends_at)):
        pools.release(funded_pool, 0, {"from": rando})
    next_block_at(ends_at)
    assert pools.release(funded_pool, 0, {"from": rando}).return_value == 200 * PRICE_ETH * 3_000 // 10_000


def test_a_certification_is_final_once_its_window_has_passed(pools, funded_pool, certify, finalize):
    tx = certify(funded_pool, 0)
    ends_at = tx.events["MilestoneCertified"]["challengeEndsAt"]
    assert ends_at == tx.timestamp + CHALLENGE_WINDOW
    milestone = pools.milestone(funded_pool, 0).dict()
    assert (milestone["certified"], milestone["finalized"], milestone["challengeEndsAt"]) == (True, False, ends_at)
    finalize(funded_pool, 0)
    assert pools.milestone(funded_pool, 0).dict()["finalized"]
    assert pools.pool(funded_pool).dict()["finalizedCount"] == 1


def test_a_zero_challenge_window_makes_a_certification_final_at_once(
    pools, certifier, open_pool, buy, alice, close_sale, certify, reviewer, rando
):
    pool_id = open_pool(challengeWindow=0)
    buy(pool_id, alice, 100)
    close_sale(pool_id)
    certify(pool_id, 0)
    assert pools.milestone(pool_id, 0).dict()["finalized"]
    with brownie.reverts(error("PoolsChallengeWindowClosed", pool_id, 0)):
        void(certifier, pool_id, 0, reviewer)
    assert pools.release(pool_id, 0, {"from": rando}).return_value == 100 * PRICE_ETH * 3_000 // 10_000


def test_a_pool_cannot_be_failed_while_a_challenge_window_is_open(
    pools, registry, programme, site_id, funded_pool, certify, finalize, rando
):
    certify(funded_pool, 0)
    registry.setStatus(site_id, Status.WITHDRAWN, {"from": programme})
    assert pools.failureDue(funded_pool) == Failure.NONE
    with brownie.reverts(error("PoolsCannotFail", funded_pool)):
        pools.fail(funded_pool, {"from": rando})
    finalize(funded_pool, 0)
    assert pools.fail(funded_pool, {"from": rando}).return_value == Failure.SITE_WITHDRAWN
    assert pools.refundQuote(funded_pool, 1) == PRICE_ETH - PRICE_ETH * 3_000 // 10_000


# --- who voids, and when ------------------------------------------------------------------------------------------


def test_only_reviewers_void(certifier, pools, funded_pool, certify, rando, oracle1, programme):
    certify(funded_pool, 0)
    for account in (rando, oracle1, programme):
        with brownie.reverts(error("CertifierNotReviewer", account)):
            void(certifier, funded_pool, 0, account)
    assert pools.milestone(funded_pool, 0).dict()["certified"]


def test_the_pools_take_a_void_only_from_the_certifier(pools, funded_pool, certify, reviewer):
    certify(funded_pool, 0)
    with brownie.reverts(error("PoolsNotCertifier", reviewer)):
        pools.voidCertification(funded_pool, 0, reviewer, REASONS, REASONS_URI, {"from": reviewer})
    assert pools.milestone(funded_pool, 0).dict()["certified"]


def test_a_void_needs_the_hash_of_its_reasons(certifier, funded_pool, certify, reviewer):
    certify(funded_pool, 0)
    with brownie.reverts(error("CertifierZeroReason")):
        certifier.voidCertification(funded_pool, 0, to_bytes32(""), REASONS_URI, {"from": reviewer})


def test_a_void_after_the_window_is_refused(certifier, pools, funded_pool, certify, reviewer):
    ends_at = certify(funded_pool, 0).events["MilestoneCertified"]["challengeEndsAt"]
    next_block_at(ends_at)
    with brownie.reverts(error("PoolsChallengeWindowClosed", funded_pool, 0)):
        void(certifier, funded_pool, 0, reviewer)
    assert pools.milestone(funded_pool, 0).dict()["certified"]


def test_a_void_on_the_last_second_of_the_window_is_taken(certifier, pools, funded_pool, certify, reviewer):
    ends_at = certify(funded_pool, 0).events["MilestoneCertified"]["challengeEndsAt"]
    next_block_at(ends_at - 1)
    void(certifier, funded_pool, 0, reviewer)
    assert not pools.milestone(funded_pool, 0).dict()["certified"]


@pytest.mark.parametrize("pool, milestone", [("funded", 0), ("funded", 3), ("unknown", 0)])
def test_only_a_certified_milestone_can_be_voided(certifier, funded_pool, reviewer, pool, milestone):
    pool_id = funded_pool if pool == "funded" else 99
    expected = {
        ("funded", 0): error("PoolsMilestoneNotCertified", funded_pool, 0),
        ("funded", 3): error("PoolsUnknownMilestone", funded_pool, 3),
        ("unknown", 0): error("PoolsUnknownPool", 99),
    }[pool, milestone]
    with brownie.reverts(expected):
        void(certifier, pool_id, milestone, reviewer)


# --- what a void does ---------------------------------------------------------------------------------------------


def test_a_void_names_the_reviewer_the_evidence_and_the_reasons(certifier, pools, funded_pool, certify, reviewer):
    certify(funded_pool, 0)
    tx = void(certifier, funded_pool, 0, reviewer)
    event = tx.events["CertificationVoided"]
    assert (event["poolId"], event["milestoneId"], event["reviewer"]) == (funded_pool, 0, reviewer)
    assert (event["evidenceHash"], event["reasonHash"], event["reasonURI"]) == (EVIDENCE, REASONS, REASONS_URI)


def test_a_voided_milestone_is_uncertified_again(certifier, pools, funded_pool, certify, reviewer):
    certify(funded_pool, 0)
    void(certifier, funded_pool, 0, reviewer)
    milestone = pools.milestone(funded_pool, 0).dict()
    assert (milestone["certified"], milestone["evidenceHash"]) == (False, to_bytes32(""))
    assert (milestone["payee"], milestone["challengeEndsAt"]) == (ZERO_ADDRESS, 0)
    assert pools.pool(funded_pool).dict()["certifiedCount"] == 0
    assert certifier.roundOf(funded_pool, 0) == 1
    assert certifier.isEvidenceVoided(funded_pool, 0, EVIDENCE)


def test_voiding_a_milestone_also_voids_the_later_certified_ones(certifier, pools, funded_pool, certify, reviewer):
    certify(funded_pool, 0, "e0")
    certify(funded_pool, 1, "e1")  # certified inside milestone 0's window: it rests on it
    tx = void(certifier, funded_pool, 0, reviewer)
    voided = [(e["milestoneId"], e["evidenceHash"]) for e in tx.events["CertificationVoided"]]
    assert sorted(voided) == [(0, to_bytes32("e0")), (1, to_bytes32("e1"))]
    assert pools.pool(funded_pool).dict()["certifiedCount"] == 0
    assert [certifier.roundOf(funded_pool, k) for k in range(3)] == [1, 1, 0]
    assert certifier.isEvidenceVoided(funded_pool, 1, to_bytes32("e1"))


def test_a_void_starts_a_new_round_of_attestations_for_the_whole_pool(
    certifier, pools, funded_pool, certify, reviewer, oracle1, oracle2
):
    certify(funded_pool, 0, "e0")
    certify(funded_pool, 1, "e1")
    e2 = to_bytes32("e2")
    certifier.attest(funded_pool, 2, e2, URI, {"from": oracle1})
    assert certifier.attestationCount(funded_pool, 2, e2, URI) == 1
    void(certifier, funded_pool, 1, reviewer)
    # Milestone 2 was not voided (it was not certified), but its on-chain attestation was made in the pool's old
    # round: it no longer counts, and its oracle attests again once milestone 1 is certified anew.
    assert [certifier.roundOf(funded_pool, k) for k in range(3)] == [0, 1, 0]
    assert certifier.attestationCount(funded_pool, 2, e2, URI) == 0
    assert not certifier.hasAttested(funded_pool, 2, oracle1)
    certify(funded_pool, 1, "e1 again")
    assert certifier.attest(funded_pool, 2, e2, URI, {"from": oracle1}).return_value is False
    tx = certifier.attest(funded_pool, 2, e2, URI, {"from": oracle2})
    assert tx.return_value is True and tx.events["OracleAttested"]["attestations"] == 2
    assert pools.milestone(funded_pool, 2).dict()["evidenceHash"] == e2


def test_voiding_a_later_milestone_leaves_the_earlier_ones_certified(certifier, pools, funded_pool, certify, reviewer):
    certify(funded_pool, 0, "e0")
    certify(funded_pool, 1, "e1")
    tx = void(certifier, funded_pool, 1, reviewer)
    assert len(tx.events["CertificationVoided"]) == 1
    assert pools.milestone(funded_pool, 0).dict()["certified"]
    assert pools.pool(funded_pool).dict()["certifiedCount"] == 1


def test_voided_evidence_cannot_certify_the_milestone_again_on_chain(
    certifier, funded_pool, certify, reviewer, oracle3
):
    certify(funded_pool, 0)
    void(certifier, funded_pool, 0, reviewer)
    with brownie.reverts(error("CertifierEvidenceVoided", funded_pool, 0, EVIDENCE)):
        certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle3})


def test_voided_evidence_cannot_certify_the_milestone_again_by_signatures(
    certifier, funded_pool, signing_oracles, reviewer, rando
):
    claim = cert.Certification(funded_pool, 0, bytes.fromhex(EVIDENCE[2:]), URI, latest_time() + 86_400, 0)
    pairs = cert.ordered(
        {s.address: cert.sign(claim, chain.id, certifier.address, s.private_key) for s in signing_oracles[:2]}
    )
    args = (claim.pool_id, 0, claim.evidence_hash, URI, claim.deadline, cert.pack(pairs))
    certifier.certifyWithSignatures(*args, {"from": rando})
    void(certifier, funded_pool, 0, reviewer)
    with brownie.reverts(error("CertifierEvidenceVoided", funded_pool, 0, EVIDENCE)):
        certifier.certifyWithSignatures(*args, {"from": rando})


def test_new_evidence_certifies_the_milestone_again_in_a_new_round(
    certifier, pools, funded_pool, certify, reviewer, oracle1, oracle2
):
    certify(funded_pool, 0)
    void(certifier, funded_pool, 0, reviewer)
    assert not certifier.hasAttested(funded_pool, 0, oracle1)  # a new round: the oracles attest anew
    tx = attest_both(certifier, funded_pool, 0, NEW_EVIDENCE, (oracle1, oracle2))
    assert tx.events["MilestoneCertified"]["evidenceHash"] == NEW_EVIDENCE
    assert pools.milestone(funded_pool, 0).dict()["evidenceHash"] == NEW_EVIDENCE


def test_a_milestone_voided_after_its_deadline_cannot_be_certified_again_and_the_pool_fails(
    certifier, pools, funded_pool, certify, reviewer, oracle1, rando
):
    deadline = pools.milestone(funded_pool, 0).dict()["deadline"]
    warp_past(deadline - 3_600)
    certify(funded_pool, 0)
    warp_past(deadline)  # inside the challenge window, after the deadline
    void(certifier, funded_pool, 0, reviewer)
    with brownie.reverts(error("PoolsMilestoneDeadlinePassed", funded_pool, 0, deadline)):
        certifier.attest(funded_pool, 0, NEW_EVIDENCE, URI, {"from": oracle1})
    assert pools.fail(funded_pool, {"from": rando}).return_value == Failure.MILESTONE_MISSED
    assert pools.refundQuote(funded_pool, 200) == 200 * PRICE_ETH


# --- reviewers ----------------------------------------------------------------------------------------------------


def test_a_reviewer_is_accredited_at_once(certifier, pools, funded_pool, certify, programme, rando):
    tx = certifier.accreditReviewer(rando, {"from": programme})
    assert tx.events["ReviewerAccredited"]["reviewer"] == rando
    certify(funded_pool, 0)
    void(certifier, funded_pool, 0, rando)
    assert not pools.milestone(funded_pool, 0).dict()["certified"]


def test_a_reviewer_cannot_be_accredited_twice_nor_be_the_zero_address(certifier, programme, reviewer):
    with brownie.reverts(error("CertifierAlreadyReviewer", reviewer)):
        certifier.accreditReviewer(reviewer, {"from": programme})
    with brownie.reverts(error("CertifierZeroAddress")):
        certifier.accreditReviewer(ZERO_ADDRESS, {"from": programme})


def test_revoking_a_reviewer_waits_the_delay_during_which_it_can_still_void(
    certifier, pools, funded_pool, certify, programme, reviewer
):
    scheduled = certifier.scheduleReviewerRevocation(reviewer, {"from": programme})
    assert certifier.isReviewer(reviewer)
    certify(funded_pool, 0)
    void(certifier, funded_pool, 0, reviewer)
    tx = execute_after_delay(certifier, scheduled)
    assert tx.events["ReviewerRevoked"]["reviewer"] == reviewer
    assert not certifier.isReviewer(reviewer)


def test_a_revoked_reviewer_can_no_longer_void(certifier, pools, funded_pool, certify, programme, reviewer):
    execute_after_delay(certifier, certifier.scheduleReviewerRevocation(reviewer, {"from": programme}))
    certify(funded_pool, 0)
    with brownie.reverts(error("CertifierNotReviewer", reviewer)):
        void(certifier, funded_pool, 0, reviewer)


def test_only_a_reviewer_can_be_scheduled_for_revocation(certifier, programme, rando):
    with brownie.reverts(error("CertifierNotReviewer", rando)):
        certifier.scheduleReviewerRevocation(rando, {"from": programme})
