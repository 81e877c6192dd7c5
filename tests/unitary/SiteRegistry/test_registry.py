"""SiteRegistry: registering sites, their metadata, and the delayed change of the wallet that receives their tranches.
(The status machine has a file of its own.)"""

import brownie
import pytest
from brownie import ZERO_ADDRESS, chain
from support import BENEFICIARY_DUTY, CHANGE_DELAY, XIANJU_WDPA, Status, error, execute_after_delay


def test_registering_a_site_stores_it_as_a_candidate(registry, site_id, manager):
    site = registry.site(site_id).dict()
    assert site_id == 1
    assert site["name"] == "Xianju National Park"
    assert site["countryCode"] == "0x434e"  # "CN"
    assert site["wdpaId"] == XIANJU_WDPA
    assert site["beneficiary"] == manager
    assert site["status"] == Status.CANDIDATE
    assert registry.siteIdOfWdpa(XIANJU_WDPA) == site_id
    assert registry.siteCount() == 1


def test_registering_emits_the_site_and_its_first_status(registry, programme, manager):
    tx = registry.registerSite("Site B", b"KE", 42, "ipfs://b", manager, {"from": programme})
    event = tx.events["SiteRegistered"]
    assert event["siteId"] == tx.return_value
    assert event["wdpaId"] == 42
    assert event["beneficiary"] == manager
    assert event["name"] == "Site B"
    assert tx.events["SiteStatusChanged"]["newStatus"] == Status.CANDIDATE


def test_only_the_registrar_can_register(registry, rando, manager):
    with brownie.reverts(error("AccessControlUnauthorizedAccount", rando, registry.REGISTRAR_ROLE())):
        registry.registerSite("Site", b"CN", 7, "", manager, {"from": rando})


@pytest.mark.parametrize(
    "name, country, wdpa, beneficiary_is_zero, expected",
    [
        ("", b"CN", 7, False, error("RegistryEmptyName")),
        ("Site", b"cn", 7, False, error("RegistryInvalidCountryCode", b"cn")),
        ("Site", b"C1", 7, False, error("RegistryInvalidCountryCode", b"C1")),
        ("Site", b"CN", 0, False, error("RegistryInvalidWdpaId")),
        ("Site", b"CN", 7, True, error("RegistryZeroBeneficiary")),
    ],
)
def test_bad_registrations_revert_with_the_reason(
    registry, programme, manager, name, country, wdpa, beneficiary_is_zero, expected
):
    beneficiary = ZERO_ADDRESS if beneficiary_is_zero else manager
    count = registry.siteCount()
    with brownie.reverts(expected):
        registry.registerSite(name, country, wdpa, "", beneficiary, {"from": programme})
    assert registry.siteCount() == count


def test_a_wdpa_id_can_be_registered_only_once(registry, site_id, programme, manager):
    with brownie.reverts(error("RegistryWdpaIdTaken", XIANJU_WDPA, site_id)):
        registry.registerSite("Copy", b"CN", XIANJU_WDPA, "", manager, {"from": programme})


def test_status_changes_are_recorded_and_emitted(registry, site_id, programme):
    tx = registry.setStatus(site_id, Status.GREEN_LISTED, {"from": programme})
    assert registry.site(site_id).dict()["status"] == Status.GREEN_LISTED
    event = tx.events["SiteStatusChanged"]
    assert (event["siteId"], event["previousStatus"], event["newStatus"]) == (
        site_id,
        Status.CANDIDATE,
        Status.GREEN_LISTED,
    )


def test_a_withdrawn_site_takes_no_beneficiary_change(registry, site_id, programme, rando):
    registry.setStatus(site_id, Status.WITHDRAWN, {"from": programme})
    with brownie.reverts(error("RegistrySiteWithdrawn", site_id)):
        registry.scheduleBeneficiaryChange(site_id, rando, {"from": programme})
    assert registry.changeCount() == 0


def test_unknown_sites_are_rejected(registry, programme):
    with brownie.reverts(error("RegistryUnknownSite", 9)):
        registry.setStatus(9, Status.GREEN_LISTED, {"from": programme})
    with brownie.reverts(error("RegistryUnknownSite", 9)):
        registry.site(9)


