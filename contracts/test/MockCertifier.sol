// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IImpactPools} from "../interfaces/IImpactPools.sol";

/// @title MockCertifier
/// @notice Stands in for the certifier a registry and a pools contract are wired to, so that a test can send the
/// pools what the real certifier never would (e.g. a zero evidence hash): the pools' own checks, not the
/// certifier's, must refuse it.
contract MockCertifier {
    /// @notice The pools wired to it (set once they exist): the registry writes their copy of each site's status
    /// through `pools()`, as with the real certifier.
    IImpactPools public pools;

    /// @notice Names the pools that a registry built on this mock writes site statuses to.
    function setPools(IImpactPools impactPools) external {
        pools = impactPools;
    }

    /// @notice Nobody is an oracle here.
    function isOracle(address) external pure returns (bool) {
        return false;
    }

    /// @notice No change is ever pending here.
    function pendingChangeCount() external pure returns (uint256) {
        return 0;
    }

    /// @notice The pools announce each pool they open; this mock keeps no attestations.
    function onPoolOpened(uint256) external pure {}

    /// @notice Records a certification in `pools` as their certifier.
    function record(IImpactPools target, uint256 poolId, uint256 milestoneId, bytes32 evidenceHash, string calldata uri)
        external
    {
        target.recordCertification(poolId, milestoneId, evidenceHash, uri);
    }
}
