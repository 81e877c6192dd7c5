// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IImpactPools} from "../interfaces/IImpactPools.sol";

/// @title RejectingBeneficiary
/// @notice A site wallet that refuses ETH until told otherwise, then withdraws what was credited to it.
contract RejectingBeneficiary {
    bool public accepting;

    /// @notice Starts or stops accepting ETH.
    function setAccepting(bool value) external {
        accepting = value;
    }

    /// @notice Withdraws a tranche of `pools` credited to this wallet.
    function withdrawFrom(IImpactPools pools, uint256 poolId, uint256 milestoneId) external returns (uint256) {
        return pools.withdrawCredit(poolId, milestoneId);
    }

    receive() external payable {
        require(accepting, "RejectingBeneficiary: not accepting");
    }
}
