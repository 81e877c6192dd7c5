"""MilestoneCertifier: a quorum of distinct accredited oracles attesting the same evidence certifies a milestone."""

import brownie
from brownie import ZERO_ADDRESS
from support import DAY, Failure, Status, error, warp_past

from impact.encoding import to_bytes32

EVIDENCE = to_bytes32("evidence")
OTHER_EVIDENCE = to_bytes32("other evidence")
URI = "ipfs://sample/evidence"


def test_the_certifier_starts_with_its_oracles_and_quorum(certifier, oracles):
    assert certifier.quorum() == 2
    assert certifier.oracleCount() == 3
    assert all(certifier.hasRole(certifier.ORACLE_ROLE(), o) for o in oracles)


def test_one_attestation_below_quorum_does_not_certify(certifier, pools, funded_pool, oracle1):
    tx = certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle1})
    assert tx.return_value is False
    event = tx.events["OracleAttested"]
    assert (event["poolId"], event["milestoneId"], event["oracle"]) == (funded_pool, 0, oracle1)
    assert (event["evidenceHash"], event["evidenceURI"], event["attestations"]) == (EVIDENCE, URI, 1)
    assert "MilestoneCertified" not in tx.events
    assert pools.pool(funded_pool).dict()["certifiedCount"] == 0
    assert certifier.attestationOf(funded_pool, 0, oracle1) == EVIDENCE


def test_the_quorum_completing_attestation_certifies(certifier, pools, funded_pool, oracle1, oracle2):
    certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle1})
    tx = certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle2})
    assert tx.return_value is True
    event = tx.events["MilestoneCertified"]
    assert (event["poolId"], event["milestoneId"], event["evidenceHash"], event["evidenceURI"]) == (
        funded_pool,
        0,
        EVIDENCE,
        URI,
    )
    milestone = pools.milestone(funded_pool, 0).dict()
    assert milestone["certified"] and milestone["evidenceHash"] == EVIDENCE
    assert pools.pool(funded_pool).dict()["certifiedCount"] == 1


def test_different_evidence_does_not_add_up_to_a_quorum(certifier, pools, funded_pool, oracle1, oracle2, oracle3):
    certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle1})
    certifier.attest(funded_pool, 0, OTHER_EVIDENCE, URI, {"from": oracle2})
    assert pools.pool(funded_pool).dict()["certifiedCount"] == 0
    assert certifier.attestationCount(funded_pool, 0, EVIDENCE) == 1
    tx = certifier.attest(funded_pool, 0, OTHER_EVIDENCE, URI, {"from": oracle3})
    assert tx.events["MilestoneCertified"]["evidenceHash"] == OTHER_EVIDENCE


def test_nobody_attests_twice(certifier, funded_pool, oracle1):
    certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle1})
    for evidence in (EVIDENCE, OTHER_EVIDENCE):
        with brownie.reverts(error("CertifierAlreadyAttested", funded_pool, 0, oracle1)):
            certifier.attest(funded_pool, 0, evidence, URI, {"from": oracle1})
    assert certifier.attestationCount(funded_pool, 0, EVIDENCE) == 1


def test_only_accredited_oracles_attest(certifier, funded_pool, rando):
    with brownie.reverts(error("AccessControlUnauthorizedAccount", rando, certifier.ORACLE_ROLE())):
        certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": rando})


def test_a_zero_evidence_hash_is_rejected(certifier, funded_pool, oracle1):
    with brownie.reverts(error("CertifierZeroEvidence")):
        certifier.attest(funded_pool, 0, to_bytes32(""), URI, {"from": oracle1})


def test_milestones_are_certified_in_order(certifier, funded_pool, oracle1):
    with brownie.reverts(error("PoolsMilestoneOutOfOrder", funded_pool, 1, 0)):
        certifier.attest(funded_pool, 1, EVIDENCE, URI, {"from": oracle1})
    assert certifier.attestationOf(funded_pool, 1, oracle1) == to_bytes32("")


def test_a_certified_milestone_can_never_be_certified_again(certifier, funded_pool, certify, oracle3):
    certify(funded_pool, 0)
    with brownie.reverts(error("PoolsMilestoneAlreadyCertified", funded_pool, 0)):
        certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle3})


def test_an_unknown_pool_or_milestone_is_rejected(certifier, funded_pool, oracle1):
    with brownie.reverts(error("PoolsUnknownPool", 99)):
        certifier.attest(99, 0, EVIDENCE, URI, {"from": oracle1})
    with brownie.reverts(error("PoolsUnknownMilestone", funded_pool, 3)):
        certifier.attest(funded_pool, 3, EVIDENCE, URI, {"from": oracle1})


def test_nothing_is_certified_while_the_sale_is_open(certifier, pools, eth_pool, buy, alice, oracle1):
    buy(eth_pool, alice, 100)
    sale_end = pools.pool(eth_pool).dict()["saleEnd"]
    with brownie.reverts(error("PoolsSaleStillOpen", eth_pool, sale_end)):
        certifier.attest(eth_pool, 0, EVIDENCE, URI, {"from": oracle1})


