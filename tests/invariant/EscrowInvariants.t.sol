// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IImpactPools} from "../../contracts/interfaces/IImpactPools.sol";
import {ISiteRegistry} from "../../contracts/interfaces/ISiteRegistry.sol";
import {ImpactPools} from "../../contracts/ImpactPools.sol";
import {MilestoneCertifier} from "../../contracts/MilestoneCertifier.sol";
import {SiteRegistry} from "../../contracts/SiteRegistry.sol";
import {MockStablecoin} from "../../contracts/test/MockStablecoin.sol";
import {PoolsHandler} from "./PoolsHandler.sol";
import {FuzzSelector, vm} from "./Vm.sol";

/// @title The escrow's invariants under random use
/// @notice forge calls random handler functions (buy, transfer, attest, certify by signatures, release, fail,
/// refund, warp, pause, site status) on two pools, one in ETH and one in an ERC-20, and checks after every call
/// that the money adds up. `afterInvariant` then shows that, whatever happened, every holder can get their
/// remaining share back with no oracle's help.
///
/// The suite catches planted bugs: with the refund per token rounded up, or with the refund's burn skipped, forge
/// reports a failing sequence and shrinks it (see tests/invariant/README.md).
contract EscrowInvariants {
    uint256[] internal oracleKeys = [uint256(0xA1), 0xA2, 0xA3];

    SiteRegistry internal registry;
    ImpactPools internal pools;
    MilestoneCertifier internal certifier;
    MockStablecoin internal usdc;
    PoolsHandler internal handler;
    address internal constant BENEFICIARY = address(0xBEEF);

    function setUp() public {
        vm.warp(1_750_000_000);
        registry = new SiteRegistry(0, address(this));
        pools = new ImpactPools(0, address(this), registry, "ipfs://tokens/{id}.json");
        address[] memory oracles = new address[](3);
        for (uint256 i; i < 3; ++i) {
            oracles[i] = vm.addr(oracleKeys[i]);
        }
        // Ascending order, as certifyWithSignatures requires of its signers.
        _sort(oracles, oracleKeys);
        certifier = new MilestoneCertifier(0, address(this), pools, oracles, 2);
        pools.grantRole(pools.CERTIFIER_ROLE(), address(certifier));
        usdc = new MockStablecoin("Sample USD (mock)", "USDC", 6);

        uint256 siteId = registry.registerSite("Xianju National Park (sample)", "CN", 555_000_001, "", BENEFICIARY);
        uint256[] memory ids = new uint256[](2);
        // Prices and shares that do not divide evenly, so that every rounding direction is observable.
        ids[0] = _openPool(siteId, address(0), 0.01 ether + 7);
        ids[1] = _openPool(siteId, address(usdc), 10e6 + 3);

        handler = new PoolsHandler(registry, pools, certifier, usdc, BENEFICIARY, siteId, ids, oracleKeys);
        pools.grantRole(pools.PAUSER_ROLE(), address(handler));
        registry.grantRole(registry.REGISTRAR_ROLE(), address(handler));
    }

    /// @notice forge fuzzes only the handler, and only its actions.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory selectors) {
        bytes4[] memory actions = new bytes4[](10);
        actions[0] = PoolsHandler.buy.selector;
        actions[1] = PoolsHandler.transfer.selector;
        actions[2] = PoolsHandler.refund.selector;
        actions[3] = PoolsHandler.attest.selector;
        actions[4] = PoolsHandler.certifyWithSignatures.selector;
        actions[5] = PoolsHandler.release.selector;
        actions[6] = PoolsHandler.fail.selector;
        actions[7] = PoolsHandler.warp.selector;
        actions[8] = PoolsHandler.togglePause.selector;
        actions[9] = PoolsHandler.setSiteStatus.selector;
        selectors = new FuzzSelector[](1);
        selectors[0] = FuzzSelector(address(handler), actions);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Invariants
    // ------------------------------------------------------------------------------------------------------------

    /// raised = released + refunded + escrow, and each term equals what the users were paid or paid in.
    function invariant_escrowAddsUp() public view {
        for (uint256 i; i < handler.poolCount(); ++i) {
            uint256 id = handler.poolIds(i);
            IImpactPools.PoolInfo memory p = pools.pool(id);
            require(p.raised == p.released + p.refunded + p.escrow, "raised != released + refunded + escrow");
            require(p.raised == handler.ghostPaidIn(id), "raised != what buyers paid");
            require(p.raised == p.tokensSold * p.price, "raised != tokens sold x price");
            require(p.released == handler.ghostReleased(id), "released != what release() returned");
            require(p.refunded == handler.ghostRefunded(id), "refunded != what refund() returned");
        }
    }

    /// The pools hold at least every escrow plus every credit, in each asset.
    function invariant_balancesCoverEscrow() public view {
        uint256 ethOwed = pools.creditOf(BENEFICIARY, address(0));
        uint256 usdcOwed = pools.creditOf(BENEFICIARY, address(usdc));
        for (uint256 i; i < handler.poolCount(); ++i) {
            IImpactPools.PoolInfo memory p = pools.pool(handler.poolIds(i));
            if (p.asset == address(0)) ethOwed += p.escrow;
            else usdcOwed += p.escrow;
        }
        require(address(pools).balance >= ethOwed, "ETH balance below escrow + credits");
        require(usdc.balanceOf(address(pools)) >= usdcOwed, "USDC balance below escrow + credits");
    }

    /// Each pool's supply is the sum of its holders' balances (every holder is one of the handler's actors).
    function invariant_supplyIsSumOfHoldings() public view {
        for (uint256 i; i < handler.poolCount(); ++i) {
            uint256 id = handler.poolIds(i);
            uint256 sum;
            for (uint256 a; a < handler.actorCount(); ++a) {
                sum += pools.balanceOf(handler.actors(a), id);
            }
            require(pools.totalSupply(id) == sum, "supply != sum of holdings");
            require(pools.pool(id).supply == sum, "pool view supply != sum of holdings");
        }
    }

    /// The beneficiary received (paid or credited) exactly the released tranches, and each released tranche is
    /// exactly its certified share.
    function invariant_beneficiaryGotExactlyTheCertifiedTranches() public view {
        uint256 eth;
        uint256 usd;
        for (uint256 i; i < handler.poolCount(); ++i) {
            uint256 id = handler.poolIds(i);
            IImpactPools.PoolInfo memory p = pools.pool(id);
            uint256 sum;
            for (uint256 m; m < p.milestoneCount; ++m) {
                IImpactPools.MilestoneInfo memory info = pools.milestone(id, m);
                require(!info.released || info.certified, "an uncertified tranche was released");
                if (info.released) sum += info.trancheAmount;
            }
            require(sum == p.released, "released != sum of released tranches");
            if (p.asset == address(0)) eth += p.released;
            else usd += p.released;
        }
        require(BENEFICIARY.balance + pools.creditOf(BENEFICIARY, address(0)) == eth, "beneficiary ETH mismatch");
        require(
            usdc.balanceOf(BENEFICIARY) + pools.creditOf(BENEFICIARY, address(usdc)) == usd,
            "beneficiary USDC mismatch"
        );
        require(handler.ghostBeneficiaryReceived(address(0)) == eth, "ghost ETH release mismatch");
    }

    /// No refund ever paid more than tokens x escrow / supply at the moment it was made, nor more than tokens x
    /// (what certified milestones did not earn) / tokens sold.
    function invariant_noRefundAboveProRata() public view {
        require(handler.refundsAboveProRata() == 0, "a refund exceeded its pro-rata share");
    }

    /// Every token of a pool is refunded the same amount, whoever redeems it and whenever.
    function invariant_everyTokenRefundsTheSame() public view {
        require(handler.refundsUnequal() == 0, "two tokens of a pool were refunded differently");
    }

    /// A certified milestone never changes: its evidence stays what it was when first certified, and it stays
    /// certified.
    function invariant_certificationIsFinal() public view {
        for (uint256 i; i < handler.poolCount(); ++i) {
            uint256 id = handler.poolIds(i);
            IImpactPools.PoolInfo memory p = pools.pool(id);
            for (uint256 m; m < p.milestoneCount; ++m) {
                bytes32 recorded = handler.ghostCertifiedEvidence(id, m);
                if (recorded == bytes32(0)) continue;
                IImpactPools.MilestoneInfo memory info = pools.milestone(id, m);
                require(info.certified && info.evidenceHash == recorded, "a certified milestone changed");
            }
        }
    }

    /// Refunds need no oracle: after any run, once every deadline has passed, anyone can fail an unfinished
    /// pool, release what certified milestones earned, and every holder gets exactly their quote, until the escrow
    /// holds nothing but rounding dust.
    function afterInvariant() public {
        if (pools.paused()) pools.unpause(); // refunds work paused too; unpaused, fail() can be called as well
        vm.warp(block.timestamp + 3 * 365 days);
        for (uint256 i; i < handler.poolCount(); ++i) {
            uint256 id = handler.poolIds(i);
            IImpactPools.PoolInfo memory p = pools.pool(id);
            if (p.failure == IImpactPools.FailureReason.None && p.certifiedCount < p.milestoneCount) {
                pools.fail(id);
            }
            if (pools.pool(id).failure == IImpactPools.FailureReason.None) continue; // completed: nothing is owed
            // What certified milestones earned belongs to the site: anyone releases it; the rest is the holders'.
            for (uint256 m; m < p.certifiedCount; ++m) {
                if (!pools.milestone(id, m).released) pools.release(id, m);
            }
            for (uint256 a; a < handler.actorCount(); ++a) {
                address holder = handler.actors(a);
                uint256 tokens = pools.balanceOf(holder, id);
                if (tokens == 0) continue;
                uint256 quote = pools.refundQuote(id, tokens);
                if (quote == 0) continue;
                vm.prank(holder);
                require(pools.refund(id, tokens) == quote, "refund differs from its quote");
            }
            // Rounding down per token leaves less than one unit per token sold behind: dust, in the pool's favour.
            IImpactPools.PoolInfo memory end = pools.pool(id);
            require(end.escrow == 0 || end.escrow < end.tokensSold, "escrow left after every holder was refunded");
        }
    }

    // ------------------------------------------------------------------------------------------------------------

    function _openPool(uint256 siteId, address asset, uint96 price) internal returns (uint256) {
        uint40 saleEnd = uint40(block.timestamp + 30 days);
        IImpactPools.MilestoneParams[] memory milestones = new IImpactPools.MilestoneParams[](3);
        uint16[3] memory shares = [uint16(3_333), 3_333, 3_334];
        bytes32[3] memory criteria = [bytes32("GLS-V1.1-2.1.1"), "GLS-V1.1-3.1.1", "GLS-V1.1-4.1.1"];
        for (uint256 m; m < 3; ++m) {
            milestones[m] = IImpactPools.MilestoneParams(
                criteria[m], keccak256(abi.encode(m)), "ipfs://milestone", shares[m], saleEnd + uint40((m + 1) * 90 days)
            );
        }
        return pools.openPool(
            IImpactPools.PoolParams(siteId, asset, price, 20, 1_000, uint40(block.timestamp), saleEnd), milestones
        );
    }

    function _sort(address[] memory addrs, uint256[] storage keys) internal {
        for (uint256 i; i < addrs.length; ++i) {
            for (uint256 j = i + 1; j < addrs.length; ++j) {
                if (addrs[j] < addrs[i]) {
                    (addrs[i], addrs[j]) = (addrs[j], addrs[i]);
                    (keys[i], keys[j]) = (keys[j], keys[i]);
                }
            }
        }
    }
}
