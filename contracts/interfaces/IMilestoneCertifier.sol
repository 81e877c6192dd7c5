// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IDelayedChanges} from "./IDelayedChanges.sol";
import {IImpactPools} from "./IImpactPools.sol";

/// @title IMilestoneCertifier
/// @notice Accredited milestone oracles (members of an Expert Assessment Group for the Green List) attest that a
/// pool's milestone was met, with the hash and URI of their evidence. A milestone is certified when a quorum of
/// distinct, currently accredited oracles backs the same evidence hash and URI, on chain or by EIP-712 signatures.
/// Accredited reviewers (the Independent Reviewer's role, distinct from the oracles) may void a certification
/// during the pool's challenge window.
/// @dev What makes certification easier waits the change delay (`IDelayedChanges`) and lets holders exit while
/// it is pending: accrediting an oracle, lowering the quorum, revoking a reviewer, changing the delay. What makes
/// it harder is immediate: revoking an oracle, raising the quorum, accrediting a reviewer.
/// Note: an attestation counts only while its oracle stays accredited; revoking an oracle also invalidates every
/// outstanding signature (the signature epoch advances), and an oracle accredited again gets a new index, so
/// neither its old attestations nor its old signatures come back. Each accreditation takes one of
/// `MAX_ORACLE_ACCREDITATIONS` indices for the contract's lifetime. Revoking oracles may leave fewer than the
/// quorum; milestones then wait for a new accreditation, or miss their deadlines and investors are refunded.
interface IMilestoneCertifier is IDelayedChanges {
    // ----------------------------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------------------------

    /// @notice An oracle attested a milestone.
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @param oracle The attesting oracle.
    /// @param evidenceHash The evidence it attested.
    /// @param evidenceURI Where the evidence lives.
    /// @param attestations How many accredited oracles now back this same evidence for this milestone.
    event OracleAttested(
        uint256 indexed poolId,
        uint256 indexed milestoneId,
        address indexed oracle,
        bytes32 evidenceHash,
        string evidenceURI,
        uint256 attestations
    );

    /// @notice A relayer certified a milestone with the signatures of a quorum of oracles.
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @param relayer Who submitted the signatures.
    /// @param evidenceHash The evidence the oracles signed.
    /// @param signers The oracles whose signatures were counted, in ascending order.
    event CertifiedBySignatures(
        uint256 indexed poolId,
        uint256 indexed milestoneId,
        address indexed relayer,
        bytes32 evidenceHash,
        address[] signers
    );

    /// @notice Someone turned on-chain attestations that meet the current quorum into a certification.
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @param finalizer Who called.
    /// @param evidenceHash The evidence.
    /// @param attestations How many accredited oracles back it.
    event AttestationsFinalized(
        uint256 indexed poolId,
        uint256 indexed milestoneId,
        address indexed finalizer,
        bytes32 evidenceHash,
        uint256 attestations
    );

    /// @notice The number of oracles needed to certify a milestone changed.
    /// @param previousQuorum The quorum before.
    /// @param newQuorum The quorum after.
    event QuorumChanged(uint256 previousQuorum, uint256 newQuorum);

    /// @notice An oracle was accredited (at deployment, or by an executed change).
    /// @param oracle The oracle.
    /// @param index Its accreditation index, which its attestations are recorded under.
    event OracleAccredited(address indexed oracle, uint256 index);

    /// @notice An oracle's accreditation was revoked; its attestations no longer count.
    /// @param oracle The oracle.
    /// @param index The accreditation index it held.
    /// @param signatureEpoch The new signature epoch: every signature made before is void.
    event OracleRevoked(address indexed oracle, uint256 index, uint256 signatureEpoch);

    /// @notice A reviewer was accredited.
    /// @param reviewer The reviewer.
    event ReviewerAccredited(address indexed reviewer);

    /// @notice A reviewer's accreditation was revoked (by an executed change).
    /// @param reviewer The reviewer.
    event ReviewerRevoked(address indexed reviewer);

