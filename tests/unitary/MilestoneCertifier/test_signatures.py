"""MilestoneCertifier.certifyWithSignatures: EIP-712 signatures of a quorum of oracles, relayed by anyone."""

import brownie
import pytest
from brownie import MilestoneCertifier, MultisigOracleWallet, chain
from eth_account import Account
from support import error, latest_time, warp_past

from impact import certification as cert
from impact.encoding import to_bytes32

EVIDENCE = bytes.fromhex(to_bytes32("EAGL report")[2:])
URI = "ipfs://sample/eagl-report.pdf"
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@pytest.fixture
def claim(funded_pool):
    return cert.Certification(funded_pool, 0, EVIDENCE, URI, latest_time() + 3600)


def signed(claim, signers, certifier, chain_id=None):
    """(signer, signature) tuples, ascending, as the contract expects."""
    chain_id = chain.id if chain_id is None else chain_id
    by_signer = {s.address: cert.sign(claim, chain_id, certifier.address, s.private_key) for s in signers}
    return cert.ordered(by_signer)


def recovered(claim, signature, certifier) -> str:
    """The address `signature` recovers to over `claim`'s digest (what the contract will find)."""
    return Account._recover_hash(cert.digest(claim, chain.id, certifier.address), signature=signature)


def relay(certifier, claim, signatures, sender):
    return certifier.certifyWithSignatures(
        claim.pool_id,
        claim.milestone_id,
        claim.evidence_hash,
        claim.evidence_uri,
        claim.deadline,
        signatures,
        {"from": sender},
    )


def test_the_python_digest_equals_the_contracts(certifier, claim):
    expected = certifier.certificationDigest(
        claim.pool_id, claim.milestone_id, claim.evidence_hash, claim.evidence_uri, claim.deadline
    )
    assert cert.digest(claim, chain.id, certifier.address) == bytes(expected)


def test_two_of_three_signatures_relayed_by_anyone_certify(certifier, pools, claim, signing_oracles, rando):
    tx = relay(certifier, claim, signed(claim, signing_oracles[:2], certifier), rando)
    event = tx.events["CertifiedBySignatures"]
    assert (event["poolId"], event["milestoneId"], event["relayer"]) == (claim.pool_id, 0, rando)
    assert list(event["signers"]) == [s.address for s in signing_oracles[:2]]
    assert tx.events["MilestoneCertified"]["evidenceHash"] == "0x" + EVIDENCE.hex()
    assert tx.events["MilestoneCertified"]["evidenceURI"] == URI
    assert pools.milestone(claim.pool_id, 0).dict()["certified"]


def test_all_three_signatures_certify_too(certifier, pools, claim, signing_oracles, rando):
    relay(certifier, claim, signed(claim, signing_oracles, certifier), rando)
    assert pools.pool(claim.pool_id).dict()["certifiedCount"] == 1


def test_fewer_signatures_than_the_quorum_are_rejected(certifier, pools, claim, signing_oracles, rando):
    with brownie.reverts(error("CertifierBelowQuorum", 1, 2)):
        relay(certifier, claim, signed(claim, signing_oracles[:1], certifier), rando)
    assert pools.pool(claim.pool_id).dict()["certifiedCount"] == 0


def test_a_duplicate_signer_is_rejected(certifier, claim, signing_oracles, rando):
    one = signed(claim, signing_oracles[:1], certifier)
    signer = signing_oracles[0].address
    with brownie.reverts(error("CertifierSignerOutOfOrder", 1, signer, signer)):
        relay(certifier, claim, one + one, rando)


def test_signers_out_of_order_are_rejected(certifier, claim, signing_oracles, rando):
    pairs = signed(claim, signing_oracles[:2], certifier)
    with brownie.reverts(error("CertifierSignerOutOfOrder", 1, pairs[0][0], pairs[1][0])):
        relay(certifier, claim, pairs[::-1], rando)