def test_a_sold_out_sale_is_closed_for_certification(certifier, pools, eth_pool, buy, alice, certify):
    buy(eth_pool, alice, 1_000)
    certify(eth_pool, 0)
    assert pools.pool(eth_pool).dict()["certifiedCount"] == 1


def test_nothing_is_certified_below_the_goal(certifier, eth_pool, buy, alice, close_sale, oracle1):
    buy(eth_pool, alice, 99)
    close_sale(eth_pool)
    with brownie.reverts(error("PoolsGoalNotReached", eth_pool, 99, 100)):
        certifier.attest(eth_pool, 0, EVIDENCE, URI, {"from": oracle1})


def test_nothing_is_certified_after_its_deadline(certifier, pools, funded_pool, oracle1):
    deadline = pools.milestone(funded_pool, 0).dict()["deadline"]
    warp_past(deadline)
    with brownie.reverts(error("PoolsMilestoneDeadlinePassed", funded_pool, 0, deadline)):
        certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle1})


def test_nothing_is_certified_for_a_failed_pool(certifier, registry, pools, programme, funded_pool, site_id, oracle1):
    registry.setStatus(site_id, Status.WITHDRAWN, {"from": programme})
    with brownie.reverts(error("PoolsSiteWithdrawn", funded_pool, site_id)):
        certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle1})
    pools.fail(funded_pool, {"from": oracle1})
    with brownie.reverts(error("PoolsPoolFailed", funded_pool, Failure.SITE_WITHDRAWN)):
        certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle1})


def test_only_the_certifier_contract_records_certifications(pools, funded_pool, programme):
    with brownie.reverts(error("AccessControlUnauthorizedAccount", programme, pools.CERTIFIER_ROLE())):
        pools.recordCertification(funded_pool, 0, EVIDENCE, URI, {"from": programme})


def test_the_quorum_is_between_one_and_the_number_of_oracles(certifier, programme):
    with brownie.reverts(error("CertifierInvalidQuorum", 0, 3)):
        certifier.setQuorum(0, {"from": programme})
    with brownie.reverts(error("CertifierInvalidQuorum", 4, 3)):
        certifier.setQuorum(4, {"from": programme})
    tx = certifier.setQuorum(3, {"from": programme})
    assert certifier.quorum() == 3
    assert (tx.events["QuorumChanged"]["previousQuorum"], tx.events["QuorumChanged"]["newQuorum"]) == (2, 3)


def test_only_the_admin_sets_the_quorum(certifier, oracle1):
    with brownie.reverts(error("AccessControlUnauthorizedAccount", oracle1, "0x" + "00" * 32)):
        certifier.setQuorum(1, {"from": oracle1})


def test_a_higher_quorum_needs_more_oracles(certifier, pools, funded_pool, programme, certify, oracle3):
    certifier.setQuorum(3, {"from": programme})
    certify(funded_pool, 0)  # two attestations
    assert pools.pool(funded_pool).dict()["certifiedCount"] == 0
    certifier.attest(funded_pool, 0, to_bytes32("evidence"), URI, {"from": oracle3})
    assert pools.pool(funded_pool).dict()["certifiedCount"] == 1


def test_lowering_the_quorum_lets_the_next_matching_attestation_certify(
    certifier, pools, funded_pool, programme, oracle1, oracle2, oracle3
):
    certifier.setQuorum(3, {"from": programme})
    certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle1})
    certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle2})
    certifier.setQuorum(1, {"from": programme})
    tx = certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle3})
    assert tx.return_value is True


def test_granting_and_revoking_oracles_is_counted(certifier, programme, rando, oracle3):
    certifier.grantRole(certifier.ORACLE_ROLE(), rando, {"from": programme})
    assert certifier.oracleCount() == 4
    certifier.grantRole(certifier.ORACLE_ROLE(), rando, {"from": programme})  # granting twice counts once
    assert certifier.oracleCount() == 4
    certifier.revokeRole(certifier.ORACLE_ROLE(), oracle3, {"from": programme})
    certifier.revokeRole(certifier.ORACLE_ROLE(), rando, {"from": programme})
    assert certifier.oracleCount() == 2


def test_a_revoked_oracle_can_no_longer_attest(certifier, funded_pool, programme, oracle3):
    certifier.revokeRole(certifier.ORACLE_ROLE(), oracle3, {"from": programme})
    with brownie.reverts(error("AccessControlUnauthorizedAccount", oracle3, certifier.ORACLE_ROLE())):
        certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle3})


def test_the_certifier_refuses_a_quorum_above_its_oracles_at_deployment(programme, pools, oracle1):
    from brownie import MilestoneCertifier

    with brownie.reverts(error("CertifierInvalidQuorum", 2, 1)):
        MilestoneCertifier.deploy(0, programme, pools, [oracle1], 2, {"from": programme})
    assert ZERO_ADDRESS != pools.address
    assert DAY == 86_400
