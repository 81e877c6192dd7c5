"""SiteRegistry: registering sites and changing their Green List status."""

import brownie
import pytest
from brownie import ZERO_ADDRESS, chain
from support import XIANJU_WDPA, Status, error


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


def test_a_status_cannot_be_set_to_none_or_to_itself(registry, site_id, programme):
    with brownie.reverts(error("RegistryInvalidStatus", site_id, Status.NONE)):
        registry.setStatus(site_id, Status.NONE, {"from": programme})
    with brownie.reverts(error("RegistryInvalidStatus", site_id, Status.CANDIDATE)):
        registry.setStatus(site_id, Status.CANDIDATE, {"from": programme})


def test_withdrawn_is_final(registry, site_id, programme, rando):
    registry.setStatus(site_id, Status.WITHDRAWN, {"from": programme})
    with brownie.reverts(error("RegistrySiteWithdrawn", site_id)):
        registry.setStatus(site_id, Status.GREEN_LISTED, {"from": programme})
    with brownie.reverts(error("RegistrySiteWithdrawn", site_id)):
        registry.setBeneficiary(site_id, rando, {"from": programme})


def test_unknown_sites_are_rejected(registry, programme):
    with brownie.reverts(error("RegistryUnknownSite", 9)):
        registry.setStatus(9, Status.GREEN_LISTED, {"from": programme})
    with brownie.reverts(error("RegistryUnknownSite", 9)):
        registry.site(9)


def test_only_the_registrar_changes_status(registry, site_id, rando):
    with brownie.reverts(error("AccessControlUnauthorizedAccount", rando, registry.REGISTRAR_ROLE())):
        registry.setStatus(site_id, Status.SUSPENDED, {"from": rando})


def test_the_beneficiary_can_be_rotated(registry, site_id, programme, manager, rando):
    tx = registry.setBeneficiary(site_id, rando, {"from": programme})
    status, beneficiary = registry.statusAndBeneficiary(site_id)
    assert (status, beneficiary) == (Status.CANDIDATE, rando.address)
    assert tx.events["SiteBeneficiaryChanged"]["previousBeneficiary"] == manager
    with brownie.reverts(error("RegistryZeroBeneficiary")):
        registry.setBeneficiary(site_id, ZERO_ADDRESS, {"from": programme})


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