    // ----------------------------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------------------------

    /// @notice The quorum must be between 1 and the number of accredited oracles.
    /// @param quorum The quorum asked for.
    /// @param oracleCount The number of accredited oracles.
    error CertifierInvalidQuorum(uint256 quorum, uint256 oracleCount);

    /// @notice Raising the quorum is immediate and lowering it is a delayed change: this call asked the other way.
    /// @param quorum The quorum asked for.
    /// @param currentQuorum The quorum now.
    error CertifierWrongQuorumDirection(uint256 quorum, uint256 currentQuorum);

    /// @notice This oracle has already attested this milestone (in its current round).
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @param oracle The oracle.
    error CertifierAlreadyAttested(uint256 poolId, uint256 milestoneId, address oracle);

    /// @notice This oracle backs other evidence (or the same hash with another URI) for this milestone; one oracle
    /// cannot back two.
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @param oracle The oracle.
    error CertifierConflictingEvidence(uint256 poolId, uint256 milestoneId, address oracle);

    /// @notice This evidence was voided by a reviewer for this milestone; a new certification needs new evidence.
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @param evidenceHash The voided evidence.
    error CertifierEvidenceVoided(uint256 poolId, uint256 milestoneId, bytes32 evidenceHash);

    /// @notice The evidence hash is zero.
    error CertifierZeroEvidence();


    /// @notice The signatures' deadline has passed.
    /// @param deadline The deadline that was signed.
    /// @param now The block's timestamp.
    error CertifierSignatureExpired(uint256 deadline, uint256 now);

    /// @notice Fewer signatures or valid attestations than the quorum.
    /// @param count How many 65-byte signature entries were given, or how many accredited oracles attested.
    /// @param quorum How many are needed.
    error CertifierBelowQuorum(uint256 count, uint256 quorum);

    /// @notice Signers must be in strictly ascending address order; this one is a duplicate or out of order.
    /// @param index Its position in the list.
    /// @param signer The signer.
    /// @param previous The signer before it.
    error CertifierSignerOutOfOrder(uint256 index, address signer, address previous);

    /// @notice The account is not an accredited oracle (now: it may have been revoked since it signed).
    /// @param account The account.
    error CertifierNotOracle(address account);

    /// @notice A signature is malformed: a high-s (malleable) copy, a `v` other than 27 or 28, one that recovers no
    /// address, or a contract signature whose signer is not an address or whose data lies outside `signatures`.
    /// @param index Its position in `signatures`.
    error CertifierMalformedSignature(uint256 index);

    /// @notice A contract signature that its wallet rejected by ERC-1271 (or whose signer has no code).
    /// @param index Its position in `signatures`.
    /// @param signer The wallet.
    error CertifierInvalidSignature(uint256 index, address signer);

    /// @notice The zero address can never be an oracle or a reviewer.
    error CertifierZeroAddress();

    /// @notice The account is already an accredited oracle.
    /// @param account The account.
    error CertifierAlreadyOracle(address account);

    /// @notice The account is already an accredited reviewer.
    /// @param account The account.
    error CertifierAlreadyReviewer(address account);

    /// @notice The account is not an accredited reviewer.
    /// @param account The account.
    error CertifierNotReviewer(address account);

    /// @notice Separation of duties: an oracle cannot hold this duty, nor the holder of this duty be an oracle.
    /// @param account The account.
    /// @param duty The duty: a role id of the registry, the pools or this contract, `keccak256("BENEFICIARY")`
    /// or `REVIEWER_ROLE`.
    error CertifierDutyConflict(address account, bytes32 duty);

    /// @notice Every one of the `MAX_ORACLE_ACCREDITATIONS` accreditation indices has been used.
    error CertifierAccreditationsExhausted();

    /// @notice A void needs the hash of the reviewer's reasons.
    error CertifierZeroReason();

    /// @notice Only the pools contract announces the pools it opens.
    /// @param caller Who called.
    error CertifierNotPools(address caller);

