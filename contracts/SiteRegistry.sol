// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ISiteRegistry} from "./interfaces/ISiteRegistry.sol";

/// @title SiteRegistry
/// @notice The IUCN Green List programme's register of sites: identity, Green List status and the wallet of
/// the site manager. Funding pools read it to refuse money for suspended or withdrawn sites and to know where
/// a released tranche goes.
/// @dev The default admin (the programme) is transferred in two steps with a delay
/// (`AccessControlDefaultAdminRules`); `REGISTRAR_ROLE` does the day-to-day registration work.
contract SiteRegistry is ISiteRegistry, AccessControlDefaultAdminRules {
    /// @notice May register sites and change their status, beneficiary and metadata.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    uint256 private _siteCount;
    mapping(uint256 siteId => Site) private _sites;
    mapping(uint32 wdpaId => uint256 siteId) private _siteIdOfWdpa;

    /// @param adminDelay Seconds a default-admin transfer must wait before it can be accepted.
    /// @param admin The programme's admin account; it is also made registrar.
    constructor(uint48 adminDelay, address admin) AccessControlDefaultAdminRules(adminDelay, admin) {
        _grantRole(REGISTRAR_ROLE, admin);
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
        if (beneficiary == address(0)) revert RegistryZeroBeneficiary();

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
        emit SiteRegistered(siteId, wdpaId, beneficiary, name, countryCode, metadataURI);
        emit SiteStatusChanged(siteId, SiteStatus.None, SiteStatus.Candidate);
    }

    /// @inheritdoc ISiteRegistry
    function setStatus(uint256 siteId, SiteStatus newStatus) external onlyRole(REGISTRAR_ROLE) {
        Site storage s = _existingSite(siteId);
        SiteStatus previous = s.status;
        if (previous == SiteStatus.Withdrawn) revert RegistrySiteWithdrawn(siteId);
        if (newStatus == SiteStatus.None || newStatus == previous) revert RegistryInvalidStatus(siteId, newStatus);
        s.status = newStatus;
        emit SiteStatusChanged(siteId, previous, newStatus);
    }

    /// @inheritdoc ISiteRegistry
    function setBeneficiary(uint256 siteId, address newBeneficiary) external onlyRole(REGISTRAR_ROLE) {
        Site storage s = _existingSite(siteId);
        if (s.status == SiteStatus.Withdrawn) revert RegistrySiteWithdrawn(siteId);
        if (newBeneficiary == address(0)) revert RegistryZeroBeneficiary();
        address previous = s.beneficiary;
        s.beneficiary = newBeneficiary;
        emit SiteBeneficiaryChanged(siteId, previous, newBeneficiary);
    }

    /// @inheritdoc ISiteRegistry
    function setMetadataURI(uint256 siteId, string calldata metadataURI) external onlyRole(REGISTRAR_ROLE) {
        _existingSite(siteId).metadataURI = metadataURI;
        emit SiteMetadataChanged(siteId, metadataURI);
    }

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
