// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IMilestoneCertifier} from "./IMilestoneCertifier.sol";
import {ISiteRegistry} from "./ISiteRegistry.sol";

/// @title IImpactPools
/// @notice Funding pools for Green List sites. Each pool escrows investors' money (ETH or one ERC-20), mints
/// ERC-1155 impact tokens (token id = pool id) at a fixed price, and releases the escrow to the site in
/// tranches as milestones tied to the IUCN Green List Standard are certified by a quorum of accredited oracles
/// and survive the pool's challenge window. Otherwise the money goes back to the holders.
/// @dev Lifecycle of a pool:
/// 1. Sale: between `saleStart` and `saleEnd` anyone buys tokens, up to `cap`, while the site is a Candidate or
///    Green Listed. The sale closes at `saleEnd`, or earlier when the cap is sold out.
/// 2. Milestones: once the sale has closed with the goal reached, the certifier (and only it, fixed at
///    construction) records certifications, in order, each before its deadline. A certification records the
///    payee (the site's beneficiary then) and becomes final when the pool's challenge window has passed without a
///    reviewer voiding it. A final milestone has earned its share of every token live at that moment; anyone can
///    then release its tranche to the recorded payee (pushed, or credited for withdrawal if the push fails).
/// 3. Exit: while a delayed change that affects the pool is pending (`ISiteRegistry.pendingChangesAffecting`,
///    `IDelayedChanges.pendingChangeCount` of the certifier), any holder may redeem tokens for what a refund
///    would pay now, without failing the pool for the others.
/// 4. Failure: anyone may fail a pool whose goal was not reached when the sale closed, whose next milestone's
///    deadline passed uncertified, or whose site was withdrawn (once no challenge window is open). Every token
///    then redeems for the same amount: the price less what final milestones earned per token.
/// Per-token accounting: milestone k, with cumulative share c_k, has earned `earned_k = floor(price * c_k /
/// 10,000)` of each token once final, and the last milestone earns the whole price. A token redeemed after k
/// final milestones pays `price - earned_k`; a tranche is `tokens live when it became final * (earned_k -
/// earned_{k-1})`. So every token's price is split exactly between the site and its holder, and at every moment
/// raised = released + refunded + exited + escrow, with nothing left over.
/// Pauses: the pauser may pause buying, certifying and releasing for at most `MAX_PAUSE_DURATION`, then not
/// again for `PAUSE_COOLDOWN`; every pool's clock stops while paused, so its sale window, deadlines and challenge
/// windows move later by the time paused since it opened. Exits, refunds, failing and withdrawals never pause.
interface IImpactPools {
    /// @notice Why a pool failed; `None` while it has not.
    enum FailureReason {
        None,
        GoalNotReached,
        MilestoneMissed,
        SiteWithdrawn
    }

    /// @notice Parameters of a new pool.
    /// @param siteId The site in the registry the pool funds.
    /// @param asset The payment asset: `address(0)` for ETH, otherwise an ERC-20 contract.
    /// @param price Price of one impact token, in the asset's smallest unit.
    /// @param goalTokens Tokens that must be sold for the pool to proceed; below it, the pool fails.
    /// @param capTokens Most tokens the pool will sell.
    /// @param saleStart First second of the sale (unix time).
    /// @param saleEnd Last second of the sale (unix time).
    /// @param challengeWindow Seconds after a certification during which a reviewer may void it, up to
    /// `MAX_CHALLENGE_WINDOW`; 0 makes certifications final at once.
    struct PoolParams {
        uint256 siteId;
        address asset;
        uint96 price;
        uint64 goalTokens;
        uint64 capTokens;
        uint40 saleStart;
        uint40 saleEnd;
        uint32 challengeWindow;
    }

    /// @notice One milestone of a pool's schedule.
    /// @param standardRef The Green List Standard indicator or criterion, ASCII, e.g. "GLS-V1.1-3.4.1".
    /// @param descriptionHash Hash of the document that describes what must be achieved.
    /// @param descriptionURI Where that document lives.
    /// @param shareBps Share of each token's price earned when the milestone is final, in basis points.
    /// @param deadline Last second at which the milestone can be certified (unix time, moved later by pauses).
    struct MilestoneParams {
        bytes32 standardRef;
        bytes32 descriptionHash;
        string descriptionURI;
        uint16 shareBps;
        uint40 deadline;
    }

