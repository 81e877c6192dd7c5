"""Liveness and the oracles' accreditation indices: attestations that meet a lowered quorum can be finalised by
anyone; an attestation counts only while its oracle stays accredited; re-accrediting gives a new index and a new
signature epoch applies, so neither old attestations nor old signatures come back; one oracle cannot back two
pieces of evidence for one milestone in one round, and oracles back a hash and its URI together."""

import brownie
import pytest
from brownie import SiteRegistry, accounts, chain, web3
from support import (
    DAY,
    ETH,
    PRICE_ETH,
    deploy_system,
    error,
    execute_after_delay,
    latest_time,
    milestone_schedule,
    warp_past,
)

from impact.chain.encoding import to_bytes32
from impact.oracle import certification as cert

EVIDENCE = to_bytes32("evidence")
OTHER = to_bytes32("other evidence")
URI = "ipfs://sample/evidence"


def attest(certifier, pool_id, oracle, evidence=EVIDENCE, uri=URI):
    return certifier.attest(pool_id, 0, evidence, uri, {"from": oracle})


def reaccredit(certifier, programme, oracle):
    return execute_after_delay(certifier, certifier.scheduleOracleAccreditation(oracle, {"from": programme}))


# --- finalising attestations --------------------------------------------------------------------------------------


@pytest.fixture
def two_of_three_attested(certifier, programme, funded_pool, oracle1, oracle2):
    """The quorum is raised to 3; two oracles attest (not enough); a decrease to 2 is scheduled."""
    certifier.raiseQuorum(3, {"from": programme})
    attest(certifier, funded_pool, oracle1)
    attest(certifier, funded_pool, oracle2)
    return certifier.scheduleQuorumDecrease(2, {"from": programme})


def test_anyone_finalises_earlier_attestations_once_the_quorum_is_lowered(
    certifier, pools, funded_pool, two_of_three_attested, rando
):
    execute_after_delay(certifier, two_of_three_attested)
    tx = certifier.finalizeAttestations(funded_pool, 0, EVIDENCE, URI, {"from": rando})
    event = tx.events["AttestationsFinalized"]
    assert (event["poolId"], event["milestoneId"], event["finalizer"]) == (funded_pool, 0, rando)
    assert (event["evidenceHash"], event["attestations"]) == (EVIDENCE, 2)
    assert tx.events["MilestoneCertified"]["evidenceURI"] == URI
    assert pools.milestone(funded_pool, 0).dict()["certified"]


def test_attestations_below_the_quorum_cannot_be_finalised(certifier, pools, funded_pool, two_of_three_attested, rando):
    with brownie.reverts(error("CertifierBelowQuorum", 2, 3)):
        certifier.finalizeAttestations(funded_pool, 0, EVIDENCE, URI, {"from": rando})
    assert not pools.milestone(funded_pool, 0).dict()["certified"]


def test_attestations_are_finalised_only_with_the_uri_they_were_given(
    certifier, pools, funded_pool, two_of_three_attested, rando
):
    execute_after_delay(certifier, two_of_three_attested)
    # The oracles backed the hash with URI: the same hash with another URI has no backer.
    with brownie.reverts(error("CertifierBelowQuorum", 0, 2)):
        certifier.finalizeAttestations(funded_pool, 0, EVIDENCE, "ipfs://another", {"from": rando})
    assert not pools.milestone(funded_pool, 0).dict()["certified"]


def test_evidence_nobody_attested_is_below_the_quorum_whatever_its_uri(
    certifier, funded_pool, two_of_three_attested, rando
):
    execute_after_delay(certifier, two_of_three_attested)
    with brownie.reverts(error("CertifierBelowQuorum", 0, certifier.quorum())):
        certifier.finalizeAttestations(funded_pool, 0, OTHER, URI, {"from": rando})


def test_finalised_attestations_cannot_certify_twice(certifier, funded_pool, two_of_three_attested, rando):
    execute_after_delay(certifier, two_of_three_attested)
    certifier.finalizeAttestations(funded_pool, 0, EVIDENCE, URI, {"from": rando})
    with brownie.reverts(error("PoolsMilestoneAlreadyCertified", funded_pool, 0)):
        certifier.finalizeAttestations(funded_pool, 0, EVIDENCE, URI, {"from": rando})


