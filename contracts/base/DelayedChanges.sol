// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IDelayedChanges} from "../interfaces/IDelayedChanges.sol";

/// @title DelayedChanges
/// @notice The public queue of delayed changes shared by the registry and the certifier (see `IDelayedChanges`).
/// @dev A contract using it says who may schedule each kind of change (`_requireMayChange`), how a change takes
/// effect (`_applyChange`, which must check the change's conditions again), and may keep its own count of what
/// is pending (`_pendingChanged`), e.g. per site.
abstract contract DelayedChanges is IDelayedChanges {
    /// @notice The shortest delay any change can have: no admin can go below it.
    uint256 public constant MIN_CHANGE_DELAY = 2 days;
    /// @notice The longest delay, so that a hostile delay change cannot freeze the programme for ever.
    uint256 public constant MAX_CHANGE_DELAY = 30 days;

    /// @dev Kind 0 in every contract: the delay of later changes.
    uint8 internal constant _KIND_CHANGE_DELAY = 0;

    struct Change {
        uint8 kind;
        ChangeState state;
        uint40 executableAt;
        address scheduledBy;
        uint256 subject;
        uint256 value;
    }

    uint256 private _changeDelay;
    uint256 private _changeCount;
    uint256 private _pendingChangeCount;
    mapping(uint256 changeId => Change) private _changes;

    /// @param initialDelay The delay of changes, in seconds, between `MIN_CHANGE_DELAY` and `MAX_CHANGE_DELAY`.
    constructor(uint256 initialDelay) {
        _setChangeDelay(initialDelay);
    }

    /// @inheritdoc IDelayedChanges
    function scheduleChangeDelay(uint256 newDelay) external returns (uint256 changeId) {
        _requireMayChange(_KIND_CHANGE_DELAY, msg.sender);
        _checkDelay(newDelay);
        return _scheduleChange(_KIND_CHANGE_DELAY, 0, newDelay);
    }

    /// @inheritdoc IDelayedChanges
    function executeChange(uint256 changeId) external {
        Change storage c = _pendingChange(changeId);
        if (block.timestamp < c.executableAt) revert ChangesNotDue(changeId, c.executableAt, block.timestamp);
        (uint8 kind, uint256 subject, uint256 value) = (c.kind, c.subject, c.value);
        // Settled before it takes effect: `_applyChange` may call other contracts, and a change runs only once.
        _settle(c, ChangeState.Executed);
        emit ChangeExecuted(changeId, msg.sender);
        if (kind == _KIND_CHANGE_DELAY) {
            _setChangeDelay(value);
        } else {
            _applyChange(kind, subject, value);
        }
    }

    /// @inheritdoc IDelayedChanges
    function cancelChange(uint256 changeId) external {
        Change storage c = _pendingChange(changeId);
        if (!_mayCancel(msg.sender)) _requireMayChange(c.kind, msg.sender);
        _settle(c, ChangeState.Cancelled);
        emit ChangeCancelled(changeId, msg.sender);
    }

    /// @inheritdoc IDelayedChanges
    function changeDelay() external view returns (uint256) {
        return _changeDelay;
    }

    /// @inheritdoc IDelayedChanges
    function changeCount() external view returns (uint256) {
        return _changeCount;
    }

    /// @inheritdoc IDelayedChanges
    function pendingChangeCount() public view returns (uint256) {
        return _pendingChangeCount;
    }

    /// @inheritdoc IDelayedChanges
    function change(uint256 changeId) external view returns (ChangeInfo memory) {
        Change storage c = _changes[changeId];
        if (c.state == ChangeState.None) revert ChangesUnknownChange(changeId);
        return ChangeInfo({
            kind: c.kind,
            state: c.state,
            executableAt: c.executableAt,
            scheduledBy: c.scheduledBy,
            subject: c.subject,
            value: c.value
        });
    }

    /// @dev Queues a change that the caller has checked and is allowed to make.
    function _scheduleChange(uint8 kind, uint256 subject, uint256 value) internal returns (uint256 changeId) {
        changeId = ++_changeCount;
        uint256 executableAt = block.timestamp + _changeDelay;
        _changes[changeId] = Change({
            kind: kind,
            state: ChangeState.Pending,
            // block.timestamp + at most 30 days fits 40 bits until the year 36,812.
            executableAt: uint40(executableAt),
            scheduledBy: msg.sender,
            subject: subject,
            value: value
        });
        ++_pendingChangeCount;
        _pendingChanged(kind, subject, true);
        emit ChangeScheduled(changeId, kind, subject, value, msg.sender, executableAt);
    }

    /// @dev Reverts with `ChangesUnauthorized` unless `account` may schedule changes of `kind`.
    function _requireMayChange(uint8 kind, address account) internal view virtual;

    /// @dev Whether `account` may cancel any pending change (the default admin).
    function _mayCancel(address account) internal view virtual returns (bool);

    /// @dev Makes a due change of the contract's own kinds take effect, checking its conditions again.
    function _applyChange(uint8 kind, uint256 subject, uint256 value) internal virtual;

    /// @dev Called when a change becomes pending (`opened`) or stops being pending.
    function _pendingChanged(uint8 kind, uint256 subject, bool opened) internal virtual {}

    function _pendingChange(uint256 changeId) private view returns (Change storage c) {
        c = _changes[changeId];
        if (c.state == ChangeState.None) revert ChangesUnknownChange(changeId);
        if (c.state != ChangeState.Pending) revert ChangesNotPending(changeId, c.state);
    }

    function _settle(Change storage c, ChangeState state) private {
        c.state = state;
        --_pendingChangeCount;
        _pendingChanged(c.kind, c.subject, false);
    }

    function _setChangeDelay(uint256 newDelay) private {
        _checkDelay(newDelay);
        emit ChangeDelaySet(_changeDelay, newDelay);
        _changeDelay = newDelay;
    }

    function _checkDelay(uint256 delay) private pure {
        if (delay < MIN_CHANGE_DELAY || delay > MAX_CHANGE_DELAY) {
            revert ChangesInvalidDelay(delay, MIN_CHANGE_DELAY, MAX_CHANGE_DELAY);
        }
    }
}