    /// @notice A pool's parameters and its state, with the escrow accounting derived from it.
    /// @param pausedTime Seconds the contract has been paused since the pool opened: every time of the pool
    /// (sale window, deadlines, challenge windows) is that much later.
    /// @param tokensTowardGoal The tokens sold less those exited while the sale was open: what the goal is judged on.
    /// @param finalizedCount Certified milestones whose challenge window has passed.
    /// @param exitOpen Whether holders may exit now (a delayed change affecting the pool is pending).
    struct PoolInfo {
        uint256 siteId;
        address asset;
        uint256 price;
        uint256 goalTokens;
        uint256 capTokens;
        uint256 saleStart;
        uint256 saleEnd;
        uint256 challengeWindow;
        uint256 milestoneCount;
        uint256 tokensSold;
        uint256 tokensTowardGoal;
        uint256 supply;
        uint256 certifiedCount;
        uint256 finalizedCount;
        uint256 releasedMask;
        FailureReason failure;
        uint256 pausedTime;
        bool exitOpen;
        uint256 raised;
        uint256 released;
        uint256 refunded;
        uint256 exited;
        uint256 escrow;
    }

    /// @notice A milestone as scheduled, with its certification.
    /// @param challengeEndsAt When its challenge window ends (unix time, later if the contract is paused before), 0 if
    /// it is not certified.
    /// @param payee Who its tranche goes to, recorded at certification.
    /// @param trancheAmount Its tranche: exact once final, otherwise what it would be with the tokens live now.
    struct MilestoneInfo {
        bytes32 standardRef;
        bytes32 descriptionHash;
        string descriptionURI;
        uint256 shareBps;
        uint256 deadline;
        bool certified;
        bool finalized;
        bool released;
        bool credited;
        bytes32 evidenceHash;
        uint256 challengeEndsAt;
        address payee;
        uint256 trancheAmount;
    }

    // ----------------------------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------------------------

    /// @notice The programme opened a pool.
    /// @param poolId The new pool, also the id of its impact token.
    /// @param siteId The site it funds.
    /// @param asset The payment asset (`address(0)` for ETH).
    /// @param price Price of one token.
    /// @param goalTokens Tokens that must be sold.
    /// @param capTokens Most tokens that can be sold.
    /// @param saleStart First second of the sale.
    /// @param saleEnd Last second of the sale.
    /// @param milestoneCount Number of milestones in the schedule.
    /// @param challengeWindow Seconds during which a certification can be voided.
    event PoolOpened(
        uint256 indexed poolId,
        uint256 indexed siteId,
        address indexed asset,
        uint256 price,
        uint256 goalTokens,
        uint256 capTokens,
        uint256 saleStart,
        uint256 saleEnd,
        uint256 milestoneCount,
        uint256 challengeWindow
    );

    /// @notice A milestone of a newly opened pool.
    /// @param poolId The pool.
    /// @param milestoneId Its position in the schedule, from 0.
    /// @param standardRef The Green List Standard indicator or criterion.
    /// @param descriptionHash Hash of the milestone's description.
    /// @param descriptionURI Where the description lives.
    /// @param shareBps Its share of each token's price, in basis points.
    /// @param deadline Last second at which it can be certified.
    event MilestoneScheduled(
        uint256 indexed poolId,
        uint256 indexed milestoneId,
        bytes32 indexed standardRef,
        bytes32 descriptionHash,
        string descriptionURI,
        uint256 shareBps,
        uint256 deadline
    );

    /// @notice Someone bought impact tokens.
    /// @param poolId The pool.
    /// @param buyer Who paid.
    /// @param recipient Who received the tokens.
    /// @param tokens Number of tokens minted.
    /// @param amountPaid What was paid, in the pool's asset.
    event TokensPurchased(
        uint256 indexed poolId, address indexed buyer, address indexed recipient, uint256 tokens, uint256 amountPaid
    );

    /// @notice A quorum of oracles certified a milestone.
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @param evidenceHash The evidence the quorum attested.
    /// @param evidenceURI Where the evidence lives.
    /// @param payee Who the tranche will go to.
    /// @param challengeEndsAt When the challenge window ends, unless the contract is paused before.
    event MilestoneCertified(
        uint256 indexed poolId,
        uint256 indexed milestoneId,
        bytes32 indexed evidenceHash,
        string evidenceURI,
        address payee,
        uint256 challengeEndsAt
    );

