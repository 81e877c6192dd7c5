"""MilestoneCertifier: a quorum of distinct accredited oracles attesting the same evidence certifies a milestone."""

import brownie
from brownie import ImpactPools, MilestoneCertifier, SiteRegistry, accounts
from support import (
    ADMIN_ROLE,
    CHANGE_DELAY,
    TOKEN_URI,
    Failure,
    Status,
    deploy_system,
    error,
    execute_after_delay,
    warp_past,
)

from impact.chain.encoding import to_bytes32

EVIDENCE = to_bytes32("evidence")
OTHER_EVIDENCE = to_bytes32("other evidence")
URI = "ipfs://sample/evidence"


def test_the_certifier_starts_with_its_oracles_and_quorum(certifier, pools, registry, oracles, reviewer, rando):
    assert certifier.quorum() == 2
    assert certifier.oracleCount() == 3
    assert all(certifier.isOracle(o) for o in oracles)
    assert not certifier.isOracle(rando)
    assert certifier.isReviewer(reviewer) and not certifier.isReviewer(rando)
    assert certifier.signatureEpoch() == 0
    assert (certifier.pools(), certifier.registry()) == (pools, registry)
    assert (pools.certifier(), registry.certifier()) == (certifier, certifier)


def test_each_first_oracle_takes_the_next_accreditation_index(certifier, oracles):
    accredited = certifier.tx.events["OracleAccredited"]
    assert [(e["oracle"], e["index"]) for e in accredited] == [(o.address, i) for i, o in enumerate(oracles)]


def test_one_attestation_below_quorum_does_not_certify(certifier, pools, funded_pool, oracle1):
    tx = certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle1})
    assert tx.return_value is False
    event = tx.events["OracleAttested"]
    assert (event["poolId"], event["milestoneId"], event["oracle"]) == (funded_pool, 0, oracle1)
    assert (event["evidenceHash"], event["evidenceURI"], event["attestations"]) == (EVIDENCE, URI, 1)
    assert "MilestoneCertified" not in tx.events
    assert pools.pool(funded_pool).dict()["certifiedCount"] == 0
    assert certifier.hasAttested(funded_pool, 0, oracle1)
    assert certifier.attestationCount(funded_pool, 0, EVIDENCE, URI) == 1


def test_the_quorum_completing_attestation_certifies(certifier, pools, funded_pool, oracle1, oracle2, manager):
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
    assert (event["payee"], event["challengeEndsAt"]) == (manager, tx.timestamp + 7 * 86_400)
    milestone = pools.milestone(funded_pool, 0).dict()
    assert milestone["certified"] and milestone["evidenceHash"] == EVIDENCE
    assert not milestone["finalized"] and milestone["payee"] == manager
    assert pools.pool(funded_pool).dict()["certifiedCount"] == 1


def test_different_evidence_does_not_add_up_to_a_quorum(certifier, pools, funded_pool, oracle1, oracle2, oracle3):
    certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle1})
    certifier.attest(funded_pool, 0, OTHER_EVIDENCE, URI, {"from": oracle2})
    assert pools.pool(funded_pool).dict()["certifiedCount"] == 0
    assert certifier.attestationCount(funded_pool, 0, EVIDENCE, URI) == 1
    tx = certifier.attest(funded_pool, 0, OTHER_EVIDENCE, URI, {"from": oracle3})
    assert tx.events["MilestoneCertified"]["evidenceHash"] == OTHER_EVIDENCE


def test_nobody_attests_twice(certifier, funded_pool, oracle1):
    certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle1})
    for evidence in (EVIDENCE, OTHER_EVIDENCE):
        with brownie.reverts(error("CertifierAlreadyAttested", funded_pool, 0, oracle1)):
            certifier.attest(funded_pool, 0, evidence, URI, {"from": oracle1})
    assert certifier.attestationCount(funded_pool, 0, EVIDENCE, URI) == 1


def test_only_accredited_oracles_attest(certifier, funded_pool, rando, programme, reviewer):
    for account in (rando, programme, reviewer):
        with brownie.reverts(error("CertifierNotOracle", account)):
            certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": account})


