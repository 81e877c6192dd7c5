// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IImpactPools} from "../../contracts/interfaces/IImpactPools.sol";
import {IMilestoneCertifier} from "../../contracts/interfaces/IMilestoneCertifier.sol";
import {ImpactPools} from "../../contracts/ImpactPools.sol";
import {MilestoneCertifier} from "../../contracts/MilestoneCertifier.sol";
import {SiteRegistry} from "../../contracts/SiteRegistry.sol";
import {RejectingBeneficiary} from "../../contracts/test/RejectingBeneficiary.sol";
import {BlockableStablecoin} from "./BlockableStablecoin.sol";
import {HandlerSetup, PoolsHandler} from "./PoolsHandler.sol";
import {FuzzSelector, vm} from "./Vm.sol";

/// @title The system under test, and the invariants every suite checks
/// @notice Deploys the three contracts as `impact.deploy.deploy_all` does (the certifier's address predicted from
/// the deployer's nonce, the registry and the pools built for it), two sites with contract wallets that can refuse
/// ETH, and three pools: ETH with a 5-day challenge window, a blockable USDC-like token with none, and ETH on the
/// second site with the longest window (30 days). Prices and shares do not divide evenly, so that every rounding is
/// observable. A suite chooses who holds the programme's keys and who the candidates are (`_keys`).
/// @dev Each `invariant_*` is its own forge campaign (runs x depth calls); they are few and each checks a group.
abstract contract EscrowSystem {
    uint256 internal constant CHANGE_DELAY = 3 days;
    uint256 internal constant QUORUM = 2;
    uint256 internal constant INITIAL_ORACLES = 3;

    SiteRegistry internal registry;
    ImpactPools internal pools;
    MilestoneCertifier internal certifier;
    BlockableStablecoin internal usdc;
    PoolsHandler internal handler;

    struct Keys {
        address admin;
        address registrar;
        address programme;
        address pauser;
        address[] reviewers; // the first is accredited at deployment
        address[] otherWallets; // beneficiary candidates besides the two sites' own wallets
    }

    /// @dev Who holds the programme's keys, and the candidates they may schedule.
    function _keys() internal virtual returns (Keys memory);

    function setUp() public {
        vm.warp(1_750_000_000);
        Keys memory k = _keys();
        usdc = new BlockableStablecoin();
        address[] memory wallets = new address[](2 + k.otherWallets.length);
        // Site A's wallet starts by refusing ETH (its tranches are credited until it takes them), site B's accepts.
        for (uint256 i; i < 2; ++i) {
            RejectingBeneficiary w = new RejectingBeneficiary();
            w.setAccepting(i == 1);
            wallets[i] = address(w);
        }
        for (uint256 i; i < k.otherWallets.length; ++i) {
            wallets[2 + i] = k.otherWallets[i];
        }
        uint256[] memory oracleKeys = new uint256[](5);
        address[] memory oracles = new address[](INITIAL_ORACLES);
        for (uint256 i; i < 5; ++i) {
            oracleKeys[i] = 0xA1 + i;
            if (i < INITIAL_ORACLES) oracles[i] = vm.addr(oracleKeys[i]);
        }
        address[] memory firstReviewer = new address[](1);
        firstReviewer[0] = k.reviewers[0];

        // The certifier is deployed last, at an address known in advance: this contract's nonce + 2.
        address predicted = vm.computeCreateAddress(address(this), vm.getNonce(address(this)) + 2);
        registry = new SiteRegistry(0, k.admin, k.registrar, CHANGE_DELAY, IMilestoneCertifier(predicted));
        pools = new ImpactPools(
            k.admin, k.programme, k.pauser, registry, IMilestoneCertifier(predicted), "ipfs://tokens/{id}.json"
        );
        certifier = new MilestoneCertifier(0, k.admin, CHANGE_DELAY, registry, pools, oracles, QUORUM, firstReviewer);
        require(address(certifier) == predicted, "the certifier is not where the deployer predicted");
        require(address(pools).code.length <= 24_576, "ImpactPools is above the EIP-170 code size limit");

        uint256[] memory sites = new uint256[](2);
        vm.prank(k.registrar);
        sites[0] = registry.registerSite("Xianju National Park (sample)", "CN", 555_000_001, "", wallets[0]);
        vm.prank(k.registrar);
        sites[1] = registry.registerSite("Donana National Park (sample)", "ES", 555_000_002, "", wallets[1]);

        uint256[] memory ids = new uint256[](3);
        uint256[] memory poolSites = new uint256[](3);
        // Sales of 2, 5 and 10 days, so that most runs reach the milestones; deadlines 20 days apart after them.
        ids[0] = _openPool(k.programme, sites[0], address(0), 0.01 ether + 7, 2 days, 5 days);
        ids[1] = _openPool(k.programme, sites[0], address(usdc), 10e6 + 3, 5 days, 0);
        (ids[2], poolSites[2]) = (_openPool(k.programme, sites[1], address(0), 0.02 ether + 13, 10 days, 30 days), 1);

        handler = new PoolsHandler(
            HandlerSetup({
                registry: registry,
                pools: pools,
                certifier: certifier,
                usdc: usdc,
                admin: k.admin,
                registrar: k.registrar,
                programme: k.programme,
                pauser: k.pauser,
                oracleKeys: oracleKeys,
                initialOracles: INITIAL_ORACLES,
                quorum: QUORUM,
                reviewers: k.reviewers,
                initialReviewers: 1,
                wallets: wallets,
                contractWallets: 2,
                siteIds: sites,
                poolIds: ids,
                poolSites: poolSites,
                changeDelay: CHANGE_DELAY
            })
        );
        // Every pool starts with its goal (20 tokens) sold, through the handler so that the ghost sees it.
        for (uint256 pi; pi < 3; ++pi) {
            handler.buy(pi, pi + 1, pi, 24);
        }
    }

    /// @notice forge fuzzes only the handler, and only its actions.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice The handler's actions, weighted (forge picks uniformly among the entries, so an action listed twice
    /// is called twice as often): the investors' and oracles' path through a pool (buy, attest, release) needs more
    /// calls per run than the programme's levers, each of which needs only a few to matter.
    function targetSelectors() public view returns (FuzzSelector[] memory selectors) {
        bytes4[41] memory weighted = [
            PoolsHandler.buy.selector,
            PoolsHandler.buy.selector,
            PoolsHandler.buy.selector,
            PoolsHandler.transfer.selector,
            PoolsHandler.refund.selector,
            PoolsHandler.refund.selector,
            PoolsHandler.exit.selector,
            PoolsHandler.exit.selector,
            PoolsHandler.attest.selector,
            PoolsHandler.attest.selector,
            PoolsHandler.attest.selector,
            PoolsHandler.attest.selector,
            PoolsHandler.attest.selector,
            PoolsHandler.certifyWithSignatures.selector,
            PoolsHandler.certifyWithSignatures.selector,
            PoolsHandler.finalizeAttestations.selector,
            PoolsHandler.voidCertification.selector,
            PoolsHandler.release.selector,
            PoolsHandler.release.selector,
            PoolsHandler.release.selector,
            PoolsHandler.withdrawCredit.selector,
            PoolsHandler.fail.selector,
            PoolsHandler.warp.selector,
            PoolsHandler.warp.selector,
            PoolsHandler.warp.selector,
            PoolsHandler.scheduleBeneficiaryChange.selector,
            PoolsHandler.scheduleOracleAccreditation.selector,
            PoolsHandler.scheduleQuorumDecrease.selector,
            PoolsHandler.scheduleReviewerRevocation.selector,
            PoolsHandler.scheduleChangeDelay.selector,
            PoolsHandler.executeChange.selector,
            PoolsHandler.executeChange.selector,
            PoolsHandler.cancelChange.selector,
            PoolsHandler.revokeOracle.selector,
            PoolsHandler.raiseQuorum.selector,
            PoolsHandler.accreditReviewer.selector,
            PoolsHandler.toggleRole.selector,
            PoolsHandler.togglePause.selector,
            PoolsHandler.togglePause.selector,
            PoolsHandler.setSiteStatus.selector,
            PoolsHandler.toggleWallet.selector
        ];
        bytes4[] memory actions = new bytes4[](weighted.length);
        for (uint256 i; i < weighted.length; ++i) {
            actions[i] = weighted[i];
        }
        selectors = new FuzzSelector[](1);
        selectors[0] = FuzzSelector(address(handler), actions);
    }

    // ------------------------------------------------------------------------------------------------------------

    function _openPool(address programme, uint256 siteId, address asset, uint96 price, uint40 sale, uint32 window)
        internal
        returns (uint256)
    {
        uint40 saleEnd = uint40(block.timestamp + sale);
        IImpactPools.MilestoneParams[] memory milestones = new IImpactPools.MilestoneParams[](3);
        uint16[3] memory shares = [uint16(3_333), 3_333, 3_334];
        bytes32[3] memory criteria = [bytes32("GLS-V1.1-2.1.1"), "GLS-V1.1-3.1.1", "GLS-V1.1-4.1.1"];
        for (uint256 m; m < 3; ++m) {
            milestones[m] = IImpactPools.MilestoneParams(
                criteria[m], keccak256(abi.encode(m)), "ipfs://milestone", shares[m], saleEnd + uint40((m + 1) * 20 days)
            );
        }
        vm.prank(programme);
        return pools.openPool(
            IImpactPools.PoolParams(siteId, asset, price, 20, 100, uint40(block.timestamp), saleEnd, window), milestones
        );
    }
}