# --- revoking and re-accrediting ----------------------------------------------------------------------------------


def test_a_revoked_oracles_attestation_stops_counting(certifier, pools, programme, funded_pool, oracle1, oracle2):
    attest(certifier, funded_pool, oracle1)
    certifier.revokeOracle(oracle1, {"from": programme})
    assert certifier.attestationCount(funded_pool, 0, EVIDENCE, URI) == 0
    assert not certifier.hasAttested(funded_pool, 0, oracle1)
    tx = attest(certifier, funded_pool, oracle2)
    assert tx.return_value is False and tx.events["OracleAttested"]["attestations"] == 1
    assert not pools.milestone(funded_pool, 0).dict()["certified"]


def test_a_revoked_oracles_attestation_cannot_be_finalised(
    certifier, programme, funded_pool, two_of_three_attested, oracle1, rando
):
    execute_after_delay(certifier, two_of_three_attested)
    certifier.revokeOracle(oracle1, {"from": programme})
    with brownie.reverts(error("CertifierBelowQuorum", 1, 2)):
        certifier.finalizeAttestations(funded_pool, 0, EVIDENCE, URI, {"from": rando})


def test_re_accrediting_gives_a_new_index(certifier, programme, oracle1):
    assert certifier.revokeOracle(oracle1, {"from": programme}).events["OracleRevoked"]["index"] == 0
    tx = reaccredit(certifier, programme, oracle1)
    # Index 0 was oracle1's and is never handed out again; 1 and 2 are the other first oracles'.
    assert tx.events["OracleAccredited"]["index"] >= 3
    assert certifier.isOracle(oracle1)


def test_re_accrediting_does_not_revive_old_attestations(certifier, pools, programme, funded_pool, oracle1, oracle2):
    attest(certifier, funded_pool, oracle1)
    certifier.revokeOracle(oracle1, {"from": programme})
    reaccredit(certifier, programme, oracle1)
    assert certifier.attestationCount(funded_pool, 0, EVIDENCE, URI) == 0
    assert not certifier.hasAttested(funded_pool, 0, oracle1)
    tx = attest(certifier, funded_pool, oracle2)
    assert tx.return_value is False  # alone: the old attestation of oracle1 does not count
    assert attest(certifier, funded_pool, oracle1).return_value is True  # attesting anew does


def test_re_accrediting_does_not_revive_old_signatures(
    certifier, pools, programme, funded_pool, signing_oracles, rando
):
    claim = cert.Certification(
        funded_pool, 0, bytes.fromhex(EVIDENCE[2:]), URI, latest_time() + 10 * 86_400, certifier.signatureEpoch()
    )
    pairs = cert.ordered(
        {s.address: cert.sign(claim, chain.id, certifier.address, s.private_key) for s in signing_oracles[:2]}
    )
    certifier.revokeOracle(signing_oracles[0], {"from": programme})
    reaccredit(certifier, programme, signing_oracles[0])
    now = cert.Certification(**{**claim.__dict__, "epoch": certifier.signatureEpoch()})
    first_signer = cert.recover(now, chain.id, certifier.address, pairs[0][1])
    with brownie.reverts(error("CertifierNotOracle", first_signer)):
        certifier.certifyWithSignatures(
            funded_pool, 0, claim.evidence_hash, URI, claim.deadline, cert.pack(pairs), {"from": rando}
        )
    assert not pools.milestone(funded_pool, 0).dict()["certified"]


# --- one oracle, one evidence hash ------------------------------------------------------------------------------


def test_an_oracle_cannot_attest_two_evidence_hashes(certifier, funded_pool, oracle1):
    attest(certifier, funded_pool, oracle1)
    with brownie.reverts(error("CertifierAlreadyAttested", funded_pool, 0, oracle1)):
        attest(certifier, funded_pool, oracle1, OTHER)
    assert certifier.attestationCount(funded_pool, 0, OTHER, URI) == 0


