// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IImpactPools} from "../../contracts/interfaces/IImpactPools.sol";
import {IDelayedChanges} from "../../contracts/interfaces/IDelayedChanges.sol";
import {ISiteRegistry} from "../../contracts/interfaces/ISiteRegistry.sol";
import {ImpactPools} from "../../contracts/ImpactPools.sol";
import {MilestoneCertifier} from "../../contracts/MilestoneCertifier.sol";
import {SiteRegistry} from "../../contracts/SiteRegistry.sol";
import {RejectingBeneficiary} from "../../contracts/test/RejectingBeneficiary.sol";
import {BlockableStablecoin} from "./BlockableStablecoin.sol";
import {vm} from "./Vm.sol";

/// @notice Everything the handler is given: the deployed system, who holds which key, and the candidates for
/// what the keys may change (wallets, oracles, reviewers).
struct HandlerSetup {
    SiteRegistry registry;
    ImpactPools pools;
    MilestoneCertifier certifier;
    BlockableStablecoin usdc;
    address admin;
    address registrar;
    address programme;
    address pauser;
    /// Oracle keys; the first `initialOracles` were accredited at deployment, in this order.
    uint256[] oracleKeys;
    uint256 initialOracles;
    uint256 quorum;
    /// Reviewer candidates; the first `initialReviewers` were accredited at deployment.
    address[] reviewers;
    uint256 initialReviewers;
    /// Beneficiary candidates; `wallets[i]` is the original wallet of `siteIds[i]`. Contract wallets are
    /// `RejectingBeneficiary`s (they refuse ETH until told otherwise).
    address[] wallets;
    uint256 contractWallets;
    uint256[] siteIds;
    /// The pools, and for each the index of its site in `siteIds`.
    uint256[] poolIds;
    uint256[] poolSites;
    uint256 changeDelay;
}

