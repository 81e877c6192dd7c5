// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IImpactPools} from "../interfaces/IImpactPools.sol";

/// @title CreditWithdrawingWallet
/// @notice A site's wallet that, when paid ETH, tries once to withdraw a credited tranche from the pools: from
/// inside a release's push, within the push's gas limit. Lean on purpose (one slot, no stored revert data) so that
/// the attempt fits in `PUSH_GAS_LIMIT` and the push itself succeeds; what the attempt returned is in an event.
contract CreditWithdrawingWallet {
    IImpactPools public immutable pools;

    struct Plan {
        uint128 poolId;
        uint64 milestoneId;
        bool armed;
        bool rejecting;
    }

    Plan public plan;

    /// @notice The withdrawal tried from inside a payment: `error` is its revert data, empty when it paid.
    event WithdrawalAttempted(uint256 poolId, uint256 milestoneId, bytes error);

    constructor(IImpactPools impactPools) {
        pools = impactPools;
    }

    /// @notice The next payment received tries to withdraw the credit of `milestoneId` of `poolId`.
    function arm(uint128 poolId, uint64 milestoneId) external {
        (plan.poolId, plan.milestoneId, plan.armed) = (poolId, milestoneId, true);
    }

    /// @notice Makes its ETH receive refuse payments, or take them again.
    function setRejecting(bool value) external {
        plan.rejecting = value;
    }

    /// @notice Withdraws a tranche credited to it as a site's payee.
    function withdrawCredit(uint256 poolId, uint256 milestoneId) external {
        pools.withdrawCredit(poolId, milestoneId);
    }

    receive() external payable {
        Plan memory next = plan;
        require(!next.rejecting, "rejecting");
        if (!next.armed) return;
        plan.armed = false; // once: the withdrawal's own payment comes back here
        try pools.withdrawCredit(next.poolId, next.milestoneId) {
            emit WithdrawalAttempted(next.poolId, next.milestoneId, "");
        } catch (bytes memory err) {
            emit WithdrawalAttempted(next.poolId, next.milestoneId, err);
        }
    }
}