def test_a_zero_evidence_hash_is_rejected(certifier, funded_pool, oracle1):
    with brownie.reverts(error("CertifierZeroEvidence")):
        certifier.attest(funded_pool, 0, to_bytes32(""), URI, {"from": oracle1})


def test_milestones_are_certified_in_order(certifier, funded_pool, oracle1):
    with brownie.reverts(error("PoolsMilestoneOutOfOrder", funded_pool, 1, 0)):
        certifier.attest(funded_pool, 1, EVIDENCE, URI, {"from": oracle1})
    assert not certifier.hasAttested(funded_pool, 1, oracle1)


def test_the_next_milestones_attestations_start_from_none(certifier, funded_pool, certify, oracle1, oracle2):
    certify(funded_pool, 0)  # oracle1 and oracle2 attest milestone 0
    assert certifier.hasAttested(funded_pool, 0, oracle1)
    tx = certifier.attest(funded_pool, 1, EVIDENCE, URI, {"from": oracle1})
    assert tx.return_value is False and tx.events["OracleAttested"]["attestations"] == 1
    assert certifier.hasAttested(funded_pool, 1, oracle1) and not certifier.hasAttested(funded_pool, 1, oracle2)
    assert certifier.attestationCount(funded_pool, 1, EVIDENCE, URI) == 1
    # One mask a pool: milestone 0's is gone (its attestations are in its OracleAttested events).
    assert not certifier.hasAttested(funded_pool, 0, oracle1)


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
    with brownie.reverts(error("PoolsNotCertifier", programme)):
        pools.recordCertification(funded_pool, 0, EVIDENCE, URI, {"from": programme})
    assert pools.pool(funded_pool).dict()["certifiedCount"] == 0


def test_raising_the_quorum_is_immediate_and_emitted(certifier, programme):
    tx = certifier.raiseQuorum(3, {"from": programme})
    assert certifier.quorum() == 3
    assert (tx.events["QuorumChanged"]["previousQuorum"], tx.events["QuorumChanged"]["newQuorum"]) == (2, 3)


def test_the_quorum_cannot_be_raised_above_the_number_of_oracles(certifier, programme):
    with brownie.reverts(error("CertifierInvalidQuorum", 4, 3)):
        certifier.raiseQuorum(4, {"from": programme})
    assert certifier.quorum() == 2


def test_raising_the_quorum_must_raise_it(certifier, programme):
    for quorum in (1, 2):
        with brownie.reverts(error("CertifierWrongQuorumDirection", quorum, 2)):
            certifier.raiseQuorum(quorum, {"from": programme})


def test_lowering_the_quorum_is_only_scheduled(certifier, programme):
    tx = certifier.scheduleQuorumDecrease(1, {"from": programme})
    assert certifier.quorum() == 2
    change = certifier.change(tx.return_value).dict()
    assert (change["kind"], change["value"], change["executableAt"]) == (2, 1, tx.timestamp + CHANGE_DELAY)
    execute_after_delay(certifier, tx)
    assert certifier.quorum() == 1


def test_lowering_the_quorum_must_lower_it_and_not_to_zero(certifier, programme):
    for quorum in (2, 3):
        with brownie.reverts(error("CertifierWrongQuorumDirection", quorum, 2)):
            certifier.scheduleQuorumDecrease(quorum, {"from": programme})
    with brownie.reverts(error("CertifierInvalidQuorum", 0, 3)):
        certifier.scheduleQuorumDecrease(0, {"from": programme})
    assert certifier.changeCount() == 0


def test_only_the_admin_changes_the_quorum(certifier, oracle1):
    with brownie.reverts(error("AccessControlUnauthorizedAccount", oracle1, ADMIN_ROLE)):
        certifier.raiseQuorum(3, {"from": oracle1})
    with brownie.reverts(error("AccessControlUnauthorizedAccount", oracle1, ADMIN_ROLE)):
        certifier.scheduleQuorumDecrease(1, {"from": oracle1})


def test_a_higher_quorum_needs_more_oracles(certifier, pools, funded_pool, programme, certify, oracle3):
    certifier.raiseQuorum(3, {"from": programme})
    certify(funded_pool, 0)  # two attestations
    assert pools.pool(funded_pool).dict()["certifiedCount"] == 0
    certifier.attest(funded_pool, 0, to_bytes32("evidence"), URI, {"from": oracle3})
    assert pools.pool(funded_pool).dict()["certifiedCount"] == 1


