"""MilestoneCertifier.certifyWithSignatures: EIP-712 signatures of a quorum of oracles, relayed by anyone."""

import brownie
import pytest
from brownie import MultisigOracleWallet, chain
from eth_account import Account
from support import DAY, deploy_system, error, execute_after_delay, latest_time, next_block_at, warp_past

from impact.chain.encoding import to_bytes32
from impact.oracle import certification as cert

EVIDENCE = bytes.fromhex(to_bytes32("EAGL report")[2:])
URI = "ipfs://sample/eagl-report.pdf"
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@pytest.fixture
def claim(funded_pool, certifier):
    return cert.Certification(funded_pool, 0, EVIDENCE, URI, latest_time() + 10 * DAY, certifier.signatureEpoch())


def signed(claim, signers, certifier, chain_id=None):
    """(signer, signature) tuples, ascending, as the contract expects."""
    chain_id = chain.id if chain_id is None else chain_id
    by_signer = {s.address: cert.sign(claim, chain_id, certifier.address, s.private_key) for s in signers}
    return cert.ordered(by_signer)


def recovered(claim, signature, certifier) -> str:
    """The address `signature` recovers to over `claim`'s digest (what the contract will find)."""
    return cert.recover(claim, chain.id, certifier.address, signature)


def relay(certifier, claim, pairs, sender, wallets=(), packed=None):
    """Relays (signer, signature) pairs, packed as the contract reads them (or `packed` bytes as they are)."""
    return certifier.certifyWithSignatures(
        claim.pool_id,
        claim.milestone_id,
        claim.evidence_hash,
        claim.evidence_uri,
        claim.deadline,
        cert.pack(pairs, wallets) if packed is None else packed,
        {"from": sender},
    )


def multisig_oracle(certifier, programme, owners=2):
    """An accredited 2-of-2 contract-wallet oracle, and its owners' keys (ascending)."""
    keys = sorted((Account.create() for _ in range(owners)), key=lambda a: int(a.address, 16))
    wallet = MultisigOracleWallet.deploy([k.address for k in keys], owners, {"from": programme})
    execute_after_delay(certifier, certifier.scheduleOracleAccreditation(wallet, {"from": programme}))
    return wallet, keys


def owners_sign(claim, certifier, keys) -> bytes:
    digest = cert.digest(claim, chain.id, certifier.address)
    return b"".join(bytes(Account.unsafe_sign_hash(digest, k.key).signature) for k in keys)


def test_the_python_digest_equals_the_contracts(certifier, claim):
    expected = certifier.certificationDigest(
        claim.pool_id, claim.milestone_id, claim.evidence_hash, claim.evidence_uri, claim.deadline
    )
    assert cert.digest(claim, chain.id, certifier.address) == bytes(expected)


def test_the_digest_follows_the_signature_epoch(certifier, programme, claim, oracle3):
    certifier.revokeOracle(oracle3, {"from": programme})
    assert certifier.signatureEpoch() == claim.epoch + 1
    expected = certifier.certificationDigest(
        claim.pool_id, claim.milestone_id, claim.evidence_hash, claim.evidence_uri, claim.deadline
    )
    new_epoch = cert.Certification(**{**claim.__dict__, "epoch": claim.epoch + 1})
    assert cert.digest(new_epoch, chain.id, certifier.address) == bytes(expected)
    assert cert.digest(claim, chain.id, certifier.address) != bytes(expected)


def test_two_of_three_signatures_relayed_by_anyone_certify(certifier, pools, claim, signing_oracles, rando):
    tx = relay(certifier, claim, signed(claim, signing_oracles[:2], certifier), rando)
    event = tx.events["CertifiedBySignatures"]
    assert (event["poolId"], event["milestoneId"], event["relayer"]) == (claim.pool_id, 0, rando)
    assert list(event["signers"]) == [s.address for s in signing_oracles[:2]]
    assert tx.events["MilestoneCertified"]["evidenceHash"] == "0x" + EVIDENCE.hex()
    assert tx.events["MilestoneCertified"]["evidenceURI"] == URI
    assert pools.milestone(claim.pool_id, 0).dict()["certified"]


def test_signatures_beyond_the_quorum_are_not_read(certifier, pools, claim, signing_oracles, rando):
    pairs = signed(claim, signing_oracles, certifier)
    tx = relay(certifier, claim, pairs, rando, packed=cert.pack(pairs) + b"not read either")
    assert list(tx.events["CertifiedBySignatures"]["signers"]) == [signer for signer, _ in pairs[:2]]
    assert pools.pool(claim.pool_id).dict()["certifiedCount"] == 1


