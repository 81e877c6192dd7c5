// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IDelayedChanges
/// @notice Changes that could make certification easier or redirect money are not made at once: they are
/// scheduled on chain, publicly, and take effect only after a delay, during which the holders of every affected
/// live pool may exit (`IImpactPools.exit`). Once due, anyone may execute a change; until then the role that
/// scheduled it, or the contract's default admin, may cancel it.
/// @dev The delay is set at deployment between `MIN_CHANGE_DELAY` and `MAX_CHANGE_DELAY`, and changes only through
/// a scheduled change itself, which waits the current delay. A change takes effect in `executeChange`, where its
/// conditions are checked again: a change that has become invalid in the meantime cannot be executed and can only
/// be cancelled.
interface IDelayedChanges {
    /// @notice Where a scheduled change stands.
    enum ChangeState {
        None,
        Pending,
        Executed,
        Cancelled
    }

    /// @notice A scheduled change.
    /// @param kind What it changes; kind 0 is the change delay itself, the others are the contract's own.
    /// @param state Where it stands.
    /// @param executableAt The first second at which it can be executed.
    /// @param scheduledBy Who scheduled it.
    /// @param subject What it applies to (a site id for a beneficiary change; 0 for contract-wide changes).
    /// @param value The new value (an address as a number, a quorum, a delay in seconds).
    struct ChangeInfo {
        uint8 kind;
        ChangeState state;
        uint256 executableAt;
        address scheduledBy;
        uint256 subject;
        uint256 value;
    }

    /// @notice A change was scheduled; it can be executed by anyone from `executableAt`.
    /// @param changeId The change.
    /// @param kind What it changes.
    /// @param subject What it applies to.
    /// @param value The new value.
    /// @param scheduledBy Who scheduled it.
    /// @param executableAt The first second at which it can be executed.
    event ChangeScheduled(
        uint256 indexed changeId,
        uint8 indexed kind,
        uint256 indexed subject,
        uint256 value,
        address scheduledBy,
        uint256 executableAt
    );

    /// @notice A pending change was cancelled; it can never be executed.
    /// @param changeId The change.
    /// @param cancelledBy Who cancelled it.
    event ChangeCancelled(uint256 indexed changeId, address indexed cancelledBy);

    /// @notice A due change took effect.
    /// @param changeId The change.
    /// @param executedBy Who executed it.
    event ChangeExecuted(uint256 indexed changeId, address indexed executedBy);

    /// @notice The delay of later changes was set.
    /// @param previousDelay The delay before, in seconds (0 at deployment).
    /// @param newDelay The delay now, in seconds.
    event ChangeDelaySet(uint256 previousDelay, uint256 newDelay);

    /// @notice No change has this id.
    /// @param changeId The id asked for.
    error ChangesUnknownChange(uint256 changeId);

    /// @notice The change was already executed or cancelled.
    /// @param changeId The change.
    /// @param state Where it stands.
    error ChangesNotPending(uint256 changeId, ChangeState state);

    /// @notice The change's delay has not passed yet.
    /// @param changeId The change.
    /// @param executableAt The first second at which it can be executed.
    /// @param now The block's timestamp.
    error ChangesNotDue(uint256 changeId, uint256 executableAt, uint256 now);

    /// @notice The delay is outside the bounds the contract enforces.
    /// @param delay The delay asked for, in seconds.
    /// @param minDelay The shortest allowed.
    /// @param maxDelay The longest allowed.
    error ChangesInvalidDelay(uint256 delay, uint256 minDelay, uint256 maxDelay);

    /// @notice The caller may neither schedule nor cancel this kind of change.
    /// @param account The caller.
    /// @param kind The kind of change.
    error ChangesUnauthorized(address account, uint8 kind);

    /// @notice Schedules a new delay for later changes (kind 0). Only the default admin.
    /// @param newDelay The new delay, in seconds, between `MIN_CHANGE_DELAY` and `MAX_CHANGE_DELAY`.
    /// @return changeId The scheduled change.
    function scheduleChangeDelay(uint256 newDelay) external returns (uint256 changeId);

    /// @notice Makes a due change take effect. Anyone may call it.
    /// @param changeId The change.
    function executeChange(uint256 changeId) external;

    /// @notice Cancels a pending change. The role that may schedule its kind, or the default admin.
    /// @param changeId The change.
    function cancelChange(uint256 changeId) external;

    /// @notice The delay of changes scheduled now, in seconds.
    function changeDelay() external view returns (uint256);

    /// @notice How many changes were ever scheduled; ids run from 1 to this number.
    function changeCount() external view returns (uint256);

    /// @notice How many changes are pending (scheduled, neither executed nor cancelled).
    function pendingChangeCount() external view returns (uint256);

    /// @notice A scheduled change.
    /// @param changeId The change; reverts with `ChangesUnknownChange` for an unknown id.
    function change(uint256 changeId) external view returns (ChangeInfo memory);
}