def test_lowering_the_quorum_lets_the_next_matching_attestation_certify(
    certifier, pools, funded_pool, programme, oracle1, oracle2, oracle3
):
    certifier.raiseQuorum(3, {"from": programme})
    certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle1})
    execute_after_delay(certifier, certifier.scheduleQuorumDecrease(1, {"from": programme}))
    tx = certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle3})
    assert tx.return_value is True
    assert tx.events["OracleAttested"]["attestations"] == 2


def test_accrediting_and_revoking_oracles_is_counted(certifier, programme, rando, oracle3):
    tx = execute_after_delay(certifier, certifier.scheduleOracleAccreditation(rando, {"from": programme}))
    assert (tx.events["OracleAccredited"]["oracle"], tx.events["OracleAccredited"]["index"]) == (rando, 3)
    assert certifier.oracleCount() == 4 and certifier.isOracle(rando)
    with brownie.reverts(error("CertifierAlreadyOracle", rando)):
        certifier.scheduleOracleAccreditation(rando, {"from": programme})
    certifier.revokeOracle(oracle3, {"from": programme})
    tx = certifier.revokeOracle(rando, {"from": programme})
    assert (tx.events["OracleRevoked"]["oracle"], tx.events["OracleRevoked"]["index"]) == (rando, 3)
    assert certifier.oracleCount() == 2
    assert not certifier.isOracle(rando) and not certifier.isOracle(oracle3)


def test_only_an_accredited_oracle_can_be_revoked(certifier, programme, rando):
    with brownie.reverts(error("CertifierNotOracle", rando)):
        certifier.revokeOracle(rando, {"from": programme})


def test_a_revoked_oracle_can_no_longer_attest(certifier, funded_pool, programme, oracle3):
    certifier.revokeOracle(oracle3, {"from": programme})
    with brownie.reverts(error("CertifierNotOracle", oracle3)):
        certifier.attest(funded_pool, 0, EVIDENCE, URI, {"from": oracle3})


def test_the_certifier_refuses_a_quorum_above_its_oracles_at_deployment(programme):
    registry, pools, _ = deploy_system(programme, deploy_certifier=False)
    oracle = accounts.add()
    with brownie.reverts(error("CertifierInvalidQuorum", 2, 1)):
        MilestoneCertifier.deploy(0, programme, CHANGE_DELAY, registry, pools, [oracle], 2, [], {"from": programme})


def test_the_certifier_refuses_a_registry_built_for_another_certifier(programme):
    predicted = programme.get_deployment_address(programme.nonce + 2)
    registry = SiteRegistry.deploy(0, programme, programme, CHANGE_DELAY, accounts.add(), {"from": programme})
    pools = ImpactPools.deploy(programme, programme, programme, registry, predicted, TOKEN_URI, {"from": programme})
    with brownie.reverts(error("CertifierMiswired", pools, registry)):
        MilestoneCertifier.deploy(
            0, programme, CHANGE_DELAY, registry, pools, [accounts.add()], 1, [], {"from": programme}
        )


def test_the_certifier_refuses_pools_built_on_another_registry(programme, registry):
    predicted = programme.get_deployment_address(programme.nonce + 2)
    own = SiteRegistry.deploy(0, programme, programme, CHANGE_DELAY, predicted, {"from": programme})
    pools = ImpactPools.deploy(programme, programme, programme, registry, predicted, TOKEN_URI, {"from": programme})
    with brownie.reverts(error("CertifierMiswired", pools, own)):
        MilestoneCertifier.deploy(0, programme, CHANGE_DELAY, own, pools, [accounts.add()], 1, [], {"from": programme})


def test_the_certifier_refuses_registry_and_pools_built_for_another_certifier(programme, registry, pools):
    # The fixture's registry and pools name the fixture's certifier: a second one cannot claim them.
    with brownie.reverts(error("CertifierMiswired", pools, registry)):
        MilestoneCertifier.deploy(
            0, programme, CHANGE_DELAY, registry, pools, [accounts.add()], 1, [], {"from": programme}
        )
