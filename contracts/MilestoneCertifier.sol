// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IImpactPools} from "./interfaces/IImpactPools.sol";
import {IMilestoneCertifier} from "./interfaces/IMilestoneCertifier.sol";

/// @title MilestoneCertifier
/// @notice The oracle quorum that certifies Green List milestones of funding pools.
/// @dev The pools contract owns the milestone schedule and decides whether a milestone can be certified now
/// (`IImpactPools.checkCertifiable`); this contract owns who may attest and how many must agree. It holds
/// `CERTIFIER_ROLE` on the pools contract.
contract MilestoneCertifier is IMilestoneCertifier, AccessControlDefaultAdminRules, EIP712 {
    /// @notice Accredited milestone oracles (EAGL assessors).
    bytes32 public constant ORACLE_ROLE = keccak256("ORACLE_ROLE");

    /// @notice EIP-712 type of a signed certification.
    bytes32 public constant CERTIFICATION_TYPEHASH = keccak256(
        "Certification(uint256 poolId,uint256 milestoneId,bytes32 evidenceHash,string evidenceURI,uint256 deadline)"
    );

    /// @notice The pools whose milestones this contract certifies.
    IImpactPools public immutable pools;

    /// @dev One entry of `certifyWithSignatures`' packed signatures: r, s and v.
    uint256 private constant _ENTRY_BYTES = 65;

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
    ) AccessControlDefaultAdminRules(adminDelay, admin) EIP712("Green List Milestone Certifier", "1") {
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
    function certifyWithSignatures(
        uint256 poolId,
        uint256 milestoneId,
        bytes32 evidenceHash,
        string calldata evidenceURI,
        uint256 deadline,
        bytes calldata signatures
    ) external {
        if (block.timestamp > deadline) revert CertifierSignatureExpired(deadline, block.timestamp);
        if (evidenceHash == bytes32(0)) revert CertifierZeroEvidence();
        uint256 count = _quorum;
        if (signatures.length < count * _ENTRY_BYTES) {
            revert CertifierBelowQuorum(signatures.length / _ENTRY_BYTES, count);
        }
        // Whether the milestone can be certified now is checked once, by the pools, in `recordCertification`.

        bytes32 digest = _certificationDigest(poolId, milestoneId, evidenceHash, evidenceURI, deadline);
        address[] memory signers = _signersOf(signatures, count, digest);
        emit CertifiedBySignatures(poolId, milestoneId, msg.sender, evidenceHash, signers);
        pools.recordCertification(poolId, milestoneId, evidenceHash, evidenceURI);
    }

    /// @inheritdoc IMilestoneCertifier
    function certificationDigest(
        uint256 poolId,
        uint256 milestoneId,
        bytes32 evidenceHash,
        string calldata evidenceURI,
        uint256 deadline
    ) external view returns (bytes32) {
        return _certificationDigest(poolId, milestoneId, evidenceHash, evidenceURI, deadline);
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

    function _certificationDigest(
        uint256 poolId,
        uint256 milestoneId,
        bytes32 evidenceHash,
        string calldata evidenceURI,
        uint256 deadline
    ) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    CERTIFICATION_TYPEHASH, poolId, milestoneId, evidenceHash, keccak256(bytes(evidenceURI)), deadline
                )
            )
        );
    }

    /// @dev The accredited oracles that signed `digest` in the first `count` entries of the packed signatures
    /// (see `IMilestoneCertifier.certifyWithSignatures`), in strictly ascending order. EOAs (v != 0) are recovered
    /// with OpenZeppelin's checks (low s, v of 27 or 28, a non-zero address); contract wallets (v = 0) must
    /// accept their signature by ERC-1271. The caller has checked that `signatures` holds `count` entries.
    function _signersOf(bytes calldata signatures, uint256 count, bytes32 digest)
        private
        view
        returns (address[] memory signers)
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
            address signer;
            if (v != 0) {
                ECDSA.RecoverError recoverError;
                (signer, recoverError,) = ECDSA.tryRecover(digest, v, r, s);
                if (recoverError != ECDSA.RecoverError.NoError) revert CertifierMalformedSignature(i);
            } else {
                signer = _walletSigner(signatures, i, count, digest, r, s);
            }
            // Strictly ascending: a duplicate is never greater than itself, so no storage is needed to catch it.
            if (signer <= previous) revert CertifierSignerOutOfOrder(i, signer, previous);
            if (!hasRole(ORACLE_ROLE, signer)) revert CertifierNotOracle(signer);
            signers[i] = signer;
            previous = signer;
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