    /// @notice A reviewer voided a certification within its challenge window.
    /// @param poolId The pool.
    /// @param milestoneId The milestone, uncertified again.
    /// @param reviewer The reviewer.
    /// @param evidenceHash The voided evidence.
    /// @param reasonHash Hash of the reviewer's reasons.
    /// @param reasonURI Where the reasons live.
    event CertificationVoided(
        uint256 indexed poolId,
        uint256 indexed milestoneId,
        address indexed reviewer,
        bytes32 evidenceHash,
        bytes32 reasonHash,
        string reasonURI
    );

    /// @notice A final milestone's tranche left escrow for the site.
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @param beneficiary The payee recorded at certification.
    /// @param amount The tranche.
    /// @param credited True if the wallet could not take the payment and it was credited for withdrawal instead.
    event TrancheReleased(
        uint256 indexed poolId, uint256 indexed milestoneId, address indexed beneficiary, uint256 amount, bool credited
    );

    /// @notice A credited tranche was withdrawn.
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @param account Who withdrew: the recorded payee, or the site's beneficiary now.
    /// @param amount How much.
    event CreditWithdrawn(uint256 indexed poolId, uint256 indexed milestoneId, address indexed account, uint256 amount);

    /// @notice A pool failed; its holders may now redeem their tokens.
    /// @param poolId The pool.
    /// @param reason Why.
    event PoolFailed(uint256 indexed poolId, FailureReason reason);

    /// @notice A holder redeemed tokens of a failed pool.
    /// @param poolId The pool.
    /// @param holder Who redeemed (and was paid).
    /// @param tokens Tokens burned.
    /// @param amount What was paid back.
    event Refunded(uint256 indexed poolId, address indexed holder, uint256 tokens, uint256 amount);

    /// @notice A holder left a live pool while a change affecting it was pending.
    /// @param poolId The pool.
    /// @param holder Who exited (and was paid).
    /// @param tokens Tokens burned.
    /// @param amount What was paid back.
    event Exited(uint256 indexed poolId, address indexed holder, uint256 tokens, uint256 amount);

    /// @notice Buying, certifying and releasing are paused until `endsAt` at the latest.
    /// @param account The pauser.
    /// @param endsAt When the pause ends by itself.
    event Paused(address indexed account, uint256 endsAt);

    /// @notice The pauser ended a pause early.
    /// @param account The pauser.
    event Unpaused(address indexed account);

    // ----------------------------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------------------------

    /// @notice No pool has this id.
    error PoolsUnknownPool(uint256 poolId);
    /// @notice The site cannot take new money (unknown, suspended or withdrawn).
    error PoolsSiteNotFundable(uint256 siteId, uint8 status);
    /// @notice The site already has the most pools a site can have (`MAX_POOLS_PER_SITE`).
    error PoolsTooManyForSite(uint256 siteId, uint256 maxPools);
    /// @notice The payment asset is neither ETH (`address(0)`) nor a contract.
    error PoolsInvalidAsset(address asset);
    /// @notice The price is zero.
    error PoolsZeroPrice();
    /// @notice The goal is zero or above the cap.
    error PoolsInvalidGoal(uint256 goalTokens, uint256 capTokens);
    /// @notice The sale window is empty, ends in the past, or is longer than 2^32 - 1 seconds (about 136 years).
    error PoolsInvalidSaleWindow(uint256 saleStart, uint256 saleEnd);
    /// @notice The challenge window is longer than `MAX_CHALLENGE_WINDOW`.
    error PoolsInvalidChallengeWindow(uint256 challengeWindow, uint256 maxChallengeWindow);
    /// @notice A pool needs between one and `MAX_MILESTONES` milestones.
    error PoolsInvalidMilestoneCount(uint256 count);
    /// @notice A milestone has no standard reference or no description hash.
    error PoolsInvalidMilestone(uint256 milestoneId);
    /// @notice A milestone's share is zero.
    error PoolsZeroShare(uint256 milestoneId);
    /// @notice The shares do not add up to 10,000 basis points.
    error PoolsSharesNotWhole(uint256 totalBps);
    /// @notice A deadline is not after the sale's end and the previous milestone's deadline.
    error PoolsInvalidDeadline(uint256 milestoneId, uint256 deadline, uint256 notAfter);

