// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {DelayedChanges} from "./base/DelayedChanges.sol";
import {IMilestoneCertifier} from "./interfaces/IMilestoneCertifier.sol";
import {ISiteRegistry} from "./interfaces/ISiteRegistry.sol";

/// @title SiteRegistry
/// @notice The IUCN Green List programme's register of sites: identity, Green List status and the wallet of
/// the site manager. Funding pools read it to refuse money for suspended or withdrawn sites and to know where
/// a certified tranche goes.
/// @dev The default admin (the programme) is transferred in two steps with a delay
/// (`AccessControlDefaultAdminRules`); `REGISTRAR_ROLE` does the day-to-day registration work. A beneficiary
/// change waits the change delay (`DelayedChanges`); status changes are immediate because none of them can send
/// investors' money anywhere but back to them.
/// Every status change is also written, in the same transaction, to the pools' copy of it
/// (`IImpactPools.recordSiteStatus`), so that a purchase reads it in its pool's own slot instead of calling here. The
/// registry reaches the pools through the certifier (`certifier.pools()`) rather than an address of its own: the
/// certifier is already an immutable here, its `pools` is immutable, and its constructor already checks that those
/// pools were built on this registry (`CertifierMiswired`), so no constructor, deployment order or wiring check
/// changes, and no registry can be wired to pools that would refuse its writes. A status change is rare (the
/// programme's decision); the one more view call it pays is nothing beside a call per purchase. No status can
/// change before the certifier exists: `registerSite` asks it about the beneficiary, and only a registered site
/// has a status to change.
contract SiteRegistry is ISiteRegistry, AccessControlDefaultAdminRules, DelayedChanges {
    /// @notice May register sites, change their status and metadata, and schedule beneficiary changes.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    /// @notice The duty `dutyOf` reports for a site's wallet.
    bytes32 public constant BENEFICIARY_DUTY = keccak256("BENEFICIARY");

    /// @dev The registry's own kind of delayed change (kind 0 is the delay itself).
    uint8 internal constant _KIND_BENEFICIARY = 1;

    /// @inheritdoc ISiteRegistry
    IMilestoneCertifier public immutable certifier;

    uint256 private _siteCount;
    uint256 private _pendingDelayChanges;
    mapping(uint256 siteId => Site) private _sites;
    mapping(uint32 wdpaId => uint256 siteId) private _siteIdOfWdpa;
    mapping(uint256 siteId => SiteStatus) private _statusBeforeSuspension;
    mapping(address account => uint256 sites) private _sitesPaying;
    mapping(uint256 siteId => uint256 pending) private _pendingForSite;

    /// @param adminDelay Seconds a default-admin transfer must wait before it can be accepted.
    /// @param admin The programme's admin account (typically a multisig).
    /// @param registrar The account that registers sites and changes their status.
    /// @param changeDelay_ Seconds a beneficiary change waits, at least `MIN_CHANGE_DELAY`.
    /// @param certifier_ The oracle quorum (deployed after this contract, at an address known in advance).
    constructor(
        uint48 adminDelay,
        address admin,
        address registrar,
        uint256 changeDelay_,
        IMilestoneCertifier certifier_
    ) AccessControlDefaultAdminRules(adminDelay, admin) DelayedChanges(changeDelay_) {
        certifier = certifier_;
        _grantRole(REGISTRAR_ROLE, registrar);
    }

    /// @inheritdoc ISiteRegistry
    function registerSite(
        string calldata name,
        bytes2 countryCode,
        uint32 wdpaId,
        string calldata metadataURI,
        address beneficiary
    ) external onlyRole(REGISTRAR_ROLE) returns (uint256 siteId) {
        if (bytes(name).length == 0) revert RegistryEmptyName();
        if (!_isCountryCode(countryCode)) revert RegistryInvalidCountryCode(countryCode);
        if (wdpaId == 0) revert RegistryInvalidWdpaId();
        uint256 holder = _siteIdOfWdpa[wdpaId];
        if (holder != 0) revert RegistryWdpaIdTaken(wdpaId, holder);
        _checkBeneficiary(beneficiary);

        siteId = ++_siteCount;
        _sites[siteId] = Site({
            beneficiary: beneficiary,
            wdpaId: wdpaId,
            countryCode: countryCode,
            status: SiteStatus.Candidate,
            name: name,
            metadataURI: metadataURI
        });
        _siteIdOfWdpa[wdpaId] = siteId;
        ++_sitesPaying[beneficiary];
        emit SiteRegistered(siteId, wdpaId, beneficiary, name, countryCode, metadataURI);
        emit SiteStatusChanged(siteId, SiteStatus.None, SiteStatus.Candidate);
        _copyStatusToPools(siteId, SiteStatus.Candidate);
    }

    /// @inheritdoc ISiteRegistry
    function setStatus(uint256 siteId, SiteStatus newStatus) external onlyRole(REGISTRAR_ROLE) {
        Site storage s = _existingSite(siteId);
        SiteStatus previous = s.status;
        if (previous == SiteStatus.Withdrawn) revert RegistrySiteWithdrawn(siteId);
        if (!_mayTransition(siteId, previous, newStatus)) revert RegistryInvalidTransition(siteId, previous, newStatus);
        if (newStatus == SiteStatus.Suspended) _statusBeforeSuspension[siteId] = previous;
        s.status = newStatus;
        emit SiteStatusChanged(siteId, previous, newStatus);
        _copyStatusToPools(siteId, newStatus);
    }

    /// @inheritdoc ISiteRegistry
    function scheduleBeneficiaryChange(uint256 siteId, address newBeneficiary)
        external
        onlyRole(REGISTRAR_ROLE)
        returns (uint256 changeId)
    {
        _checkBeneficiaryChange(siteId, newBeneficiary);
        return _scheduleChange(_KIND_BENEFICIARY, siteId, uint160(newBeneficiary));
    }

    /// @inheritdoc ISiteRegistry
    function setMetadataURI(uint256 siteId, string calldata metadataURI) external onlyRole(REGISTRAR_ROLE) {
        _existingSite(siteId).metadataURI = metadataURI;
        emit SiteMetadataChanged(siteId, metadataURI);
    }

    // ----------------------------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------------------------

    /// @inheritdoc ISiteRegistry
    function site(uint256 siteId) external view returns (Site memory) {
        return _existingSite(siteId);
    }

    /// @inheritdoc ISiteRegistry
    function statusAndBeneficiary(uint256 siteId) external view returns (SiteStatus, address) {
        Site storage s = _sites[siteId];
        return (s.status, s.beneficiary);
    }

    /// @inheritdoc ISiteRegistry
    function siteIdOfWdpa(uint32 wdpaId) external view returns (uint256) {
        return _siteIdOfWdpa[wdpaId];
    }

    /// @inheritdoc ISiteRegistry
    function siteCount() external view returns (uint256) {
        return _siteCount;
    }

    /// @inheritdoc ISiteRegistry
    function isBeneficiary(address account) external view returns (bool) {
        return _sitesPaying[account] != 0;
    }

    /// @inheritdoc ISiteRegistry
    function dutyOf(address account) external view returns (bool held, bytes32 duty) {
        if (hasRole(DEFAULT_ADMIN_ROLE, account)) return (true, DEFAULT_ADMIN_ROLE);
        if (hasRole(REGISTRAR_ROLE, account)) return (true, REGISTRAR_ROLE);
        if (_sitesPaying[account] != 0) return (true, BENEFICIARY_DUTY);
        return (false, bytes32(0));
    }

    /// @inheritdoc ISiteRegistry
    function pendingChangesAffecting(uint256 siteId) external view returns (uint256) {
        return _pendingDelayChanges + _pendingForSite[siteId];
    }

    // ----------------------------------------------------------------------------------------------------------
    // Delayed changes
    // ----------------------------------------------------------------------------------------------------------

    function _requireMayChange(uint8 kind, address account) internal view override {
        bytes32 role = kind == _KIND_BENEFICIARY ? REGISTRAR_ROLE : DEFAULT_ADMIN_ROLE;
        if (!hasRole(role, account)) revert ChangesUnauthorized(account, kind);
    }

    function _mayCancel(address account) internal view override returns (bool) {
        return hasRole(DEFAULT_ADMIN_ROLE, account);
    }

    function _applyChange(uint8, uint256 siteId, uint256 value) internal override {
        // The only kind besides the delay is a beneficiary change.
        address newBeneficiary = address(uint160(value));
        _checkBeneficiaryChange(siteId, newBeneficiary);
        Site storage s = _sites[siteId];
        address previous = s.beneficiary;
        s.beneficiary = newBeneficiary;
        --_sitesPaying[previous];
        ++_sitesPaying[newBeneficiary];
        emit SiteBeneficiaryChanged(siteId, previous, newBeneficiary);
    }

    function _pendingChanged(uint8 kind, uint256 siteId, bool opened) internal override {
        if (kind == _KIND_BENEFICIARY) {
            if (opened) ++_pendingForSite[siteId];
            else --_pendingForSite[siteId];
        } else {
            if (opened) ++_pendingDelayChanges;
            else --_pendingDelayChanges;
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // Internal
    // ----------------------------------------------------------------------------------------------------------

    /// @dev No role for an accredited oracle (separation of duties). The certifier has no code only while the
    /// system is being deployed (it is deployed last); its constructor checks the roles granted before it.
    function _grantRole(bytes32 role, address account) internal override returns (bool) {
        if (address(certifier).code.length != 0 && certifier.isOracle(account)) revert RegistryOracleConflict(account);
        return super._grantRole(role, account);
    }

    /// @dev The pools' copy of the status must follow every change at once (see the contract's note): a status
    /// write here without this call would let a suspended or withdrawn site take money. Last, after the events: the
    /// pools only store the value and call nothing.
    function _copyStatusToPools(uint256 siteId, SiteStatus status) private {
        certifier.pools().recordSiteStatus(siteId, status);
    }

    function _checkBeneficiary(address beneficiary) private view {
        if (beneficiary == address(0)) revert RegistryZeroBeneficiary();
        if (certifier.isOracle(beneficiary)) revert RegistryOracleConflict(beneficiary);
    }

    function _checkBeneficiaryChange(uint256 siteId, address newBeneficiary) private view {
        Site storage s = _existingSite(siteId);
        if (s.status == SiteStatus.Withdrawn) revert RegistrySiteWithdrawn(siteId);
        _checkBeneficiary(newBeneficiary);
        if (newBeneficiary == s.beneficiary) revert RegistrySameBeneficiary(siteId, newBeneficiary);
    }

    function _mayTransition(uint256 siteId, SiteStatus from, SiteStatus to) private view returns (bool) {
        if (to == SiteStatus.Withdrawn) return true;
        if (from == SiteStatus.Candidate) return to == SiteStatus.GreenListed || to == SiteStatus.Suspended;
        if (from == SiteStatus.GreenListed) return to == SiteStatus.Suspended || to == SiteStatus.Candidate;
        // Suspended: reinstated to what it was.
        return to == _statusBeforeSuspension[siteId];
    }

    function _existingSite(uint256 siteId) private view returns (Site storage s) {
        s = _sites[siteId];
        if (s.status == SiteStatus.None) revert RegistryUnknownSite(siteId);
    }

    function _isCountryCode(bytes2 code) private pure returns (bool) {
        return _isUpperAscii(code[0]) && _isUpperAscii(code[1]);
    }

    function _isUpperAscii(bytes1 char) private pure returns (bool) {
        return char >= "A" && char <= "Z";
    }
}
