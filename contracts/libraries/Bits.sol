// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Bits
/// @notice Counting the set bits of a 256-bit mask (one bit per oracle accreditation).
library Bits {
    /// @notice The number of bits set in `mask`.
    /// @dev Kernighan's loop: one iteration per set bit, so a count over a quorum of oracles stays cheap.
    function count(uint256 mask) internal pure returns (uint256 n) {
        // mask - 1 cannot underflow: the loop runs only while mask != 0; n counts at most 256 bits.
        unchecked {
            for (; mask != 0; ++n) {
                mask &= mask - 1;
            }
        }
    }
}