    /// @notice The number of tokens is zero.
    error PoolsZeroTokens();
    /// @notice Tokens cannot be minted to the zero address.
    error PoolsZeroRecipient();
    /// @notice The sale is not open at this time (times as moved by pauses).
    error PoolsSaleNotOpen(uint256 poolId, uint256 saleStart, uint256 saleEnd);
    /// @notice The purchase would sell more than the cap.
    error PoolsCapExceeded(uint256 poolId, uint256 tokensLeft, uint256 tokensAsked);
    /// @notice The ETH sent is not exactly the price of the tokens (or not zero for an ERC-20 pool).
    error PoolsWrongPayment(uint256 expected, uint256 sent);
    /// @notice The ERC-20 token delivered a different amount than was transferred (fee on transfer, rebasing).
    error PoolsPaymentShortfall(uint256 expected, uint256 received);
    /// @notice The pool has failed; it takes no money and certifies nothing.
    error PoolsPoolFailed(uint256 poolId, FailureReason reason);

    /// @notice Milestones can be certified only after the sale has closed.
    error PoolsSaleStillOpen(uint256 poolId, uint256 saleEnd);
    /// @notice The sale closed below the goal (tokens exited while it was open do not count).
    error PoolsGoalNotReached(uint256 poolId, uint256 tokensTowardGoal, uint256 goalTokens);
    /// @notice The milestone is not in the pool's schedule.
    error PoolsUnknownMilestone(uint256 poolId, uint256 milestoneId);
    /// @notice The milestone is already certified (it can be certified again only if a reviewer voids it).
    error PoolsMilestoneAlreadyCertified(uint256 poolId, uint256 milestoneId);
    /// @notice Milestones are certified in order; an earlier one is still uncertified.
    error PoolsMilestoneOutOfOrder(uint256 poolId, uint256 milestoneId, uint256 nextMilestoneId);
    /// @notice The milestone's deadline has passed (as moved by pauses).
    error PoolsMilestoneDeadlinePassed(uint256 poolId, uint256 milestoneId, uint256 deadline);
    /// @notice The site was withdrawn from the programme.
    error PoolsSiteWithdrawn(uint256 poolId, uint256 siteId);
    /// @notice The site is suspended: no tranche is released to it until it is reinstated.
    error PoolsSiteSuspended(uint256 poolId, uint256 siteId);
    /// @notice The evidence hash is zero.
    error PoolsZeroEvidence();
    /// @notice Only the certifier fixed at construction records and voids certifications.
    error PoolsNotCertifier(address caller);
    /// @notice Only the registry fixed at construction writes the pools' copy of a site's status.
    error PoolsNotRegistry(address caller);

    /// @notice The milestone has not been certified.
    error PoolsMilestoneNotCertified(uint256 poolId, uint256 milestoneId);
    /// @notice The milestone's challenge window is still open: its tranche is not releasable yet.
    error PoolsChallengeWindowOpen(uint256 poolId, uint256 milestoneId, uint256 challengeEndsAt);
    /// @notice The milestone's challenge window has passed: its certification is final.
    error PoolsChallengeWindowClosed(uint256 poolId, uint256 milestoneId);
    /// @notice The milestone's tranche was already released.
    error PoolsTrancheAlreadyReleased(uint256 poolId, uint256 milestoneId);
    /// @notice A payment the caller asked for could not be delivered to it.
    error PoolsPaymentFailed(address to, uint256 amount);
    /// @notice No credited tranche is waiting for this milestone.
    error PoolsNothingToWithdraw(uint256 poolId, uint256 milestoneId);
    /// @notice Only the recorded payee, or the site's beneficiary now, may withdraw a credited tranche.
    error PoolsNotPayee(uint256 poolId, uint256 milestoneId, address caller);

    /// @notice None of the failure conditions holds (or a challenge window is still open).
    error PoolsCannotFail(uint256 poolId);
    /// @notice Refunds are only for failed pools.
    error PoolsNotFailed(uint256 poolId);
    /// @notice The refund or exit would pay nothing for these tokens.
    error PoolsNothingToRefund(uint256 poolId, uint256 tokens);
    /// @notice Exits are open only while a delayed change affecting the pool is pending.
    error PoolsNoPendingChange(uint256 poolId);