    /// @notice The registry and the pools were not deployed for this certifier.
    /// @param pools The pools contract given.
    /// @param registry The registry given.
    error CertifierMiswired(address pools, address registry);

    // ----------------------------------------------------------------------------------------------------------
    // Oracles and reviewers
    // ----------------------------------------------------------------------------------------------------------

    /// @notice Attests that milestone `milestoneId` of pool `poolId` was met, with the given evidence.
    /// @dev Only accredited oracles, once each per milestone and round (any void of the pool's certifications
    /// starts a new round for the pool: attestations made before it no longer count). Oracles back an evidence
    /// hash and URI together, as in a signature: the same hash with another URI is other evidence. The
    /// attestation that brings the accredited backers of this evidence to the quorum certifies the milestone in
    /// the pools contract. Reverts with the pools' reason if the milestone cannot be certified now.
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @param evidenceHash Hash of the evidence.
    /// @param evidenceURI Where the evidence lives.
    /// @return certified True if this attestation completed the quorum.
    function attest(uint256 poolId, uint256 milestoneId, bytes32 evidenceHash, string calldata evidenceURI)
        external
        returns (bool certified);

    /// @notice Certifies a milestone whose on-chain attestations by accredited oracles meet the current quorum
    /// (e.g. after the quorum was lowered). Anyone may call it.
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @param evidenceHash The evidence.
    /// @param evidenceURI The URI the oracles attested with.
    function finalizeAttestations(
        uint256 poolId,
        uint256 milestoneId,
        bytes32 evidenceHash,
        string calldata evidenceURI
    ) external;

    /// @notice Certifies milestone `milestoneId` of pool `poolId` with EIP-712 signatures of a quorum of oracles.
    /// @dev Anyone may relay. Each signature is over `Certification(poolId, milestoneId, evidenceHash,
    /// evidenceURI, deadline, epoch)` in this contract's EIP-712 domain (name, version, chain id, this address),
    /// where `epoch` is `signatureEpoch()` (it advances whenever an oracle is revoked), so it cannot be replayed
    /// on another pool, milestone, chain or deployment, nor after a revocation. Exactly `quorum()` signatures are
    /// read; their signers must be accredited oracles now, in strictly ascending address order (which rejects
    /// duplicates without storage), and none may have attested other evidence (or another URI) on chain for this
    /// milestone in the pool's current round. An
    /// EOA's signer is recovered from its ECDSA signature (low-s only); contract wallets answer ERC-1271. Reverts
    /// with the pools' reason if the milestone cannot be certified now.
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @param evidenceHash Hash of the evidence.
    /// @param evidenceURI Where the evidence lives (signed too, so a relayer cannot change it).
    /// @param deadline Last second (inclusive, unix time) at which the signatures may be used.
    /// @param signatures The oracles' signatures, concatenated in ascending signer order, 65 bytes each (Safe's
    /// encoding): for an EOA its ECDSA signature `r ‖ s ‖ v`, v = 27 or 28; for a contract wallet
    /// `bytes32(wallet) ‖ bytes32(offset) ‖ 0x00`, where `offset` points, within `signatures` and after the
    /// 65-byte entries, to a 32-byte length followed by the signature the wallet validates. Entries beyond the
    /// quorum are not read.
    function certifyWithSignatures(
        uint256 poolId,
        uint256 milestoneId,
        bytes32 evidenceHash,
        string calldata evidenceURI,
        uint256 deadline,
        bytes calldata signatures
    ) external;

    /// @notice Voids the certification of milestone `milestoneId` (and of every later milestone of the pool
    /// certified since) within the pool's challenge window, giving the reviewer's reasons.
    /// @dev Only accredited reviewers. The voided evidence can never certify this milestone again; the oracles
    /// attest or sign anew (a new round for the pool), with new evidence, before the milestone's deadline.
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @param reasonHash Hash of the reviewer's reasons.
    /// @param reasonURI Where the reasons live.
    function voidCertification(uint256 poolId, uint256 milestoneId, bytes32 reasonHash, string calldata reasonURI)
        external;