def signed_for(certifier, pool_id, evidence, signers, uri=URI):
    claim = cert.Certification(
        pool_id, 0, bytes.fromhex(evidence[2:]), uri, latest_time() + 86_400, certifier.signatureEpoch()
    )
    pairs = cert.ordered({s.address: cert.sign(claim, chain.id, certifier.address, s.private_key) for s in signers})
    return (pool_id, 0, claim.evidence_hash, uri, claim.deadline, cert.pack(pairs))


def test_an_oracle_that_attested_other_evidence_cannot_sign_this_one(
    certifier, pools, funded_pool, signing_oracles, rando
):
    attest(certifier, funded_pool, signing_oracles[1], OTHER)
    with brownie.reverts(error("CertifierConflictingEvidence", funded_pool, 0, signing_oracles[1].address)):
        certifier.certifyWithSignatures(
            *signed_for(certifier, funded_pool, EVIDENCE, signing_oracles[:2]), {"from": rando}
        )
    assert not pools.milestone(funded_pool, 0).dict()["certified"]


def test_an_oracle_that_attested_this_evidence_may_also_sign_it(certifier, pools, funded_pool, signing_oracles, rando):
    attest(certifier, funded_pool, signing_oracles[1], EVIDENCE)
    certifier.certifyWithSignatures(*signed_for(certifier, funded_pool, EVIDENCE, signing_oracles[:2]), {"from": rando})
    assert pools.milestone(funded_pool, 0).dict()["evidenceHash"] == EVIDENCE


def test_an_oracle_that_attested_the_hash_with_another_uri_cannot_sign_it_with_this_one(
    certifier, pools, funded_pool, signing_oracles, rando
):
    attest(certifier, funded_pool, signing_oracles[1], EVIDENCE, "ipfs://another")
    with brownie.reverts(error("CertifierConflictingEvidence", funded_pool, 0, signing_oracles[1].address)):
        certifier.certifyWithSignatures(
            *signed_for(certifier, funded_pool, EVIDENCE, signing_oracles[:2]), {"from": rando}
        )
    certifier.certifyWithSignatures(
        *signed_for(certifier, funded_pool, EVIDENCE, signing_oracles[:2], "ipfs://another"), {"from": rando}
    )
    assert pools.milestone(funded_pool, 0).dict()["evidenceHash"] == EVIDENCE


# --- oracles that disagree: each evidence keeps its own backers -------------------------------------------------


@pytest.fixture
def quorum_of_three(certifier, programme, oracles, signing_oracles):
    """Six oracles, quorum 3: room for a minority on other evidence. The last three sign (their keys are held)."""
    certifier.raiseQuorum(3, {"from": programme})
    return list(oracles) + list(signing_oracles)


def test_each_evidence_keeps_its_backers_when_the_oracles_disagree(certifier, pools, funded_pool, quorum_of_three):
    a, b, c, d, e, f = quorum_of_three
    assert attest(certifier, funded_pool, a).events["OracleAttested"]["attestations"] == 1
    assert attest(certifier, funded_pool, b).events["OracleAttested"]["attestations"] == 2
    # A third oracle backs other evidence: the first evidence keeps its two backers.
    assert attest(certifier, funded_pool, c, OTHER).events["OracleAttested"]["attestations"] == 1
    assert certifier.attestationCount(funded_pool, 0, EVIDENCE, URI) == 2
    assert certifier.attestationCount(funded_pool, 0, OTHER, URI) == 1
    # The same hash with another URI is a third piece of evidence, with its own backer.
    assert attest(certifier, funded_pool, d, EVIDENCE, "ipfs://another").events["OracleAttested"]["attestations"] == 1
    assert certifier.attestationCount(funded_pool, 0, EVIDENCE, URI) == 2
    assert certifier.attestationCount(funded_pool, 0, EVIDENCE, "ipfs://another") == 1
    assert [certifier.hasAttested(funded_pool, 0, o) for o in quorum_of_three] == [True] * 4 + [False] * 2
    # The fifth oracle completes the quorum of the first evidence, whose backers were never lost.
    tx = attest(certifier, funded_pool, e)
    assert tx.return_value is True and tx.events["OracleAttested"]["attestations"] == 3
    assert tx.events["MilestoneCertified"]["evidenceURI"] == URI
    assert pools.milestone(funded_pool, 0).dict()["evidenceHash"] == EVIDENCE
    with brownie.reverts(error("PoolsMilestoneAlreadyCertified", funded_pool, 0)):
        attest(certifier, funded_pool, f, OTHER)


