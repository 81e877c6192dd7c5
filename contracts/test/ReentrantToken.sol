// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantToken
/// @notice An ERC-20 that, once armed, makes one call of its choosing (e.g. a purchase from the pools) from inside
/// `transferFrom`, before moving the tokens: it shows what a token pool's purchase lets run inside its payment.
contract ReentrantToken is ERC20 {
    address public target;
    bytes public callData;
    uint256 public callValue;
    bool public reentered;
    bytes public reentryError;

    constructor() ERC20("Reentrant Token", "REENTER") {}

    /// @notice Mints `amount` to `to`; anyone may call it (test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice The call the next `transferFrom` makes (with `value` wei of the ETH sent here).
    function arm(address target_, bytes calldata data, uint256 value) external payable {
        (target, callData, callValue) = (target_, data, value);
    }

    /// @dev Records the call's revert data instead of reverting, so the test can show what stopped it.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        address t = target;
        if (t != address(0)) {
            target = address(0);
            reentered = true;
            (bool ok, bytes memory err) = t.call{value: callValue}(callData);
            if (!ok) reentryError = err;
        }
        return super.transferFrom(from, to, value);
    }
}
