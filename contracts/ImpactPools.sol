// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IImpactPools} from "./interfaces/IImpactPools.sol";
import {ISiteRegistry} from "./interfaces/ISiteRegistry.sol";

/// @title ImpactPools
/// @notice Escrowed funding pools for IUCN Green List sites, and their ERC-1155 impact tokens (token id = pool id).
/// @dev The pool and its token live in one contract so that a purchase is one mint and one storage write, and so
/// that a pool's supply is the pool's own accounting rather than a second copy kept in another contract.
/// Note: no money total is stored. The amount raised is `tokensSold * price`, fixed once the sale has closed
/// (which is why milestones can only be certified after that); the amount released is the sum of the tranches
/// whose bit is set in `releasedMask`; the amount refunded is `refundedTokens * refundPerToken`.
/// Note: a tranche is `floor(raised * cumulativeBps[k] / 10_000) - floor(raised * cumulativeBps[k-1] / 10_000)`,
/// so the tranches add up to exactly the amount raised whatever order they are released in.
contract ImpactPools is IImpactPools, ERC1155, AccessControlDefaultAdminRules, Pausable, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice May open pools.
    bytes32 public constant PROGRAMME_ROLE = keccak256("PROGRAMME_ROLE");
    /// @notice May pause and unpause buying, certifying and releasing.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice May record certifications: the `MilestoneCertifier` contract, which enforces the oracle quorum.
    bytes32 public constant CERTIFIER_ROLE = keccak256("CERTIFIER_ROLE");

    /// @notice Most milestones a pool can have (one bit each in `releasedMask`).
    uint256 public constant MAX_MILESTONES = 32;
    /// @notice Gas forwarded with a tranche pushed in ETH; a beneficiary needing more is credited instead.
    uint256 public constant PUSH_GAS_LIMIT = 50_000;

    uint256 private constant _BPS = 10_000;

    /// @notice The register of sites the pools fund.
    ISiteRegistry public immutable registry;

    struct Pool {
        // slot 0: read by every purchase
        address asset;
        uint40 saleStart;
        uint40 saleEnd;
        uint8 milestoneCount;
        FailureReason failure;
        // slot 1: read and written by every purchase
        uint96 price;
        uint64 tokensSold;
        uint64 capTokens;
        uint32 siteId;
        // slot 2: certification, release and refunds
        uint64 goalTokens;
        uint64 refundedTokens;
        uint8 certifiedCount;
        uint32 releasedMask;
    }

    struct Milestone {
        bytes32 standardRef;
        bytes32 descriptionHash;
        bytes32 evidenceHash;
        uint40 deadline;
        uint16 shareBps;
        uint16 cumulativeBps;
        string descriptionURI;
    }

    uint256 private _poolCount;
    mapping(uint256 poolId => Pool) private _pools;
    mapping(uint256 poolId => mapping(uint256 milestoneId => Milestone)) private _milestones;
    mapping(address account => mapping(address asset => uint256 amount)) private _credits;

    /// @param adminDelay Seconds a default-admin transfer must wait before it can be accepted.
    /// @param admin The programme's admin account; it is also given the programme and pauser roles.
    /// @param siteRegistry The register of sites.
    /// @param tokenURI ERC-1155 metadata URI, with `{id}` standing for the pool id.
    constructor(uint48 adminDelay, address admin, ISiteRegistry siteRegistry, string memory tokenURI)
        ERC1155(tokenURI)
        AccessControlDefaultAdminRules(adminDelay, admin)
    {
        registry = siteRegistry;
        _grantRole(PROGRAMME_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
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
        if (params.saleStart >= params.saleEnd || params.saleEnd <= block.timestamp) {
            revert PoolsInvalidSaleWindow(params.saleStart, params.saleEnd);
        }
        uint256 count = milestones.length;
        if (count == 0 || count > MAX_MILESTONES) revert PoolsInvalidMilestoneCount(count);

        poolId = ++_poolCount;
        _pools[poolId] = Pool({
            asset: params.asset,
            saleStart: params.saleStart,
            saleEnd: params.saleEnd,
            milestoneCount: uint8(count), // count <= MAX_MILESTONES
            failure: FailureReason.None,
            price: params.price,
            tokensSold: 0,
            capTokens: params.capTokens,
            siteId: SafeCast.toUint32(params.siteId),
            goalTokens: params.goalTokens,
            refundedTokens: 0,
            certifiedCount: 0,
            releasedMask: 0
        });
        emit PoolOpened(
            poolId,
            params.siteId,
            params.asset,
            params.price,
            params.goalTokens,
            params.capTokens,
            params.saleStart,
            params.saleEnd,
            count
        );
        _scheduleMilestones(poolId, params.saleEnd, milestones);
    }

    /// @inheritdoc IImpactPools
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IImpactPools
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ----------------------------------------------------------------------------------------------------------
    // Investors
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc IImpactPools
    function buy(uint256 poolId, uint256 tokens, address recipient)
        external
        payable
        nonReentrant
        whenNotPaused
        returns (uint256 cost)
    {
        Pool storage p = _pools[poolId];
        (address asset, uint256 saleStart, uint256 saleEnd) = (p.asset, p.saleStart, p.saleEnd);
        if (saleEnd == 0) revert PoolsUnknownPool(poolId);
        if (p.failure != FailureReason.None) revert PoolsPoolFailed(poolId, p.failure);
        if (block.timestamp < saleStart || block.timestamp > saleEnd) {
            revert PoolsSaleNotOpen(poolId, saleStart, saleEnd);
        }
        if (tokens == 0) revert PoolsZeroTokens();
        if (recipient == address(0)) revert PoolsZeroRecipient();
        uint256 sold = p.tokensSold;
        uint256 left = p.capTokens - sold;
        if (tokens > left) revert PoolsCapExceeded(poolId, left, tokens);
        _requireFundable(p.siteId);

        // tokens <= left < 2^64 and price < 2^96: the product cannot overflow.
        cost = tokens * p.price;
        // Effects before taking the payment and before the mint's receiver callback, so that a re-entrant
        // receiver sees the cap already consumed.
        p.tokensSold = uint64(sold + tokens);

        if (asset == address(0)) {
            if (msg.value != cost) revert PoolsWrongPayment(cost, msg.value);
        } else {
            if (msg.value != 0) revert PoolsWrongPayment(0, msg.value);
            _pullExactly(IERC20(asset), msg.sender, cost);
        }
        emit TokensPurchased(poolId, msg.sender, recipient, tokens, cost);
        _mint(recipient, poolId, tokens, "");
    }

    /// @inheritdoc IImpactPools
    function fail(uint256 poolId) external returns (FailureReason reason) {
        Pool storage p = _existingPool(poolId);
        reason = _failureDue(poolId, p);
        if (reason == FailureReason.None) revert PoolsCannotFail(poolId);
        p.failure = reason;
        emit PoolFailed(poolId, reason);
    }

    /// @inheritdoc IImpactPools
    function refund(uint256 poolId, uint256 tokens) external nonReentrant returns (uint256 amount) {
        Pool storage p = _existingPool(poolId);
        if (p.failure == FailureReason.None) revert PoolsNotFailed(poolId);
        if (tokens == 0) revert PoolsZeroTokens();
        uint256 balance = balanceOf(msg.sender, poolId);
        if (tokens > balance) revert ERC1155InsufficientBalance(msg.sender, balance, tokens, poolId);
        amount = tokens * _refundPerToken(poolId, p);
        if (amount == 0) revert PoolsNothingToRefund(poolId, tokens);

        // tokens <= balance <= supply <= 2^64: the narrowing cannot truncate.
        p.refundedTokens += uint64(tokens);
        _burn(msg.sender, poolId, tokens);
        emit Refunded(poolId, msg.sender, tokens, amount);

        // Interaction last; a holder that cannot take the payment simply cannot refund to itself.
        _payOrRevert(p.asset, msg.sender, amount);
    }

    // ----------------------------------------------------------------------------------------------------------
    // Milestones and tranches
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc IImpactPools
    function checkCertifiable(uint256 poolId, uint256 milestoneId) public view {
        _requireNotPaused();
        Pool storage p = _existingPool(poolId);
        if (p.failure != FailureReason.None) revert PoolsPoolFailed(poolId, p.failure);
        if (milestoneId >= p.milestoneCount) revert PoolsUnknownMilestone(poolId, milestoneId);
        uint256 next = p.certifiedCount;
        if (milestoneId < next) revert PoolsMilestoneAlreadyCertified(poolId, milestoneId);
        if (milestoneId > next) revert PoolsMilestoneOutOfOrder(poolId, milestoneId, next);
        if (_saleOpen(p)) revert PoolsSaleStillOpen(poolId, p.saleEnd);
        if (p.tokensSold < p.goalTokens) revert PoolsGoalNotReached(poolId, p.tokensSold, p.goalTokens);
        uint256 deadline = _milestones[poolId][milestoneId].deadline;
        if (block.timestamp > deadline) revert PoolsMilestoneDeadlinePassed(poolId, milestoneId, deadline);
        if (_siteStatus(p.siteId) == ISiteRegistry.SiteStatus.Withdrawn) revert PoolsSiteWithdrawn(poolId, p.siteId);
    }

    /// @inheritdoc IImpactPools
    function recordCertification(uint256 poolId, uint256 milestoneId, bytes32 evidenceHash, string calldata evidenceURI)
        external
        onlyRole(CERTIFIER_ROLE)
    {
        if (evidenceHash == bytes32(0)) revert PoolsZeroEvidence();
        checkCertifiable(poolId, milestoneId);
        Pool storage p = _pools[poolId];
        // milestoneId == certifiedCount < milestoneCount <= 32: the increment cannot overflow a uint8.
        p.certifiedCount = uint8(milestoneId + 1);
        _milestones[poolId][milestoneId].evidenceHash = evidenceHash;
        emit MilestoneCertified(poolId, milestoneId, evidenceHash, evidenceURI);
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
        uint32 bit = uint32(1 << milestoneId); // milestoneId < 32
        if (p.releasedMask & bit != 0) revert PoolsTrancheAlreadyReleased(poolId, milestoneId);

        amount = _trancheAmount(p, _milestones[poolId][milestoneId]);
        p.releasedMask |= bit;
        (, address beneficiary) = registry.statusAndBeneficiary(p.siteId);

        // A push the beneficiary rejects is credited instead, so that no beneficiary can block a release. The
        // credit is written after the failed call, which is safe: the call failed, and nonReentrant holds.
        bool pushed = _tryPay(p.asset, beneficiary, amount);
        if (!pushed) _credits[beneficiary][p.asset] += amount;
        emit TrancheReleased(poolId, milestoneId, beneficiary, amount, !pushed);
    }

    /// @inheritdoc IImpactPools
    function withdrawCredit(address asset) external nonReentrant returns (uint256 amount) {
        amount = _credits[msg.sender][asset];
        if (amount == 0) revert PoolsNothingToWithdraw(msg.sender, asset);
        _credits[msg.sender][asset] = 0;
        emit CreditWithdrawn(msg.sender, asset, amount);
        _payOrRevert(asset, msg.sender, amount);
    }

    // ----------------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc IImpactPools
    function pool(uint256 poolId) external view returns (PoolInfo memory info) {
        Pool storage p = _existingPool(poolId);
        uint256 raised = _raised(p);
        uint256 released = _released(poolId, p);
        uint256 refunded = _refunded(poolId, p);
        info = PoolInfo({
            siteId: p.siteId,
            asset: p.asset,
            price: p.price,
            goalTokens: p.goalTokens,
            capTokens: p.capTokens,
            saleStart: p.saleStart,
            saleEnd: p.saleEnd,
            milestoneCount: p.milestoneCount,
            tokensSold: p.tokensSold,
            supply: _supply(p),
            certifiedCount: p.certifiedCount,
            releasedMask: p.releasedMask,
            failure: p.failure,
            raised: raised,
            released: released,
            refunded: refunded,
            escrow: raised - released - refunded
        });
    }

    /// @inheritdoc IImpactPools
    function milestone(uint256 poolId, uint256 milestoneId) external view returns (MilestoneInfo memory) {
        Pool storage p = _existingPool(poolId);
        if (milestoneId >= p.milestoneCount) revert PoolsUnknownMilestone(poolId, milestoneId);
        Milestone storage m = _milestones[poolId][milestoneId];
        return MilestoneInfo({
            standardRef: m.standardRef,
            descriptionHash: m.descriptionHash,
            descriptionURI: m.descriptionURI,
            shareBps: m.shareBps,
            deadline: m.deadline,
            certified: milestoneId < p.certifiedCount,
            released: p.releasedMask & (1 << milestoneId) != 0,
            evidenceHash: m.evidenceHash,
            trancheAmount: _trancheAmount(p, m)
        });
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
        return (tokens > supply ? supply : tokens) * _refundPerToken(poolId, p);
    }

    /// @inheritdoc IImpactPools
    function creditOf(address account, address asset) external view returns (uint256) {
        return _credits[account][asset];
    }

    /// @inheritdoc IImpactPools
    function failureDue(uint256 poolId) external view returns (FailureReason) {
        return _failureDue(poolId, _existingPool(poolId));
    }

    /// @inheritdoc ERC1155
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC1155, AccessControlDefaultAdminRules)
        returns (bool)
    {
        return super.supportsInterface(interfaceId);
    }

    // ----------------------------------------------------------------------------------------------------------
    // Internal
    // ----------------------------------------------------------------------------------------------------------

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
            _milestones[poolId][i] = Milestone({
                standardRef: m.standardRef,
                descriptionHash: m.descriptionHash,
                evidenceHash: bytes32(0),
                deadline: m.deadline,
                shareBps: m.shareBps,
                cumulativeBps: uint16(cumulativeBps),
                descriptionURI: m.descriptionURI
            });
            emit MilestoneScheduled(
                poolId, i, m.standardRef, m.descriptionHash, m.descriptionURI, m.shareBps, m.deadline
            );
        }
        if (cumulativeBps != _BPS) revert PoolsSharesNotWhole(cumulativeBps);
    }

    function _existingPool(uint256 poolId) private view returns (Pool storage p) {
        p = _pools[poolId];
        if (p.saleEnd == 0) revert PoolsUnknownPool(poolId);
    }

    function _siteStatus(uint256 siteId) private view returns (ISiteRegistry.SiteStatus status) {
        (status,) = registry.statusAndBeneficiary(siteId);
    }

    function _requireFundable(uint256 siteId) private view {
        ISiteRegistry.SiteStatus status = _siteStatus(siteId);
        if (status != ISiteRegistry.SiteStatus.Candidate && status != ISiteRegistry.SiteStatus.GreenListed) {
            revert PoolsSiteNotFundable(siteId, uint8(status));
        }
    }

    /// @dev The sale is open until its end, unless the cap sold out earlier.
    function _saleOpen(Pool storage p) private view returns (bool) {
        return block.timestamp <= p.saleEnd && p.tokensSold < p.capTokens;
    }

    function _failureDue(uint256 poolId, Pool storage p) private view returns (FailureReason) {
        uint256 next = p.certifiedCount;
        if (p.failure != FailureReason.None || next == p.milestoneCount) return FailureReason.None;
        if (_siteStatus(p.siteId) == ISiteRegistry.SiteStatus.Withdrawn) return FailureReason.SiteWithdrawn;
        if (_saleOpen(p)) return FailureReason.None;
        if (p.tokensSold < p.goalTokens) return FailureReason.GoalNotReached;
        if (block.timestamp > _milestones[poolId][next].deadline) return FailureReason.MilestoneMissed;
        return FailureReason.None;
    }

    function _raised(Pool storage p) private view returns (uint256) {
        return uint256(p.tokensSold) * p.price;
    }

    function _supply(Pool storage p) private view returns (uint256) {
        return p.tokensSold - p.refundedTokens;
    }

    function _trancheAmount(Pool storage p, Milestone storage m) private view returns (uint256) {
        uint256 raised = _raised(p);
        uint256 upTo = raised * m.cumulativeBps / _BPS;
        uint256 before = raised * (m.cumulativeBps - m.shareBps) / _BPS;
        return upTo - before;
    }

    /// @dev What one token gets back from a failed pool: the money certified milestones did not earn, divided by
    /// the tokens sold, rounded down (in the pool's favour). Every input is frozen once the pool has failed (no
    /// more sales, no more certifications), so every token gets the same, whoever refunds first, and the total
    /// refunded never needs storing. The remainder, less than one unit per token sold, stays in escrow.
    function _refundPerToken(uint256 poolId, Pool storage p) private view returns (uint256) {
        uint256 sold = p.tokensSold;
        if (sold == 0) return 0;
        uint256 raised = sold * p.price;
        uint256 certified = p.certifiedCount;
        uint256 earned = certified == 0 ? 0 : raised * _milestones[poolId][certified - 1].cumulativeBps / _BPS;
        return (raised - earned) / sold;
    }

    function _refunded(uint256 poolId, Pool storage p) private view returns (uint256) {
        return p.refundedTokens * _refundPerToken(poolId, p);
    }

    /// @dev The sum of the released tranches; computed rather than stored so that a release writes one slot.
    function _released(uint256 poolId, Pool storage p) private view returns (uint256 released) {
        uint256 mask = p.releasedMask;
        for (uint256 k; mask != 0; ++k) {
            if (mask & 1 != 0) released += _trancheAmount(p, _milestones[poolId][k]);
            mask >>= 1;
        }
    }

    function _pullExactly(IERC20 token, address from, uint256 amount) private {
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(from, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != amount) revert PoolsPaymentShortfall(amount, received);
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
