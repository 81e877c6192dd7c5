// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IERC1155Receiver} from "@openzeppelin/contracts/token/ERC1155/IERC1155Receiver.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IImpactPools} from "../interfaces/IImpactPools.sol";

/// @title ReentrantReceiver
/// @notice An investor contract that, from its ERC-1155 receive hook or its ETH receive, calls back into the
/// pools (buy again, refund, release, exit, withdraw a credit) to try to mint past the cap, drain a refund twice,
/// release a tranche twice or withdraw a credit twice. As a site's wallet it can refuse pushes (`setRejecting`).
contract ReentrantReceiver is IERC1155Receiver {
    enum Attack {
        None,
        Buy,
        Refund,
        Release,
        Exit,
        Withdraw
    }

    IImpactPools public immutable pools;
    Attack public attack;
    uint256 public poolId;
    uint256 public tokens;
    bool public reentered;
    bytes public reentryError;
    /// @notice What the re-entrant purchase pays (0 unless `armBuy` set it).
    uint256 public reentryValue;
    /// @notice While true, its ETH receive refuses every payment.
    bool public rejecting;

    constructor(IImpactPools impactPools) {
        pools = impactPools;
    }

    /// @notice Sets which call the hooks make (for Release and Withdraw, `amount` is the milestone id).
    function arm(Attack what, uint256 pool, uint256 amount) external {
        (attack, poolId, tokens) = (what, pool, amount);
    }

    /// @notice Arms a re-entrant purchase of `amount` tokens that pays `msg.value` (kept here until then).
    function armBuy(uint256 pool, uint256 amount) external payable {
        (attack, poolId, tokens, reentryValue) = (Attack.Buy, pool, amount, msg.value);
    }

    /// @notice Makes its ETH receive refuse payments, or take them again.
    function setRejecting(bool value) external {
        rejecting = value;
    }

    /// @notice Withdraws a tranche credited to it as a site's payee.
    function withdrawCredit(uint256 pool, uint256 milestoneId) external {
        pools.withdrawCredit(pool, milestoneId);
    }

    /// @notice Buys tokens for itself with ETH.
    function buy(uint256 pool, uint256 amount) external payable {
        pools.buy{value: msg.value}(pool, amount, address(this));
    }

    /// @notice Redeems its tokens of a failed pool.
    function refund(uint256 pool, uint256 amount) external {
        pools.refund(pool, amount);
    }

    /// @notice Exits a live pool with its tokens.
    function exit(uint256 pool, uint256 amount) external {
        pools.exit(pool, amount);
    }

    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external returns (bytes4) {
        _strike();
        return this.onERC1155Received.selector;
    }

    function onERC1155BatchReceived(address, address, uint256[] calldata, uint256[] calldata, bytes calldata)
        external
        pure
        returns (bytes4)
    {
        return this.onERC1155BatchReceived.selector;
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC1155Receiver).interfaceId || interfaceId == type(IERC165).interfaceId;
    }

    receive() external payable {
        require(!rejecting, "rejecting");
        _strike();
    }

    /// @dev Records the re-entry's revert data instead of reverting, so the test can show which guard stopped it.
    function _strike() private {
        Attack what = attack;
        if (what == Attack.None) return;
        attack = Attack.None;
        reentered = true;
        if (what == Attack.Buy) {
            try pools.buy{value: reentryValue}(poolId, tokens, address(this)) {} catch (bytes memory err) {
                reentryError = err;
            }
        } else if (what == Attack.Refund) {
            try pools.refund(poolId, tokens) {} catch (bytes memory err) {
                reentryError = err;
            }
        } else if (what == Attack.Exit) {
            try pools.exit(poolId, tokens) {} catch (bytes memory err) {
                reentryError = err;
            }
        } else if (what == Attack.Withdraw) {
            try pools.withdrawCredit(poolId, tokens) {} catch (bytes memory err) {
                reentryError = err;
            }
        } else {
            try pools.release(poolId, tokens) {} catch (bytes memory err) {
                reentryError = err;
            }
        }
    }
}
