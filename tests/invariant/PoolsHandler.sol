// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IImpactPools} from "../../contracts/interfaces/IImpactPools.sol";
import {ISiteRegistry} from "../../contracts/interfaces/ISiteRegistry.sol";
import {ImpactPools} from "../../contracts/ImpactPools.sol";
import {MilestoneCertifier} from "../../contracts/MilestoneCertifier.sol";
import {SiteRegistry} from "../../contracts/SiteRegistry.sol";
import {MockStablecoin} from "../../contracts/test/MockStablecoin.sol";
import {vm} from "./Vm.sol";

/// @notice Drives the protocol the way its users can: investors buy, transfer and redeem; oracles attest and sign;
/// anyone relays, releases and fails; the programme pauses and changes the site's status; time passes. Every
/// call goes through `try`, so that a rejected call (which moves nothing) is part of the story, not an error.
/// Ghost variables record what the users saw, for the invariants to compare with the contracts' own accounting.
contract PoolsHandler {
    uint256 internal constant ORACLE_KEYS = 3;
    uint256 internal constant ACTORS = 4;

    SiteRegistry public immutable registry;
    ImpactPools public immutable pools;
    MilestoneCertifier public immutable certifier;
    MockStablecoin public immutable usdc;
    address public immutable beneficiary;
    uint256 public immutable siteId;

    uint256[] public poolIds;
    address[] public actors;
    uint256[] internal _oracleKeys;

    // ghost accounting
    mapping(uint256 pool => uint256) public ghostPaidIn;
    mapping(uint256 pool => uint256) public ghostRefunded;
    mapping(uint256 pool => uint256) public ghostReleased;
    mapping(address asset => uint256) public ghostBeneficiaryReceived;
    mapping(uint256 pool => mapping(uint256 milestone => bytes32)) public ghostCertifiedEvidence;
    mapping(uint256 pool => uint256) public ghostRefundPerToken;
    uint256 public refundsAboveProRata;
    uint256 public refundsUnequal;
    mapping(bytes32 => uint256) public calls;

    constructor(
        SiteRegistry registry_,
        ImpactPools pools_,
        MilestoneCertifier certifier_,
        MockStablecoin usdc_,
        address beneficiary_,
        uint256 siteId_,
        uint256[] memory poolIds_,
        uint256[] memory oracleKeys
    ) {
        (registry, pools, certifier, usdc, beneficiary, siteId) =
            (registry_, pools_, certifier_, usdc_, beneficiary_, siteId_);
        poolIds = poolIds_;
        _oracleKeys = oracleKeys;
        for (uint256 i; i < ACTORS; ++i) {
            actors.push(address(uint160(0xA11CE0 + i)));
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Investors
    // ------------------------------------------------------------------------------------------------------------

    function buy(uint256 actorSeed, uint256 recipientSeed, uint256 poolSeed, uint256 tokens) external {
        address buyer = _actor(actorSeed);
        address recipient = _actor(recipientSeed);
        uint256 poolId = _pool(poolSeed);
        IImpactPools.PoolInfo memory p = pools.pool(poolId);
        tokens = _bound(tokens, 1, p.capTokens);
        uint256 cost = tokens * p.price;
        bool ok;
        if (p.asset == address(0)) {
            vm.deal(buyer, buyer.balance + cost);
            vm.prank(buyer);
            try pools.buy{value: cost}(poolId, tokens, recipient) returns (uint256 charged) {
                ok = true;
                ghostPaidIn[poolId] += charged;
            } catch {
                vm.deal(buyer, buyer.balance - cost);
            }
        } else {
            usdc.mint(buyer, cost);
            vm.startPrank(buyer);
            usdc.approve(address(pools), cost);
            try pools.buy(poolId, tokens, recipient) returns (uint256 charged) {
                ok = true;
                ghostPaidIn[poolId] += charged;
            } catch {}
            usdc.approve(address(pools), 0);
            vm.stopPrank();
        }
        if (ok) _count("buy");
        else _count("buy rejected");
        _recordCertifications();
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 poolSeed, uint256 tokens) external {
        address from = _actor(fromSeed);
        uint256 poolId = _pool(poolSeed);
        uint256 balance = pools.balanceOf(from, poolId);
        if (balance == 0) return _count("transfer skipped");
        tokens = _bound(tokens, 1, balance);
        vm.prank(from);
        pools.safeTransferFrom(from, _actor(toSeed), poolId, tokens, "");
        _count("transfer");
    }

    /// @dev Checks each refund against the pro-rata shares computed before it, from the users' side: escrow ×
    /// tokens ÷ supply, and (what certified milestones did not earn) × tokens ÷ tokens sold; and that every token
    /// of a pool is refunded the same.
    function refund(uint256 actorSeed, uint256 poolSeed, uint256 tokens) external {
        address holder = _actor(actorSeed);
        uint256 poolId = _pool(poolSeed);
        uint256 balance = pools.balanceOf(holder, poolId);
        tokens = _bound(tokens, 1, balance == 0 ? 1 : balance);
        IImpactPools.PoolInfo memory before = pools.pool(poolId);
        uint256 unearned = before.raised - _earned(poolId, before.certifiedCount);
        uint256 assetBefore = _balanceOf(before.asset, holder);
        vm.prank(holder);
        try pools.refund(poolId, tokens) returns (uint256 amount) {
            ghostRefunded[poolId] += amount;
            if (before.supply == 0 || amount * before.supply > before.escrow * tokens) ++refundsAboveProRata;
            if (amount * before.tokensSold > unearned * tokens) ++refundsAboveProRata;
            if (_balanceOf(before.asset, holder) != assetBefore + amount) ++refundsAboveProRata;
            if (amount % tokens != 0) {
                ++refundsUnequal;
            } else if (ghostRefundPerToken[poolId] == 0) {
                ghostRefundPerToken[poolId] = amount / tokens;
            } else if (ghostRefundPerToken[poolId] != amount / tokens) {
                ++refundsUnequal;
            }
            _count("refund");
        } catch {
            _count("refund rejected");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Oracles and relayers
    // ------------------------------------------------------------------------------------------------------------

    function attest(uint256 oracleSeed, uint256 poolSeed, uint256 milestoneSeed, uint256 evidenceSeed) external {
        uint256 poolId = _pool(poolSeed);
        uint256 milestoneId = _milestone(poolId, milestoneSeed);
        vm.prank(vm.addr(_oracleKeys[oracleSeed % ORACLE_KEYS]));
        try certifier.attest(poolId, milestoneId, _evidence(evidenceSeed), "ipfs://evidence") {
            _count("attest");
        } catch {
            _count("attest rejected");
        }
        _recordCertifications();
    }

    function certifyWithSignatures(uint256 poolSeed, uint256 milestoneSeed, uint256 signers, uint256 evidenceSeed)
        external
    {
        uint256 poolId = _pool(poolSeed);
        uint256 milestoneId = _milestone(poolId, milestoneSeed);
        signers = _bound(signers, 1, ORACLE_KEYS);
        bytes32 evidence = _evidence(evidenceSeed);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = certifier.certificationDigest(poolId, milestoneId, evidence, "ipfs://evidence", deadline);
        bytes memory signatures;
        for (uint256 i; i < signers; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(_oracleKeys[i], digest);
            signatures = bytes.concat(signatures, abi.encodePacked(r, s, v));
        }
        try certifier.certifyWithSignatures(poolId, milestoneId, evidence, "ipfs://evidence", deadline, signatures) {
            _count("certify");
        } catch {
            _count("certify rejected");
        }
        _recordCertifications();
    }

    function release(uint256 poolSeed, uint256 milestoneSeed) external {
        uint256 poolId = _pool(poolSeed);
        uint256 milestoneId = milestoneSeed % pools.pool(poolId).milestoneCount;
        try pools.release(poolId, milestoneId) returns (uint256 amount) {
            ghostReleased[poolId] += amount;
            ghostBeneficiaryReceived[pools.pool(poolId).asset] += amount;
            _count("release");
        } catch {
            _count("release rejected");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Anyone, the programme, and time
    // ------------------------------------------------------------------------------------------------------------

    function fail(uint256 poolSeed) external {
        try pools.fail(_pool(poolSeed)) {
            _count("fail");
        } catch {
            _count("fail rejected");
        }
    }

    function warp(uint256 secondsAhead) external {
        vm.warp(block.timestamp + _bound(secondsAhead, 1, 60 days));
        _count("warp");
    }

    function togglePause() external {
        if (pools.paused()) pools.unpause();
        else pools.pause();
        _count("pause toggled");
    }

    function setSiteStatus(uint256 statusSeed) external {
        ISiteRegistry.SiteStatus status = ISiteRegistry.SiteStatus(1 + statusSeed % 4);
        // Withdrawal is final and ends every pool: keep it rare so that the other paths get explored too.
        if (status == ISiteRegistry.SiteStatus.Withdrawn && statusSeed % 7 != 0) {
            status = ISiteRegistry.SiteStatus.Suspended;
        }
        try registry.setStatus(siteId, status) {
            _count("site status");
        } catch {
            _count("site status rejected");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // For the invariants
    // ------------------------------------------------------------------------------------------------------------

    function poolCount() external view returns (uint256) {
        return poolIds.length;
    }

    function actorCount() external pure returns (uint256) {
        return ACTORS;
    }

    /// @dev Certification is final: once seen, a milestone's evidence is remembered and must never change.
    function _recordCertifications() internal {
        for (uint256 i; i < poolIds.length; ++i) {
            uint256 certified = pools.pool(poolIds[i]).certifiedCount;
            for (uint256 m; m < certified; ++m) {
                if (ghostCertifiedEvidence[poolIds[i]][m] == bytes32(0)) {
                    ghostCertifiedEvidence[poolIds[i]][m] = pools.milestone(poolIds[i], m).evidenceHash;
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Helpers
    // ------------------------------------------------------------------------------------------------------------

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % ACTORS];
    }

    function _pool(uint256 seed) internal view returns (uint256) {
        return poolIds[seed % poolIds.length];
    }

    /// @dev Mostly the next milestone (the one that can be certified), sometimes any, to exercise the rejections.
    function _milestone(uint256 poolId, uint256 seed) internal view returns (uint256) {
        IImpactPools.PoolInfo memory p = pools.pool(poolId);
        if (seed % 5 != 0 && p.certifiedCount < p.milestoneCount) return p.certifiedCount;
        return seed % (p.milestoneCount + 1);
    }

    /// @dev Two possible evidence hashes, so that oracles sometimes disagree and no quorum forms.
    function _evidence(uint256 seed) internal pure returns (bytes32) {
        return seed % 4 == 0 ? keccak256("disputed evidence") : keccak256("assessment report");
    }

    /// @dev What the certified milestones earned, from the published schedule: raised × their shares ÷ 10,000.
    function _earned(uint256 poolId, uint256 certifiedCount) internal view returns (uint256) {
        uint256 bps;
        for (uint256 m; m < certifiedCount; ++m) {
            bps += pools.milestone(poolId, m).shareBps;
        }
        return pools.pool(poolId).raised * bps / 10_000;
    }

    function _balanceOf(address asset, address account) internal view returns (uint256) {
        return asset == address(0) ? account.balance : usdc.balanceOf(account);
    }

    function _bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + x % (hi - lo + 1);
    }

    function _count(bytes32 what) internal {
        ++calls[what];
    }
}
