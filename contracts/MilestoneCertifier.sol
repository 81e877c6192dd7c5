// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {DelayedChanges} from "./base/DelayedChanges.sol";
import {IImpactPools} from "./interfaces/IImpactPools.sol";
import {IMilestoneCertifier} from "./interfaces/IMilestoneCertifier.sol";
import {ISiteRegistry} from "./interfaces/ISiteRegistry.sol";
import {Bits} from "./libraries/Bits.sol";

/// @title MilestoneCertifier
/// @notice The oracle quorum that certifies Green List milestones of funding pools, and the reviewers who may void
/// a certification during its challenge window.
/// @dev The pools contract owns the milestone schedule and decides whether a milestone can be certified now
/// (`IImpactPools.checkCertifiable`); this contract owns who may attest, how many must agree, and who may void.
/// The pools accept certifications from this contract only (an immutable address on both sides).
/// Each accreditation of an oracle takes the next index (0-223) for the contract's lifetime; an attestation sets
/// the oracle's bit in a mask per milestone, round, evidence hash and URI, and counts while the bit is set in the
/// mask of accredited oracles. Revoking clears the oracle's bit and advances the signature epoch.
contract MilestoneCertifier is IMilestoneCertifier, AccessControlDefaultAdminRules, DelayedChanges, EIP712 {
    using Bits for uint256;

    /// @notice The duty `CertifierDutyConflict` names for a reviewer.
    bytes32 public constant REVIEWER_ROLE = keccak256("REVIEWER_ROLE");

    /// @notice EIP-712 type of a signed certification.
    bytes32 public constant CERTIFICATION_TYPEHASH = keccak256(
        "Certification(uint256 poolId,uint256 milestoneId,bytes32 evidenceHash,string evidenceURI,uint256 deadline,uint256 epoch)"
    );

    /// @notice How many oracle accreditations this contract can ever make: one bit each in a 224-bit mask, which
    /// shares a slot with the quorum and the signature epoch (every attestation reads the mask and the quorum).
    uint256 public constant MAX_ORACLE_ACCREDITATIONS = 224;

    /// @inheritdoc IMilestoneCertifier
    IImpactPools public immutable pools;
    /// @notice The register of sites (for the separation of duties).
    ISiteRegistry public immutable registry;

    uint8 internal constant _KIND_ACCREDIT_ORACLE = 1;
    uint8 internal constant _KIND_LOWER_QUORUM = 2;
    uint8 internal constant _KIND_REVOKE_REVIEWER = 3;

    /// @dev One entry of `certifyWithSignatures`' packed signatures: r, s and v.
    uint256 private constant _ENTRY_BYTES = 65;
    /// @dev The largest s OpenZeppelin's `ECDSA` accepts (half the secp256k1 order, EIP-2).
    uint256 private constant _HALF_CURVE_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// @dev `PoolAttestations.milestoneId` while no oracle has attested in the pool's round (milestones stop at 31).
    uint8 private constant _NO_MILESTONE = type(uint8).max;
    /// @dev `_leadEvidence` of a pool before its first attestation: written when the pool opens, so that the slot
    /// is never zero and the first attestation of each round pays for no new slot. No backing key equals it.
    bytes32 private constant _LEAD_NONE = bytes32(uint256(1));
    /// @dev `_leadEvidence` once the oracles of the round back more than one evidence: every backing is in
    /// `_backing`, the lead's too.
    bytes32 private constant _LEAD_SPLIT = bytes32(uint256(2));

    /// @dev One slot, read by every attestation and certification. The quorum never exceeds the oracles accredited
    /// and the epoch counts revocations, so neither can pass MAX_ORACLE_ACCREDITATIONS.
    struct Accreditation {
        uint224 accreditedMask;
        uint16 quorum;
        uint16 signatureEpoch;
    }

    /// @dev One slot a pool, written when the pool opens (`onPoolOpened`) so that no attestation pays for a new slot
    /// for it. Only a pool's next milestone can be certified (the pools check the order), so one mask serves them
    /// all: the oracles that attested `milestoneId` on chain, in the round `voids`; the mask of an earlier milestone
    /// is stale once the next one is attested. `voids` counts the pool's voided certifications: every void starts
    /// a new round for the whole pool, so no attestation made before it counts after it.
    struct PoolAttestations {
        uint224 attested;
        uint8 milestoneId;
        uint24 voids;
    }

    Accreditation private _accreditation;
    uint256 private _oracleCount;
    uint256 private _accreditations;
    mapping(address oracle => uint256 indexPlusOne) private _oracleIndex;
    mapping(address reviewer => bool) private _reviewers;
    mapping(uint256 poolId => mapping(uint256 milestoneId => uint256 round)) private _rounds;
    mapping(uint256 poolId => PoolAttestations) private _poolAttestations;
    // The backing key (`_backingKey`) of the evidence the round's first attestation gave. While every oracle of
    // the round backs it, its backers are exactly `PoolAttestations.attested` and nothing else is stored: the usual
    // round, where the oracles agree, writes two slots a pool that exist from its opening and no new one.
    mapping(uint256 poolId => bytes32 backingKey) private _leadEvidence;
    // The oracles backing one evidence hash and URI for one milestone in one round, once the round's oracles back
    // more than one (`_LEAD_SPLIT`). The URI is in the key, so oracles agree on it on chain as they do in a
    // signature, and no attestation stores it.
    mapping(bytes32 backingKey => uint256 mask) private _backing;
    mapping(uint256 poolId => mapping(uint256 milestoneId => mapping(bytes32 evidenceHash => bool))) private _voided;

    /// @param adminDelay Seconds a default-admin transfer must wait before it can be accepted.
    /// @param admin The programme's admin account (typically a multisig): schedules oracle accreditations.
    /// @param changeDelay_ Seconds a change that makes certification easier waits, at least `MIN_CHANGE_DELAY`.
    /// @param siteRegistry The register of sites.
    /// @param impactPools The pools whose milestones are certified here.
    /// @param oracles The first accredited oracles.
    /// @param initialQuorum The first quorum, between 1 and `oracles.length`.
    /// @param reviewers The first accredited reviewers.
    constructor(
        uint48 adminDelay,
        address admin,
        uint256 changeDelay_,
        ISiteRegistry siteRegistry,
        IImpactPools impactPools,
        address[] memory oracles,
        uint256 initialQuorum,
        address[] memory reviewers
    )
        AccessControlDefaultAdminRules(adminDelay, admin)
        DelayedChanges(changeDelay_)
        EIP712("Green List Milestone Certifier", "1")
    {
        if (
            address(impactPools.certifier()) != address(this) || address(siteRegistry.certifier()) != address(this)
                || address(impactPools.registry()) != address(siteRegistry)
        ) revert CertifierMiswired(address(impactPools), address(siteRegistry));
        (pools, registry) = (impactPools, siteRegistry);
        for (uint256 i; i < oracles.length; ++i) {
            _accredit(oracles[i]);
        }
        _setQuorum(initialQuorum);
        for (uint256 i; i < reviewers.length; ++i) {
            _accreditReviewer(reviewers[i]);
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // Oracles and reviewers
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc IMilestoneCertifier
    function attest(uint256 poolId, uint256 milestoneId, bytes32 evidenceHash, string calldata evidenceURI)
        external
        returns (bool certified)
    {
        uint256 bit = _oracleBit(msg.sender);
        if (bit == 0) revert CertifierNotOracle(msg.sender);
        PoolAttestations memory round = _poolAttestations[poolId];
        _checkEvidence(poolId, milestoneId, evidenceHash, round.voids);
        pools.checkCertifiable(poolId, milestoneId);

        uint256 attested = round.milestoneId == milestoneId ? round.attested : 0;
        if (attested & bit != 0) revert CertifierAlreadyAttested(poolId, milestoneId, msg.sender);
        // milestoneId < 32 (the pools checked it) and bit < 2**224 (an accreditation index).
        _poolAttestations[poolId] = PoolAttestations(uint224(attested | bit), uint8(milestoneId), round.voids);
        bytes32 key = _backingKey(poolId, milestoneId, round.voids, evidenceHash, evidenceURI);
        uint256 mask = _recordBacking(poolId, key, attested, bit);

        Accreditation memory accreditation = _accreditation;
        uint256 count = (mask & accreditation.accreditedMask).count();
        emit OracleAttested(poolId, milestoneId, msg.sender, evidenceHash, evidenceURI, count);
        // `>=` rather than `==`: the quorum may have been lowered after earlier attestations.
        certified = count >= accreditation.quorum;
        if (certified) pools.recordCertification(poolId, milestoneId, evidenceHash, evidenceURI);
    }

    /// @inheritdoc IMilestoneCertifier
    function finalizeAttestations(
        uint256 poolId,
        uint256 milestoneId,
        bytes32 evidenceHash,
        string calldata evidenceURI
    ) external {
        // The URI is part of the key: a URI no oracle attested with finds no backing.
        uint256 mask = _backingOf(poolId, milestoneId, evidenceHash, evidenceURI);
        Accreditation memory accreditation = _accreditation;
        uint256 count = (mask & accreditation.accreditedMask).count();
        if (count < accreditation.quorum) revert CertifierBelowQuorum(count, accreditation.quorum);
        emit AttestationsFinalized(poolId, milestoneId, msg.sender, evidenceHash, count);
        pools.recordCertification(poolId, milestoneId, evidenceHash, evidenceURI);
    }

    /// @inheritdoc IMilestoneCertifier
    function certifyWithSignatures(
        uint256 poolId,
        uint256 milestoneId,
        bytes32 evidenceHash,
        string calldata evidenceURI,
        uint256 deadline,
        bytes calldata signatures
    ) external {
        if (block.timestamp > deadline) revert CertifierSignatureExpired(deadline, block.timestamp);
        // Oracles that attested on chain this round, but not this evidence and URI, may not sign it.
        uint256 conflicting = _checkEvidenceForSignatures(poolId, milestoneId, evidenceHash, evidenceURI);
        Accreditation memory accreditation = _accreditation;
        if (signatures.length < accreditation.quorum * _ENTRY_BYTES) {
            revert CertifierBelowQuorum(signatures.length / _ENTRY_BYTES, accreditation.quorum);
        }
        // Whether the milestone can be certified now is checked once, by the pools, in `recordCertification`.

        bytes32 digest = _certificationDigest(
            poolId, milestoneId, evidenceHash, evidenceURI, deadline, accreditation.signatureEpoch
        );
        (address[] memory signers, uint256 signersMask) = _signersOf(signatures, accreditation.quorum, digest);
        // One test for every signer: their bits were gathered as they were recovered.
        if (signersMask & conflicting != 0) {
            revert CertifierConflictingEvidence(poolId, milestoneId, _firstSignerIn(signers, conflicting));
        }
        emit CertifiedBySignatures(poolId, milestoneId, msg.sender, evidenceHash, signers);
        pools.recordCertification(poolId, milestoneId, evidenceHash, evidenceURI);
    }

    /// @inheritdoc IMilestoneCertifier
    function voidCertification(uint256 poolId, uint256 milestoneId, bytes32 reasonHash, string calldata reasonURI)
        external
    {
        if (!_reviewers[msg.sender]) revert CertifierNotReviewer(msg.sender);
        if (reasonHash == bytes32(0)) revert CertifierZeroReason();
        bytes32[] memory voided = pools.voidCertification(poolId, milestoneId, msg.sender, reasonHash, reasonURI);
        for (uint256 i; i < voided.length; ++i) {
            _voided[poolId][milestoneId + i][voided[i]] = true;
            ++_rounds[poolId][milestoneId + i];
        }
        // A new round for the pool: no earlier attestation counts, whichever milestone it was for. The increment is
        // checked, so the count can never wrap to an earlier round (2**24 voids, each of a quorum's certification).
        _poolAttestations[poolId] = PoolAttestations(0, _NO_MILESTONE, _poolAttestations[poolId].voids + 1);
    }

    /// @inheritdoc IMilestoneCertifier
    function onPoolOpened(uint256 poolId) external {
        if (msg.sender != address(pools)) revert CertifierNotPools(msg.sender);
        _poolAttestations[poolId] = PoolAttestations(0, _NO_MILESTONE, 0);
        _leadEvidence[poolId] = _LEAD_NONE;
    }

    // ----------------------------------------------------------------------------------------------------------
    // The programme
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc IMilestoneCertifier
    function scheduleOracleAccreditation(address oracle)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        returns (uint256 changeId)
    {
        _checkMayAccredit(oracle);
        return _scheduleChange(_KIND_ACCREDIT_ORACLE, 0, uint160(oracle));
    }

    /// @inheritdoc IMilestoneCertifier
    function revokeOracle(address oracle) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 indexPlusOne = _oracleIndex[oracle];
        if (indexPlusOne == 0) revert CertifierNotOracle(oracle);
        delete _oracleIndex[oracle];
        Accreditation memory accreditation = _accreditation;
        accreditation.accreditedMask &= ~uint224(1 << (indexPlusOne - 1));
        // Revocations never outnumber accreditations, at most 224: the epoch fits 16 bits.
        uint256 epoch = ++accreditation.signatureEpoch;
        _accreditation = accreditation;
        --_oracleCount;
        emit OracleRevoked(oracle, indexPlusOne - 1, epoch);
    }

    /// @inheritdoc IMilestoneCertifier
    function raiseQuorum(uint256 newQuorum) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 current = _accreditation.quorum;
        if (newQuorum <= current) revert CertifierWrongQuorumDirection(newQuorum, current);
        _setQuorum(newQuorum);
    }

    /// @inheritdoc IMilestoneCertifier
    function scheduleQuorumDecrease(uint256 newQuorum)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        returns (uint256 changeId)
    {
        uint256 current = _accreditation.quorum;
        if (newQuorum >= current) revert CertifierWrongQuorumDirection(newQuorum, current);
        if (newQuorum == 0) revert CertifierInvalidQuorum(newQuorum, _oracleCount);
        return _scheduleChange(_KIND_LOWER_QUORUM, 0, newQuorum);
    }

    /// @inheritdoc IMilestoneCertifier
    function accreditReviewer(address reviewer) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _accreditReviewer(reviewer);
    }

    /// @inheritdoc IMilestoneCertifier
    function scheduleReviewerRevocation(address reviewer)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        returns (uint256 changeId)
    {
        if (!_reviewers[reviewer]) revert CertifierNotReviewer(reviewer);
        return _scheduleChange(_KIND_REVOKE_REVIEWER, 0, uint160(reviewer));
    }

    // ----------------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc IMilestoneCertifier
    function certificationDigest(
        uint256 poolId,
        uint256 milestoneId,
        bytes32 evidenceHash,
        string calldata evidenceURI,
        uint256 deadline
    ) external view returns (bytes32) {
        return _certificationDigest(
            poolId, milestoneId, evidenceHash, evidenceURI, deadline, _accreditation.signatureEpoch
        );
    }

    /// @inheritdoc IMilestoneCertifier
    function quorum() external view returns (uint256) {
        return _accreditation.quorum;
    }

    /// @inheritdoc IMilestoneCertifier
    function oracleCount() external view returns (uint256) {
        return _oracleCount;
    }

    /// @inheritdoc IMilestoneCertifier
    function isOracle(address account) public view returns (bool) {
        return _oracleIndex[account] != 0;
    }

    /// @inheritdoc IMilestoneCertifier
    function isReviewer(address account) external view returns (bool) {
        return _reviewers[account];
    }

    /// @inheritdoc IMilestoneCertifier
    function signatureEpoch() external view returns (uint256) {
        return _accreditation.signatureEpoch;
    }

    /// @inheritdoc IMilestoneCertifier
    function roundOf(uint256 poolId, uint256 milestoneId) external view returns (uint256) {
        return _rounds[poolId][milestoneId];
    }

    /// @inheritdoc IMilestoneCertifier
    function hasAttested(uint256 poolId, uint256 milestoneId, address oracle) external view returns (bool) {
        uint256 bit = _oracleBit(oracle);
        PoolAttestations memory round = _poolAttestations[poolId];
        return bit != 0 && round.milestoneId == milestoneId && round.attested & bit != 0;
    }

    /// @inheritdoc IMilestoneCertifier
    function attestationCount(uint256 poolId, uint256 milestoneId, bytes32 evidenceHash, string calldata evidenceURI)
        external
        view
        returns (uint256)
    {
        return (_backingOf(poolId, milestoneId, evidenceHash, evidenceURI) & _accreditation.accreditedMask).count();
    }

    /// @inheritdoc IMilestoneCertifier
    function isEvidenceVoided(uint256 poolId, uint256 milestoneId, bytes32 evidenceHash) external view returns (bool) {
        return _voided[poolId][milestoneId][evidenceHash];
    }

    // ----------------------------------------------------------------------------------------------------------
    // Delayed changes
    // ----------------------------------------------------------------------------------------------------------

    function _requireMayChange(uint8 kind, address account) internal view override {
        if (!hasRole(DEFAULT_ADMIN_ROLE, account)) revert ChangesUnauthorized(account, kind);
    }

    function _mayCancel(address account) internal view override returns (bool) {
        return hasRole(DEFAULT_ADMIN_ROLE, account);
    }

    function _applyChange(uint8 kind, uint256, uint256 value) internal override {
        if (kind == _KIND_ACCREDIT_ORACLE) {
            _accredit(address(uint160(value)));
        } else if (kind == _KIND_LOWER_QUORUM) {
            _setQuorum(value);
        } else {
            address reviewer = address(uint160(value));
            if (!_reviewers[reviewer]) revert CertifierNotReviewer(reviewer);
            _reviewers[reviewer] = false;
            emit ReviewerRevoked(reviewer);
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // Internal
    // ----------------------------------------------------------------------------------------------------------

    /// @dev No role here for an accredited oracle (separation of duties).
    function _grantRole(bytes32 role, address account) internal override returns (bool) {
        if (isOracle(account)) revert CertifierDutyConflict(account, role);
        return super._grantRole(role, account);
    }

    function _accredit(address oracle) private {
        _checkMayAccredit(oracle);
        uint256 index = _accreditations;
        if (index == MAX_ORACLE_ACCREDITATIONS) revert CertifierAccreditationsExhausted();
        _accreditations = index + 1;
        _oracleIndex[oracle] = index + 1;
        _accreditation.accreditedMask |= uint224(1 << index);
        ++_oracleCount;
        emit OracleAccredited(oracle, index);
    }

    function _accreditReviewer(address reviewer) private {
        if (reviewer == address(0)) revert CertifierZeroAddress();
        if (isOracle(reviewer)) revert CertifierDutyConflict(reviewer, REVIEWER_ROLE);
        if (_reviewers[reviewer]) revert CertifierAlreadyReviewer(reviewer);
        _reviewers[reviewer] = true;
        emit ReviewerAccredited(reviewer);
    }

    /// @dev An oracle holds no other duty anywhere in the system: not a reviewer, not a site's wallet, no role.
    function _checkMayAccredit(address oracle) private view {
        if (oracle == address(0)) revert CertifierZeroAddress();
        if (isOracle(oracle)) revert CertifierAlreadyOracle(oracle);
        if (_reviewers[oracle]) revert CertifierDutyConflict(oracle, REVIEWER_ROLE);
        if (hasRole(DEFAULT_ADMIN_ROLE, oracle)) revert CertifierDutyConflict(oracle, DEFAULT_ADMIN_ROLE);
        (bool held, bytes32 duty) = registry.dutyOf(oracle);
        if (!held) (held, duty) = pools.dutyOf(oracle);
        if (held) revert CertifierDutyConflict(oracle, duty);
    }

    function _setQuorum(uint256 newQuorum) private {
        if (newQuorum == 0 || newQuorum > _oracleCount) revert CertifierInvalidQuorum(newQuorum, _oracleCount);
        emit QuorumChanged(_accreditation.quorum, newQuorum);
        _accreditation.quorum = uint16(newQuorum); // newQuorum <= _oracleCount <= MAX_ORACLE_ACCREDITATIONS
    }

    /// @dev The oracle's bit in the accredited mask, or 0 if it is not accredited.
    function _oracleBit(address oracle) private view returns (uint256) {
        uint256 indexPlusOne = _oracleIndex[oracle];
        return indexPlusOne == 0 ? 0 : uint256(1) << (indexPlusOne - 1);
    }

    /// @dev Evidence is voided only by a void, which `voids` counts: a pool never voided skips a cold slot here.
    function _checkEvidence(uint256 poolId, uint256 milestoneId, bytes32 evidenceHash, uint256 voids) private view {
        if (evidenceHash == bytes32(0)) revert CertifierZeroEvidence();
        if (voids != 0 && _voided[poolId][milestoneId][evidenceHash]) {
            revert CertifierEvidenceVoided(poolId, milestoneId, evidenceHash);
        }
    }

    function _backingKey(
        uint256 poolId,
        uint256 milestoneId,
        uint256 voids,
        bytes32 evidenceHash,
        string calldata evidenceURI
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(poolId, milestoneId, voids, evidenceHash, keccak256(bytes(evidenceURI))));
    }

    /// @dev `_hashTypedDataV4(keccak256(abi.encode(CERTIFICATION_TYPEHASH, poolId, milestoneId, evidenceHash,
    /// keccak256(bytes(evidenceURI)), deadline, epoch)))`, in assembly only to hash in scratch memory past the free
    /// pointer without allocating: about 250 gas on every certification. The tests sign with eth-account's EIP-712
    /// encoder and compare with `certificationDigest`, so any difference from the standard encoding fails them.
    function _certificationDigest(
        uint256 poolId,
        uint256 milestoneId,
        bytes32 evidenceHash,
        string calldata evidenceURI,
        uint256 deadline,
        uint256 epoch
    ) private view returns (bytes32 digest) {
        bytes32 separator = _domainSeparatorV4();
        bytes32 typeHash = CERTIFICATION_TYPEHASH;
        assembly ("memory-safe") {
            let m := mload(0x40)
            calldatacopy(m, evidenceURI.offset, evidenceURI.length)
            let uriHash := keccak256(m, evidenceURI.length)
            mstore(m, typeHash)
            mstore(add(m, 0x20), poolId)
            mstore(add(m, 0x40), milestoneId)
            mstore(add(m, 0x60), evidenceHash)
            mstore(add(m, 0x80), uriHash)
            mstore(add(m, 0xa0), deadline)
            mstore(add(m, 0xc0), epoch)
            let structHash := keccak256(m, 0xe0)
            // "\x19\x01" ‖ domain separator ‖ struct hash: 66 bytes from the last two bytes of the first word.
            mstore(m, 0x1901)
            mstore(add(m, 0x20), separator)
            mstore(add(m, 0x40), structHash)
            digest := keccak256(add(m, 0x1e), 0x42)
        }
    }

    /// @dev The accredited oracles that signed `digest` in the first `count` entries of the packed signatures
    /// (see `IMilestoneCertifier.certifyWithSignatures`), in strictly ascending order, and the mask of their bits.
    /// EOAs (v != 0) are recovered with OpenZeppelin's checks (low s, v of 27 or 28, a non-zero address; see
    /// `_recover`); contract wallets (v = 0) must accept their signature by ERC-1271. The caller has checked that
    /// `signatures` holds `count` entries.
    function _signersOf(bytes calldata signatures, uint256 count, bytes32 digest)
        private
        view
        returns (address[] memory signers, uint256 mask)
    {
        signers = new address[](count);
        address previous = address(0);
        for (uint256 i; i < count; ++i) {
            bytes32 r;
            bytes32 s;
            uint8 v;
            assembly ("memory-safe") {
                let entry := add(signatures.offset, mul(i, _ENTRY_BYTES))
                r := calldataload(entry)
                s := calldataload(add(entry, 0x20))
                v := byte(0, calldataload(add(entry, 0x40)))
            }
            address signer = v != 0 ? _recover(digest, v, r, s) : _walletSigner(signatures, i, count, digest, r, s);
            if (signer == address(0)) revert CertifierMalformedSignature(i);
            // Strictly ascending: a duplicate is never greater than itself, so no storage is needed to catch it.
            if (signer <= previous) revert CertifierSignerOutOfOrder(i, signer, previous);
            uint256 bit = _oracleBit(signer);
            if (bit == 0) revert CertifierNotOracle(signer);
            mask |= bit;
            signers[i] = signer;
            previous = signer;
        }
    }

    /// @dev The EOA that signed `digest`, or 0 where OpenZeppelin's `ECDSA.tryRecover` reports an error: an s in
    /// the upper half of the curve order (a malleable twin), a v other than 27 or 28, or no address recovered.
    /// Assembly only to call the ecrecover precompile on memory past the free pointer, without the copies and the
    /// error enum of the library's path: about 300 gas per signature, on every certification.
    function _recover(bytes32 digest, uint8 v, bytes32 r, bytes32 s) private view returns (address signer) {
        if (uint256(s) > _HALF_CURVE_ORDER || (v != 27 && v != 28)) return address(0);
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, digest)
            mstore(add(m, 0x20), v)
            mstore(add(m, 0x40), r)
            mstore(add(m, 0x60), s)
            // The precompile returns nothing for a signature it cannot recover: then signer stays 0.
            if staticcall(gas(), 0x01, m, 0x80, m, 0x20) {
                if eq(returndatasize(), 0x20) { signer := mload(m) }
            }
        }
    }

    /// @dev Checks the evidence as an attestation does, and returns the oracles that attested the milestone on chain
    /// in the pool's current round, but not this evidence and URI. The backing is read only if someone attested the
    /// milestone this round: usually no one did, and a certification by signatures skips a cold slot.
    function _checkEvidenceForSignatures(
        uint256 poolId,
        uint256 milestoneId,
        bytes32 evidenceHash,
        string calldata evidenceURI
    ) private view returns (uint256) {
        PoolAttestations memory round = _poolAttestations[poolId];
        _checkEvidence(poolId, milestoneId, evidenceHash, round.voids);
        if (round.milestoneId != milestoneId || round.attested == 0) return 0;
        bytes32 key = _backingKey(poolId, milestoneId, round.voids, evidenceHash, evidenceURI);
        return round.attested & ~_backingIn(poolId, round.attested, key);
    }

    /// @dev Adds `bit` to the backers of `key` (an evidence of the milestone that `attested`, not holding `bit`,
    /// is the mask of) and returns them. The round's first attestation makes its evidence the lead; the first
    /// attestation of other evidence stores the lead's backers, all of `attested`, and splits the round.
    function _recordBacking(uint256 poolId, bytes32 key, uint256 attested, uint256 bit) private returns (uint256) {
        if (attested == 0) {
            _leadEvidence[poolId] = key;
            return bit;
        }
        bytes32 lead = _leadEvidence[poolId];
        if (lead == key) return attested | bit;
        if (lead != _LEAD_SPLIT) {
            (_backing[lead], _leadEvidence[poolId]) = (attested, _LEAD_SPLIT);
        }
        uint256 mask = _backing[key] | bit;
        _backing[key] = mask;
        return mask;
    }

    /// @dev The oracles backing this evidence and URI for the milestone in the pool's current round.
    function _backingOf(uint256 poolId, uint256 milestoneId, bytes32 evidenceHash, string calldata evidenceURI)
        private
        view
        returns (uint256)
    {
        PoolAttestations memory round = _poolAttestations[poolId];
        bytes32 key = _backingKey(poolId, milestoneId, round.voids, evidenceHash, evidenceURI);
        return round.milestoneId == milestoneId ? _backingIn(poolId, round.attested, key) : _backing[key];
    }

    /// @dev The backers of `key` in a round whose attested mask is `attested`, for the milestone attested now.
    function _backingIn(uint256 poolId, uint256 attested, bytes32 key) private view returns (uint256) {
        return attested != 0 && _leadEvidence[poolId] == key ? attested : _backing[key];
    }

    /// @dev The first of `signers` whose bit is in `mask` (the caller knows one is).
    function _firstSignerIn(address[] memory signers, uint256 mask) private view returns (address signer) {
        for (uint256 i; i < signers.length; ++i) {
            if (_oracleBit(signers[i]) & mask != 0) return signers[i];
        }
    }

    /// @dev Entry `i` is a contract signature: r holds the wallet, s the offset of a 32-byte length and the
    /// wallet's signature, which must lie after the `count` entries and inside `signatures`.
    function _walletSigner(bytes calldata signatures, uint256 i, uint256 count, bytes32 digest, bytes32 r, bytes32 s)
        private
        view
        returns (address wallet)
    {
        if (uint256(r) >> 160 != 0) revert CertifierMalformedSignature(i);
        wallet = address(uint160(uint256(r)));
        uint256 offset = uint256(s);
        uint256 end = signatures.length;
        // Order matters: offset + 32 cannot overflow once offset <= end - 32 (end >= 65 here).
        if (offset < count * _ENTRY_BYTES || offset > end - 32) revert CertifierMalformedSignature(i);
        uint256 length = uint256(bytes32(signatures[offset:offset + 32]));
        if (length > end - offset - 32) revert CertifierMalformedSignature(i);
        if (!SignatureChecker.isValidERC1271SignatureNow(wallet, digest, signatures[offset + 32:offset + 32 + length]))
        {
            revert CertifierInvalidSignature(i, wallet);
        }
    }
}