def test_a_quorum_of_three_needs_three_signatures(certifier, pools, programme, claim, signing_oracles, rando):
    certifier.raiseQuorum(3, {"from": programme})
    pairs = signed(claim, signing_oracles, certifier)
    with brownie.reverts(error("CertifierBelowQuorum", 2, 3)):
        relay(certifier, claim, pairs[:2], rando)
    tx = relay(certifier, claim, pairs, rando)
    assert len(tx.events["CertifiedBySignatures"]["signers"]) == 3


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
    certifier.revokeOracle(signing_oracles[1], {"from": programme})
    # Signed again at the new epoch, by the revoked oracle too: its signature no longer counts.
    again = cert.Certification(**{**claim.__dict__, "epoch": certifier.signatureEpoch()})
    with brownie.reverts(error("CertifierNotOracle", signing_oracles[1].address)):
        relay(certifier, again, signed(again, signing_oracles[:2], certifier), rando)


def test_revoking_any_oracle_voids_every_outstanding_signature(
    certifier, pools, programme, claim, signing_oracles, oracle3, rando
):
    pairs = signed(claim, signing_oracles[:2], certifier)
    certifier.revokeOracle(oracle3, {"from": programme})  # an oracle that signed nothing
    # The contract reads the signatures at the new epoch: they recover to addresses that are no oracles.
    new_epoch = cert.Certification(**{**claim.__dict__, "epoch": claim.epoch + 1})
    with brownie.reverts(error("CertifierNotOracle", recovered(new_epoch, pairs[0][1], certifier))):
        relay(certifier, claim, pairs, rando)
    assert pools.pool(claim.pool_id).dict()["certifiedCount"] == 0
    tx = relay(certifier, new_epoch, signed(new_epoch, signing_oracles[:2], certifier), rando)
    assert "MilestoneCertified" in tx.events


def test_expired_signatures_are_rejected(certifier, claim, signing_oracles, rando):
    pairs = signed(claim, signing_oracles[:2], certifier)
    now = next_block_at(claim.deadline + 1)
    with brownie.reverts(error("CertifierSignatureExpired", claim.deadline, now)):
        relay(certifier, claim, pairs, rando)


def test_signatures_are_good_until_their_deadline_inclusive(certifier, pools, claim, signing_oracles, rando):
    pairs = signed(claim, signing_oracles[:2], certifier)
    next_block_at(claim.deadline)
    relay(certifier, claim, pairs, rando)
    assert pools.milestone(claim.pool_id, 0).dict()["certified"]


def test_a_milestone_that_is_not_next_is_rejected(certifier, claim, signing_oracles, rando):
    later = cert.Certification(claim.pool_id, 1, EVIDENCE, URI, claim.deadline, claim.epoch)
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
    late = cert.Certification(funded_pool, 0, EVIDENCE, URI, latest_time() + 3600, certifier.signatureEpoch())
    with brownie.reverts(error("PoolsMilestoneDeadlinePassed", funded_pool, 0, milestone_deadline)):
        relay(certifier, late, signed(late, signing_oracles[:2], certifier), rando)


# An EOA's signer is recovered, not declared: a signature over anything else recovers to an unrelated address,
# which is not an oracle.
@pytest.mark.parametrize("field", ["pool_id", "milestone_id", "evidence_hash", "evidence_uri", "deadline", "epoch"])
def test_a_signature_for_another_claim_does_not_verify(
    certifier, open_pool, funded_pool, claim, signing_oracles, rando, field
):
    other_values = {
        "pool_id": funded_pool + 1,
        "milestone_id": 1,
        "evidence_hash": bytes.fromhex(to_bytes32("forged")[2:]),
        "evidence_uri": "ipfs://forged",
        "deadline": claim.deadline + 1,
        "epoch": claim.epoch + 1,
    }
    signed_claim = cert.Certification(**{**claim.__dict__, field: other_values[field]})
    pairs = signed(signed_claim, signing_oracles[:2], certifier)
    with brownie.reverts(error("CertifierNotOracle", recovered(claim, pairs[0][1], certifier))):
        relay(certifier, claim, pairs, rando)


def test_a_signature_made_for_another_chain_does_not_verify(certifier, claim, signing_oracles, rando):
    pairs = signed(claim, signing_oracles[:2], certifier, chain_id=chain.id + 1)
    with brownie.reverts(error("CertifierNotOracle", recovered(claim, pairs[0][1], certifier))):
        relay(certifier, claim, pairs, rando)


def test_a_signature_made_for_another_deployment_does_not_verify(
    certifier, pools, programme, claim, signing_oracles, rando
):
    _, _, other = deploy_system(programme, oracles=signing_oracles, quorum=2)
    pairs = signed(claim, signing_oracles[:2], other)
    with brownie.reverts(error("CertifierNotOracle", recovered(claim, pairs[0][1], certifier))):
        relay(certifier, claim, pairs, rando)


def test_signatures_cut_short_are_below_the_quorum(certifier, claim, signing_oracles, rando):
    packed = cert.pack(signed(claim, signing_oracles[:2], certifier))
    with brownie.reverts(error("CertifierBelowQuorum", 1, 2)):
        relay(certifier, claim, [], rando, packed=packed[:-1])


