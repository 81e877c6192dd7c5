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
