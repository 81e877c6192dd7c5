// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IImpactPools} from "./interfaces/IImpactPools.sol";
import {IMilestoneCertifier} from "./interfaces/IMilestoneCertifier.sol";

/// @title MilestoneCertifier
/// @notice The oracle quorum that certifies Green List milestones of funding pools.
/// @dev The pools contract owns the milestone schedule and decides whether a milestone can be certified now
/// (`IImpactPools.checkCertifiable`); this contract owns who may attest and how many must agree. It holds
/// `CERTIFIER_ROLE` on the pools contract.
contract MilestoneCertifier is IMilestoneCertifier, AccessControlDefaultAdminRules {
    /// @notice Accredited milestone oracles (EAGL assessors).
    bytes32 public constant ORACLE_ROLE = keccak256("ORACLE_ROLE");

    /// @notice The pools whose milestones this contract certifies.
    IImpactPools public immutable pools;

    uint256 private _quorum;
    uint256 private _oracleCount;
    mapping(uint256 poolId => mapping(uint256 milestoneId => mapping(address oracle => bytes32 evidenceHash)))
        private _attestationOf;
    mapping(uint256 poolId => mapping(uint256 milestoneId => mapping(bytes32 evidenceHash => uint256 count)))
        private _attestationCount;

    /// @param adminDelay Seconds a default-admin transfer must wait before it can be accepted.
    /// @param admin The programme's admin account, which accredits oracles and sets the quorum.
    /// @param impactPools The pools whose milestones are certified here.
    /// @param oracles The first accredited oracles.
    /// @param initialQuorum The first quorum, between 1 and `oracles.length`.
    constructor(
        uint48 adminDelay,
        address admin,
        IImpactPools impactPools,
        address[] memory oracles,
        uint256 initialQuorum
    ) AccessControlDefaultAdminRules(adminDelay, admin) {
        pools = impactPools;
        for (uint256 i; i < oracles.length; ++i) {
            _grantRole(ORACLE_ROLE, oracles[i]);
        }
        _setQuorum(initialQuorum);
    }

    /// @inheritdoc IMilestoneCertifier
    function attest(uint256 poolId, uint256 milestoneId, bytes32 evidenceHash, string calldata evidenceURI)
        external
        onlyRole(ORACLE_ROLE)
        returns (bool certified)
    {
        if (evidenceHash == bytes32(0)) revert CertifierZeroEvidence();
        pools.checkCertifiable(poolId, milestoneId);
        if (_attestationOf[poolId][milestoneId][msg.sender] != bytes32(0)) {
            revert CertifierAlreadyAttested(poolId, milestoneId, msg.sender);
        }
        _attestationOf[poolId][milestoneId][msg.sender] = evidenceHash;
        uint256 count = ++_attestationCount[poolId][milestoneId][evidenceHash];
        emit OracleAttested(poolId, milestoneId, msg.sender, evidenceHash, evidenceURI, count);

        // `>=` rather than `==`: the quorum may have been lowered after earlier attestations.
        certified = count >= _quorum;
        if (certified) pools.recordCertification(poolId, milestoneId, evidenceHash, evidenceURI);
    }

    /// @inheritdoc IMilestoneCertifier
    function setQuorum(uint256 newQuorum) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setQuorum(newQuorum);
    }

    /// @inheritdoc IMilestoneCertifier
    function quorum() external view returns (uint256) {
        return _quorum;
    }

    /// @inheritdoc IMilestoneCertifier
    function oracleCount() external view returns (uint256) {
        return _oracleCount;
    }

    /// @inheritdoc IMilestoneCertifier
    function attestationOf(uint256 poolId, uint256 milestoneId, address oracle) external view returns (bytes32) {
        return _attestationOf[poolId][milestoneId][oracle];
    }

    /// @inheritdoc IMilestoneCertifier
    function attestationCount(uint256 poolId, uint256 milestoneId, bytes32 evidenceHash)
        external
        view
        returns (uint256)
    {
        return _attestationCount[poolId][milestoneId][evidenceHash];
    }

    function _setQuorum(uint256 newQuorum) private {
        if (newQuorum == 0 || newQuorum > _oracleCount) revert CertifierInvalidQuorum(newQuorum, _oracleCount);
        emit QuorumChanged(_quorum, newQuorum);
        _quorum = newQuorum;
    }

    /// @dev Counts oracles so that the quorum can be checked against their number.
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (granted && role == ORACLE_ROLE) ++_oracleCount;
    }

    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == ORACLE_ROLE) --_oracleCount;
    }
}
