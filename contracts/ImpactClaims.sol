// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IImpactClaims} from "./interfaces/IImpactClaims.sol";
import {IImpactPools} from "./interfaces/IImpactPools.sol";

/// @title ImpactClaims
/// @notice Where impact tokens are retired: a claim records who claimed the impact of which pool's tokens, for
/// whom and why, and which milestones' evidence it rests on; the tokens never leave.
/// @dev Note: there is deliberately no function that transfers, approves or burns a token, and no owner. The
/// tokens' pools contract cannot move them either (ERC-1155 moves a holder's tokens only for the holder or an
/// operator the holder approved, and this contract approves no one). A claim is final and cannot be repeated.
contract ImpactClaims is IImpactClaims {
    /// @notice The longest beneficiary name or reason a claim takes, in bytes (events are paid by the claimant;
    /// this keeps a claim's record readable and its gas bounded).
    uint256 public constant MAX_TEXT_LENGTH = 1_000;

    /// @inheritdoc IImpactClaims
    IImpactPools public immutable pools;

    uint256 private _claimCount;
    mapping(uint256 claimId => Claim) private _claims;
    mapping(uint256 poolId => uint256 tokens) private _claimedTokens;

    /// @param pools_ The pools whose impact tokens may be claimed.
    constructor(IImpactPools pools_) {
        pools = pools_;
    }

    // ----------------------------------------------------------------------------------------------------------
    // Claiming: the ERC-1155 receiver hooks
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc IERC1155Receiver
    /// @dev Runs inside the pools' transfer, after the tokens are credited here: a revert undoes the transfer.
    function onERC1155Received(address operator, address from, uint256 poolId, uint256 tokens, bytes calldata data)
        external
        returns (bytes4)
    {
        if (msg.sender != address(pools)) revert ClaimsNotImpactToken(msg.sender);
        if (tokens == 0) revert ClaimsZeroTokens(poolId);
        (string memory beneficiary, string memory reason) = _decode(data);
        if (bytes(beneficiary).length == 0) revert ClaimsEmptyBeneficiary(poolId);
        if (bytes(beneficiary).length > MAX_TEXT_LENGTH || bytes(reason).length > MAX_TEXT_LENGTH) {
            revert ClaimsTextTooLong(bytes(beneficiary).length, bytes(reason).length, MAX_TEXT_LENGTH);
        }
        bytes32[] memory evidence = _completeEvidence(poolId);

        uint256 claimId = ++_claimCount;
        _claims[claimId] = Claim({
            poolId: poolId,
            tokens: tokens,
            claimant: from,
            operator: operator,
            claimedAt: block.timestamp,
            beneficiaryHash: keccak256(bytes(beneficiary)),
            reasonHash: keccak256(bytes(reason))
        });
        _claimedTokens[poolId] += tokens;
        emit ImpactClaimed(poolId, from, claimId, operator, tokens, beneficiary, reason, evidence);
        return IERC1155Receiver.onERC1155Received.selector;
    }

    /// @inheritdoc IERC1155Receiver
    /// @dev Always refuses: a claim is about one pool and the evidence of its milestones.
    function onERC1155BatchReceived(address, address, uint256[] calldata ids, uint256[] calldata, bytes calldata)
        external
        view
        returns (bytes4)
    {
        if (msg.sender != address(pools)) revert ClaimsNotImpactToken(msg.sender);
        revert ClaimsBatchNotAccepted(ids.length);
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC1155Receiver).interfaceId || interfaceId == type(IERC165).interfaceId;
    }

    // ----------------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc IImpactClaims
    function claim(uint256 claimId) external view returns (Claim memory) {
        if (claimId == 0 || claimId > _claimCount) revert ClaimsUnknownClaim(claimId, _claimCount);
        return _claims[claimId];
    }

    /// @inheritdoc IImpactClaims
    function claimCount() external view returns (uint256) {
        return _claimCount;
    }

    /// @inheritdoc IImpactClaims
    function claimedTokens(uint256 poolId) external view returns (uint256) {
        return _claimedTokens[poolId];
    }

    /// @inheritdoc IImpactClaims
    function decodeClaimData(bytes calldata data)
        external
        pure
        returns (string memory beneficiary, string memory reason)
    {
        return abi.decode(data, (string, string));
    }

    // ----------------------------------------------------------------------------------------------------------
    // Internals
    // ----------------------------------------------------------------------------------------------------------

    function _decode(bytes calldata data) private view returns (string memory beneficiary, string memory reason) {
        // An external call to ourselves, so that data abi.decode cannot read fails with our error, not silently.
        try this.decodeClaimData(data) returns (string memory b, string memory r) {
            return (b, r);
        } catch {
            revert ClaimsMalformedData(data.length);
        }
    }

    /// @dev The evidence hash of every milestone, once all are certified and final; the pools' own views say so.
    function _completeEvidence(uint256 poolId) private view returns (bytes32[] memory evidence) {
        IImpactPools.PoolInfo memory info = pools.pool(poolId);
        if (info.failure != IImpactPools.FailureReason.None) revert ClaimsPoolFailed(poolId, info.failure);
        if (info.finalizedCount < info.milestoneCount) {
            revert ClaimsPoolNotComplete(poolId, info.finalizedCount, info.milestoneCount);
        }
        evidence = new bytes32[](info.milestoneCount);
        // At most 32 milestones (ImpactPools.MAX_MILESTONES): the loop is bounded.
        for (uint256 k = 0; k < info.milestoneCount; ++k) {
            evidence[k] = pools.milestone(poolId, k).evidenceHash;
        }
    }
}