def test_a_signer_that_is_not_an_oracle_is_rejected(certifier, claim, signing_oracles, rando):
    stranger = Account.create()
    pairs = cert.ordered(
        {
            **dict(signed(claim, signing_oracles[:1], certifier)),
            stranger.address: cert.sign(claim, chain.id, certifier.address, stranger.key),
        }
    )
    with brownie.reverts(error("CertifierNotOracle", stranger.address)):
        relay(certifier, claim, pairs, rando)


def test_an_oracle_revoked_between_signing_and_relaying_is_rejected(
    certifier, programme, claim, signing_oracles, rando
):
    pairs = signed(claim, signing_oracles[:2], certifier)
    certifier.revokeRole(certifier.ORACLE_ROLE(), signing_oracles[1], {"from": programme})
    with brownie.reverts(error("CertifierNotOracle", signing_oracles[1].address)):
        relay(certifier, claim, pairs, rando)


def test_expired_signatures_are_rejected(certifier, claim, signing_oracles, rando):
    pairs = signed(claim, signing_oracles[:2], certifier)
    warp_past(claim.deadline)
    with brownie.reverts(revert_pattern=rf"CertifierSignatureExpired: {claim.deadline}, \d+"):
        relay(certifier, claim, pairs, rando)


def test_a_milestone_that_is_not_next_is_rejected(certifier, claim, signing_oracles, rando):
    later = cert.Certification(claim.pool_id, 1, EVIDENCE, URI, claim.deadline)
    with brownie.reverts(error("PoolsMilestoneOutOfOrder", claim.pool_id, 1, 0)):
        relay(certifier, later, signed(later, signing_oracles[:2], certifier), rando)


def test_replaying_signatures_of_a_certified_milestone_is_rejected(certifier, claim, signing_oracles, rando):
    pairs = signed(claim, signing_oracles[:2], certifier)
    relay(certifier, claim, pairs, rando)
    with brownie.reverts(error("PoolsMilestoneAlreadyCertified", claim.pool_id, 0)):
        relay(certifier, claim, pairs, rando)


def test_a_milestone_past_its_own_deadline_is_rejected(certifier, pools, funded_pool, signing_oracles, rando):
    milestone_deadline = pools.milestone(funded_pool, 0).dict()["deadline"]
    warp_past(milestone_deadline)
    late = cert.Certification(funded_pool, 0, EVIDENCE, URI, latest_time() + 3600)
    with brownie.reverts(error("PoolsMilestoneDeadlinePassed", funded_pool, 0, milestone_deadline)):
        relay(certifier, late, signed(late, signing_oracles[:2], certifier), rando)


@pytest.mark.parametrize("field", ["pool_id", "milestone_id", "evidence_hash", "evidence_uri", "deadline"])
def test_a_signature_for_another_claim_does_not_verify(
    certifier, open_pool, funded_pool, claim, signing_oracles, rando, field
):
    other_values = {
        "pool_id": funded_pool + 1,
        "milestone_id": 1,
        "evidence_hash": bytes.fromhex(to_bytes32("forged")[2:]),
        "evidence_uri": "ipfs://forged",
        "deadline": claim.deadline + 1,
    }
    signed_claim = cert.Certification(**{**claim.__dict__, field: other_values[field]})
    pairs = signed(signed_claim, signing_oracles[:2], certifier)
    signer, signature = pairs[0]
    with brownie.reverts(error("CertifierInvalidSignature", signer, recovered(claim, signature, certifier))):
        relay(certifier, claim, pairs, rando)


def test_a_signature_made_for_another_chain_does_not_verify(certifier, claim, signing_oracles, rando):
    pairs = signed(claim, signing_oracles[:2], certifier, chain_id=chain.id + 1)
    signer, signature = pairs[0]
    with brownie.reverts(error("CertifierInvalidSignature", signer, recovered(claim, signature, certifier))):
        relay(certifier, claim, pairs, rando)