def test_a_minority_on_other_evidence_cannot_sign_the_majoritys(
    certifier, pools, funded_pool, quorum_of_three, signing_oracles, rando
):
    first, second, third = signing_oracles
    attest(certifier, funded_pool, first)
    attest(certifier, funded_pool, second, OTHER)
    attest(certifier, funded_pool, third)
    with brownie.reverts(error("CertifierConflictingEvidence", funded_pool, 0, second.address)):
        certifier.certifyWithSignatures(*signed_for(certifier, funded_pool, EVIDENCE, signing_oracles), {"from": rando})
    assert not pools.milestone(funded_pool, 0).dict()["certified"]
    # One more oracle on the first evidence is its third backer: the quorum is met on chain.
    assert attest(certifier, funded_pool, quorum_of_three[0]).return_value is True
    assert pools.milestone(funded_pool, 0).dict()["evidenceHash"] == EVIDENCE


# --- 224 accreditation indices for the contract's lifetime -------------------------------------------------------


def test_the_224th_accreditation_is_the_last_and_its_attestation_counts(programme, rando, alice):
    # A system built with 170 oracles (what fits a block), then 54 accredited by delayed changes: 224 in all.
    _, pools, certifier = deploy_system(programme, oracles=[accounts.add() for _ in range(170)], quorum=2)
    top = accounts.add()
    programme.transfer(top, 10**17)
    # The 53 fillers go through web3 and its receipt polling: Brownie's own tracking of ~170 transactions in a row
    # sometimes reports one "dropped" on a loaded machine although the node mined it.
    bulk = web3.eth.contract(address=certifier.address, abi=certifier.abi)
    for _ in range(53):
        sent = bulk.functions.scheduleOracleAccreditation(accounts.add().address).transact({"from": programme.address})
        assert web3.eth.wait_for_transaction_receipt(sent)["status"] == 1
    scheduled = certifier.scheduleOracleAccreditation(top, {"from": programme})
    warp_past(scheduled.events["ChangeScheduled"]["executableAt"])
    for change_id in range(1, scheduled.return_value):
        sent = bulk.functions.executeChange(change_id).transact({"from": rando.address})
        assert web3.eth.wait_for_transaction_receipt(sent)["status"] == 1
    executed = certifier.executeChange(scheduled.return_value, {"from": rando})
    assert (executed.events["OracleAccredited"]["oracle"], executed.events["OracleAccredited"]["index"]) == (top, 223)
    assert certifier.oracleCount() == 224
    # The top bit of the mask counts like any other.
    pool_id = open_funded_pool(pools, programme, alice)
    assert attest(certifier, pool_id, top).events["OracleAttested"]["attestations"] == 1
    assert certifier.attestationCount(pool_id, 0, EVIDENCE, URI) == 1
    # Revoking frees no index: the next accreditation finds none left.
    certifier.revokeOracle(top, {"from": programme})
    tx = certifier.scheduleOracleAccreditation(accounts.add(), {"from": programme})
    warp_past(tx.events["ChangeScheduled"]["executableAt"])
    with brownie.reverts(error("CertifierAccreditationsExhausted")):
        certifier.executeChange(tx.return_value, {"from": rando})


def open_funded_pool(pools, programme, buyer) -> int:
    """A pool of a new site in `pools`' own registry, sold out to `buyer`: its first milestone is certifiable."""
    registry = SiteRegistry.at(pools.registry())
    site_id = registry.registerSite("Site", b"CN", 7, "", accounts.add(), {"from": programme}).return_value
    now = latest_time()
    params = (site_id, ETH, PRICE_ETH, 1, 10, now - 1, now + DAY, 0)
    pool_id = pools.openPool(params, milestone_schedule(now + DAY), {"from": programme}).return_value
    pools.buy(pool_id, 10, buyer, {"from": buyer, "value": 10 * PRICE_ETH})
    return pool_id
