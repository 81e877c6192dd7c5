// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IDelayedChanges} from "./IDelayedChanges.sol";
import {IMilestoneCertifier} from "./IMilestoneCertifier.sol";

/// @title ISiteRegistry
/// @notice The register of protected and conserved areas taking part in the IUCN Green List programme.
/// @dev A site is identified by a sequential id (from 1) and by its number in the World Database on Protected
/// Areas (WDPA id). Its Green List status follows the programme's phases (see `setStatus` for the transitions):
/// a suspended site takes no new money and no tranche is released to it until it is reinstated; a withdrawn site
/// is final: every pool of it may be failed and refunded. Changing the wallet that receives a site's tranches is
/// a delayed change (`IDelayedChanges`): scheduled in public, executable after the delay, and while it is pending
/// the holders of the site's live pools may exit. An accredited oracle can never be a beneficiary nor hold a role
/// here (separation of duties, checked against the certifier).
interface ISiteRegistry is IDelayedChanges {
    /// @notice Green List status of a site, as decided by the programme.
    /// @dev `None` only marks an id that was never registered.
    enum SiteStatus {
        None,
        Candidate,
        GreenListed,
        Suspended,
        Withdrawn
    }

    /// @notice A site's registration.
    /// @param name Human-readable name, e.g. "Xianju National Park".
    /// @param countryCode ISO 3166-1 alpha-2 code, two upper-case ASCII letters, e.g. "CN".
    /// @param wdpaId Number of the site in the World Database on Protected Areas.
    /// @param status Current Green List status.
    /// @param beneficiary Wallet of the site manager that receives released tranches.
    /// @param metadataURI Where the site's documentation lives (IPFS or HTTPS).
    struct Site {
        address beneficiary;
        uint32 wdpaId;
        bytes2 countryCode;
        SiteStatus status;
        string name;
        string metadataURI;
    }

    // ----------------------------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------------------------

    /// @notice A site joined the register.
    /// @param siteId The new site's id.
    /// @param wdpaId Its WDPA number.
    /// @param beneficiary The site manager's wallet.
    /// @param name Its name.
    /// @param countryCode Its ISO 3166-1 alpha-2 country code.
    /// @param metadataURI Where its documentation lives.
    event SiteRegistered(
        uint256 indexed siteId,
        uint32 indexed wdpaId,
        address indexed beneficiary,
        string name,
        bytes2 countryCode,
        string metadataURI
    );

    /// @notice The programme changed a site's Green List status.
    /// @param siteId The site.
    /// @param previousStatus The status before the change.
    /// @param newStatus The status after the change.
    event SiteStatusChanged(uint256 indexed siteId, SiteStatus previousStatus, SiteStatus newStatus);

    /// @notice A scheduled change of the wallet that receives a site's tranches took effect.
    /// @param siteId The site.
    /// @param previousBeneficiary The wallet before the change.
    /// @param newBeneficiary The wallet after the change.
    event SiteBeneficiaryChanged(
        uint256 indexed siteId, address indexed previousBeneficiary, address indexed newBeneficiary
    );

    /// @notice The programme changed where a site's documentation lives.
    /// @param siteId The site.
    /// @param metadataURI The new URI.
    event SiteMetadataChanged(uint256 indexed siteId, string metadataURI);

    // ----------------------------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------------------------

    /// @notice No site has this id.
    /// @param siteId The id asked for.
    error RegistryUnknownSite(uint256 siteId);

    /// @notice The site name is empty.
    error RegistryEmptyName();

    /// @notice The country code is not two upper-case ASCII letters.
    /// @param countryCode The code given.
    error RegistryInvalidCountryCode(bytes2 countryCode);

    /// @notice The WDPA id is zero.
    error RegistryInvalidWdpaId();

    /// @notice Another site is already registered under this WDPA id.
    /// @param wdpaId The WDPA id given.
    /// @param siteId The site that holds it.
    error RegistryWdpaIdTaken(uint32 wdpaId, uint256 siteId);

    /// @notice The beneficiary is the zero address.
    error RegistryZeroBeneficiary();

    /// @notice The status machine does not allow this transition (see `setStatus`).
    /// @param siteId The site.
    /// @param from Its status now.
    /// @param to The status asked for.
    error RegistryInvalidTransition(uint256 siteId, SiteStatus from, SiteStatus to);

    /// @notice An accredited oracle cannot be a site's beneficiary nor hold a role in the registry.
    /// @param account The oracle.
    error RegistryOracleConflict(address account);

