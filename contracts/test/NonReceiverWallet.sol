// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IImpactPools} from "../interfaces/IImpactPools.sol";

/// @title NonReceiverWallet
/// @notice A contract wallet that does not implement the ERC-1155 receiver hooks, buying for itself.
contract NonReceiverWallet {
    /// @notice Buys tokens of `poolId` for this wallet with the ETH sent.
    function buy(IImpactPools pools, uint256 poolId, uint256 tokens) external payable {
        pools.buy{value: msg.value}(poolId, tokens, address(this));
    }
}
