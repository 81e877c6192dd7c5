// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title IImpactPools
/// @notice Funding pools for Green List sites. Each pool escrows investors' money (ETH or one ERC-20), mints
/// ERC-1155 impact tokens (token id = pool id) at a fixed price, and releases the escrow to the site in
/// tranches as milestones tied to the IUCN Green List Standard are certified by a quorum of accredited oracles.
/// If the pool fails, holders redeem their tokens for a pro-rata share of the escrow not yet earned by the site.
/// @dev Lifecycle of a pool:
/// 1. Sale: between `saleStart` and `saleEnd` anyone buys tokens, up to `cap`, while the site is a Candidate or
///    Green Listed. The sale closes at `saleEnd`, or earlier when the cap is sold out.
/// 2. Milestones: only once the sale has closed with the goal reached can milestones be certified, so the amount
///    raised (tokens sold x price) is fixed and every tranche is a fixed share of it. Milestones are certified
///    in order, each before its own deadline. A certified milestone's tranche can be released by anyone; it is
///    pushed to the site's beneficiary or, if the beneficiary cannot take it, credited for withdrawal.
/// 3. Failure: anyone may fail a pool whose goal was not reached when the sale closed, whose next milestone's
///    deadline passed uncertified, or whose site was withdrawn. Every token then redeems for the same
///    `(raised - earned) / tokensSold`, rounded down, where `earned` is what certified milestones earned; the
///    remainder (less than one unit per token sold) stays in escrow. Tranches certified before the failure stay
///    releasable to the site.
/// At every moment: raised = released + refunded + escrow.
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
    struct PoolParams {
        uint256 siteId;
        address asset;
        uint96 price;
        uint64 goalTokens;
        uint64 capTokens;
        uint40 saleStart;
        uint40 saleEnd;
    }

    /// @notice One milestone of a pool's schedule.
    /// @param standardRef The Green List Standard indicator or criterion, ASCII, e.g. "GLS-V1.1-3.4.1".
    /// @param descriptionHash Hash of the document that describes what must be achieved.
    /// @param descriptionURI Where that document lives.
    /// @param shareBps Share of the amount raised released when the milestone is certified, in basis points.
    /// @param deadline Last second at which the milestone can be certified (unix time).
    struct MilestoneParams {
        bytes32 standardRef;
        bytes32 descriptionHash;
        string descriptionURI;
        uint16 shareBps;
        uint40 deadline;
    }

    /// @notice A pool's parameters and its state, with the escrow accounting derived from it.
    struct PoolInfo {
        uint256 siteId;
        address asset;
        uint256 price;
        uint256 goalTokens;
        uint256 capTokens;
        uint256 saleStart;
        uint256 saleEnd;
        uint256 milestoneCount;
        uint256 tokensSold;
        uint256 supply;
        uint256 certifiedCount;
        uint256 releasedMask;
        FailureReason failure;
        uint256 raised;
        uint256 released;
        uint256 refunded;
        uint256 escrow;
    }

    /// @notice A milestone as scheduled, with its certification.
    struct MilestoneInfo {
        bytes32 standardRef;
        bytes32 descriptionHash;
        string descriptionURI;
        uint256 shareBps;
        uint256 deadline;
        bool certified;
        bool released;
        bytes32 evidenceHash;
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
    event PoolOpened(
        uint256 indexed poolId,
        uint256 indexed siteId,
        address indexed asset,
        uint256 price,
        uint256 goalTokens,
        uint256 capTokens,
        uint256 saleStart,
        uint256 saleEnd,
        uint256 milestoneCount
    );

    /// @notice A milestone of a newly opened pool.
    /// @param poolId The pool.
    /// @param milestoneId Its position in the schedule, from 0.
    /// @param standardRef The Green List Standard indicator or criterion.
    /// @param descriptionHash Hash of the milestone's description.
    /// @param descriptionURI Where the description lives.
    /// @param shareBps Its tranche, in basis points of the amount raised.
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
    event MilestoneCertified(
        uint256 indexed poolId, uint256 indexed milestoneId, bytes32 indexed evidenceHash, string evidenceURI
    );

    /// @notice A certified milestone's tranche left escrow for the site.
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    /// @param beneficiary The site manager's wallet.
    /// @param amount The tranche.
    /// @param credited True if the wallet could not take the payment and it was credited for withdrawal instead.
    event TrancheReleased(
        uint256 indexed poolId, uint256 indexed milestoneId, address indexed beneficiary, uint256 amount, bool credited
    );

    /// @notice Someone withdrew a payment that had been credited to them.
    /// @param account Who withdrew.
    /// @param asset The asset (`address(0)` for ETH).
    /// @param amount How much.
    event CreditWithdrawn(address indexed account, address indexed asset, uint256 amount);

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

    // ----------------------------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------------------------

    /// @notice No pool has this id.
    error PoolsUnknownPool(uint256 poolId);
    /// @notice The site cannot take new money (unknown, suspended or withdrawn).
    error PoolsSiteNotFundable(uint256 siteId, uint8 status);
    /// @notice The payment asset is neither ETH (`address(0)`) nor a contract.
    error PoolsInvalidAsset(address asset);
    /// @notice The price is zero.
    error PoolsZeroPrice();
    /// @notice The goal is zero or above the cap.
    error PoolsInvalidGoal(uint256 goalTokens, uint256 capTokens);
    /// @notice The sale window is empty, or ends in the past.
    error PoolsInvalidSaleWindow(uint256 saleStart, uint256 saleEnd);
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
    /// @notice The sale is not open at this time.
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
    /// @notice The sale closed below the goal.
    error PoolsGoalNotReached(uint256 poolId, uint256 tokensSold, uint256 goalTokens);
    /// @notice The milestone is not in the pool's schedule.
    error PoolsUnknownMilestone(uint256 poolId, uint256 milestoneId);
    /// @notice The milestone is already certified; it can never be certified again.
    error PoolsMilestoneAlreadyCertified(uint256 poolId, uint256 milestoneId);
    /// @notice Milestones are certified in order; an earlier one is still uncertified.
    error PoolsMilestoneOutOfOrder(uint256 poolId, uint256 milestoneId, uint256 nextMilestoneId);
    /// @notice The milestone's deadline has passed.
    error PoolsMilestoneDeadlinePassed(uint256 poolId, uint256 milestoneId, uint256 deadline);
    /// @notice The site was withdrawn from the programme.
    error PoolsSiteWithdrawn(uint256 poolId, uint256 siteId);
    /// @notice The evidence hash is zero.
    error PoolsZeroEvidence();

    /// @notice The milestone has not been certified.
    error PoolsMilestoneNotCertified(uint256 poolId, uint256 milestoneId);
    /// @notice The milestone's tranche was already released.
    error PoolsTrancheAlreadyReleased(uint256 poolId, uint256 milestoneId);
    /// @notice A payment the caller asked for could not be delivered to it.
    error PoolsPaymentFailed(address to, uint256 amount);
    /// @notice Nothing has been credited to this account in this asset.
    error PoolsNothingToWithdraw(address account, address asset);

    /// @notice None of the failure conditions holds.
    error PoolsCannotFail(uint256 poolId);
    /// @notice Refunds are only for failed pools.
    error PoolsNotFailed(uint256 poolId);
    /// @notice The refund would pay nothing for these tokens.
    error PoolsNothingToRefund(uint256 poolId, uint256 tokens);

    // ----------------------------------------------------------------------------------------------------------
    // Functions
    // ----------------------------------------------------------------------------------------------------------

    /// @notice Opens a pool for a site with its schedule of milestones.
    /// @dev Only the programme role. Reverts with a `Pools*` error naming the first invalid parameter.
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
    /// @dev Oracles' certifier calls it before recording an attestation, so that a wrong milestone fails early.
    /// @param poolId The pool.
    /// @param milestoneId The milestone.
    function checkCertifiable(uint256 poolId, uint256 milestoneId) external view;

    /// @notice Records that a quorum of oracles certified a milestone.
    /// @dev Only the certifier role (the `MilestoneCertifier` contract). Not while paused.
    /// @param poolId The pool.
    /// @param milestoneId The milestone; must be the next one, before its deadline.
    /// @param evidenceHash The evidence the quorum attested.
    /// @param evidenceURI Where the evidence lives.
    function recordCertification(uint256 poolId, uint256 milestoneId, bytes32 evidenceHash, string calldata evidenceURI)
        external;

    /// @notice Releases a certified milestone's tranche to the site's beneficiary.
    /// @dev Anyone may call it. If the beneficiary rejects the payment it is credited to it instead
    /// (`withdrawCredit`), so a beneficiary cannot block a release. Not while paused.
    /// @param poolId The pool.
    /// @param milestoneId The certified milestone.
    /// @return amount The tranche.
    function release(uint256 poolId, uint256 milestoneId) external returns (uint256 amount);

    /// @notice Withdraws what was credited to the caller in `asset` because a push payment failed.
    /// @dev Works while paused: the money is already the caller's.
    /// @param asset The asset (`address(0)` for ETH).
    /// @return amount What was paid.
    function withdrawCredit(address asset) external returns (uint256 amount);

    /// @notice Fails a pool whose goal was missed, whose next milestone's deadline passed uncertified, or whose
    /// site was withdrawn.
    /// @dev Anyone may call it, also while paused, so refunds never depend on anyone's cooperation.
    /// @param poolId The pool.
    /// @return reason Why it failed.
    function fail(uint256 poolId) external returns (FailureReason reason);

    /// @notice Redeems `tokens` of the caller's impact tokens of a failed pool for their pro-rata share of the
    /// money certified milestones did not earn: `tokens * ((raised - earned) / tokensSold)`, rounded down per
    /// token, so every token gets the same whoever redeems first.
    /// @dev Burns the tokens before paying. Works while paused.
    /// @param poolId The failed pool.
    /// @param tokens How many tokens to redeem.
    /// @return amount What was paid back.
    function refund(uint256 poolId, uint256 tokens) external returns (uint256 amount);

    /// @notice Stops buying, certifying and releasing. Refunds and withdrawals go on.
    function pause() external;

    /// @notice Lifts `pause`.
    function unpause() external;

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

    /// @notice What was credited to `account` in `asset` and not yet withdrawn.
    function creditOf(address account, address asset) external view returns (uint256);

    /// @notice The reason a pool can be failed now, or `None`.
    function failureDue(uint256 poolId) external view returns (FailureReason);
}