def test_a_signature_made_for_another_deployment_does_not_verify(
    certifier, pools, programme, claim, signing_oracles, rando
):
    other = MilestoneCertifier.deploy(0, programme, pools, [s.address for s in signing_oracles], 2, {"from": programme})
    pairs = signed(claim, signing_oracles[:2], other)
    signer, signature = pairs[0]
    with brownie.reverts(error("CertifierInvalidSignature", signer, recovered(claim, signature, certifier))):
        relay(certifier, claim, pairs, rando)


def test_a_signature_of_wrong_length_is_malformed(certifier, claim, signing_oracles, rando):
    pairs = signed(claim, signing_oracles[:2], certifier)
    pairs[0] = (pairs[0][0], pairs[0][1][:10])
    with brownie.reverts(error("CertifierMalformedSignature", pairs[0][0])):
        relay(certifier, claim, pairs, rando)


def test_a_high_s_copy_of_a_valid_signature_is_malformed(certifier, claim, signing_oracles, rando):
    pairs = signed(claim, signing_oracles[:2], certifier)
    signature = pairs[0][1]
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    malleable = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])  # 27 <-> 28
    pairs[0] = (pairs[0][0], malleable)
    with brownie.reverts(error("CertifierMalformedSignature", pairs[0][0])):
        relay(certifier, claim, pairs, rando)


def test_a_signature_that_recovers_no_address_is_malformed(certifier, claim, signing_oracles, rando):
    pairs = signed(claim, signing_oracles[:2], certifier)
    pairs[0] = (pairs[0][0], bytes(64) + bytes([27]))  # r = s = 0: ecrecover returns the zero address
    with brownie.reverts(error("CertifierMalformedSignature", pairs[0][0])):
        relay(certifier, claim, pairs, rando)


def test_signatures_are_refused_while_paused(certifier, pools, programme, claim, signing_oracles, rando):
    pools.pause({"from": programme})
    with brownie.reverts(error("EnforcedPause")):
        relay(certifier, claim, signed(claim, signing_oracles[:2], certifier), rando)


def test_a_multisig_wallet_oracle_certifies_through_erc1271(certifier, pools, programme, claim, signing_oracles, rando):
    owners = sorted((Account.create() for _ in range(2)), key=lambda a: int(a.address, 16))
    wallet = MultisigOracleWallet.deploy([o.address for o in owners], 2, {"from": programme})
    certifier.grantRole(certifier.ORACLE_ROLE(), wallet, {"from": programme})
    digest = cert.digest(claim, chain.id, certifier.address)
    wallet_signature = b"".join(bytes(Account.unsafe_sign_hash(digest, o.key).signature) for o in owners)
    pairs = cert.ordered(
        {
            **dict(signed(claim, signing_oracles[:1], certifier)),
            wallet.address: wallet_signature,
        }
    )
    tx = relay(certifier, claim, pairs, rando)
    assert wallet.address in list(tx.events["CertifiedBySignatures"]["signers"])
    assert pools.milestone(claim.pool_id, 0).dict()["certified"]


def test_a_multisig_wallet_that_rejects_the_signature_is_refused(certifier, programme, claim, signing_oracles, rando):
    owners = sorted((Account.create() for _ in range(2)), key=lambda a: int(a.address, 16))
    wallet = MultisigOracleWallet.deploy([o.address for o in owners], 2, {"from": programme})
    certifier.grantRole(certifier.ORACLE_ROLE(), wallet, {"from": programme})
    digest = cert.digest(claim, chain.id, certifier.address)
    only_one_owner = bytes(Account.unsafe_sign_hash(digest, owners[0].key).signature)
    pairs = cert.ordered({**dict(signed(claim, signing_oracles[:1], certifier)), wallet.address: only_one_owner})
    with brownie.reverts(error("CertifierInvalidSignature", wallet, "0x" + "00" * 20)):
        relay(certifier, claim, pairs, rando)