    /// @notice This address already receives the site's tranches.
    /// @param siteId The site.
    /// @param beneficiary The address.
    error RegistrySameBeneficiary(uint256 siteId, address beneficiary);

    /// @notice A withdrawn site is final and cannot change any more.
    /// @param siteId The site.
    error RegistrySiteWithdrawn(uint256 siteId);

    // ----------------------------------------------------------------------------------------------------------
    // Functions
    // ----------------------------------------------------------------------------------------------------------

    /// @notice Registers a site as a Green List candidate.
    /// @dev Only the registrar role. Writes the status to the pools' copy (`IImpactPools.recordSiteStatus`).
    /// @param name Human-readable name.
    /// @param countryCode ISO 3166-1 alpha-2 code.
    /// @param wdpaId WDPA number; unique in the register.
    /// @param metadataURI Where the site's documentation lives.
    /// @param beneficiary The site manager's wallet.
    /// @return siteId The new site's id.
    function registerSite(
        string calldata name,
        bytes2 countryCode,
        uint32 wdpaId,
        string calldata metadataURI,
        address beneficiary
    ) external returns (uint256 siteId);

    /// @notice Changes a site's Green List status, at once: every transition either takes no money from investors
    /// or sends it back to them.
    /// @dev Only the registrar role. The transitions: Candidate -> Green Listed (admitted), Candidate or Green
    /// Listed -> Suspended (an alert), Green Listed -> Candidate (the status lapsed), Suspended -> the status it had
    /// before the suspension (reinstated), and any status -> Withdrawn, which is final. Writes the new status to
    /// the pools' copy (`IImpactPools.recordSiteStatus`) in the same transaction.
    /// @param siteId The site.
    /// @param newStatus The new status.
    function setStatus(uint256 siteId, SiteStatus newStatus) external;

    /// @notice Schedules a change of the wallet that receives a site's tranches (`IDelayedChanges`); it takes
    /// effect when executed after the delay. Tranches certified before it keep the payee recorded at certification.
    /// @dev Only the registrar role. The new wallet must be non-zero, not the current one, and not an oracle; all
    /// of this is checked again when the change is executed.
    /// @param siteId The site.
    /// @param newBeneficiary The new wallet.
    /// @return changeId The scheduled change.
    function scheduleBeneficiaryChange(uint256 siteId, address newBeneficiary) external returns (uint256 changeId);

    /// @notice Changes where a site's documentation lives.
    /// @dev Only the registrar role.
    /// @param siteId The site.
    /// @param metadataURI The new URI.
    function setMetadataURI(uint256 siteId, string calldata metadataURI) external;

    /// @notice A site's registration.
    /// @param siteId The site.
    /// @return The site; reverts with `RegistryUnknownSite` for an unknown id.
    function site(uint256 siteId) external view returns (Site memory);

    /// @notice A site's status and wallet, read in one storage slot: the pools call it for the payee of a
    /// certification and for a credit withdrawn by the site's wallet now (they keep their own copies of the status for
    /// everything else, `IImpactPools.siteStatus` and `IImpactPools.poolSiteStatus`).
    /// @param siteId The site.
    /// @return status The site's Green List status (`None` for an unknown id).
    /// @return beneficiary The site manager's wallet.
    function statusAndBeneficiary(uint256 siteId) external view returns (SiteStatus status, address beneficiary);

    /// @notice The site registered under a WDPA id, or 0.
    /// @param wdpaId The WDPA number.
    function siteIdOfWdpa(uint32 wdpaId) external view returns (uint256);

    /// @notice How many sites have been registered; ids run from 1 to this number.
    function siteCount() external view returns (uint256);

    /// @notice The oracle quorum, checked so that no oracle holds a duty here.
    function certifier() external view returns (IMilestoneCertifier);

    /// @notice Whether `account` receives the tranches of at least one site.
    function isBeneficiary(address account) external view returns (bool);

    /// @notice Whether `account` holds a duty here that an oracle may not hold: a role, or a site's wallet.
    /// @return held True if it holds one.
    /// @return duty The role's id, or `keccak256("BENEFICIARY")`.
    function dutyOf(address account) external view returns (bool held, bytes32 duty);

    /// @notice How many pending changes affect the pools of `siteId`: its beneficiary changes and changes of the
    /// registry's delay. While it is not zero, holders of the site's live pools may exit.
    function pendingChangesAffecting(uint256 siteId) external view returns (uint256);
}