    /// @notice The contract is paused until `endsAt`.
    error PoolsPaused(uint256 endsAt);
    /// @notice The contract is not paused.
    error PoolsNotPaused();
    /// @notice A new pause cannot start before `notBefore` (the cool-down after the last one).
    error PoolsPauseCoolingDown(uint256 notBefore);
    /// @notice An accredited oracle can hold no role here.
    error PoolsOracleConflict(address account);
    /// @notice The admin, registry or certifier address is zero.
    error PoolsZeroAddress();

    // ----------------------------------------------------------------------------------------------------------
    // Functions
    // ----------------------------------------------------------------------------------------------------------

    /// @notice Opens a pool for a site with its schedule of milestones.
    /// @dev Only the programme role. Reverts with a `Pools*` error naming the first invalid parameter. A site has at
    /// most `MAX_POOLS_PER_SITE` pools in its lifetime (`PoolsTooManyForSite`): each holds a copy of its site's
    /// status, which every status change writes. The certifier is told (`IMilestoneCertifier.onPoolOpened`), so
    /// that it writes the pool's attestation slots now rather than at the first attestation.
    /// @param params The sale's parameters.
    /// @param milestones The ordered schedule; shares sum to 10,000 and deadlines increase after the sale's end.
    /// @return poolId The new pool, also its token id.
    function openPool(PoolParams calldata params, MilestoneParams[] calldata milestones)
        external
        returns (uint256 poolId);

    /// @notice Buys `tokens` impact tokens of a pool and mints them to `recipient`.
    /// @dev For ETH pools send exactly `tokens * price`; for ERC-20 pools approve that amount first and send no
    /// ETH. A contract recipient must accept ERC-1155 tokens. Not while paused.
    /// @param poolId The pool.
    /// @param tokens How many tokens.
    /// @param recipient Who receives them.
    /// @return cost What was paid.
    function buy(uint256 poolId, uint256 tokens, address recipient) external payable returns (uint256 cost);

    /// @notice Reverts with the reason why milestone `milestoneId` of pool `poolId` cannot be certified now.
    /// @dev The certifier calls it before recording an attestation, so that a wrong milestone fails early.
    function checkCertifiable(uint256 poolId, uint256 milestoneId) external view;

    /// @notice Records that a quorum of oracles certified a milestone, with the site's beneficiary as its payee.
    /// @dev Only the certifier fixed at construction. Not while paused.
    /// @param poolId The pool.
    /// @param milestoneId The milestone; must be the next one, before its deadline.
    /// @param evidenceHash The evidence the quorum attested.
    /// @param evidenceURI Where the evidence lives.
    function recordCertification(uint256 poolId, uint256 milestoneId, bytes32 evidenceHash, string calldata evidenceURI)
        external;

    /// @notice Voids the certification of `milestoneId` and of every later certified milestone of the pool.
    /// @dev Only the certifier (for an accredited reviewer), only within the milestone's challenge window. Works
    /// while paused.
    /// @param poolId The pool.
    /// @param milestoneId The first milestone to void.
    /// @param reviewer The reviewer, for the event.
    /// @param reasonHash Hash of the reviewer's reasons.
    /// @param reasonURI Where the reasons live.
    /// @return evidenceHashes The voided evidence, for milestones `milestoneId`, `milestoneId + 1`, ...
    function voidCertification(
        uint256 poolId,
        uint256 milestoneId,
        address reviewer,
        bytes32 reasonHash,
        string calldata reasonURI
    ) external returns (bytes32[] memory evidenceHashes);

    /// @notice Records a site's Green List status in the pools' copies of it, which pool openings (`siteStatus`) and
    /// each pool's purchases, releases and failure (`poolSiteStatus`) read instead of calling the registry.
    /// @dev Only the registry fixed at construction, which calls it on every status change (`registerSite`,
    /// `setStatus`) in the same transaction: every copy is `registry.site(siteId).status` at all times. It writes
    /// each of the site's pools, at most `MAX_POOLS_PER_SITE`.
    /// @param siteId The site.
    /// @param status Its new status.
    function recordSiteStatus(uint256 siteId, ISiteRegistry.SiteStatus status) external;