def test_only_the_registrar_changes_status(registry, site_id, rando):
    with brownie.reverts(error("AccessControlUnauthorizedAccount", rando, registry.REGISTRAR_ROLE())):
        registry.setStatus(site_id, Status.SUSPENDED, {"from": rando})


def test_a_beneficiary_change_is_only_scheduled(registry, site_id, programme, manager, rando):
    tx = registry.scheduleBeneficiaryChange(site_id, rando, {"from": programme})
    assert tuple(registry.statusAndBeneficiary(site_id)) == (Status.CANDIDATE, manager.address)
    event = tx.events["ChangeScheduled"]
    assert (event["changeId"], event["kind"], event["subject"]) == (1, 1, site_id)
    assert event["value"] == int(rando.address, 16)
    assert (event["scheduledBy"], event["executableAt"]) == (programme, tx.timestamp + CHANGE_DELAY)
    assert registry.pendingChangesAffecting(site_id) == 1


def test_the_beneficiary_changes_when_the_scheduled_change_is_executed(registry, site_id, programme, manager, rando):
    tx = execute_after_delay(registry, registry.scheduleBeneficiaryChange(site_id, rando, {"from": programme}))
    assert tuple(registry.statusAndBeneficiary(site_id)) == (Status.CANDIDATE, rando.address)
    event = tx.events["SiteBeneficiaryChanged"]
    assert (event["siteId"], event["previousBeneficiary"], event["newBeneficiary"]) == (site_id, manager, rando)
    assert registry.isBeneficiary(rando) and not registry.isBeneficiary(manager)
    assert registry.pendingChangesAffecting(site_id) == 0


def test_a_beneficiary_change_needs_a_new_non_zero_wallet(registry, site_id, programme, manager):
    with brownie.reverts(error("RegistryZeroBeneficiary")):
        registry.scheduleBeneficiaryChange(site_id, ZERO_ADDRESS, {"from": programme})
    with brownie.reverts(error("RegistrySameBeneficiary", site_id, manager)):
        registry.scheduleBeneficiaryChange(site_id, manager, {"from": programme})
    assert registry.changeCount() == 0


def test_only_the_registrar_schedules_a_beneficiary_change(registry, site_id, rando):
    with brownie.reverts(error("AccessControlUnauthorizedAccount", rando, registry.REGISTRAR_ROLE())):
        registry.scheduleBeneficiaryChange(site_id, rando, {"from": rando})


def test_a_wallet_paying_two_sites_stays_a_beneficiary_until_it_pays_none(registry, site_id, programme, manager, rando):
    registry.registerSite("Site B", b"KE", 42, "ipfs://b", manager, {"from": programme})
    execute_after_delay(registry, registry.scheduleBeneficiaryChange(site_id, rando, {"from": programme}))
    assert registry.isBeneficiary(manager)
    assert registry.dutyOf(manager) == (True, BENEFICIARY_DUTY)
    execute_after_delay(registry, registry.scheduleBeneficiaryChange(2, rando, {"from": programme}))
    assert not registry.isBeneficiary(manager)
    assert registry.dutyOf(manager) == (False, "0x" + "00" * 32)


def test_the_duties_an_oracle_may_not_hold_are_reported(registry, programme, manager, rando):
    assert registry.dutyOf(programme) == (True, registry.DEFAULT_ADMIN_ROLE())
    registry.grantRole(registry.REGISTRAR_ROLE(), rando, {"from": programme})
    assert registry.dutyOf(rando) == (True, registry.REGISTRAR_ROLE())
    registry.registerSite("Site B", b"KE", 42, "ipfs://b", manager, {"from": programme})
    assert registry.dutyOf(manager) == (True, BENEFICIARY_DUTY)


def test_metadata_uri_changes_are_emitted(registry, site_id, programme):
    tx = registry.setMetadataURI(site_id, "ipfs://new", {"from": programme})
    assert registry.site(site_id).dict()["metadataURI"] == "ipfs://new"
    assert tx.events["SiteMetadataChanged"]["metadataURI"] == "ipfs://new"


def test_admin_transfer_takes_two_steps(registry, programme, rando):
    registry.beginDefaultAdminTransfer(rando, {"from": programme})
    assert registry.defaultAdmin() == programme
    chain.sleep(1)  # the transfer can be accepted only after its (here zero) delay has passed
    registry.acceptDefaultAdminTransfer({"from": rando})
    assert registry.defaultAdmin() == rando
