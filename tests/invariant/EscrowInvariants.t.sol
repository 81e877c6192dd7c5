// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EscrowSystem} from "./EscrowSystem.sol";

/// @title The escrow's invariants under random use, with one key per programme duty
/// @notice forge calls random handler actions (see `PoolsHandler`) on three pools and checks after every call that
/// the money adds up and only ever moves as docs/escrow.md says; `afterInvariant` then shows that, whatever
/// happened, everything still owed can be paid out with no oracle's help and nothing is left over. Each check is
/// documented where it is written, in `PoolsHandler` (next to the ghost it reads).
/// The suite catches planted bugs (see tests/invariant/README.md).
contract EscrowInvariants is EscrowSystem {
    function _keys() internal pure override returns (Keys memory k) {
        (k.admin, k.registrar, k.programme, k.pauser) =
            (address(0xAD01), address(0xAD02), address(0xAD03), address(0xAD04));
        k.reviewers = new address[](2);
        (k.reviewers[0], k.reviewers[1]) = (address(0xEE01), address(0xEE02));
        // A site's new wallet, and one more.
        k.otherWallets = new address[](2);
        (k.otherWallets[0], k.otherWallets[1]) = (address(0xBE01), address(0xBE02));
    }

    /// Escrow moves only to holders (refunds, exits) or to the payee recorded for a certified milestone whose
    /// challenge window has passed; every payment out is ghost-tracked by recipient and reason.
    function invariant_escrowMovesOnlyToHoldersOrFinalPayees() public view {
        handler.checkFlows();
    }

    /// raised = released + refunded + exited + escrow, each term the ghost sum of what users paid or received; the
    /// pools' balance of each asset is every escrow plus every credited tranche.
    function invariant_accountingIdentity() public view {
        handler.checkAccounting();
    }

    /// Every token redeemed after the same number of final milestones gets the same, exactly price - earned.
    function invariant_redemptionsPerToken() public view {
        handler.checkRedemptions();
    }

    /// Delays, exits, pauses, the pool's clock, challenge windows, quorum, accreditations, separation of duties, and
    /// certifications that stand, against the ghost.
    function invariant_rulesOfChangesPausesAndOracles() public view {
        handler.checkRules();
    }

    /// What the programme's keys can do alone (here held by different honest accounts; see
    /// `ProgrammeKeysInvariants` for one hostile holder of them all).
    function invariant_programmeKeysAloneMoveNothing() public view {
        handler.checkProgrammeKeys();
    }

    /// After every run: everything is paid out with no oracle's help and nothing is left, not one wei.
    function afterInvariant() public {
        handler.settleAndCheckNothingLeft();
    }
}