    /// @notice Releases a final milestone's tranche to the payee recorded at its certification.
    /// @dev Anyone may call it. If the payee rejects the payment it is credited instead (`withdrawCredit`), so a
    /// payee cannot block a release. Not while paused, nor while the site is suspended.
    /// @param poolId The pool.
    /// @param milestoneId The final milestone.
    /// @return amount The tranche.
    function release(uint256 poolId, uint256 milestoneId) external returns (uint256 amount);

    /// @notice Withdraws a credited tranche, to the caller: its recorded payee, or the site's beneficiary now (so a
    /// payee that can never withdraw, e.g. a blocklisted wallet, does not strand the site's money).
    /// @dev Works while paused: the money is already the site's.
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @return amount What was paid.
    function withdrawCredit(uint256 poolId, uint256 milestoneId) external returns (uint256 amount);

    /// @notice Fails a pool whose goal was missed, whose next milestone's deadline passed uncertified, or whose
    /// site was withdrawn, once no challenge window of it is open.
    /// @dev Anyone may call it, also while paused, so refunds never depend on anyone's cooperation.
    /// @param poolId The pool.
    /// @return reason Why it failed.
    function fail(uint256 poolId) external returns (FailureReason reason);

    /// @notice Redeems `tokens` of the caller's impact tokens of a failed pool for `tokens * (price - earned per
    /// token by final milestones)`: every token gets the same, whoever redeems first.
    /// @dev Burns the tokens before paying. Works while paused.
    /// @param poolId The failed pool.
    /// @param tokens How many tokens to redeem.
    /// @return amount What was paid back.
    function refund(uint256 poolId, uint256 tokens) external returns (uint256 amount);

    /// @notice Redeems `tokens` of the caller's impact tokens of a live pool, while a delayed change that affects
    /// it is pending, for exactly what a refund would pay now; the pool goes on for the others.
    /// @dev Burns the tokens before paying. Works while paused.
    /// @param poolId The pool.
    /// @param tokens How many tokens to redeem.
    /// @return amount What was paid back.
    function exit(uint256 poolId, uint256 tokens) external returns (uint256 amount);

    /// @notice Pauses buying, certifying and releasing for at most `MAX_PAUSE_DURATION`; pools' clocks stop.
    /// @dev Only the pauser role; not within `PAUSE_COOLDOWN` of the end of the last pause.
    function pause() external;

    /// @notice Ends the pause early.
    function unpause() external;

    /// @notice Whether buying, certifying and releasing are paused now.
    function paused() external view returns (bool);

    /// @notice When the current pause ends by itself, or 0 if not paused.
    function pauseEndsAt() external view returns (uint256);

    /// @notice A pool's parameters, state and accounting.
    function pool(uint256 poolId) external view returns (PoolInfo memory);

    /// @notice A milestone of a pool.
    function milestone(uint256 poolId, uint256 milestoneId) external view returns (MilestoneInfo memory);

    /// @notice The number of pools opened; ids run from 1 to this number.
    function poolCount() external view returns (uint256);

    /// @notice Impact tokens of a pool in circulation (sold minus redeemed).
    function totalSupply(uint256 poolId) external view returns (uint256);

    /// @notice What `refund(poolId, tokens)` would pay now, if the pool has failed.
    function refundQuote(uint256 poolId, uint256 tokens) external view returns (uint256);

    /// @notice What `exit(poolId, tokens)` would pay now, if exits are open (0 if the pool has failed).
    function exitQuote(uint256 poolId, uint256 tokens) external view returns (uint256);

    /// @notice The reason a pool can be failed now, or `None`.
    function failureDue(uint256 poolId) external view returns (FailureReason);

    /// @notice A site's Green List status as the pools hold it (`recordSiteStatus`): always the registry's, `None`
    /// for an id never registered.
    function siteStatus(uint256 siteId) external view returns (ISiteRegistry.SiteStatus);

    /// @notice The pool's own copy of its site's status, which its purchases, releases and failure read: always the
    /// registry's (`recordSiteStatus` writes it into every pool of the site).
    function poolSiteStatus(uint256 poolId) external view returns (ISiteRegistry.SiteStatus);

    /// @notice The register of sites.
    function registry() external view returns (ISiteRegistry);

    /// @notice The only contract that may record and void certifications.
    function certifier() external view returns (IMilestoneCertifier);

    /// @notice Whether `account` holds a role here (an oracle may hold none).
    /// @return held True if it holds one.
    /// @return duty The role's id.
    function dutyOf(address account) external view returns (bool held, bytes32 duty);
}