/// @notice Drives the protocol the way its users and key holders can: investors buy, transfer, refund and exit;
/// oracles attest, sign and finalise; reviewers void; anyone relays, releases, fails and executes due changes; the
/// programme's keys schedule, cancel and execute delayed changes (beneficiaries, oracle accreditations, quorum
/// decreases, reviewer revocations, delays), revoke oracles, raise the quorum, accredit reviewers, grant roles, pause
/// and change site statuses; site wallets refuse payments or get blocked; time passes.
/// @dev Every call goes through `try`: a rejected call is part of the story. A ghost model, kept from what the
/// handler did and saw (never from the contracts' own bookkeeping), records every payment out of the pools contract
/// by pool, reason and recipient, every certification with who backed it and which payee it recorded, every
/// delayed change with when it was scheduled and executed and whether exits were ever closed for a pool while it
/// was pending, the pause clock, quorum and accreditations. Rule breaks are counted in `violations`; the invariant
/// contracts read the counters and compare the ghost with the contracts' state.
contract PoolsHandler {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant MIN_CHANGE_DELAY = 2 days;
    uint256 internal constant MAX_PAUSE = 7 days;
    uint256 internal constant PAUSE_COOLDOWN = 7 days;
    uint256 internal constant ACTORS = 4;
    string internal constant URI = "ipfs://evidence";

    uint8 internal constant REGISTRY = 0;
    uint8 internal constant CERTIFIER = 1;
    uint8 internal constant PENDING = 1;
    uint8 internal constant EXECUTED = 2;
    uint8 internal constant CANCELLED = 3;

    /// The groups of rules the invariants check, one invariant each.
    uint8 public constant FLOWS = 0; // escrow moves only to holders or to the recorded payee of a final milestone
    uint8 public constant REDEMPTIONS = 1; // every token redeemed after f final milestones gets price - earned_f
    uint8 public constant RULES = 2; // delays, pauses, quorum, reviewers, duties, windows: the contracts' rules
    uint8 public constant KEYS = 3; // what the programme's keys alone can do
    uint8 public constant GROUPS = 4;

    uint8 public constant REFUND = 1;
    uint8 public constant EXIT = 2;
    uint8 public constant RELEASE = 3;
    uint8 public constant CREDIT = 4;

    SiteRegistry public immutable registry;
    ImpactPools public immutable pools;
    MilestoneCertifier public immutable certifier;
    BlockableStablecoin public immutable usdc;
    address public immutable admin;
    address public immutable registrar;
    address public immutable programme;
    address public immutable pauser;
    uint256 public immutable initialQuorum;

    address[] public actors;
    uint256[] public poolIds;
    uint256[] public siteIds;
    address[] public wallets;
    address[] public reviewerCandidates;
    uint256[] internal _keys;
    address[] public oracleAddr;
    mapping(address => bool) public isContractWallet;

    // ---------------------------------------------------------------------------------------------------------
    // Ghost model
    // ---------------------------------------------------------------------------------------------------------

    struct PoolGhost {
        uint256 site; // index into siteIds
        address asset;
        uint256 price;
        uint256 window;
        uint256 milestones;
        uint256 goal;
        uint256 cap;
        uint256 saleEnd;
        uint256 paidIn;
        uint256 released;
        uint256 refunded;
        uint256 exited;
        uint256 creditWithdrawn;
        uint256 certified;
        bool failed;
    }

    struct Cert {
        bytes32 evidence;
        address payee;
        uint256 clock; // the pool's clock (block time less paused time) at certification
        uint256 certifiedAt; // block time at certification
        uint256 backers; // accreditation slots counted for it
    }

    struct Change {
        uint8 where; // REGISTRY or CERTIFIER
        uint8 kind;
        uint8 state;
        uint256 id;
        uint256 subject;
        uint256 value;
        uint256 scheduledAt;
        uint256 delay; // the ghost's delay when it was scheduled
        uint256 executedAt;
        uint256 exitsClosed; // bit per pool index: seen with exits closed (and the pool live) while pending
    }

    struct Bundle {
        uint256 pool;
        uint256 milestone;
        bytes32 evidence;
        uint256 deadline;
        uint256 epoch;
        uint256[] signers; // key indices, ascending by address
        bytes signatures;
    }

    PoolGhost[] internal poolGhost;
    mapping(uint256 pi => mapping(uint256 k => uint256)) public cumBps; // shares of the first k milestones
    mapping(uint256 pi => mapping(uint256 m => Cert)) public cert;
    mapping(uint256 pi => mapping(uint256 m => uint256)) public credit;
    mapping(uint256 pi => mapping(uint256 m => bool)) public credited;
    mapping(uint256 pi => mapping(uint256 m => uint256)) public round;
    // Every void starts a new round of on-chain attestations for the whole pool (whichever milestones it voided).
    mapping(uint256 pi => uint256) public poolVoids;
    mapping(uint256 pi => mapping(uint256 m => mapping(bytes32 evidence => bool))) public voided;
    mapping(bytes32 roundKey => uint256 slots) internal _attested;
    mapping(bytes32 roundKey => mapping(bytes32 evidence => uint256 slots)) internal _backing;
    mapping(uint256 pi => mapping(uint256 finalized => uint256)) public perToken;
    mapping(uint256 pi => mapping(uint8 reason => uint256)) public paidOut;
    mapping(address recipient => mapping(uint8 reason => uint256)) public paidTo;
    mapping(address recipient => mapping(uint256 asset => uint256)) public received; // 0: ETH, 1: the token

    // oracles: each accreditation takes the next slot, as the certifier's design says
    mapping(address oracle => uint256) public slotPlusOne;
    mapping(uint256 slot => uint256 changePlusOne) public slotAccreditedBy; // 0: at deployment
    uint256 public accreditedSlots;
    uint256 public originalSlots;
    uint256 public accreditations;
    uint256 public quorum;
    uint256 public oracleCount;
    uint256 public epoch;
    uint256 public lastQuorumDecrease; // change index + 1
    mapping(address => bool) public isReviewer;

    // sites
    mapping(uint256 si => address) public beneficiary;
    mapping(uint256 si => address) public originalBeneficiary;
    mapping(uint256 si => uint256 changePlusOne) public beneficiarySetBy;
    mapping(uint256 si => ISiteRegistry.SiteStatus) public status;
    mapping(uint256 si => ISiteRegistry.SiteStatus) internal _statusBeforeSuspension;
    mapping(address => uint256) public sitesPaying;
    mapping(address => bool) public holdsRole; // a role granted by `toggleRole`

    // delayed changes
    Change[] public changes;
    uint256[] internal _pending; // indices into `changes`
    uint256[2] public delay;
    uint256 public pendingCertifier;
    uint256 public pendingRegistryDelay;
    mapping(uint256 si => uint256) public pendingForSite;

    // pauses
    uint256 public pausedAt;
    uint256 public pauseEndsAt;
    uint256 public pausedTotal;
    uint256 public nextPauseAt;

    Bundle internal _bundle;
    bool internal _hasBundle;

    // what the current call may do, for `_observe`
    bool internal _certifying;
    uint256 internal _ctxPool;
    uint256 internal _ctxBackers;
    bytes32 internal _ctxEvidence;
    bool internal _ctxStale;
    uint256[2] internal _in;
    uint256[2] internal _out;

    // the story so far
    uint256[GROUPS] public violations;
    string[GROUPS] public firstViolation;
    mapping(bytes32 what => uint256) public calls;
    bytes32[] public counted;
    /// Certifications whose payee is not the site's original wallet, and certifications backed by an oracle that
    /// was not accredited at deployment or by fewer than the first quorum (each came through a noticed change).
    uint256 public redirectedCertifications;
    uint256 public newcomerCertifications;
    uint256 public lowQuorumCertifications;
    uint256 public redirectedCredits;

    constructor(HandlerSetup memory s) {
        (registry, pools, certifier, usdc) = (s.registry, s.pools, s.certifier, s.usdc);
        (admin, registrar, programme, pauser) = (s.admin, s.registrar, s.programme, s.pauser);
        initialQuorum = s.quorum;
        quorum = s.quorum;
        for (uint256 i; i < ACTORS; ++i) {
            actors.push(address(uint160(0xA11CE0 + i)));
        }
        _keys = s.oracleKeys;
        for (uint256 i; i < s.oracleKeys.length; ++i) {
            oracleAddr.push(vm.addr(s.oracleKeys[i]));
            if (i < s.initialOracles) _accreditGhost(oracleAddr[i], 0);
        }
        originalSlots = accreditedSlots;
        reviewerCandidates = s.reviewers;
        for (uint256 i; i < s.initialReviewers; ++i) {
            isReviewer[s.reviewers[i]] = true;
        }
        wallets = s.wallets;
        for (uint256 i; i < s.contractWallets; ++i) {
            isContractWallet[s.wallets[i]] = true;
        }
        siteIds = s.siteIds;
        for (uint256 si; si < s.siteIds.length; ++si) {
            (beneficiary[si], originalBeneficiary[si]) = (s.wallets[si], s.wallets[si]);
            ++sitesPaying[s.wallets[si]];
            status[si] = ISiteRegistry.SiteStatus.Candidate;
        }
        poolIds = s.poolIds;
        for (uint256 pi; pi < s.poolIds.length; ++pi) {
            IImpactPools.PoolInfo memory p = s.pools.pool(s.poolIds[pi]);
            PoolGhost storage g = poolGhost.push();
            (g.site, g.asset, g.price, g.window, g.milestones) =
                (s.poolSites[pi], p.asset, p.price, p.challengeWindow, p.milestoneCount);
            (g.goal, g.cap, g.saleEnd) = (p.goalTokens, p.capTokens, p.saleEnd);
            for (uint256 k; k < p.milestoneCount; ++k) {
                cumBps[pi][k + 1] = cumBps[pi][k] + s.pools.milestone(s.poolIds[pi], k).shareBps;
            }
        }
        delay = [s.changeDelay, s.changeDelay];
    }

    modifier step() {
        uint256 ethBefore = address(pools).balance;
        uint256 usdBefore = usdc.balanceOf(address(pools));
        (_in[0], _in[1], _out[0], _out[1]) = (0, 0, 0, 0);
        (_certifying, _ctxBackers, _ctxEvidence, _ctxStale) = (false, 0, 0, false);
        _;
        // Every wei and unit that entered or left the pools contract was explained by a successful action.
        if (address(pools).balance + _out[0] != ethBefore + _in[0]) _violate(FLOWS, "unexplained ETH flow");
        if (usdc.balanceOf(address(pools)) + _out[1] != usdBefore + _in[1]) _violate(FLOWS, "unexplained token flow");
        _observe();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Investors
    // ---------------------------------------------------------------------------------------------------------

    function buy(uint256 actorSeed, uint256 recipientSeed, uint256 poolSeed, uint256 tokens) external step {
        uint256 pi = poolSeed % poolIds.length;
        PoolGhost storage g = poolGhost[pi];
        tokens = _bound(tokens, 1, 50);
        uint256 cost = tokens * g.price;
        (bool ok, uint256 charged) = g.asset == address(0)
            ? _buyEth(_actor(actorSeed), poolIds[pi], tokens, _actor(recipientSeed), cost)
            : _buyToken(_actor(actorSeed), poolIds[pi], tokens, _actor(recipientSeed), cost);
        if (!ok) return _count("buy rejected");
        if (charged != cost) _violate(FLOWS, "a purchase charged other than tokens x price");
        if (_paused()) _violate(RULES, "bought while paused");
        g.paidIn += cost;
        _in[_assetIndex(g.asset)] += cost;
        _count("buy");
    }

    function _buyEth(address buyer, uint256 poolId, uint256 tokens, address recipient, uint256 cost)
        internal
        returns (bool ok, uint256 charged)
    {
        vm.deal(buyer, buyer.balance + cost);
        vm.prank(buyer);
        try pools.buy{value: cost}(poolId, tokens, recipient) returns (uint256 c) {
            (ok, charged) = (true, c);
        } catch (bytes memory err) {
            vm.deal(buyer, buyer.balance - cost);
            _countError(err);
        }
    }

    function _buyToken(address buyer, uint256 poolId, uint256 tokens, address recipient, uint256 cost)
        internal
        returns (bool ok, uint256 charged)
    {
        usdc.mint(buyer, cost);
        vm.startPrank(buyer);
        usdc.approve(address(pools), cost);
        try pools.buy(poolId, tokens, recipient) returns (uint256 c) {
            (ok, charged) = (true, c);
        } catch (bytes memory err) {
            _countError(err);
        }
        usdc.approve(address(pools), 0);
        vm.stopPrank();
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 poolSeed, uint256 tokens) external step {
        address from = _actor(fromSeed);
        uint256 poolId = poolIds[poolSeed % poolIds.length];
        uint256 balance = pools.balanceOf(from, poolId);
        if (balance == 0) return _count("transfer skipped");
        tokens = _bound(tokens, 1, balance);
        vm.prank(from);
        pools.safeTransferFrom(from, _actor(toSeed), poolId, tokens, "");
        _count("transfer");
    }

    function refund(uint256 actorSeed, uint256 poolSeed, uint256 tokens) external step {
        uint256 pi = _failedPoolMostly(poolSeed);
        address holder = _holderMostly(actorSeed, pi);
        uint256 poolId = poolIds[pi];
        uint256 balance = pools.balanceOf(holder, poolId);
        tokens = _bound(tokens, 1, balance == 0 ? 1 : balance);
        IImpactPools.PoolInfo memory before = pools.pool(poolId);
        uint256 assetBefore = _balanceOf(before.asset, holder);
        vm.prank(holder);
        try pools.refund(poolId, tokens) returns (uint256 amount) {
            if (!poolGhost[pi].failed) _violate(FLOWS, "a refund from a live pool");
            // Never above the pro-rata share of the escrow at that moment.
            if (amount * before.supply > before.escrow * tokens) _violate(REDEMPTIONS, "a redemption above its pro-rata share");
            _redeemed(pi, holder, tokens, amount, assetBefore, REFUND);
            poolGhost[pi].refunded += amount;
            _count("refund");
        } catch {
            _count("refund rejected");
        }
    }

    /// @dev A holder leaves a live pool while a change affecting it is pending. If the ghost says exits are open,
    /// the exit must go through (the quote is non-zero and the holder has the tokens).
    function exit(uint256 actorSeed, uint256 poolSeed, uint256 tokens) external step {
        uint256 pi = poolSeed % poolIds.length;
        address holder = _holderMostly(actorSeed, pi);
        uint256 poolId = poolIds[pi];
        uint256 balance = pools.balanceOf(holder, poolId);
        tokens = _bound(tokens, 1, balance == 0 ? 1 : balance);
        IImpactPools.PoolInfo memory before = pools.pool(poolId);
        uint256 assetBefore = _balanceOf(before.asset, holder);
        bool open = !poolGhost[pi].failed && _pendingFor(pi) != 0;
        bool owed = balance >= tokens && _unearnedPerToken(pi, _finalCount(pi)) != 0;
        vm.prank(holder);
        try pools.exit(poolId, tokens) returns (uint256 amount) {
            if (!open) _violate(FLOWS, "an exit while no change affecting the pool was pending");
            if (amount * before.supply > before.escrow * tokens) _violate(REDEMPTIONS, "a redemption above its pro-rata share");
            _redeemed(pi, holder, tokens, amount, assetBefore, EXIT);
            poolGhost[pi].exited += amount;
            _count("exit");
        } catch {
            if (open && owed) _violate(RULES, "an exit refused while a change affecting the pool was pending");
            _count("exit rejected");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Oracles, relayers, reviewers
    // ---------------------------------------------------------------------------------------------------------

    function attest(uint256 oracleSeed, uint256 poolSeed, uint256 milestoneSeed, uint256 evidenceSeed)
        external
        step
    {
        uint256 key = _oracleKey(oracleSeed);
        uint256 pi = _certifiablePoolMostly(poolSeed);
        uint256 m = _milestone(pi, milestoneSeed);
        bytes32 evidence = _evidence(pi, m, evidenceSeed);
        bytes32 rk = _roundKey(pi, m);
        // What this attestation would make the backing, counted as the certifier should count it.
        uint256 slot = slotPlusOne[oracleAddr[key]];
        uint256 bit = slot == 0 ? 0 : 1 << (slot - 1);
        (_certifying, _ctxPool, _ctxEvidence) = (true, pi, evidence);
        _ctxBackers = (_backing[rk][evidence] | bit) & accreditedSlots;
        vm.prank(oracleAddr[key]);
        try certifier.attest(poolIds[pi], m, evidence, URI) {
            if (bit == 0) _violate(RULES, "an attestation by an account that is not an oracle");
            if (_attested[rk] & bit != 0) _violate(RULES, "an oracle attested a milestone twice in a round");
            _attested[rk] |= bit;
            _backing[rk][evidence] |= bit;
            _checkAttestationCounts(pi, m, rk);
            _count("attest");
        } catch (bytes memory err) {
            _count("attest rejected");
            _countError(err);
        }
    }

    function finalizeAttestations(uint256 poolSeed, uint256 milestoneSeed, uint256 evidenceSeed) external step {
        uint256 pi = _certifiablePoolMostly(poolSeed);
        uint256 m = _milestone(pi, milestoneSeed);
        bytes32 evidence = _evidence(pi, m, evidenceSeed);
        (_certifying, _ctxPool, _ctxEvidence) = (true, pi, evidence);
        _ctxBackers = _backing[_roundKey(pi, m)][evidence] & accreditedSlots;
        vm.prank(_actor(evidenceSeed >> 8));
        try certifier.finalizeAttestations(poolIds[pi], m, evidence, URI) {
            _count("finalize attestations");
        } catch {
            _count("finalize attestations rejected");
        }
    }

    /// @dev Signs with the keys in `signerMask` (accredited or not), in ascending address order, and relays; or
    /// relays the bundle kept from an earlier call (its signatures are void if an oracle was revoked since).
    function certifyWithSignatures(
        uint256 poolSeed,
        uint256 milestoneSeed,
        uint256 signerMask,
        uint256 evidenceSeed,
        uint256 mode
    ) external step {
        if (mode % 4 == 0 && _hasBundle) return _relay(_bundle, "relay kept signatures");
        Bundle memory b;
        b.pool = _certifiablePoolMostly(poolSeed);
        b.milestone = _milestone(b.pool, milestoneSeed);
        b.evidence = _evidence(b.pool, b.milestone, evidenceSeed);
        b.deadline = block.timestamp + 30 days;
        b.epoch = epoch;
        // Mostly the accredited oracles; sometimes any keys (puppets not yet accredited, revoked oracles).
        b.signers = _ascendingKeys(signerMask % 4 == 0 ? signerMask >> 8 : _accreditedKeys());
        bytes32 digest =
            certifier.certificationDigest(poolIds[b.pool], b.milestone, b.evidence, URI, b.deadline);
        for (uint256 i; i < b.signers.length; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(_keys[b.signers[i]], digest);
            b.signatures = bytes.concat(b.signatures, abi.encodePacked(r, s, v));
        }
        if (mode % 4 == 1) {
            _bundle = b;
            _hasBundle = true;
        }
        _relay(b, "certify by signatures");
    }

    function voidCertification(uint256 poolSeed, uint256 milestoneSeed, uint256 reviewerSeed) external step {
        uint256 pi = poolSeed % poolIds.length;
        for (uint256 i; i < poolIds.length && poolSeed % 5 != 0; ++i) {
            uint256 candidate = (poolSeed % poolIds.length + i) % poolIds.length;
            if (poolGhost[candidate].certified > _finalCount(candidate)) (pi, i) = (candidate, poolIds.length);
        }
        PoolGhost storage g = poolGhost[pi];
        uint256 finalized = _finalCount(pi);
        // Mostly a milestone in its challenge window; sometimes any (final, uncertified or unknown: refused).
        uint256 m = milestoneSeed % (g.milestones + 1);
        if (milestoneSeed % 5 != 0 && g.certified > finalized) m = finalized + milestoneSeed % (g.certified - finalized);
        address reviewer = reviewerCandidates[reviewerSeed % reviewerCandidates.length];
        vm.prank(reviewer);
        try certifier.voidCertification(poolIds[pi], m, keccak256("reasons"), "ipfs://reasons") {
            if (!isReviewer[reviewer]) _violate(RULES, "a void by an account that is not a reviewer");
            if (m < finalized) _violate(RULES, "a final certification was voided");
            if (m >= g.certified) _violate(RULES, "an uncertified milestone was voided");
            for (uint256 k = m; k < g.certified; ++k) {
                voided[pi][k][cert[pi][k].evidence] = true;
                delete cert[pi][k];
                ++round[pi][k];
            }
            g.certified = m;
            ++poolVoids[pi];
            _count("void");
        } catch {
            _count("void rejected");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Anyone: releases, credits, failing
    // ---------------------------------------------------------------------------------------------------------

    function release(uint256 poolSeed, uint256 milestoneSeed) external step {
        uint256 pi = _certifiedPoolMostly(poolSeed);
        PoolGhost storage g = poolGhost[pi];
        // Mostly a certified milestone; sometimes any (uncertified: refused).
        uint256 m = milestoneSeed % 5 != 0 && g.certified != 0 ? (milestoneSeed >> 8) % g.certified
            : milestoneSeed % g.milestones;
        address payee = pools.milestone(poolIds[pi], m).payee;
        uint256 payeeBefore = _balanceOf(g.asset, payee);
        uint256 poolsBefore = _balanceOf(g.asset, address(pools));
        bool final_ = m < _finalCount(pi);
        vm.prank(_actor(milestoneSeed >> 8));
        try pools.release(poolIds[pi], m) returns (uint256 amount) {
            // Escrow goes to a site only as the tranche of a certified milestone whose challenge window has passed,
            // and only to the payee recorded when it was certified.
            if (m >= g.certified) _violate(FLOWS, "an uncertified tranche was released");
            if (!final_) _violate(FLOWS, "a tranche released inside its challenge window");
            if (payee != cert[pi][m].payee) _violate(FLOWS, "a tranche released to other than its recorded payee");
            if (_paused()) _violate(RULES, "released while paused");
            if (status[g.site] == ISiteRegistry.SiteStatus.Suspended) _violate(RULES, "released to a suspended site");
            g.released += amount;
            // Pushed, or (if the payee refused it) credited: then nothing left the pools. A tranche can be zero (no
            // token was live when its milestone became final), and a zero push can be refused and credited too.
            if (!pools.milestone(poolIds[pi], m).credited) {
                if (_balanceOf(g.asset, payee) != payeeBefore + amount) _violate(FLOWS, "a pushed tranche did not arrive");
                _paid(pi, payee, amount, RELEASE);
            } else {
                if (_balanceOf(g.asset, address(pools)) != poolsBefore) _violate(FLOWS, "a credited tranche left");
                (credited[pi][m], credit[pi][m]) = (true, amount);
                _count("release credited");
            }
            _count("release");
        } catch (bytes memory err) {
            _count("release rejected");
            _countError(err);
        }
    }

    /// @dev By the recorded payee, by the site's beneficiary now, or by an investor (who must be refused).
    function withdrawCredit(uint256 poolSeed, uint256 milestoneSeed, uint256 whoSeed) external step {
        // Mostly a credited milestone if there is one.
        uint256 pi = poolSeed % poolIds.length;
        uint256 m = milestoneSeed % poolGhost[pi].milestones;
        for (uint256 i; i < poolIds.length * 3 && milestoneSeed % 5 != 0; ++i) {
            (uint256 p, uint256 k) = ((poolSeed % poolIds.length + i / 3) % poolIds.length, i % 3);
            if (credited[p][k]) (pi, m) = (p, k);
        }
        PoolGhost storage g = poolGhost[pi];
        address payee = cert[pi][m].payee;
        address who = whoSeed % 3 == 0 ? payee : whoSeed % 3 == 1 ? beneficiary[g.site] : _actor(whoSeed >> 8);
        if (who == address(0)) who = _actor(whoSeed >> 8);
        // Mostly the wallet first mends its ways (takes ETH again, is unblocked), as a site would.
        if ((whoSeed >> 16) % 4 != 0) {
            if (isContractWallet[who]) RejectingBeneficiary(payable(who)).setAccepting(true);
            usdc.setBlocked(who, false);
        }
        uint256 before = _balanceOf(g.asset, who);
        (bool ok, uint256 amount) = _withdraw(who, poolIds[pi], m);
        if (!ok) return _count("withdraw credit rejected");
        if (!credited[pi][m]) _violate(FLOWS, "a credit withdrawn that was never credited");
        if (amount != credit[pi][m]) _violate(FLOWS, "a credit withdrawal paid other than the tranche");
        if (who != payee) {
            if (who != beneficiary[g.site]) _violate(FLOWS, "a credit withdrawn by neither the payee nor the beneficiary");
            // The site's money, redirected: only by a beneficiary change that waited its delay (the holders' exits
            // do not protect it; see the README).
            if (!_noticed(beneficiarySetBy[g.site], pi, false)) _violate(KEYS, "a credit redirected without notice");
            ++redirectedCredits;
        }
        if (_balanceOf(g.asset, who) != before + amount) _violate(FLOWS, "a withdrawn credit did not arrive");
        (credited[pi][m], credit[pi][m]) = (false, 0);
        g.creditWithdrawn += amount;
        _paid(pi, who, amount, CREDIT);
        _count("withdraw credit");
    }

    function fail(uint256 poolSeed) external step {
        uint256 pi = poolSeed % poolIds.length;
        bool windowOpen = _finalCount(pi) < poolGhost[pi].certified;
        try pools.fail(poolIds[pi]) {
            if (windowOpen) _violate(RULES, "a pool failed while a challenge window was open");
            poolGhost[pi].failed = true;
            _count("fail");
        } catch {
            _count("fail rejected");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Delayed changes
    // ---------------------------------------------------------------------------------------------------------

    function scheduleBeneficiaryChange(uint256 siteSeed, uint256 walletSeed) external step {
        uint256 si = siteSeed % siteIds.length;
        address wallet = _walletOrOracle(walletSeed);
        vm.prank(registrar);
        try registry.scheduleBeneficiaryChange(siteIds[si], wallet) returns (uint256 id) {
            _scheduled(REGISTRY, 1, id, si, uint160(wallet));
        } catch {
            _count("schedule rejected");
        }
    }

    function scheduleOracleAccreditation(uint256 keySeed) external step {
        address oracle = _oracleOrOther(keySeed);
        vm.prank(admin);
        try certifier.scheduleOracleAccreditation(oracle) returns (uint256 id) {
            _scheduled(CERTIFIER, 1, id, 0, uint160(oracle));
        } catch {
            _count("schedule rejected");
        }
    }

    /// @dev Mostly one below the quorum now; sometimes anything from 0 to 3 (no decrease, or zero: refused).
    function scheduleQuorumDecrease(uint256 quorumSeed) external step {
        uint256 q = quorumSeed % 4 == 0 || quorum < 2 ? (quorumSeed >> 8) % 4 : quorum - 1;
        vm.prank(admin);
        try certifier.scheduleQuorumDecrease(q) returns (uint256 id) {
            if (q == 0 || q >= quorum) _violate(RULES, "a quorum decrease that is none was scheduled");
            _scheduled(CERTIFIER, 2, id, 0, q);
        } catch {
            _count("schedule rejected");
        }
    }

    function scheduleReviewerRevocation(uint256 reviewerSeed) external step {
        address reviewer = reviewerCandidates[reviewerSeed % reviewerCandidates.length];
        vm.prank(admin);
        try certifier.scheduleReviewerRevocation(reviewer) returns (uint256 id) {
            _scheduled(CERTIFIER, 3, id, 0, uint160(reviewer));
        } catch {
            _count("schedule rejected");
        }
    }

    function scheduleChangeDelay(uint256 whereSeed, uint256 delaySeed) external step {
        uint8 where = uint8(whereSeed % 2);
        uint256 newDelay = _bound(delaySeed, 1 days, 31 days);
        vm.prank(admin);
        try _queue(where).scheduleChangeDelay(newDelay) returns (uint256 id) {
            if (newDelay < MIN_CHANGE_DELAY || newDelay > 30 days) _violate(RULES, "a delay out of bounds was scheduled");
            _scheduled(where, 0, id, 0, newDelay);
        } catch {
            _count("schedule rejected");
        }
    }

    /// @dev Executes a pending change, often after warping to the moment it is due (sometimes a second early).
    function executeChange(uint256 changeSeed, uint256 warpSeed) external step {
        if (_pending.length == 0) return _count("execute skipped");
        uint256 index = _pending[changeSeed % _pending.length];
        Change storage c = changes[index];
        if (warpSeed % 3 != 0) {
            uint256 due = c.scheduledAt + c.delay - (warpSeed % 3 == 1 ? 0 : 1);
            if (due > block.timestamp) vm.warp(due);
        }
        vm.prank(_actor(warpSeed >> 8));
        try _queue(c.where).executeChange(c.id) {
            // Due only once the delay the ghost knew at scheduling has passed, and never below the floor.
            if (block.timestamp < c.scheduledAt + c.delay) _violate(RULES, "a change executed before its delay");
            if (c.delay < MIN_CHANGE_DELAY) _violate(RULES, "a change executed after less than the minimum delay");
            (c.state, c.executedAt) = (EXECUTED, block.timestamp);
            _settle(index);
            _apply(index);
            _count("execute");
        } catch {
            _count("execute rejected");
        }
    }

    function cancelChange(uint256 changeSeed, uint256 bySeed) external step {
        if (_pending.length == 0) return _count("cancel skipped");
        uint256 index = _pending[changeSeed % _pending.length];
        Change storage c = changes[index];
        address by = bySeed % 3 == 0 ? admin : bySeed % 3 == 1 ? registrar : _actor(bySeed);
        vm.prank(by);
        try _queue(c.where).cancelChange(c.id) {
            bool mayCancel = by == admin || (by == registrar && c.where == REGISTRY && c.kind == 1);
            if (!mayCancel) _violate(RULES, "a change cancelled by an account that may not");
            c.state = CANCELLED;
            _settle(index);
            _count("cancel");
        } catch {
            _count("cancel rejected");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The programme's immediate powers
    // ---------------------------------------------------------------------------------------------------------

    /// @dev Revoking an honest oracle stalls certification until another is accredited: a third of the calls.
    function revokeOracle(uint256 keySeed) external step {
        if (keySeed % 3 != 0) return _count("revoke skipped");
        uint256 key = (keySeed >> 8) % _keys.length;
        vm.prank(admin);
        try certifier.revokeOracle(oracleAddr[key]) {
            uint256 slot = slotPlusOne[oracleAddr[key]];
            if (slot == 0) _violate(RULES, "a revocation of an account that is not an oracle");
            accreditedSlots &= ~(uint256(1) << (slot - 1));
            slotPlusOne[oracleAddr[key]] = 0;
            --oracleCount;
            ++epoch;
            _count("revoke oracle");
        } catch {
            _count("revoke oracle rejected");
        }
    }

    function raiseQuorum(uint256 quorumSeed) external step {
        if (quorumSeed % 3 != 0) return _count("raise skipped");
        uint256 q = 1 + (quorumSeed >> 8) % 5;
        vm.prank(admin);
        try certifier.raiseQuorum(q) {
            if (q <= quorum || q > oracleCount) _violate(RULES, "a quorum raised to an invalid value");
            quorum = q;
            _count("raise quorum");
        } catch {
            _count("raise quorum rejected");
        }
    }

    function accreditReviewer(uint256 reviewerSeed) external step {
        address reviewer = reviewerSeed % 5 == 0 ? _oracleOrOther(reviewerSeed >> 8)
            : reviewerCandidates[reviewerSeed % reviewerCandidates.length];
        vm.prank(admin);
        try certifier.accreditReviewer(reviewer) {
            if (_isGhostOracle(reviewer)) _violate(RULES, "an oracle was accredited as a reviewer");
            isReviewer[reviewer] = true;
            _count("accredit reviewer");
        } catch {
            _count("accredit reviewer rejected");
        }
    }

    /// @dev Grants or revokes a pools or registry role to a candidate oracle: separation of duties.
    function toggleRole(uint256 whereSeed, uint256 keySeed) external step {
        address account = oracleAddr[keySeed % _keys.length];
        bool inPools = whereSeed % 2 == 0;
        bytes32 role = inPools ? pools.PROGRAMME_ROLE() : registry.REGISTRAR_ROLE();
        bool has = inPools ? pools.hasRole(role, account) : registry.hasRole(role, account);
        if (has) {
            vm.prank(admin);
            if (inPools) pools.revokeRole(role, account);
            else registry.revokeRole(role, account);
            holdsRole[account] = (inPools ? registry.hasRole(registry.REGISTRAR_ROLE(), account)
                : pools.hasRole(pools.PROGRAMME_ROLE(), account));
            return _count("role revoked");
        }
        try this.grantAs(inPools, role, account) {
            if (_isGhostOracle(account)) _violate(RULES, "a role was granted to an oracle");
            holdsRole[account] = true;
            _count("role granted");
        } catch {
            _count("role grant rejected");
        }
    }

    /// @dev Helper for `toggleRole` (a prank applies to one call; `try` needs an external call).
    function grantAs(bool inPools, bytes32 role, address account) external {
        require(msg.sender == address(this));
        vm.prank(admin);
        if (inPools) pools.grantRole(role, account);
        else registry.grantRole(role, account);
    }

    /// @dev Unpauses if paused; otherwise pauses one call in eight (a pause stops most of the story for up to a
    /// week of the pool's clock, so it is kept rare enough for the rest to be explored).
    function togglePause(uint256 seed) external step {
        _settlePauseGhost();
        if (pools.paused()) {
            vm.prank(pauser);
            try pools.unpause() {
                if (pausedAt == 0) _violate(RULES, "unpaused while not paused");
                pausedTotal += block.timestamp - pausedAt;
                (pausedAt, pauseEndsAt, nextPauseAt) = (0, 0, block.timestamp + PAUSE_COOLDOWN);
                _count("unpause");
            } catch {
                _count("unpause rejected");
            }
        } else {
            if (seed % 8 != 0) return _count("pause skipped");
            vm.prank(pauser);
            try pools.pause() {
                if (pausedAt != 0 || block.timestamp < nextPauseAt) _violate(RULES, "paused within the cool-down");
                (pausedAt, pauseEndsAt) = (block.timestamp, block.timestamp + MAX_PAUSE);
                _count("pause");
            } catch {
                _count("pause rejected");
            }
        }
    }

    function setSiteStatus(uint256 siteSeed, uint256 statusSeed) external step {
        uint256 si = siteSeed % siteIds.length;
        ISiteRegistry.SiteStatus to = ISiteRegistry.SiteStatus(1 + statusSeed % 4);
        // Withdrawal is final and ends every pool of the site: keep it rare so that the other paths get explored.
        if (to == ISiteRegistry.SiteStatus.Withdrawn && statusSeed % 7 != 0) to = ISiteRegistry.SiteStatus.Suspended;
        ISiteRegistry.SiteStatus from = status[si];
        vm.prank(registrar);
        try registry.setStatus(siteIds[si], to) {
            if (to == ISiteRegistry.SiteStatus.Suspended) _statusBeforeSuspension[si] = from;
            if (from == ISiteRegistry.SiteStatus.Withdrawn) _violate(RULES, "a withdrawn site changed status");
            status[si] = to;
            _count("site status");
        } catch {
            _count("site status rejected");
        }
    }

    /// @dev A site wallet starts or stops refusing ETH, or its token account is (un)blocked.
    function toggleWallet(uint256 walletSeed, uint256 modeSeed) external step {
        address wallet = wallets[walletSeed % wallets.length];
        if (modeSeed % 2 == 0 && isContractWallet[wallet]) {
            RejectingBeneficiary w = RejectingBeneficiary(payable(wallet));
            w.setAccepting(!w.accepting());
        } else {
            usdc.setBlocked(wallet, !usdc.blocked(wallet));
        }
        _count("wallet toggled");
    }

    /// @dev From an hour to 21 days, each power of two alike: most steps are short, a few jump past deadlines.
    function warp(uint256 seed) external step {
        vm.warp(block.timestamp + (1 hours << (seed % 10)) + (seed >> 8) % 1 hours);
        _count("warp");
    }

    // ---------------------------------------------------------------------------------------------------------
    // The end of a run: everything still owed is paid out, with no oracle's help
    // ---------------------------------------------------------------------------------------------------------

    /// @dev Once every deadline has passed, anyone can fail each unfinished pool, release every final tranche, the
    /// payees withdraw their credits, and every holder is refunded exactly its quote.
    function _settleEverything() internal {
        if (pools.paused()) {
            vm.prank(pauser);
            pools.unpause();
        }
        for (uint256 si; si < siteIds.length; ++si) {
            if (status[si] == ISiteRegistry.SiteStatus.Suspended) {
                vm.prank(registrar);
                registry.setStatus(siteIds[si], _statusBeforeSuspension[si]);
            }
        }
        vm.warp(block.timestamp + 3 * 365 days);
        for (uint256 pi; pi < poolIds.length; ++pi) {
            _settlePool(pi);
        }
    }

    function _settlePool(uint256 pi) internal {
        uint256 id = poolIds[pi];
        IImpactPools.PoolInfo memory p = pools.pool(id);
        if (p.failure == IImpactPools.FailureReason.None && p.certifiedCount < p.milestoneCount) {
            pools.fail(id);
            poolGhost[pi].failed = true;
        }
        for (uint256 m; m < p.certifiedCount; ++m) {
            if (!pools.milestone(id, m).released) {
                poolGhost[pi].released += pools.release(id, m);
            }
            IImpactPools.MilestoneInfo memory info = pools.milestone(id, m);
            if (info.credited) {
                if (isContractWallet[info.payee]) RejectingBeneficiary(payable(info.payee)).setAccepting(true);
                usdc.setBlocked(info.payee, false);
                (bool ok,) = _withdraw(info.payee, id, m);
                require(ok, "a payee could not withdraw its credit");
            }
        }
        if (pools.pool(id).failure == IImpactPools.FailureReason.None) return; // completed: nothing is owed
        for (uint256 a; a < ACTORS; ++a) {
            address holder = actors[a];
            uint256 tokens = pools.balanceOf(holder, id);
            if (tokens == 0) continue;
            uint256 quote = pools.refundQuote(id, tokens);
            vm.prank(holder);
            require(pools.refund(id, tokens) == quote, "a refund differs from its quote");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The checks the invariants run (here, next to the ghost they read: forge charges every external call of an
    // invariant check, so each reads the ghost's storage directly and the contracts' views once)
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Escrow moved only to holders (refunds, exits) or to the payee recorded for a certified milestone
    /// whose challenge window had passed; every payment out of the pools contract is ghost-tracked by pool, reason
    /// and recipient, and each wallet holds exactly what the ghost says it was paid.
    function checkFlows() external view {
        _noViolation(FLOWS);
        for (uint256 w; w < wallets.length; ++w) {
            address wallet = wallets[w];
            require(wallet.balance == received[wallet][0], "a wallet holds other ETH than it was paid");
            require(usdc.balanceOf(wallet) == received[wallet][1], "a wallet holds other tokens than it was paid");
            require(paidTo[wallet][REFUND] + paidTo[wallet][EXIT] == 0, "a wallet was paid a redemption");
        }
        for (uint256 pi; pi < poolIds.length; ++pi) {
            PoolGhost storage g = poolGhost[pi];
            uint256 stillCredited;
            for (uint256 m; m < g.milestones; ++m) {
                stillCredited += credit[pi][m];
            }
            require(
                g.released == paidOut[pi][RELEASE] + paidOut[pi][CREDIT] + stillCredited,
                "released tranches != pushed + withdrawn + still credited"
            );
            require(g.creditWithdrawn == paidOut[pi][CREDIT], "credits withdrawn != paid out for credits");
        }
    }

    /// @notice raised = released + refunded + exited + escrow for every pool, each term equal to the ghost sum of
    /// what users actually paid or received; each pool's supply is the sum of its holders' balances; the pools'
    /// balance of each asset is exactly every escrow plus every credited tranche in it (so it covers them).
    function checkAccounting() external view {
        uint256[2] memory owed;
        for (uint256 pi; pi < poolIds.length; ++pi) {
            uint256 id = poolIds[pi];
            PoolGhost storage g = poolGhost[pi];
            IImpactPools.PoolInfo memory p = pools.pool(id);
            (uint256 refunded, uint256 exited) = (paidOut[pi][REFUND], paidOut[pi][EXIT]);
            require(p.raised == p.released + p.refunded + p.exited + p.escrow, "raised != released+refunded+exited+escrow");
            require(p.raised == g.paidIn, "raised != what buyers paid");
            require(p.raised == p.tokensSold * p.price, "raised != tokens sold x price");
            require(p.released == g.released, "released != what release() returned");
            require(p.refunded == refunded && g.refunded == refunded, "refunded != what holders received from refunds");
            require(p.exited == exited && g.exited == exited, "exited != what holders received from exits");
            require(p.escrow == g.paidIn - g.released - refunded - exited, "escrow != paid in - paid out (ghost)");
            uint256 sum;
            for (uint256 a; a < ACTORS; ++a) {
                sum += pools.balanceOf(actors[a], id);
            }
            require(p.supply == sum, "supply != sum of holdings");
            uint256 asset = _assetIndex(g.asset);
            owed[asset] += p.escrow;
            uint256 releasedSum;
            for (uint256 m; m < g.milestones; ++m) {
                if (p.releasedMask & (1 << m) == 0) continue;
                IImpactPools.MilestoneInfo memory info = pools.milestone(id, m);
                uint256 tranche = info.trancheAmount;
                releasedSum += tranche;
                require(info.credited == credited[pi][m], "a credit flag differs from the ghost");
                if (credited[pi][m]) {
                    require(tranche == credit[pi][m], "a credited tranche changed");
                    owed[asset] += tranche;
                }
            }
            require(releasedSum == p.released, "released != sum of released tranches");
        }
        require(address(pools).balance >= owed[0], "ETH balance below escrow + credits");
        require(usdc.balanceOf(address(pools)) >= owed[1], "token balance below escrow + credits");
        require(address(pools).balance == owed[0], "ETH balance != escrow + credits");
        require(usdc.balanceOf(address(pools)) == owed[1], "token balance != escrow + credits");
    }

    /// @notice Every token redeemed (refund or exit) after the same number of final milestones got the same amount,
    /// exactly price - earned for that number (from the published schedule), never more, and never above its
    /// pro-rata share of the escrow.
    function checkRedemptions() external view {
        _noViolation(REDEMPTIONS);
        for (uint256 pi; pi < poolIds.length; ++pi) {
            for (uint256 f; f <= poolGhost[pi].milestones; ++f) {
                uint256 paid = perToken[pi][f];
                require(paid == 0 || paid == _unearnedPerToken(pi, f), "a token redeemed off the schedule");
            }
        }
    }

    /// @notice The contracts' rules, against the ghost: exits are open exactly while a change affecting the pool is
    /// pending (and it is live); changes execute only after their delay; pauses are bounded and cool down; a pool's
    /// clock stops while paused and challenge windows end on it; the quorum, the accredited oracles, the signature
    /// epoch, the reviewers, the beneficiaries and the delays are what the executed changes made them; no oracle
    /// holds another duty; a certification stands as recorded unless a reviewer voided it within its window; the
    /// pools' copy of each site's status is the registry's.
    function checkRules() external view {
        _noViolation(RULES);
        require(certifier.pendingChangeCount() == pendingCertifier, "certifier pending count != ghost");
        require(registry.changeDelay() == delay[0] && certifier.changeDelay() == delay[1], "a change delay != ghost");
        require(pools.paused() == _paused(), "paused() != ghost");
        require(certifier.quorum() == quorum, "quorum != ghost");
        require(certifier.oracleCount() == oracleCount, "oracle count != ghost");
        require(certifier.signatureEpoch() == epoch, "signature epoch != ghost");
        for (uint256 si; si < siteIds.length; ++si) {
            (, address wallet) = registry.statusAndBeneficiary(siteIds[si]);
            require(wallet == beneficiary[si], "beneficiary != ghost");
            // The pools decide purchases, releases and failures on their copy of the status: it must be the
            // registry's at all times (and the ghost's, which follows every accepted `setStatus`).
            ISiteRegistry.SiteStatus registered = registry.site(siteIds[si]).status;
            require(pools.siteStatus(siteIds[si]) == registered, "pools' copy of a site's status != registry's");
            require(registered == status[si], "site status != ghost");
            uint256 pending = pendingRegistryDelay + pendingForSite[si];
            require(registry.pendingChangesAffecting(siteIds[si]) == pending, "registry pending count != ghost");
        }
        for (uint256 pi; pi < poolIds.length; ++pi) {
            IImpactPools.PoolInfo memory p = pools.pool(poolIds[pi]);
            // Each pool's own copy, which its purchases, releases and failure read, follows its site's status too.
            require(
                pools.poolSiteStatus(poolIds[pi]) == registry.site(p.siteId).status,
                "a pool's copy of its site's status != registry's"
            );
            bool live = p.failure == IImpactPools.FailureReason.None;
            require(p.exitOpen == (live && _pendingFor(pi) != 0), "exits open != a change pending (ghost)");
            require(p.pausedTime == _pausedSeconds(), "pool clock != block time - paused time (ghost)");
            require(p.finalizedCount == _finalCount(pi), "final milestones != ghost challenge windows");
            require(p.certifiedCount == poolGhost[pi].certified, "certified count != ghost");
            require(live != poolGhost[pi].failed, "failed != ghost (a pool failed outside fail())");
            for (uint256 m; m < p.milestoneCount; ++m) {
                require(certifier.roundOf(poolIds[pi], m) == round[pi][m], "round != ghost voids");
                if (m >= p.certifiedCount) continue;
                IImpactPools.MilestoneInfo memory info = pools.milestone(poolIds[pi], m);
                require(info.evidenceHash == cert[pi][m].evidence, "a certification's evidence changed");
                require(info.payee == cert[pi][m].payee, "a certification's payee changed");
            }
        }
        address[] memory all = this.everyone();
        for (uint256 i; i < all.length; ++i) {
            bool accredited = certifier.isOracle(all[i]);
            require(accredited == (slotPlusOne[all[i]] != 0), "accredited oracles != ghost");
            require(certifier.isReviewer(all[i]) == isReviewer[all[i]], "reviewers != ghost");
            if (!accredited) continue;
            (bool inRegistry,) = registry.dutyOf(all[i]);
            (bool inPools,) = pools.dutyOf(all[i]);
            require(!inRegistry && !inPools, "an oracle holds a duty in the registry or the pools");
            require(!isReviewer[all[i]] && !certifier.hasRole(0x00, all[i]), "an oracle is a reviewer or an admin");
        }
    }

    /// @notice No sequence of calls by the programme's keys alone moved escrow anywhere but back to holders before
    /// the change delay had passed with exits open: every certification whose payee is not the site's original
    /// wallet came after a beneficiary change that waited its delay with exits open for that pool all along; every
    /// certification backed by an oracle not accredited at deployment, or by fewer oracles than the first quorum,
    /// came after that accreditation or quorum decrease waited its delay with exits open; a credited tranche went
    /// to a wallet other than its payee only after a beneficiary change that waited its delay. And every payment to
    /// a wallet that is not a site's original wallet is one of those.
    function checkProgrammeKeys() external view {
        _noViolation(KEYS);
        for (uint256 w; w < wallets.length; ++w) {
            address wallet = wallets[w];
            if (sitesOriginallyPaying(wallet)) continue;
            uint256 paid = paidTo[wallet][RELEASE] + paidTo[wallet][CREDIT];
            require(paid == 0 || redirectedCertifications + redirectedCredits != 0, "a payment to a new wallet");
        }
    }

    /// @notice Whatever happened, with no oracle's help: once every deadline has passed, anyone fails each unfinished
    /// pool, releases every final tranche, the payees withdraw their credits, every holder is refunded its quote;
    /// and then nothing is left in the pools contract, not one wei (per-token accounting leaves no dust).
    function settleAndCheckNothingLeft() external {
        _settleEverything();
        for (uint256 pi; pi < poolIds.length; ++pi) {
            IImpactPools.PoolInfo memory p = pools.pool(poolIds[pi]);
            require(p.escrow == 0, "escrow left after everything was redeemed or released");
            if (p.failure != IImpactPools.FailureReason.None) require(p.supply == 0, "tokens left after refunds");
        }
        require(address(pools).balance == 0, "ETH left in the pools contract");
        require(usdc.balanceOf(address(pools)) == 0, "tokens left in the pools contract");
    }

    function sitesOriginallyPaying(address wallet) public view returns (bool) {
        for (uint256 si; si < siteIds.length; ++si) {
            if (originalBeneficiary[si] == wallet) return true;
        }
        return false;
    }

    function _noViolation(uint8 group) internal view {
        if (violations[group] != 0) revert(firstViolation[group]);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Every account the handler acts as or names, except the investors: oracle keys, wallets, reviewers
    /// and the programme's keys.
    function everyone() external view returns (address[] memory all) {
        all = new address[](oracleAddr.length + wallets.length + reviewerCandidates.length + 4);
        uint256 n;
        for (uint256 i; i < oracleAddr.length; ++i) all[n++] = oracleAddr[i];
        for (uint256 i; i < wallets.length; ++i) all[n++] = wallets[i];
        for (uint256 i; i < reviewerCandidates.length; ++i) all[n++] = reviewerCandidates[i];
        (all[n], all[n + 1], all[n + 2], all[n + 3]) = (admin, registrar, programme, pauser);
    }

    /// @notice Pending changes affecting pool `pi`, as the ghost counts them.
    function pendingFor(uint256 pi) external view returns (uint256) {
        return _pendingFor(pi);
    }

    /// @notice Certified milestones of pool `pi` whose challenge window has passed on the pool's clock, as the
    /// ghost computes it from the certification times and the pauses it saw.
    function finalCount(uint256 pi) external view returns (uint256) {
        return _finalCount(pi);
    }

    function pausedSeconds() external view returns (uint256) {
        return _pausedSeconds();
    }

    function isPaused() external view returns (bool) {
        return _paused();
    }

    /// @notice What a token redeemed after `finalized` final milestones must get: price less what they earned.
    function unearnedPerToken(uint256 pi, uint256 finalized) external view returns (uint256) {
        return _unearnedPerToken(pi, finalized);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Internal: the ghost
    // ---------------------------------------------------------------------------------------------------------

    /// @dev After every call: certifications and voids happen only in the calls that may make them; every new
    /// certification is checked and recorded; pending changes note whether exits were closed for a live pool.
    function _observe() internal {
        if (_certifying) {
            // The pool the call tried to certify: a new certification is checked and recorded. (Any other change
            // of a certified count is caught by `checkRules`, which compares every count with the ghost's.)
            PoolGhost storage g = poolGhost[_ctxPool];
            if (pools.pool(poolIds[_ctxPool]).certifiedCount == g.certified + 1) {
                _recordCertification(_ctxPool, g.certified);
            }
        }
        if (_pending.length == 0) return;
        // Whether exits are open, read from the two counters `exit` itself adds up (`checkRules` compares them and
        // the pools' own `exitOpen` with the ghost's after every call).
        uint256 certifierPending = certifier.pendingChangeCount();
        for (uint256 pi; pi < poolIds.length; ++pi) {
            if (poolGhost[pi].failed) continue;
            uint256 sitePending = registry.pendingChangesAffecting(siteIds[poolGhost[pi].site]);
            if (certifierPending + sitePending != 0) continue;
            for (uint256 i; i < _pending.length; ++i) {
                Change storage c = changes[_pending[i]];
                if (_affects(c, pi)) c.exitsClosed |= 1 << pi;
            }
        }
    }

    function _recordCertification(uint256 pi, uint256 m) internal {
        PoolGhost storage g = poolGhost[pi];
        IImpactPools.MilestoneInfo memory info = pools.milestone(poolIds[pi], m);
        uint256 backers = _ctxBackers & accreditedSlots;
        cert[pi][m] = Cert(info.evidenceHash, info.payee, _clock(), block.timestamp, backers);
        g.certified = m + 1;
        if (info.evidenceHash != _ctxEvidence) _violate(RULES, "certified with other evidence than was attested or signed");
        if (_popcount(backers) < quorum) _violate(RULES, "certified below the quorum");
        if (voided[pi][m][info.evidenceHash]) _violate(RULES, "certified with evidence voided for the milestone");
        if (_ctxStale) _violate(RULES, "certified with signatures made before an oracle was revoked");
        bytes32 rk = _roundKey(pi, m);
        if (_attested[rk] & ~_backing[rk][info.evidenceHash] & backers != 0) {
            _violate(RULES, "an oracle backed two evidence hashes in one round");
        }
        if (info.payee != beneficiary[g.site]) _violate(RULES, "the payee is not the site's beneficiary at certification");

        // What the programme's keys alone could have done, each only by a change that waited its delay in
        // public with exits open for this pool: redirect the money, seat new oracles, lower the quorum.
        if (info.payee != originalBeneficiary[g.site]) {
            if (!_noticed(beneficiarySetBy[g.site], pi, true)) _violate(KEYS, "a tranche redirected without notice and exits");
            ++redirectedCertifications;
        }
        uint256 newcomers = backers & ~originalSlots;
        if (newcomers != 0) ++newcomerCertifications;
        for (uint256 slot; newcomers != 0; ++slot) {
            if (newcomers & 1 != 0 && !_noticed(slotAccreditedBy[slot], pi, true)) {
                _violate(KEYS, "certified by an oracle accredited without notice and exits");
            }
            newcomers >>= 1;
        }
        if (_popcount(backers) < initialQuorum) {
            if (!_noticed(lastQuorumDecrease, pi, true)) {
                _violate(KEYS, "certified under a quorum lowered without notice and exits");
            }
            ++lowQuorumCertifications;
        }
    }

    /// @dev Whether change `changePlusOne - 1` was executed after waiting at least its delay (and the floor), and,
    /// if `exits`, never saw pool `pi` live with exits closed while it was pending.
    function _noticed(uint256 changePlusOne, uint256 pi, bool exits) internal view returns (bool) {
        if (changePlusOne == 0) return false;
        Change storage c = changes[changePlusOne - 1];
        return c.state == EXECUTED && c.delay >= MIN_CHANGE_DELAY && c.executedAt >= c.scheduledAt + c.delay
            && (!exits || c.exitsClosed & (1 << pi) == 0);
    }

    function _affects(Change storage c, uint256 pi) internal view returns (bool) {
        return c.where == CERTIFIER || c.kind == 0 || c.subject == poolGhost[pi].site;
    }

    function _pendingFor(uint256 pi) internal view returns (uint256) {
        return pendingCertifier + pendingRegistryDelay + pendingForSite[poolGhost[pi].site];
    }

    function _scheduled(uint8 where, uint8 kind, uint256 id, uint256 subject, uint256 value) internal {
        Change storage c = changes.push();
        (c.where, c.kind, c.state) = (where, kind, PENDING);
        (c.id, c.subject, c.value) = (id, subject, value);
        (c.scheduledAt, c.delay) = (block.timestamp, delay[where]);
        _pending.push(changes.length - 1);
        if (where == CERTIFIER) ++pendingCertifier;
        else if (kind == 0) ++pendingRegistryDelay;
        else ++pendingForSite[subject];
        _count("schedule");
    }

    function _settle(uint256 index) internal {
        Change storage c = changes[index];
        if (c.where == CERTIFIER) --pendingCertifier;
        else if (c.kind == 0) --pendingRegistryDelay;
        else --pendingForSite[c.subject];
        for (uint256 i; i < _pending.length; ++i) {
            if (_pending[i] == index) {
                _pending[i] = _pending[_pending.length - 1];
                _pending.pop();
                return;
            }
        }
    }

    function _apply(uint256 index) internal {
        Change storage c = changes[index];
        if (c.kind == 0) {
            delay[c.where] = c.value;
        } else if (c.where == REGISTRY) {
            address wallet = address(uint160(c.value));
            if (_isGhostOracle(wallet)) _violate(RULES, "an oracle became a beneficiary");
            --sitesPaying[beneficiary[c.subject]];
            ++sitesPaying[wallet];
            (beneficiary[c.subject], beneficiarySetBy[c.subject]) = (wallet, index + 1);
        } else if (c.kind == 1) {
            // Any account without a duty may be accredited, with or without a key the handler holds.
            address oracle = address(uint160(c.value));
            if (isReviewer[oracle] || sitesPaying[oracle] != 0 || holdsRole[oracle] || _isProgrammeKey(oracle)) {
                _violate(RULES, "an account with another duty was accredited as an oracle");
            }
            _accreditGhost(oracle, index + 1);
        } else if (c.kind == 2) {
            if (c.value == 0 || c.value > oracleCount) _violate(RULES, "the quorum was lowered to an invalid value");
            (quorum, lastQuorumDecrease) = (c.value, index + 1);
        } else {
            isReviewer[address(uint160(c.value))] = false;
        }
    }

    function _accreditGhost(address oracle, uint256 changePlusOne) internal {
        uint256 slot = accreditations++;
        slotPlusOne[oracle] = slot + 1;
        slotAccreditedBy[slot] = changePlusOne;
        accreditedSlots |= 1 << slot;
        ++oracleCount;
    }

    function _relay(Bundle memory b, bytes32 what) internal {
        // The certifier reads exactly `quorum` signatures: those are the backers.
        uint256 backers;
        for (uint256 i; i < b.signers.length && i < quorum; ++i) {
            uint256 slot = slotPlusOne[oracleAddr[b.signers[i]]];
            if (slot != 0) backers |= 1 << (slot - 1);
        }
        (_certifying, _ctxPool, _ctxEvidence) = (true, b.pool, b.evidence);
        (_ctxBackers, _ctxStale) = (backers, b.epoch != epoch);
        try certifier.certifyWithSignatures(poolIds[b.pool], b.milestone, b.evidence, URI, b.deadline, b.signatures) {
            _count(what);
        } catch (bytes memory err) {
            _count("certify rejected");
            _countError(err);
        }
    }

    function _redeemed(uint256 pi, address holder, uint256 tokens, uint256 amount, uint256 before, uint8 reason)
        internal
    {
        PoolGhost storage g = poolGhost[pi];
        // Every token redeemed after the same number of final milestones gets the same: the price less what they
        // earned, from the published schedule, never more.
        uint256 finalized = _finalCount(pi);
        uint256 expected = _unearnedPerToken(pi, finalized);
        if (amount > tokens * expected) _violate(REDEMPTIONS, "a redemption paid more than price - earned per token");
        if (amount != tokens * expected) _violate(REDEMPTIONS, "a redemption paid other than price - earned per token");
        if (amount % tokens != 0) {
            _violate(REDEMPTIONS, "two tokens of a pool redeemed after the same milestones got different amounts");
        } else if (perToken[pi][finalized] == 0) {
            perToken[pi][finalized] = amount / tokens;
        } else if (perToken[pi][finalized] != amount / tokens) {
            _violate(REDEMPTIONS, "two tokens of a pool redeemed after the same milestones got different amounts");
        }
        if (_balanceOf(g.asset, holder) != before + amount) _violate(FLOWS, "a redemption did not arrive");
        _paid(pi, holder, amount, reason);
    }

    function _paid(uint256 pi, address to, uint256 amount, uint8 reason) internal {
        uint256 asset = _assetIndex(poolGhost[pi].asset);
        _out[asset] += amount;
        paidOut[pi][reason] += amount;
        paidTo[to][reason] += amount;
        received[to][asset] += amount;
    }

    function _withdraw(address who, uint256 poolId, uint256 m) internal returns (bool ok, uint256 amount) {
        if (isContractWallet[who]) {
            try RejectingBeneficiary(payable(who)).withdrawFrom(pools, poolId, m) returns (uint256 a) {
                (ok, amount) = (true, a);
            } catch (bytes memory err) {
                _countError(err);
            }
        } else {
            vm.prank(who);
            try pools.withdrawCredit(poolId, m) returns (uint256 a) {
                (ok, amount) = (true, a);
            } catch (bytes memory err) {
                _countError(err);
            }
        }
    }

    function _settlePauseGhost() internal {
        if (pausedAt != 0 && block.timestamp >= pauseEndsAt) {
            pausedTotal += pauseEndsAt - pausedAt;
            (nextPauseAt, pausedAt, pauseEndsAt) = (pauseEndsAt + PAUSE_COOLDOWN, 0, 0);
        }
    }

    function _paused() internal view returns (bool) {
        return pausedAt != 0 && block.timestamp < pauseEndsAt;
    }

    function _pausedSeconds() internal view returns (uint256 total) {
        total = pausedTotal;
        if (pausedAt != 0) total += (block.timestamp < pauseEndsAt ? block.timestamp : pauseEndsAt) - pausedAt;
    }

    /// @dev Every pool was opened before the first pause: its clock is the block time less all paused time.
    function _clock() internal view returns (uint256) {
        return block.timestamp - _pausedSeconds();
    }

    function _finalCount(uint256 pi) internal view returns (uint256 n) {
        PoolGhost storage g = poolGhost[pi];
        uint256 clock = _clock();
        while (n < g.certified && clock >= cert[pi][n].clock + g.window) ++n;
    }

    function _unearnedPerToken(uint256 pi, uint256 finalized) internal view returns (uint256) {
        uint256 price = poolGhost[pi].price;
        return price - price * cumBps[pi][finalized] / BPS;
    }

    function _isGhostOracle(address account) internal view returns (bool) {
        return slotPlusOne[account] != 0;
    }

    function _isProgrammeKey(address account) internal view returns (bool) {
        return account == admin || account == registrar || account == programme || account == pauser;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Internal: helpers
    // ---------------------------------------------------------------------------------------------------------

    function _queue(uint8 where) internal view returns (IDelayedChanges) {
        return where == REGISTRY ? IDelayedChanges(address(registry)) : IDelayedChanges(address(certifier));
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % ACTORS];
    }

    /// @dev Mostly a wallet; sometimes an oracle or a programme key (which must be refused or are the attacker's).
    function _walletOrOracle(uint256 seed) internal view returns (address) {
        if (seed % 7 == 0) return oracleAddr[(seed >> 8) % oracleAddr.length];
        return wallets[seed % wallets.length];
    }

    /// @dev Mostly an oracle key; sometimes a reviewer, a wallet or a programme key (which must be refused).
    function _oracleOrOther(uint256 seed) internal view returns (address) {
        uint256 pick = seed % 10;
        if (pick == 0) return reviewerCandidates[(seed >> 8) % reviewerCandidates.length];
        if (pick == 1) return wallets[(seed >> 8) % wallets.length];
        if (pick == 2) return admin;
        return oracleAddr[seed % oracleAddr.length];
    }

    /// @dev Mostly an actor holding tokens of the pool, if any does.
    function _holderMostly(uint256 seed, uint256 pi) internal view returns (address) {
        for (uint256 i; i < ACTORS && seed % 5 != 0; ++i) {
            address a = actors[(seed % ACTORS + i) % ACTORS];
            if (pools.balanceOf(a, poolIds[pi]) != 0) return a;
        }
        return _actor(seed);
    }

    /// @dev Mostly a pool whose next milestone can be certified as far as the ghost knows (sale closed with the
    /// goal reached, live, a milestone left), if there is one.
    function _certifiablePoolMostly(uint256 seed) internal view returns (uint256) {
        for (uint256 i; i < poolIds.length && seed % 5 != 0; ++i) {
            uint256 pi = (seed % poolIds.length + i) % poolIds.length;
            PoolGhost storage g = poolGhost[pi];
            uint256 sold = g.paidIn / g.price;
            bool closed = sold == g.cap || _clock() > g.saleEnd;
            if (closed && sold >= g.goal && !g.failed && g.certified < g.milestones) return pi;
        }
        return seed % poolIds.length;
    }

    /// @dev Mostly a pool with a certified milestone, if one has.
    function _certifiedPoolMostly(uint256 seed) internal view returns (uint256) {
        for (uint256 i; i < poolIds.length && seed % 5 != 0; ++i) {
            uint256 pi = (seed % poolIds.length + i) % poolIds.length;
            if (poolGhost[pi].certified != 0) return pi;
        }
        return seed % poolIds.length;
    }

    /// @dev Mostly a failed pool, if one has.
    function _failedPoolMostly(uint256 seed) internal view returns (uint256) {
        for (uint256 i; i < poolIds.length && seed % 5 != 0; ++i) {
            uint256 pi = (seed % poolIds.length + i) % poolIds.length;
            if (poolGhost[pi].failed) return pi;
        }
        return seed % poolIds.length;
    }

    /// @dev Mostly a key accredited now; sometimes any (which must be refused if it is not).
    function _oracleKey(uint256 seed) internal view returns (uint256) {
        uint256 mask = _accreditedKeys();
        if (seed % 4 == 0 || mask == 0) return (seed >> 8) % _keys.length;
        uint256[] memory keys = _ascendingKeys(mask);
        return keys[(seed >> 8) % keys.length];
    }

    function _accreditedKeys() internal view returns (uint256 mask) {
        for (uint256 i; i < _keys.length; ++i) {
            if (slotPlusOne[oracleAddr[i]] != 0) mask |= 1 << i;
        }
    }

    /// @dev Mostly the next milestone (the one that can be certified), sometimes any, to exercise the rejections.
    function _milestone(uint256 pi, uint256 seed) internal view returns (uint256) {
        PoolGhost storage g = poolGhost[pi];
        if (seed % 5 != 0 && g.certified < g.milestones) return g.certified;
        return seed % (g.milestones + 1);
    }

    /// @dev Evidence of the milestone's current round (two hashes, so that oracles sometimes disagree), sometimes
    /// the previous round's (voided, which must be refused).
    function _evidence(uint256 pi, uint256 m, uint256 seed) internal view returns (bytes32) {
        uint256 r = round[pi][m];
        if (seed % 7 == 0 && r > 0) --r;
        return keccak256(abi.encode(seed % 4 == 0 ? "disputed evidence" : "assessment report", pi, m, r));
    }

    /// @dev Both evidence hashes of the round are counted as the ghost counts them: the certifier keeps the backers of
    /// the round's first evidence in the pool's attested mask until other evidence is attested, then in storage.
    function _checkAttestationCounts(uint256 pi, uint256 m, bytes32 rk) internal {
        // Seeds 1 and 4: the report and the disputed evidence of the milestone's current round.
        for (uint256 seed = 1; seed <= 4; seed += 3) {
            bytes32 evidence = _evidence(pi, m, seed);
            uint256 counted = certifier.attestationCount(poolIds[pi], m, evidence, URI);
            if (counted != _popcount(_backing[rk][evidence] & accreditedSlots)) {
                _violate(RULES, "an evidence's attestation count is not its accredited backers");
            }
        }
    }

    /// @dev The round of on-chain attestations: the pool's voids, not the milestone's.
    function _roundKey(uint256 pi, uint256 m) internal view returns (bytes32) {
        return keccak256(abi.encode(pi, m, poolVoids[pi]));
    }

    /// @dev The keys whose bit is set in `mask` (at least one), ascending by address.
    function _ascendingKeys(uint256 mask) internal view returns (uint256[] memory keys) {
        uint256 n = _keys.length;
        mask = mask % (1 << n);
        if (mask == 0) mask = 1;
        keys = new uint256[](_popcount(mask));
        uint256 k;
        for (uint256 i; i < n; ++i) {
            if (mask & (1 << i) != 0) keys[k++] = i;
        }
        for (uint256 i; i < keys.length; ++i) {
            for (uint256 j = i + 1; j < keys.length; ++j) {
                if (oracleAddr[keys[j]] < oracleAddr[keys[i]]) (keys[i], keys[j]) = (keys[j], keys[i]);
            }
        }
    }

    function _assetIndex(address asset) internal pure returns (uint256) {
        return asset == address(0) ? 0 : 1;
    }

    function _balanceOf(address asset, address account) internal view returns (uint256) {
        return asset == address(0) ? account.balance : usdc.balanceOf(account);
    }

    function _popcount(uint256 x) internal pure returns (uint256 n) {
        for (; x != 0; ++n) {
            x &= x - 1;
        }
    }

    function _bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + x % (hi - lo + 1);
    }

    function _violate(uint8 group, string memory rule) internal {
        if (violations[group]++ == 0) firstViolation[group] = rule;
    }

    function _count(bytes32 what) internal {
        if (calls[what]++ == 0) counted.push(what);
    }

    /// @dev What a rejected call reverted with (its error selector), for `counted` when tuning the handler.
    function _countError(bytes memory err) internal {
        _count(bytes32(bytes4(err)) | bytes32(uint256(0xEE))); // marked: an error selector, not a name
    }

    function countedLength() external view returns (uint256) {
        return counted.length;
    }
}
