// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IImpactPools} from "./IImpactPools.sol";

/// @title IImpactClaims
/// @notice Impact claims (retirement): a holder claims the impact their tokens financed, for a named beneficiary
/// and a stated reason, by sending the tokens here with ERC-1155's `safeTransferFrom(holder, claims, poolId,
/// tokens, abi.encode(beneficiary, reason))`. The claim is accepted only once every milestone of the pool is
/// certified and final (nothing is left to refund or void), it is recorded and announced with the evidence hashes
/// the milestones rest on, and the tokens stay here for ever: this contract has no function that moves a token,
/// so a claimed token can never be sold, refunded, exited or claimed again.
/// @dev Why a separate contract and not a burn in the pools: `ImpactPools` is within 1 kB of the code size limit,
/// and a transfer to a contract that can never send tokens on is as final as a burn, while leaving the pools'
/// per-token accounting (supply, tokens live at each milestone's finality) untouched. Batch transfers of several
/// entries are refused: a claim is about one pool, with its own evidence (OpenZeppelin's ERC-1155 delivers a batch
/// of one entry through the single hook, and that is a claim like any other).
interface IImpactClaims is IERC1155Receiver {
    /// @notice What the contract stores of a claim (the texts themselves are in the `ImpactClaimed` event).
    struct Claim {
        uint256 poolId;
        uint256 tokens;
        address claimant;
        address operator;
        uint256 claimedAt;
        bytes32 beneficiaryHash;
        bytes32 reasonHash;
    }

    /// @notice Tokens were claimed: retired for good, in the name of `beneficiary`.
    /// @param poolId The pool whose impact is claimed (the token id).
    /// @param claimant The holder whose tokens were retired.
    /// @param claimId The claim's number, from 1.
    /// @param operator Who sent the transfer (the claimant, or an operator it approved).
    /// @param tokens How many tokens were retired.
    /// @param beneficiary For whom the impact is claimed (a person's or an organisation's name).
    /// @param reason Why (for example, which sustainability report it is for).
    /// @param evidenceHashes The evidence hash of each milestone of the pool, in order: what the claim rests on.
    event ImpactClaimed(
        uint256 indexed poolId,
        address indexed claimant,
        uint256 indexed claimId,
        address operator,
        uint256 tokens,
        string beneficiary,
        string reason,
        bytes32[] evidenceHashes
    );

    /// @notice Only the impact tokens of the pools fixed at construction can be claimed.
    /// @param token The contract that called the receiver hook.
    error ClaimsNotImpactToken(address token);
    /// @notice A claim is about one pool: batch transfers are refused.
    /// @param ids How many ids the batch named.
    error ClaimsBatchNotAccepted(uint256 ids);
    /// @notice A transfer of zero tokens claims nothing.
    /// @param poolId The pool.
    error ClaimsZeroTokens(uint256 poolId);
    /// @notice The transfer's data is not `abi.encode(string beneficiary, string reason)`.
    /// @param length The length of the data sent.
    error ClaimsMalformedData(uint256 length);
    /// @notice A claim needs a beneficiary.
    /// @param poolId The pool.
    error ClaimsEmptyBeneficiary(uint256 poolId);
    /// @notice The beneficiary's name or the reason is longer than a claim takes.
    /// @param beneficiaryLength The name's length in bytes.
    /// @param reasonLength The reason's length in bytes.
    /// @param maxLength The longest either may be (`MAX_TEXT_LENGTH`).
    error ClaimsTextTooLong(uint256 beneficiaryLength, uint256 reasonLength, uint256 maxLength);
    /// @notice The pool failed: what is left of it is refundable, not claimable.
    /// @param poolId The pool.
    /// @param reason Why it failed.
    error ClaimsPoolFailed(uint256 poolId, IImpactPools.FailureReason reason);
    /// @notice Not every milestone of the pool is certified and final yet.
    /// @param poolId The pool.
    /// @param finalized How many of its milestones are final now.
    /// @param milestones How many it has.
    error ClaimsPoolNotComplete(uint256 poolId, uint256 finalized, uint256 milestones);
    /// @notice There is no such claim.
    /// @param claimId The claim asked for.
    /// @param claimCount How many claims there are.
    error ClaimsUnknownClaim(uint256 claimId, uint256 claimCount);

    /// @notice The pools whose tokens this contract accepts.
    function pools() external view returns (IImpactPools);

    /// @notice A claim.
    /// @param claimId From 1 to `claimCount()`.
    function claim(uint256 claimId) external view returns (Claim memory);

    /// @notice How many claims were made.
    function claimCount() external view returns (uint256);

    /// @notice How many tokens of a pool were claimed.
    function claimedTokens(uint256 poolId) external view returns (uint256);

    /// @notice Decodes a transfer's data as `(string beneficiary, string reason)`; used by the receiver hook through
    /// an external call so that malformed data fails with `ClaimsMalformedData` instead of an empty revert.
    function decodeClaimData(bytes calldata data)
        external
        pure
        returns (string memory beneficiary, string memory reason);
}