    /// @notice Called by the pools contract when it opens a pool: writes the pool's attestation slot, so that
    /// the pool's first attestation does not pay for a new slot.
    /// @param poolId The pool opened.
    function onPoolOpened(uint256 poolId) external;

    // ----------------------------------------------------------------------------------------------------------
    // The programme (default admin)
    // ----------------------------------------------------------------------------------------------------------

    /// @notice Schedules the accreditation of an oracle (a delayed change).
    /// @dev The account must be non-zero, not yet an oracle, and hold no conflicting duty (a reviewer, a site's
    /// beneficiary, or any role of the registry, the pools or this contract); checked again on execution.
    /// @param oracle The oracle.
    /// @return changeId The scheduled change.
    function scheduleOracleAccreditation(address oracle) external returns (uint256 changeId);

    /// @notice Revokes an oracle at once: its attestations stop counting and every outstanding signature is void.
    /// @param oracle The oracle.
    function revokeOracle(address oracle) external;

    /// @notice Raises the quorum at once, up to the number of accredited oracles.
    /// @param newQuorum The new quorum, above the current one.
    function raiseQuorum(uint256 newQuorum) external;

    /// @notice Schedules a lower quorum (a delayed change); at least 1 and at most the oracles then accredited.
    /// @param newQuorum The new quorum, below the current one.
    /// @return changeId The scheduled change.
    function scheduleQuorumDecrease(uint256 newQuorum) external returns (uint256 changeId);

    /// @notice Accredits a reviewer at once (it can only make certification harder).
    /// @param reviewer The reviewer; not an oracle.
    function accreditReviewer(address reviewer) external;

    /// @notice Schedules the revocation of a reviewer (a delayed change).
    /// @param reviewer The reviewer.
    /// @return changeId The scheduled change.
    function scheduleReviewerRevocation(address reviewer) external returns (uint256 changeId);

    // ----------------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------------

    /// @notice The EIP-712 digest oracles sign for a certification, at the current signature epoch.
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @param evidenceHash Hash of the evidence.
    /// @param evidenceURI Where the evidence lives.
    /// @param deadline Last second at which the signatures may be used.
    function certificationDigest(
        uint256 poolId,
        uint256 milestoneId,
        bytes32 evidenceHash,
        string calldata evidenceURI,
        uint256 deadline
    ) external view returns (bytes32);

    /// @notice The pools whose milestones are certified here (immutable; their certifier and registry were checked
    /// at construction).
    function pools() external view returns (IImpactPools);

    /// @notice The number of distinct accredited oracles that must back the same evidence.
    function quorum() external view returns (uint256);

    /// @notice The number of accredited oracles.
    function oracleCount() external view returns (uint256);

    /// @notice Whether `account` is an accredited oracle now.
    function isOracle(address account) external view returns (bool);

    /// @notice Whether `account` is an accredited reviewer now.
    function isReviewer(address account) external view returns (bool);

    /// @notice The current signature epoch, part of every signed certification.
    function signatureEpoch() external view returns (uint256);

    /// @notice How many times the milestone's certification was voided.
    function roundOf(uint256 poolId, uint256 milestoneId) external view returns (uint256);

    /// @notice Whether `oracle` attested the milestone on chain in the pool's current round (with any evidence),
    /// as long as it is the milestone the pool's oracles attest now: once an oracle attests the next one, an
    /// earlier milestone's attestations are in its `OracleAttested` events only.
    function hasAttested(uint256 poolId, uint256 milestoneId, address oracle) external view returns (bool);

    /// @notice How many oracles, accredited now, back this evidence hash and URI for the milestone in the pool's
    /// current round.
    function attestationCount(uint256 poolId, uint256 milestoneId, bytes32 evidenceHash, string calldata evidenceURI)
        external
        view
        returns (uint256);

    /// @notice Whether this evidence was voided for this milestone.
    function isEvidenceVoided(uint256 poolId, uint256 milestoneId, bytes32 evidenceHash) external view returns (bool);
}
