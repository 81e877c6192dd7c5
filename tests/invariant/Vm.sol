// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice The few Foundry cheatcodes the invariant suite uses (forge-std is not on npm, and nothing may be
/// downloaded here). Signatures as in forge-std's Vm.sol.
interface Vm {
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function deal(address account, uint256 newBalance) external;
    function warp(uint256 newTimestamp) external;
    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function label(address account, string calldata newLabel) external;
    /// @dev The deployment below predicts the certifier's address from the deployer's nonce, as `impact.deploy`
    /// does on a real chain.
    function getNonce(address account) external view returns (uint64 nonce);
    function computeCreateAddress(address deployer, uint256 nonce) external pure returns (address);
}

Vm constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

/// @notice What forge reads from an invariant test contract to know which contract and functions to call.
struct FuzzSelector {
    address addr;
    bytes4[] selectors;
}
