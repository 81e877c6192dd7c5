// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IMilestoneCertifier
/// @notice Accredited milestone oracles (members of an Expert Assessment Group for the Green List) attest that a
/// pool's milestone was met, with the hash and URI of their evidence. A milestone is certified when a quorum of
/// distinct oracles has attested the same evidence hash.
/// @dev Note: an attestation is a statement made while the oracle was accredited; revoking an oracle stops its
/// future attestations but does not retract the ones it already made. A quorum above the number of oracles
/// cannot be set, but revoking oracles may leave fewer oracles than the quorum, in which case milestones miss
/// their deadlines and investors are refunded.
interface IMilestoneCertifier {
    /// @notice An oracle attested a milestone.
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @param oracle The attesting oracle.
    /// @param evidenceHash The evidence it attested.
    /// @param evidenceURI Where the evidence lives.
    /// @param attestations How many oracles have now attested this same evidence for this milestone.
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

    /// @notice The programme changed the number of oracles needed to certify a milestone.
    /// @param previousQuorum The quorum before.
    /// @param newQuorum The quorum after.
    event QuorumChanged(uint256 previousQuorum, uint256 newQuorum);

    /// @notice The quorum must be between 1 and the number of accredited oracles.
    /// @param quorum The quorum asked for.
    /// @param oracleCount The number of accredited oracles.
    error CertifierInvalidQuorum(uint256 quorum, uint256 oracleCount);

    /// @notice This oracle has already attested this milestone.
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @param oracle The oracle.
    error CertifierAlreadyAttested(uint256 poolId, uint256 milestoneId, address oracle);

    /// @notice The evidence hash is zero.
    error CertifierZeroEvidence();

    /// @notice The signatures' deadline has passed.
    /// @param deadline The deadline that was signed.
    /// @param now The block's timestamp.
    error CertifierSignatureExpired(uint256 deadline, uint256 now);

    /// @notice Fewer signatures than the quorum.
    /// @param signatures How many 65-byte entries were given.
    /// @param quorum How many are needed.
    error CertifierBelowQuorum(uint256 signatures, uint256 quorum);

    /// @notice Signers must be in strictly ascending address order; this one is a duplicate or out of order.
    /// @param index Its position in the list.
    /// @param signer The signer.
    /// @param previous The signer before it.
    error CertifierSignerOutOfOrder(uint256 index, address signer, address previous);

    /// @notice A signer is not an accredited oracle (now: its role may have been revoked since it signed).
    /// @param signer The signer.
    error CertifierNotOracle(address signer);

    /// @notice A signature is malformed: a high-s (malleable) copy, a `v` other than 27 or 28, one that recovers no
    /// address, or a contract signature whose signer is not an address or whose data lies outside `signatures`.
    /// @param index Its position in `signatures`.
    error CertifierMalformedSignature(uint256 index);

    /// @notice A contract signature that its wallet rejected by ERC-1271 (or whose signer has no code).
    /// @param index Its position in `signatures`.
    /// @param signer The wallet.
    error CertifierInvalidSignature(uint256 index, address signer);

    /// @notice Attests that milestone `milestoneId` of pool `poolId` was met, with the given evidence.
    /// @dev Only accredited oracles, once each per milestone. The attestation that brings the count for this
    /// evidence hash to the quorum certifies the milestone in the pools contract. Reverts with the pools'
    /// reason if the milestone cannot be certified now (not the next one, deadline passed, sale still open...).
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @param evidenceHash Hash of the evidence.
    /// @param evidenceURI Where the evidence lives.
    /// @return certified True if this attestation completed the quorum.
    function attest(uint256 poolId, uint256 milestoneId, bytes32 evidenceHash, string calldata evidenceURI)
        external
        returns (bool certified);

    /// @notice Certifies milestone `milestoneId` of pool `poolId` with EIP-712 signatures of a quorum of oracles.
    /// @dev Anyone may relay. Each signature is over `Certification(poolId, milestoneId, evidenceHash,
    /// evidenceURI, deadline)` in this contract's EIP-712 domain (name, version, chain id, this address), so it
    /// cannot be replayed on another pool, milestone, chain or deployment. Exactly `quorum()` signatures are
    /// read; their signers must be accredited oracles now, in strictly ascending address order (which rejects
    /// duplicates without storage). An EOA's signer is recovered from its ECDSA signature (low-s only), so a
    /// signature made over anything else recovers to an unrelated address and is refused as not an oracle's;
    /// contract wallets answer ERC-1271. Reverts with the pools' reason if the milestone cannot be certified now.
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @param evidenceHash Hash of the evidence.
    /// @param evidenceURI Where the evidence lives (signed too, so a relayer cannot change it).
    /// @param deadline Last second at which the signatures may be used.
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

    /// @notice The EIP-712 digest oracles sign for a certification; lets clients check their hashing.
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

    /// @notice Sets the number of distinct oracles that must attest the same evidence.
    /// @dev Only the default admin (the programme).
    /// @param newQuorum Between 1 and the number of accredited oracles.
    function setQuorum(uint256 newQuorum) external;

    /// @notice The number of distinct oracles that must attest the same evidence.
    function quorum() external view returns (uint256);

    /// @notice The number of accredited oracles.
    function oracleCount() external view returns (uint256);

    /// @notice The evidence hash an oracle attested for a milestone, or zero.
    function attestationOf(uint256 poolId, uint256 milestoneId, address oracle) external view returns (bytes32);

    /// @notice How many oracles attested this evidence hash for a milestone.
    function attestationCount(uint256 poolId, uint256 milestoneId, bytes32 evidenceHash)
        external
        view
        returns (uint256);
}
