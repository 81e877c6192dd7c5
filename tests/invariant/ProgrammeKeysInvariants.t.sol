// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {EscrowSystem} from "./EscrowSystem.sol";

/// @title What the programme's own keys can do to investors, if they are stolen or turn hostile
/// @notice The same system and handler, but one actor holds every programme key: the default admin of all three
/// contracts, the registrar, the programme and the pauser. It holds no oracle key. It may schedule (and execute,
/// once due) beneficiary changes to its own wallets, accreditations of puppet oracles whose keys it holds, quorum
/// decreases, reviewer revocations and delay changes; cancel changes; revoke the honest oracles and raise the
/// quorum; accredit itself as a reviewer and void; pause; suspend or withdraw sites; grant roles to its puppets.
/// Honest oracles, an honest reviewer and investors act alongside it, at random.
/// The claim under test: no sequence of its calls moves escrow anywhere but back to holders before the change
/// delay has passed with exits open; and everything else still holds.
contract ProgrammeKeysInvariants is EscrowSystem {
    address internal constant KEYS = address(0xBAD);
    address internal constant ATTACKER_WALLET = address(0xBAD0);

    function _keys() internal pure override returns (Keys memory k) {
        (k.admin, k.registrar, k.programme, k.pauser) = (KEYS, KEYS, KEYS, KEYS);
        k.reviewers = new address[](2);
        (k.reviewers[0], k.reviewers[1]) = (address(0xEE01), KEYS);
        // The wallets it may make a site's beneficiary: its own, and a fresh one. (The oracle keys 0xA4 and 0xA5,
        // not accredited at deployment, are its puppets.)
        k.otherWallets = new address[](2);
        (k.otherWallets[0], k.otherWallets[1]) = (ATTACKER_WALLET, KEYS);
    }

    /// Every tranche certified for a payee other than the site's original wallet, every certification backed by
    /// a puppet or under a lowered quorum, came after the change that allowed it had been pending for at least the
    /// delay with exits open for that pool all along; and escrow moved only to holders or recorded payees.
    function invariant_programmeKeysAloneMoveNothing() public view {
        handler.checkProgrammeKeys();
        handler.checkFlows();
    }

    /// The accounting, the per-token redemptions and the contracts' rules hold against a hostile programme too.
    /// (Half the runs: the honest suite checks these at full strength; this keeps `make invariants` within budget.)
    /// forge-config: default.invariant.runs = 128
    function invariant_accountingAndRulesHold() public view {
        handler.checkAccounting();
        handler.checkRedemptions();
        handler.checkRules();
    }

    /// After every run: everything is paid out with no oracle's help and nothing is left, not one wei.
    function afterInvariant() public {
        handler.settleAndCheckNothingLeft();
    }
}