# v = 0 or 1 is what some signers give: 0 reads as a contract signature whose r is no address, 1 recovers nothing.
@pytest.mark.parametrize("v", [0, 1, 29])
def test_a_v_other_than_27_or_28_is_malformed(certifier, claim, signing_oracles, rando, v):
    pairs = signed(claim, signing_oracles[:2], certifier)
    pairs[1] = (pairs[1][0], pairs[1][1][:64] + bytes([v]))
    with brownie.reverts(error("CertifierMalformedSignature", 1)):
        relay(certifier, claim, pairs, rando)


def test_a_high_s_copy_of_a_valid_signature_is_malformed(certifier, claim, signing_oracles, rando):
    pairs = signed(claim, signing_oracles[:2], certifier)
    signature = pairs[0][1]
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    malleable = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])  # 27 <-> 28
    pairs[0] = (pairs[0][0], malleable)
    with brownie.reverts(error("CertifierMalformedSignature", 0)):
        relay(certifier, claim, pairs, rando)


def test_a_signature_that_recovers_no_address_is_malformed(certifier, claim, signing_oracles, rando):
    pairs = signed(claim, signing_oracles[:2], certifier)
    pairs[0] = (pairs[0][0], bytes(64) + bytes([27]))  # r = s = 0: ecrecover returns the zero address
    with brownie.reverts(error("CertifierMalformedSignature", 0)):
        relay(certifier, claim, pairs, rando)


def test_signatures_are_refused_while_paused(certifier, pools, programme, claim, signing_oracles, rando):
    ends_at = pools.pause({"from": programme}).events["Paused"]["endsAt"]
    with brownie.reverts(error("PoolsPaused", ends_at)):
        relay(certifier, claim, signed(claim, signing_oracles[:2], certifier), rando)


def test_a_multisig_wallet_oracle_certifies_through_erc1271(certifier, pools, programme, claim, signing_oracles, rando):
    wallet, keys = multisig_oracle(certifier, programme)
    pairs = cert.ordered(
        {**dict(signed(claim, signing_oracles[:1], certifier)), wallet.address: owners_sign(claim, certifier, keys)}
    )
    tx = relay(certifier, claim, pairs, rando, wallets=[wallet.address])
    assert wallet.address in list(tx.events["CertifiedBySignatures"]["signers"])
    assert pools.milestone(claim.pool_id, 0).dict()["certified"]


def test_a_multisig_wallet_that_rejects_the_signature_is_refused(certifier, programme, claim, signing_oracles, rando):
    wallet, keys = multisig_oracle(certifier, programme)
    only_one_owner = owners_sign(claim, certifier, keys[:1])
    pairs = cert.ordered({**dict(signed(claim, signing_oracles[:1], certifier)), wallet.address: only_one_owner})
    index = [signer for signer, _ in pairs].index(wallet.address)
    with brownie.reverts(error("CertifierInvalidSignature", index, wallet)):
        relay(certifier, claim, pairs, rando, wallets=[wallet.address])


def test_an_eoa_oracle_cannot_pass_as_a_contract_signature(certifier, claim, signing_oracles, rando):
    pairs = signed(claim, signing_oracles[:2], certifier)
    # Entry 0 claims to be a contract signature of oracle 0 (v = 0): an EOA answers no ERC-1271 call.
    with brownie.reverts(error("CertifierInvalidSignature", 0, pairs[0][0])):
        relay(certifier, claim, pairs, rando, wallets=[pairs[0][0]])


@pytest.mark.parametrize("where", ["length word past the end", "data past the end", "inside the entries", "wraps"])
def test_a_contract_signature_outside_the_signatures_is_malformed(
    certifier, programme, claim, signing_oracles, rando, where
):
    wallet, keys = multisig_oracle(certifier, programme)
    pairs = cert.ordered(
        {**dict(signed(claim, signing_oracles[:1], certifier)), wallet.address: owners_sign(claim, certifier, keys)}
    )
    index = [signer for signer, _ in pairs].index(wallet.address)
    packed = bytearray(cert.pack(pairs, [wallet.address]))
    offset, length = {
        "length word past the end": (len(packed) - 31, None),
        "data past the end": (2 * 65, len(packed)),
        "inside the entries": (64, None),
        "wraps": (2**256 - 1, None),
    }[where]
    packed[index * 65 + 32 : index * 65 + 64] = offset.to_bytes(32, "big")
    if length is not None:
        packed[2 * 65 : 2 * 65 + 32] = length.to_bytes(32, "big")
    with brownie.reverts(error("CertifierMalformedSignature", index)):
        relay(certifier, claim, pairs, rando, packed=bytes(packed))


def test_a_contract_signature_whose_signer_is_not_an_address_is_malformed(certifier, claim, signing_oracles, rando):
    pairs = signed(claim, signing_oracles[:2], certifier)
    packed = bytearray(cert.pack(pairs, [pairs[0][0]]))
    packed[0] = 1  # bits above the 160 of an address
    with brownie.reverts(error("CertifierMalformedSignature", 0)):
        relay(certifier, claim, pairs, rando, packed=bytes(packed))
