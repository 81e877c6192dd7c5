"""SiteRegistry.setStatus: every transition of the status machine, allowed or refused.

Candidate -> Green Listed (admitted); Candidate or Green Listed -> Suspended (an alert); Green Listed -> Candidate
(the status lapsed); Suspended -> the status it had before (reinstated); any -> Withdrawn, which is final (a
withdrawn site refuses every change with `RegistrySiteWithdrawn`). Anything else reverts with
`RegistryInvalidTransition(siteId, from, to)`. After every one, allowed or refused, the pools' copy of the status
(`ImpactPools.siteStatus`) is the registry's.
"""

import brownie
import pytest
from support import Status, error

C, G, S, W, NONE = Status.CANDIDATE, Status.GREEN_LISTED, Status.SUSPENDED, Status.WITHDRAWN, Status.NONE

# How to reach each starting point from a new (Candidate) site.
PATHS = {
    "candidate": [],
    "green listed": [G],
    "suspended candidate": [S],
    "suspended green listed": [G, S],
    "withdrawn": [W],
}
STATUS_AT = {"candidate": C, "green listed": G, "suspended candidate": S, "suspended green listed": S, "withdrawn": W}

ALLOWED = {
    ("candidate", G),
    ("candidate", S),
    ("candidate", W),
    ("green listed", S),
    ("green listed", C),
    ("green listed", W),
    ("suspended candidate", C),
    ("suspended candidate", W),
    ("suspended green listed", G),
    ("suspended green listed", W),
}
CASES = [(start, to) for start in PATHS for to in (NONE, C, G, S, W)]


def reach(registry, site_id, programme, start):
    for status in PATHS[start]:
        registry.setStatus(site_id, status, {"from": programme})


@pytest.mark.parametrize("start, to", [case for case in CASES if case in ALLOWED])
def test_an_allowed_transition_is_made_and_emitted(registry, pools, site_id, programme, start, to):
    reach(registry, site_id, programme, start)
    assert pools.siteStatus(site_id) == STATUS_AT[start]
    tx = registry.setStatus(site_id, to, {"from": programme})
    assert registry.site(site_id).dict()["status"] == to
    assert pools.siteStatus(site_id) == to
    event = tx.events["SiteStatusChanged"]
    assert (event["siteId"], event["previousStatus"], event["newStatus"]) == (site_id, STATUS_AT[start], to)


@pytest.mark.parametrize("start, to", [case for case in CASES if case not in ALLOWED and case[0] != "withdrawn"])
def test_a_refused_transition_reverts_with_both_statuses(registry, pools, site_id, programme, start, to):
    reach(registry, site_id, programme, start)
    with brownie.reverts(error("RegistryInvalidTransition", site_id, STATUS_AT[start], to)):
        registry.setStatus(site_id, to, {"from": programme})
    assert registry.site(site_id).dict()["status"] == STATUS_AT[start]
    assert pools.siteStatus(site_id) == STATUS_AT[start]


@pytest.mark.parametrize("to", [NONE, C, G, S, W])
def test_a_withdrawn_site_never_changes_status_again(registry, pools, site_id, programme, to):
    reach(registry, site_id, programme, "withdrawn")
    with brownie.reverts(error("RegistrySiteWithdrawn", site_id)):
        registry.setStatus(site_id, to, {"from": programme})
    assert registry.site(site_id).dict()["status"] == W
    assert pools.siteStatus(site_id) == W


def test_a_reinstated_site_can_be_suspended_again_and_returns_to_its_latest_status(registry, site_id, programme):
    for status in (S, C, G, S):
        registry.setStatus(site_id, status, {"from": programme})
    with brownie.reverts(error("RegistryInvalidTransition", site_id, S, C)):
        registry.setStatus(site_id, C, {"from": programme})
    registry.setStatus(site_id, G, {"from": programme})
    assert registry.site(site_id).dict()["status"] == G
