// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IImpactPools} from "./interfaces/IImpactPools.sol";
import {IMilestoneCertifier} from "./interfaces/IMilestoneCertifier.sol";
import {ISiteRegistry} from "./interfaces/ISiteRegistry.sol";

/// @title ImpactPools
/// @notice Escrowed funding pools for IUCN Green List sites, and their ERC-1155 impact tokens (token id = pool id).
/// @dev The pool and its token live in one contract so that a purchase is one mint and one storage write, and so
/// that a pool's supply is the pool's own accounting rather than a second copy kept in another contract.
/// No role can move escrow: money leaves only as a tranche of a final certification (to the payee recorded when
/// the certifier, fixed at construction, recorded it), or back to holders (refunds, exits).
/// Note: the amounts are per token (see `IImpactPools`): a final milestone k has earned `price * c_k / 10,000`,
/// rounded down, of every token live when it became final; the last milestone earns the whole price. Stored: the
/// tokens live at each milestone's finality, the tokens refunded and exited, and the total paid to exits (the
/// only amount that depends on when each exit happened).
/// Note: plain `AccessControl`, not the two-step delayed admin transfer of the registry and certifier: here the
/// admin grants only roles that cannot move money (opening pools, bounded pauses), and the contract is close to
/// the 24 kB code size limit.
/// Note: a pool's clock is the block time less the time the contract has been paused since the pool opened; every
/// time of the pool (sale window, deadlines, challenge windows) is read on it.
contract ImpactPools is IImpactPools, ERC1155, AccessControl {
    using SafeERC20 for IERC20;

    /// @notice May open pools.
    bytes32 public constant PROGRAMME_ROLE = keccak256("PROGRAMME_ROLE");
    /// @notice May pause and unpause buying, certifying and releasing, within the bounds below.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice Most milestones a pool can have (one bit each in `releasedMask`).
    uint256 public constant MAX_MILESTONES = 32;
    /// @notice Longest challenge window a pool can set.
    uint256 public constant MAX_CHALLENGE_WINDOW = 30 days;
    /// @notice Longest a pause lasts; it ends by itself.
    uint256 public constant MAX_PAUSE_DURATION = 7 days;
    /// @notice Shortest time between the end of a pause and the start of the next.
    uint256 public constant PAUSE_COOLDOWN = 7 days;
    /// @notice Gas forwarded with a tranche pushed in ETH; a beneficiary needing more is credited instead.
    uint256 public constant PUSH_GAS_LIMIT = 50_000;
    /// @notice How many pools a site can ever have: a status change writes each one's copy of it, and an emergency
    /// suspension must fit in a block (about 5,700 gas a pool, 831,532 at the cap by `make bench`).
    uint256 public constant MAX_POOLS_PER_SITE = 128;

    uint256 private constant _BPS = 10_000;

    /// @inheritdoc IImpactPools
    ISiteRegistry public immutable registry;
    /// @inheritdoc IImpactPools
    IMilestoneCertifier public immutable certifier;

    struct Pool {
        // slot 0: all that a purchase in ETH reads of the pool (and writes: the tokens left), and all that a release
        // in ETH reads but the counts of slot 2. The sale's start is kept as its length and what was sold as what
        // is left, so that this slot holds them with the flag that says the pool takes ETH (its asset is in slot 1).
        uint96 price;
        uint64 tokensLeft;
        uint32 saleLength;
        uint40 saleEnd;
        // The site's Green List status, copied into each of its pools by the registry on every change
        // (`recordSiteStatus`): a purchase and a release read it here, in a slot they read anyway.
        ISiteRegistry.SiteStatus siteStatus;
        FailureReason failure;
        bool paysInEth;
        // slot 1: the asset (read by payments in ERC-20 only), the site, and the paused seconds at opening (read
        // only once the pools have ever been paused). Its 24 free bits cannot hold the goal, which stays in slot 2.
        address asset;
        uint32 siteId;
        uint40 pausedAtOpen;
        // slot 2: certification, release, refunds and exits. The cap is here, beside the goal, so that whether a
        // milestone can be certified (how many were sold toward the goal) reads slots 0 and 2 of the pool only.
        uint64 goalTokens;
        uint64 exitedTokens;
        uint8 certifiedCount;
        uint8 finalizedCount;
        uint32 releasedMask;
        uint8 milestoneCount;
        uint64 capTokens;
        // slot 3: exits and the challenge window
        uint160 exitedAmount;
        uint32 challengeWindow;
        // slot 4: `tokensExitedInSale` is written only by an exit while the sale is open and read only once a pool
        // has exits; the others are written by `fail` and refunds and read only once the pool has failed, so that a
        // refund reads this slot and nothing else of the pool (its asset too, if it pays in an ERC-20)
        uint64 tokensExitedInSale;
        uint64 refundedTokens;
        uint96 refundPerToken;
        bool refundsInEth;
    }

    struct Milestone {
        bytes32 standardRef;
        bytes32 descriptionHash;
        bytes32 evidenceHash;
        // slot 3: everything a release reads of the milestone, in one slot. Its shares are written when the pool
        // opens, so that the certification's payee is a non-zero -> non-zero write (5,000 gas, not 22,100): the
        // pool's opening pays for the slot once instead (docs/benchmarks.md).
        address payee;
        uint64 tokensAtFinal;
        uint16 shareBps;
        uint16 cumulativeBps;
        // slot 4: the certification's checks and the challenge window; `credited` is set only by a push that failed
        uint40 deadline;
        uint40 certifiedClock;
        bool credited;
        string descriptionURI;
    }

    /// @dev One slot: when the current pause started (0 if none) and ends by itself, the seconds of earlier pauses,
    /// the first second the next pause may start, and the reentrancy lock. The lock shares the pause's slot so that
    /// a call that checks both (buy, release, exit's clock) reads one cold slot instead of two;
    /// it is `_NOT_ENTERED` (1, never 0, so that entering writes a non-zero slot rather than a zero one) outside a
    /// guarded call and `_ENTERED` inside one. Every write of the pause fields reads the slot first and writes the
    /// lock back as it found it (`_pause = s` after `s = _pause`), and the lock's own writes touch only its byte.
    struct PauseState {
        uint40 pausedAt;
        uint40 endsAt;
        uint40 pausedTotal;
        uint40 nextPauseAt;
        uint8 lock;
    }

    uint8 private constant _NOT_ENTERED = 1;
    uint8 private constant _ENTERED = 2;
    /// @dev The pause fields of the slot (the low 160 bits), without the lock.
    uint256 private constant _PAUSE_FIELDS = (1 << 160) - 1;

    /// @notice A guarded function was called again before it returned (the selector of OpenZeppelin's
    /// `ReentrancyGuard`, which this lock replaces).
    error ReentrancyGuardReentrantCall();

    uint256 private _poolCount;
    PauseState private _pause;
    mapping(uint256 poolId => Pool) private _pools;
    mapping(uint256 poolId => mapping(uint256 milestoneId => Milestone)) private _milestones;
    /// @dev The registry's status of each site, written only by the registry on every change of it
    /// (`recordSiteStatus`), with each of the site's pools' own copy (`Pool.siteStatus`). A pool opening reads it
    /// here, instead of calling the registry, and starts the new pool's copy from it.
    mapping(uint256 siteId => ISiteRegistry.SiteStatus) private _siteStatusCopy;
    /// @dev Every pool a site ever had, so that a status change reaches each one's copy (at most
    /// `MAX_POOLS_PER_SITE`, so that a suspension always fits in a block). Eight ids share a slot.
    mapping(uint256 siteId => uint32[] poolIds) private _poolsOfSite;

    /// @param admin The programme's admin account (typically a multisig); it grants the roles below.
    /// @param programme The account that opens pools.
    /// @param pauser The account that may pause.
    /// @param siteRegistry The register of sites.
    /// @param milestoneCertifier The only contract that may record and void certifications (deployed after this
    /// one, at an address known in advance; its constructor checks the wiring).
    /// @param tokenURI ERC-1155 metadata URI, with `{id}` standing for the pool id.
    constructor(
        address admin,
        address programme,
        address pauser,
        ISiteRegistry siteRegistry,
        IMilestoneCertifier milestoneCertifier,
        string memory tokenURI
    ) ERC1155(tokenURI) {
        if (admin == address(0) || address(siteRegistry) == address(0) || address(milestoneCertifier) == address(0)) {
            revert PoolsZeroAddress();
        }
        (registry, certifier) = (siteRegistry, milestoneCertifier);
        _pause.lock = _NOT_ENTERED;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PROGRAMME_ROLE, programme);
        _grantRole(PAUSER_ROLE, pauser);
    }

    modifier onlyCertifier() {
        if (msg.sender != address(certifier)) revert PoolsNotCertifier(msg.sender);
        _;
    }

    modifier onlyRegistry() {
        if (msg.sender != address(registry)) revert PoolsNotRegistry(msg.sender);
        _;
    }

    modifier whenNotPaused() {
        _requireNotPaused();
        _;
    }

    /// @dev OpenZeppelin's `ReentrancyGuard` (same semantics and error), with the lock in the pause's slot: a call
    /// that checks the pause after entering reads that slot warm. While a guarded function (or a token purchase)
    /// runs, every guarded function and every purchase reverts; the pause functions may still run (they are not
    /// guarded, as before) and keep the lock, and so may `refund` and `withdrawCredit`, which need no lock (each
    /// says why).
    modifier nonReentrant() {
        _enter();
        _;
        _pause.lock = _NOT_ENTERED;
    }

    // ----------------------------------------------------------------------------------------------------------
    // Programme
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc IImpactPools
    function openPool(PoolParams calldata params, MilestoneParams[] calldata milestones)
        external
        onlyRole(PROGRAMME_ROLE)
        returns (uint256 poolId)
    {
        _requireFundable(params.siteId);
        if (params.asset != address(0) && params.asset.code.length == 0) revert PoolsInvalidAsset(params.asset);
        if (params.price == 0) revert PoolsZeroPrice();
        if (params.goalTokens == 0 || params.goalTokens > params.capTokens) {
            revert PoolsInvalidGoal(params.goalTokens, params.capTokens);
        }
        if (
            params.saleStart >= params.saleEnd || params.saleEnd <= block.timestamp
                || params.saleEnd - params.saleStart > type(uint32).max
        ) {
            revert PoolsInvalidSaleWindow(params.saleStart, params.saleEnd);
        }
        if (params.challengeWindow > MAX_CHALLENGE_WINDOW) {
            revert PoolsInvalidChallengeWindow(params.challengeWindow, MAX_CHALLENGE_WINDOW);
        }
        uint256 count = milestones.length;
        if (count == 0 || count > MAX_MILESTONES) revert PoolsInvalidMilestoneCount(count);

        if (_poolsOfSite[params.siteId].length == MAX_POOLS_PER_SITE) {
            revert PoolsTooManyForSite(params.siteId, MAX_POOLS_PER_SITE);
        }

        poolId = ++_poolCount;
        _poolsOfSite[params.siteId].push(SafeCast.toUint32(poolId));
        Pool storage p = _pools[poolId];
        // The sale's length fits 32 bits (checked above).
        (p.price, p.tokensLeft, p.saleLength, p.saleEnd) =
            (params.price, params.capTokens, uint32(params.saleEnd - params.saleStart), params.saleEnd);
        (p.siteStatus, p.paysInEth) = (_siteStatusCopy[params.siteId], params.asset == address(0));
        (p.asset, p.siteId) = (params.asset, SafeCast.toUint32(params.siteId));
        // count <= MAX_MILESTONES
        (p.goalTokens, p.milestoneCount, p.capTokens) = (params.goalTokens, uint8(count), params.capTokens);
        // Paused seconds fit 40 bits: they never exceed the block time.
        (p.challengeWindow, p.pausedAtOpen) = (params.challengeWindow, uint40(_pausedSeconds()));
        _emitPoolOpened(poolId, params, count);
        _scheduleMilestones(poolId, params.saleEnd, milestones);
        // The certifier writes the pool's two attestation slots now, so that no attestation creates them.
        certifier.onPoolOpened(poolId);
    }

    /// @inheritdoc IImpactPools
    function pause() external onlyRole(PAUSER_ROLE) {
        PauseState memory s = _settledPause();
        if (s.pausedAt != 0) revert PoolsPaused(s.endsAt);
        if (block.timestamp < s.nextPauseAt) revert PoolsPauseCoolingDown(s.nextPauseAt);
        uint256 endsAt = block.timestamp + MAX_PAUSE_DURATION;
        // Block times and these sums fit 40 bits until the year 36,812.
        (s.pausedAt, s.endsAt) = (uint40(block.timestamp), uint40(endsAt));
        _pause = s;
        emit Paused(msg.sender, endsAt);
    }

    /// @inheritdoc IImpactPools
    function unpause() external onlyRole(PAUSER_ROLE) {
        PauseState memory s = _settledPause();
        if (s.pausedAt == 0) revert PoolsNotPaused();
        s.pausedTotal += uint40(block.timestamp) - s.pausedAt;
        s.nextPauseAt = uint40(block.timestamp + PAUSE_COOLDOWN);
        (s.pausedAt, s.endsAt) = (0, 0);
        _pause = s;
        emit Unpaused(msg.sender);
    }

    /// @inheritdoc IImpactPools
    function recordSiteStatus(uint256 siteId, ISiteRegistry.SiteStatus status) external onlyRegistry {
        // No event: the registry's `SiteStatusChanged` of the same transaction already says it.
        _siteStatusCopy[siteId] = status;
        uint32[] storage sitePools = _poolsOfSite[siteId];
        for (uint256 i; i < sitePools.length; ++i) {
            _pools[sitePools[i]].siteStatus = status;
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // Investors
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc IImpactPools
    function buy(uint256 poolId, uint256 tokens, address recipient) external payable returns (uint256 cost) {
        Pool storage p = _pools[poolId];
        // The lock, the pause check and the pool's clock from one read of their slot: a purchase pays for it once.
        // A purchase inside a guarded call still reverts as before (`_clockUnlessPaused` checks the lock first);
        // only the token path takes the lock (below).
        uint256 clock = _clockUnlessPaused(p);
        uint256 saleEnd = p.saleEnd;
        if (saleEnd == 0) revert PoolsUnknownPool(poolId);
        if (p.failure != FailureReason.None) revert PoolsPoolFailed(poolId, p.failure);
        uint256 saleStart;
        unchecked {
            saleStart = saleEnd - p.saleLength; // the length was the end less the start
        }
        if (clock < saleStart || clock > saleEnd) {
            uint256 shift = block.timestamp - clock;
            revert PoolsSaleNotOpen(poolId, saleStart + shift, saleEnd + shift);
        }
        if (tokens == 0) revert PoolsZeroTokens();
        if (recipient == address(0)) revert PoolsZeroRecipient();
        uint256 left = p.tokensLeft;
        if (tokens > left) revert PoolsCapExceeded(poolId, left, tokens);
        ISiteRegistry.SiteStatus status = p.siteStatus;
        if (!_fundable(status)) revert PoolsSiteNotFundable(p.siteId, uint8(status));

        bool paysInEth = p.paysInEth;
        unchecked {
            // tokens <= left < 2^64 and price < 2^96: the product cannot overflow, and tokens <= left.
            cost = tokens * p.price;
            // Effects before taking the payment and before the mint's receiver callback, so that a re-entrant
            // receiver sees the cap already consumed.
            p.tokensLeft = uint64(left - tokens);
        }

        if (paysInEth) {
            // No lock on the ETH path: its only external call is the mint's receiver hook, the last thing it does,
            // after every effect (the count sold, the payment, the event, the balance). A receiver that calls back
            // (another purchase, a refund, a release, an exit) finds the purchase complete, as a later transaction
            // would, and nothing here runs after its call. A purchase made from inside another guarded call still
            // reverts: the lock was checked above.
            if (msg.value != cost) revert PoolsWrongPayment(cost, msg.value);
        } else {
            if (msg.value != 0) revert PoolsWrongPayment(0, msg.value);
            // The token path keeps the lock, until after the mint as before: `_pullExactly` judges the payment by
            // this contract's balance before and after the pull, and a purchase nested inside the token's transfer
            // would add its own payment to that difference and pass an outer buyer's short payment.
            _pause.lock = _ENTERED;
            _pullExactly(p.asset, msg.sender, cost);
        }
        emit TokensPurchased(poolId, msg.sender, recipient, tokens, cost);
        _mint(recipient, poolId, tokens, "");
        if (!paysInEth) _pause.lock = _NOT_ENTERED;
    }

    /// @inheritdoc IImpactPools
    function fail(uint256 poolId) external returns (FailureReason reason) {
        Pool storage p = _existingPool(poolId);
        _finalize(poolId, p);
        reason = _failureDue(poolId, p);
        if (reason == FailureReason.None) revert PoolsCannotFail(poolId);
        p.failure = reason;
        // The refund per token is frozen here, once, so that each refund reads one slot for it and the count. It
        // cannot change later: `_finalize` above made every certified milestone final (a pool with an open window
        // cannot fail), a failed pool cannot be certified (`_checkCertifiable`) nor exited, no window is open to
        // void, and the price never changes. It is at most the price (< 2^96) and above zero (the last milestone is
        // not certified, so its share is unearned).
        p.refundPerToken = uint96(_unearnedPerToken(poolId, p, p.finalizedCount));
        // Beside it, so that a refund in ETH reads no other slot of the pool (an ERC-20 refund reads the asset).
        p.refundsInEth = p.paysInEth;
        emit PoolFailed(poolId, reason);
    }

    /// @inheritdoc IImpactPools
    /// @dev No reentrancy lock (it would cost a cold slot read and a write per refund): every effect (the refunded
    /// count, the burn, the event) is done before the payment, which is the last thing it does, and the amount
    /// rests only on what `fail` froze (the refund per token) and on the caller's own balance, burned first. A
    /// holder called back by the payment, or calling from inside another call of this contract's (a release's
    /// push, an exit's payment, a purchase's hook or token pull), finds its tokens already burned and counted, as a
    /// later transaction would. And a refund only takes money out: nested in an ERC-20 purchase's pull, it lowers
    /// the balance difference `_pullExactly` checks, so it can make that purchase fail but never pass short.
    function refund(uint256 poolId, uint256 tokens) external returns (uint256 amount) {
        Pool storage p = _pools[poolId];
        // Every milestone certified before the failure was final (a pool cannot fail while a window is open); the
        // price less what they earned of each token was frozen by `fail`, above zero. So a zero here means the pool
        // has not failed, and slot 0 (read only then) tells an unknown pool apart: a refund reads slot 4 alone.
        uint256 perToken = p.refundPerToken;
        if (perToken == 0) {
            _existingPool(poolId);
            revert PoolsNotFailed(poolId);
        }
        _requireBalance(poolId, tokens);
        amount = tokens * perToken;
        if (amount == 0) revert PoolsNothingToRefund(poolId, tokens);

        // tokens <= balance <= supply <= 2^64: the narrowing cannot truncate.
        p.refundedTokens += uint64(tokens);
        _burn(msg.sender, poolId, tokens);
        emit Refunded(poolId, msg.sender, tokens, amount);

        // Interaction last; a holder that cannot take the payment simply cannot refund to itself.
        _payOrRevert(p.refundsInEth ? address(0) : p.asset, msg.sender, amount);
    }

    /// @inheritdoc IImpactPools
    function exit(uint256 poolId, uint256 tokens) external nonReentrant returns (uint256 amount) {
        Pool storage p = _existingPool(poolId);
        if (p.failure != FailureReason.None) revert PoolsPoolFailed(poolId, p.failure);
        if (_pendingChangesAffecting(p) == 0) revert PoolsNoPendingChange(poolId);
        _requireBalance(poolId, tokens);
        // Tokens that leave while the sale is open stop counting toward the goal: otherwise tokens bought and exited
        // at once could make a pool below its goal look funded. Sold out or ended, the sale closed with its goal met
        // or missed, and no later exit changes that.
        if (_saleOpen(p, _clock(p))) p.tokensExitedInSale += uint64(tokens);
        // Milestones whose window has passed earned their share of the tokens live until now, this one included.
        _finalize(poolId, p);
        amount = tokens * _unearnedPerToken(poolId, p, p.finalizedCount);
        if (amount == 0) revert PoolsNothingToRefund(poolId, tokens);

        // tokens <= supply <= 2^64, and the exits' total never exceeds the amount raised (< 2^160).
        p.exitedTokens += uint64(tokens);
        p.exitedAmount += uint160(amount);
        _burn(msg.sender, poolId, tokens);
        emit Exited(poolId, msg.sender, tokens, amount);

        _payOrRevert(_asset(p), msg.sender, amount);
    }

    // ----------------------------------------------------------------------------------------------------------
    // Milestones and tranches
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc IImpactPools
    function checkCertifiable(uint256 poolId, uint256 milestoneId) external view {
        _checkCertifiable(poolId, milestoneId);
    }

    /// @inheritdoc IImpactPools
    function recordCertification(uint256 poolId, uint256 milestoneId, bytes32 evidenceHash, string calldata evidenceURI)
        external
        onlyCertifier
    {
        if (evidenceHash == bytes32(0)) revert PoolsZeroEvidence();
        (Pool storage p, uint256 clock) = _checkCertifiable(poolId, milestoneId);
        // The payee recorded is the registry's beneficiary now.
        (, address payee) = registry.statusAndBeneficiary(p.siteId);
        // milestoneId == certifiedCount < milestoneCount <= 32: the increment cannot overflow a uint8.
        p.certifiedCount = uint8(milestoneId + 1);
        Milestone storage m = _milestones[poolId][milestoneId];
        m.evidenceHash = evidenceHash;
        m.certifiedClock = uint40(clock);
        m.payee = payee;
        emit MilestoneCertified(
            poolId, milestoneId, evidenceHash, evidenceURI, payee, block.timestamp + p.challengeWindow
        );
    }

    /// @inheritdoc IImpactPools
    function voidCertification(
        uint256 poolId,
        uint256 milestoneId,
        address reviewer,
        bytes32 reasonHash,
        string calldata reasonURI
    ) external onlyCertifier returns (bytes32[] memory evidenceHashes) {
        Pool storage p = _existingPool(poolId);
        if (milestoneId >= p.milestoneCount) revert PoolsUnknownMilestone(poolId, milestoneId);
        uint256 certified = p.certifiedCount;
        if (milestoneId >= certified) revert PoolsMilestoneNotCertified(poolId, milestoneId);
        _finalize(poolId, p);
        if (milestoneId < p.finalizedCount) revert PoolsChallengeWindowClosed(poolId, milestoneId);

        // Later certifications rest on this one (milestones are certified in order): they go with it.
        evidenceHashes = new bytes32[](certified - milestoneId);
        for (uint256 k = certified; k > milestoneId;) {
            --k;
            Milestone storage m = _milestones[poolId][k];
            bytes32 evidenceHash = m.evidenceHash;
            evidenceHashes[k - milestoneId] = evidenceHash;
            (m.evidenceHash, m.certifiedClock, m.payee) = (bytes32(0), 0, address(0));
            emit CertificationVoided(poolId, k, reviewer, evidenceHash, reasonHash, reasonURI);
        }
        p.certifiedCount = uint8(milestoneId);
    }

    /// @inheritdoc IImpactPools
    function release(uint256 poolId, uint256 milestoneId)
        external
        nonReentrant
        whenNotPaused
        returns (uint256 amount)
    {
        Pool storage p = _existingPool(poolId);
        if (milestoneId >= p.milestoneCount) revert PoolsUnknownMilestone(poolId, milestoneId);
        if (milestoneId >= p.certifiedCount) revert PoolsMilestoneNotCertified(poolId, milestoneId);
        _finalize(poolId, p);
        Milestone storage m = _milestones[poolId][milestoneId];
        if (milestoneId >= p.finalizedCount) {
            revert PoolsChallengeWindowOpen(poolId, milestoneId, _challengeEndsAt(p, m));
        }
        uint32 bit = uint32(1 << milestoneId); // milestoneId < 32
        if (p.releasedMask & bit != 0) revert PoolsTrancheAlreadyReleased(poolId, milestoneId);
        if (p.siteStatus == ISiteRegistry.SiteStatus.Suspended) revert PoolsSiteSuspended(poolId, p.siteId);

        amount = _trancheAmount(poolId, p, milestoneId);
        p.releasedMask |= bit;
        address payee = m.payee;

        // A push the payee rejects is credited instead, so that no payee can block a release. The credit is
        // written after the failed call, which is safe: the call failed (what it did was reverted), nonReentrant
        // holds, and `withdrawCredit` (not guarded) finds no credit while the push is in flight.
        bool pushed = _tryPay(_asset(p), payee, amount);
        if (!pushed) m.credited = true;
        emit TrancheReleased(poolId, milestoneId, payee, amount, !pushed);
    }

    /// @inheritdoc IImpactPools
    /// @dev No reentrancy lock (a cold slot read and a write saved): the credit is cleared before the payment, the
    /// last thing it does, so a call back finds nothing to withdraw; and during a release's push the milestone's
    /// credit is not yet set (it is set only after a push that failed, whose call and everything it did reverted).
    /// The amount cannot move under it: a credited milestone is final, so its tranche counts the tokens live at
    /// its finality, which no refund, exit or purchase in flight changes. Like a refund, it only takes money out.
    function withdrawCredit(uint256 poolId, uint256 milestoneId) external returns (uint256 amount) {
        Pool storage p = _existingPool(poolId);
        if (milestoneId >= p.milestoneCount) revert PoolsUnknownMilestone(poolId, milestoneId);
        Milestone storage m = _milestones[poolId][milestoneId];
        if (!m.credited) revert PoolsNothingToWithdraw(poolId, milestoneId);
        if (msg.sender != m.payee) {
            (, address beneficiary) = registry.statusAndBeneficiary(p.siteId);
            if (msg.sender != beneficiary) revert PoolsNotPayee(poolId, milestoneId, msg.sender);
        }
        amount = _trancheAmount(poolId, p, milestoneId);
        m.credited = false;
        emit CreditWithdrawn(poolId, milestoneId, msg.sender, amount);
        _payOrRevert(_asset(p), msg.sender, amount);
    }

    // ----------------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc IImpactPools
    function pool(uint256 poolId) external view returns (PoolInfo memory info) {
        Pool storage p = _existingPool(poolId);
        uint256 finalized = _finalizedNow(poolId, p);
        info.siteId = p.siteId;
        info.asset = p.asset;
        info.price = p.price;
        info.goalTokens = p.goalTokens;
        info.capTokens = p.capTokens;
        info.saleStart = p.saleEnd - p.saleLength;
        info.saleEnd = p.saleEnd;
        info.challengeWindow = p.challengeWindow;
        info.milestoneCount = p.milestoneCount;
        info.tokensSold = _tokensSold(p);
        info.tokensTowardGoal = _tokensTowardGoal(p);
        info.supply = _supply(p);
        info.certifiedCount = p.certifiedCount;
        info.finalizedCount = finalized;
        info.releasedMask = p.releasedMask;
        info.failure = p.failure;
        info.pausedTime = block.timestamp - _clock(p);
        info.exitOpen = p.failure == FailureReason.None && _pendingChangesAffecting(p) != 0;
        info.raised = _raised(p);
        info.released = _released(poolId, p);
        // Both are zero until the pool fails.
        info.refunded = uint256(p.refundedTokens) * p.refundPerToken;
        info.exited = p.exitedAmount;
        info.escrow = info.raised - info.released - info.refunded - info.exited;
    }

    /// @inheritdoc IImpactPools
    function milestone(uint256 poolId, uint256 milestoneId) external view returns (MilestoneInfo memory info) {
        Pool storage p = _existingPool(poolId);
        if (milestoneId >= p.milestoneCount) revert PoolsUnknownMilestone(poolId, milestoneId);
        Milestone storage m = _milestones[poolId][milestoneId];
        bool certified = milestoneId < p.certifiedCount;
        info.standardRef = m.standardRef;
        info.descriptionHash = m.descriptionHash;
        info.descriptionURI = m.descriptionURI;
        info.shareBps = m.shareBps;
        info.deadline = m.deadline;
        info.certified = certified;
        info.finalized = milestoneId < _finalizedNow(poolId, p);
        info.released = p.releasedMask & (1 << milestoneId) != 0;
        info.credited = m.credited;
        info.evidenceHash = m.evidenceHash;
        info.challengeEndsAt = certified ? _challengeEndsAt(p, m) : 0;
        info.payee = m.payee;
        info.trancheAmount = _trancheAmount(poolId, p, milestoneId);
    }

    /// @inheritdoc IImpactPools
    function poolCount() external view returns (uint256) {
        return _poolCount;
    }

    /// @inheritdoc IImpactPools
    function totalSupply(uint256 poolId) external view returns (uint256) {
        return _supply(_pools[poolId]);
    }

    /// @inheritdoc IImpactPools
    function refundQuote(uint256 poolId, uint256 tokens) external view returns (uint256) {
        Pool storage p = _existingPool(poolId);
        if (p.failure == FailureReason.None) revert PoolsNotFailed(poolId);
        uint256 supply = _supply(p);
        return (tokens > supply ? supply : tokens) * p.refundPerToken;
    }

    /// @inheritdoc IImpactPools
    function exitQuote(uint256 poolId, uint256 tokens) external view returns (uint256) {
        Pool storage p = _existingPool(poolId);
        if (p.failure != FailureReason.None) return 0;
        uint256 supply = _supply(p);
        return (tokens > supply ? supply : tokens) * _unearnedPerToken(poolId, p, _finalizedNow(poolId, p));
    }

    /// @inheritdoc IImpactPools
    function failureDue(uint256 poolId) external view returns (FailureReason) {
        return _failureDue(poolId, _existingPool(poolId));
    }

    /// @inheritdoc IImpactPools
    function siteStatus(uint256 siteId) external view returns (ISiteRegistry.SiteStatus) {
        return _siteStatusCopy[siteId];
    }

    /// @inheritdoc IImpactPools
    function poolSiteStatus(uint256 poolId) external view returns (ISiteRegistry.SiteStatus) {
        return _existingPool(poolId).siteStatus;
    }

    /// @inheritdoc IImpactPools
    function paused() public view returns (bool) {
        PauseState memory s = _pause;
        return s.pausedAt != 0 && block.timestamp < s.endsAt;
    }

    /// @inheritdoc IImpactPools
    function pauseEndsAt() external view returns (uint256) {
        return paused() ? _pause.endsAt : 0;
    }

    /// @inheritdoc IImpactPools
    function dutyOf(address account) external view returns (bool held, bytes32 duty) {
        if (hasRole(DEFAULT_ADMIN_ROLE, account)) return (true, DEFAULT_ADMIN_ROLE);
        if (hasRole(PROGRAMME_ROLE, account)) return (true, PROGRAMME_ROLE);
        if (hasRole(PAUSER_ROLE, account)) return (true, PAUSER_ROLE);
        return (false, bytes32(0));
    }

    /// @inheritdoc ERC1155
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC1155, AccessControl)
        returns (bool)
    {
        return super.supportsInterface(interfaceId);
    }

    // ----------------------------------------------------------------------------------------------------------
    // Internal: roles and pauses
    // ----------------------------------------------------------------------------------------------------------

    /// @dev No role for an accredited oracle (separation of duties). The certifier has no code only while the
    /// system is being deployed (it is deployed last); its constructor checks the roles granted before it.
    function _grantRole(bytes32 role, address account) internal override returns (bool) {
        if (address(certifier).code.length != 0 && certifier.isOracle(account)) revert PoolsOracleConflict(account);
        return super._grantRole(role, account);
    }

    function _enter() private {
        if (_pause.lock == _ENTERED) revert ReentrancyGuardReentrantCall();
        _pause.lock = _ENTERED;
    }

    function _requireNotPaused() private view {
        PauseState memory s = _pause;
        if (s.pausedAt != 0 && block.timestamp < s.endsAt) revert PoolsPaused(s.endsAt);
    }

    /// @dev The pause state with a pause that ended by itself folded into the total and the cool-down.
    function _settledPause() private view returns (PauseState memory s) {
        s = _pause;
        if (s.pausedAt != 0 && block.timestamp >= s.endsAt) {
            s.pausedTotal += s.endsAt - s.pausedAt;
            s.nextPauseAt = uint40(s.endsAt + PAUSE_COOLDOWN);
            (s.pausedAt, s.endsAt) = (0, 0);
        }
    }

    /// @dev Seconds the contract has been paused since deployment, the current pause included up to now.
    function _pausedSeconds() private view returns (uint256 total) {
        PauseState memory s = _pause;
        total = s.pausedTotal;
        if (s.pausedAt != 0) total += (block.timestamp < s.endsAt ? block.timestamp : s.endsAt) - s.pausedAt;
    }

    /// @dev The reentrancy guard's check, `_requireNotPaused` and `_clock` in one read of the slot they share. Not
    /// paused now, an earlier pause that ended by itself counts up to its end.
    function _clockUnlessPaused(Pool storage p) private view returns (uint256) {
        uint256 word;
        // Assembly only to test the pause fields at once: never paused since deployment, they are all zeros and
        // every pool's clock is the block time, so a purchase pays one storage read here and no unpacking.
        assembly ("memory-safe") {
            word := sload(_pause.slot)
        }
        // The lock's byte, above the pause fields (nothing is above it), checked as the guard would, from the word
        // already read; it is not part of the pause test.
        if (word >> 160 == _ENTERED) revert ReentrancyGuardReentrantCall();
        if (word & _PAUSE_FIELDS == 0) return block.timestamp;
        PauseState memory s = _pause;
        uint256 pausedSeconds = s.pausedTotal;
        if (s.pausedAt != 0) {
            if (block.timestamp < s.endsAt) revert PoolsPaused(s.endsAt);
            pausedSeconds += s.endsAt - s.pausedAt;
        }
        return pausedSeconds == 0 ? block.timestamp : block.timestamp - (pausedSeconds - p.pausedAtOpen);
    }

    /// @dev The pool's clock: the block time less the time paused since the pool opened. Until the contract has
    /// ever been paused this is the block time, and the pool's slot 3 is not read.
    function _clock(Pool storage p) private view returns (uint256) {
        uint256 pausedSeconds = _pausedSeconds();
        return pausedSeconds == 0 ? block.timestamp : block.timestamp - (pausedSeconds - p.pausedAtOpen);
    }

    // ----------------------------------------------------------------------------------------------------------
    // Internal: pools and milestones
    // ----------------------------------------------------------------------------------------------------------

    /// @dev Apart from `openPool` only because ten event fields and its locals do not fit the stack together.
    function _emitPoolOpened(uint256 poolId, PoolParams calldata params, uint256 count) private {
        emit PoolOpened(
            poolId,
            params.siteId,
            params.asset,
            params.price,
            params.goalTokens,
            params.capTokens,
            params.saleStart,
            params.saleEnd,
            count,
            params.challengeWindow
        );
    }

    function _scheduleMilestones(uint256 poolId, uint256 saleEnd, MilestoneParams[] calldata milestones) private {
        uint256 cumulativeBps = 0;
        uint256 previousDeadline = saleEnd;
        for (uint256 i; i < milestones.length; ++i) {
            MilestoneParams calldata m = milestones[i];
            if (m.standardRef == bytes32(0) || m.descriptionHash == bytes32(0)) revert PoolsInvalidMilestone(i);
            if (m.shareBps == 0) revert PoolsZeroShare(i);
            if (m.deadline <= previousDeadline) revert PoolsInvalidDeadline(i, m.deadline, previousDeadline);
            cumulativeBps += m.shareBps;
            // Checked before the narrowing below: a running total above 10,000 can never come back down.
            if (cumulativeBps > _BPS) revert PoolsSharesNotWhole(cumulativeBps);
            previousDeadline = m.deadline;
            Milestone storage stored = _milestones[poolId][i];
            (stored.standardRef, stored.descriptionHash, stored.descriptionURI) =
                (m.standardRef, m.descriptionHash, m.descriptionURI);
            (stored.deadline, stored.shareBps, stored.cumulativeBps) =
                (m.deadline, m.shareBps, uint16(cumulativeBps));
            emit MilestoneScheduled(
                poolId, i, m.standardRef, m.descriptionHash, m.descriptionURI, m.shareBps, m.deadline
            );
        }
        if (cumulativeBps != _BPS) revert PoolsSharesNotWhole(cumulativeBps);
    }

    /// @dev Reverts with the reason the milestone cannot be certified now; else the pool and its clock.
    function _checkCertifiable(uint256 poolId, uint256 milestoneId)
        private
        view
        returns (Pool storage p, uint256 clock)
    {
        // The pause and the pool's clock from one read of the pause's slot, as a purchase does. Its lock check
        // also refuses a certification made from inside a guarded call of the pools (a payee's receive hook
        // during a release, a token's during a purchase): nothing legitimate certifies from there.
        clock = _clockUnlessPaused(_pools[poolId]);
        p = _existingPool(poolId);
        if (p.failure != FailureReason.None) revert PoolsPoolFailed(poolId, p.failure);
        if (milestoneId >= p.milestoneCount) revert PoolsUnknownMilestone(poolId, milestoneId);
        uint256 next = p.certifiedCount;
        if (milestoneId < next) revert PoolsMilestoneAlreadyCertified(poolId, milestoneId);
        if (milestoneId > next) revert PoolsMilestoneOutOfOrder(poolId, milestoneId, next);
        if (_saleOpen(p, clock)) revert PoolsSaleStillOpen(poolId, p.saleEnd + (block.timestamp - clock));
        uint256 towardGoal = _tokensTowardGoal(p);
        if (towardGoal < p.goalTokens) revert PoolsGoalNotReached(poolId, towardGoal, p.goalTokens);
        uint256 deadline = _milestones[poolId][milestoneId].deadline;
        if (clock > deadline) {
            revert PoolsMilestoneDeadlinePassed(poolId, milestoneId, deadline + (block.timestamp - clock));
        }
        // The pool's copy of the status is the registry's (written in the same transaction as every change), in
        // a slot read anyway: an attestation that does not complete the quorum makes no call to the registry.
        if (p.siteStatus == ISiteRegistry.SiteStatus.Withdrawn) revert PoolsSiteWithdrawn(poolId, p.siteId);
    }

    /// @dev Records, for each certified milestone whose challenge window has passed, the tokens live now: no exit
    /// happened since its window ended, because every exit finalizes first.
    function _finalize(uint256 poolId, Pool storage p) private {
        uint256 finalized = p.finalizedCount;
        uint256 certified = p.certifiedCount;
        if (finalized == certified) return;
        uint256 clock = _clock(p);
        uint256 window = p.challengeWindow;
        uint64 live = uint64(_supply(p));
        uint256 first = finalized;
        while (finalized < certified) {
            Milestone storage m = _milestones[poolId][finalized];
            if (clock < m.certifiedClock + window) break;
            m.tokensAtFinal = live;
            ++finalized;
        }
        // finalized <= certified <= 32.
        if (finalized != first) p.finalizedCount = uint8(finalized);
    }

    /// @dev What `_finalize` would make the finalized count now.
    function _finalizedNow(uint256 poolId, Pool storage p) private view returns (uint256 finalized) {
        finalized = p.finalizedCount;
        uint256 certified = p.certifiedCount;
        if (finalized == certified) return finalized;
        uint256 clock = _clock(p);
        uint256 window = p.challengeWindow;
        while (finalized < certified && clock >= _milestones[poolId][finalized].certifiedClock + window) {
            ++finalized;
        }
    }

    function _challengeEndsAt(Pool storage p, Milestone storage m) private view returns (uint256) {
        // The window ends on the pool's clock; in block time that is later by the time paused since opening.
        return m.certifiedClock + p.challengeWindow + (block.timestamp - _clock(p));
    }

    function _existingPool(uint256 poolId) private view returns (Pool storage p) {
        p = _pools[poolId];
        if (p.saleEnd == 0) revert PoolsUnknownPool(poolId);
    }

    function _requireBalance(uint256 poolId, uint256 tokens) private view {
        if (tokens == 0) revert PoolsZeroTokens();
        uint256 balance = balanceOf(msg.sender, poolId);
        if (tokens > balance) revert ERC1155InsufficientBalance(msg.sender, balance, tokens, poolId);
    }

    function _fundable(ISiteRegistry.SiteStatus status) private pure returns (bool) {
        return status == ISiteRegistry.SiteStatus.Candidate || status == ISiteRegistry.SiteStatus.GreenListed;
    }

    function _requireFundable(uint256 siteId) private view {
        ISiteRegistry.SiteStatus status = _siteStatusCopy[siteId];
        if (!_fundable(status)) revert PoolsSiteNotFundable(siteId, uint8(status));
    }

    function _pendingChangesAffecting(Pool storage p) private view returns (uint256) {
        return certifier.pendingChangeCount() + registry.pendingChangesAffecting(p.siteId);
    }

    /// @dev The sale is open until its end on the pool's clock, unless the cap sold out earlier.
    function _saleOpen(Pool storage p, uint256 clock) private view returns (bool) {
        return clock <= p.saleEnd && p.tokensLeft != 0;
    }

    /// @dev Why the pool can be failed now, if it can. Never while a challenge window is open: the certification
    /// in it either becomes final (and the next deadline counts) or is voided (and its own deadline counts).
    function _failureDue(uint256 poolId, Pool storage p) private view returns (FailureReason) {
        uint256 next = p.certifiedCount;
        if (p.failure != FailureReason.None || next == p.milestoneCount) return FailureReason.None;
        if (_finalizedNow(poolId, p) < next) return FailureReason.None;
        if (p.siteStatus == ISiteRegistry.SiteStatus.Withdrawn) return FailureReason.SiteWithdrawn;
        uint256 clock = _clock(p);
        if (_saleOpen(p, clock)) return FailureReason.None;
        if (_tokensTowardGoal(p) < p.goalTokens) return FailureReason.GoalNotReached;
        if (clock > _milestones[poolId][next].deadline) return FailureReason.MilestoneMissed;
        return FailureReason.None;
    }

    /// @dev The tokens sold less those exited while the sale was open; slot 4 is read only once the pool has exits.
    function _tokensTowardGoal(Pool storage p) private view returns (uint256) {
        uint256 sold = _tokensSold(p);
        return p.exitedTokens == 0 ? sold : sold - p.tokensExitedInSale;
    }

    function _tokensSold(Pool storage p) private view returns (uint256) {
        return p.capTokens - p.tokensLeft;
    }

    /// @dev What the pool is paid in, `address(0)` for ETH: a payment in ETH reads slot 0 only (read anyway).
    function _asset(Pool storage p) private view returns (address) {
        return p.paysInEth ? address(0) : p.asset;
    }

    function _raised(Pool storage p) private view returns (uint256) {
        return _tokensSold(p) * p.price;
    }

    /// @dev Slot 4's refunded count is read only once the pool has failed: refunds need a failed pool, so before
    /// that it is zero, and exits, certifications and releases of live pools pay nothing for it.
    function _supply(Pool storage p) private view returns (uint256) {
        uint256 live = _tokensSold(p) - p.exitedTokens;
        return p.failure == FailureReason.None ? live : live - p.refundedTokens;
    }

    /// @dev What each token has earned the site once the first `finalized` milestones are final, rounded down.
    function _earnedPerToken(uint256 poolId, Pool storage p, uint256 finalized) private view returns (uint256) {
        if (finalized == 0) return 0;
        return uint256(p.price) * _milestones[poolId][finalized - 1].cumulativeBps / _BPS;
    }

    /// @dev What a token redeemed now gets back: its price less what final milestones earned of it.
    function _unearnedPerToken(uint256 poolId, Pool storage p, uint256 finalized) private view returns (uint256) {
        return p.price - _earnedPerToken(poolId, p, finalized);
    }

    /// @dev A milestone's tranche: its share of each token live when it became final (or now, if it is not yet).
    function _trancheAmount(uint256 poolId, Pool storage p, uint256 milestoneId) private view returns (uint256) {
        Milestone storage m = _milestones[poolId][milestoneId];
        uint256 tokens = milestoneId < p.finalizedCount ? m.tokensAtFinal : _supply(p);
        uint256 price = p.price;
        uint256 upTo = price * m.cumulativeBps / _BPS;
        uint256 before = price * (m.cumulativeBps - m.shareBps) / _BPS;
        return tokens * (upTo - before);
    }

    /// @dev The sum of the released tranches; computed rather than stored so that a release writes one slot.
    function _released(uint256 poolId, Pool storage p) private view returns (uint256 released) {
        uint256 mask = p.releasedMask;
        for (uint256 k; mask != 0; ++k) {
            if (mask & 1 != 0) released += _trancheAmount(poolId, p, k);
            mask >>= 1;
        }
    }

    /// @dev The payment judged by this contract's balance before and after the pull (so a fee-on-transfer token
    /// cannot pay short). The calls are in assembly, with the rules of what they replace (two `balanceOf` calls of
    /// the interface and OpenZeppelin's `safeTransferFrom`), because the ABI encoding of three calls in memory cost a
    /// purchase in tokens about 600 gas (`make bench`): a call that reverts passes its revert on; a transfer that
    /// returns data must return exactly `true`, and one that returns nothing must come from code; a balance must
    /// come back as a full word.
    function _pullExactly(address token, address from, uint256 amount) private {
        uint256 before = _balanceHere(token);
        uint256 returnSize;
        uint256 returnValue;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, shl(224, 0x23b872dd)) // transferFrom(address,address,uint256)
            mstore(add(ptr, 0x04), from)
            mstore(add(ptr, 0x24), address())
            mstore(add(ptr, 0x44), amount)
            if iszero(call(gas(), token, 0, ptr, 0x64, 0, 0x20)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            returnSize := returndatasize()
            returnValue := mload(0)
        }
        if (returnSize == 0 ? token.code.length == 0 : returnValue != 1) {
            revert SafeERC20.SafeERC20FailedOperation(token);
        }
        uint256 received = _balanceHere(token) - before;
        if (received != amount) revert PoolsPaymentShortfall(amount, received);
    }

    function _balanceHere(address token) private view returns (uint256 held) {
        assembly ("memory-safe") {
            mstore(0, shl(224, 0x70a08231)) // balanceOf(address)
            mstore(0x04, address())
            if iszero(staticcall(gas(), token, 0, 0x24, 0, 0x20)) {
                let ptr := mload(0x40)
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            if lt(returndatasize(), 0x20) { revert(0, 0) }
            held := mload(0)
        }
    }

    function _tryPay(address asset, address to, uint256 amount) private returns (bool ok) {
        if (asset == address(0)) {
            uint256 gasLimit = PUSH_GAS_LIMIT;
            // Assembly so that no return data is copied: a beneficiary cannot make the release pay for a
            // large return buffer.
            assembly ("memory-safe") {
                ok := call(gasLimit, to, amount, 0, 0, 0, 0)
            }
        } else {
            ok = IERC20(asset).trySafeTransfer(to, amount);
        }
    }

    function _payOrRevert(address asset, address to, uint256 amount) private {
        if (asset == address(0)) {
            (bool ok,) = payable(to).call{value: amount}("");
            if (!ok) revert PoolsPaymentFailed(to, amount);
        } else {
            IERC20(asset).safeTransfer(to, amount);
        }
    }
}
