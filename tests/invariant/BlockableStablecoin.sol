// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A USDC-like token (6 decimals, open mint) whose issuer can block an address, as Circle can: transfers to
/// or from a blocked address revert. It makes a pushed ERC-20 tranche fail, so the pools credit it, and it models
/// the payee "that can never withdraw" of docs/escrow.md.
contract BlockableStablecoin is ERC20 {
    mapping(address account => bool) public blocked;

    constructor() ERC20("Sample USD (blockable mock)", "USDC") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlocked(address account, bool value) external {
        blocked[account] = value;
    }

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function _update(address from, address to, uint256 value) internal override {
        require(!blocked[from] && !blocked[to], "BlockableStablecoin: blocked");
        super._update(from, to, value);
    }
}
