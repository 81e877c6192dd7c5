// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FalseReturningToken
/// @notice An ERC-20 in the old style: once `refuse` is set, `transfer` and `transferFrom` return false instead of
/// reverting, and move nothing. A caller that ignores the return value would believe it was paid.
contract FalseReturningToken is ERC20 {
    bool public refuse;

    constructor() ERC20("False Token", "FALSE") {}

    /// @notice Mints `amount` to `to`; anyone may call it (test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Makes every later transfer return false (or work again).
    function setRefuse(bool value) external {
        refuse = value;
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        return refuse ? false : super.transfer(to, value);
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        return refuse ? false : super.transferFrom(from, to, value);
    }
}
