"""The web pages in a real browser, against a live `impact serve` over a chain with the index tests' story and a
hostile site: every figure shown equals the trace's JSON, links work, nothing logs an error, attacks written on the
chain stay text, the pages are current, and every page leaves a screenshot under reports/web/ for review."""

from __future__ import annotations

import json
import re

import pytest
from web_support import CLAIM_FOR, CLAIM_REASON, HOSTILE_NAME, HOSTILE_URI, assert_figures_match, fetch, screenshot

# ------------------------------------------------------------------------------------------------------------------


def test_serve_binds_to_this_machine_only_by_default_and_says_where(server):
    assert server.first_line.startswith(f"serving {server.url}/ ")
    assert "read-only" in server.first_line


def test_every_figure_on_each_investor_page_equals_the_trace_json(server, world, tab, trace_json):
    counted = 0
    for n, investor in enumerate(world.investors):
        response = tab.goto(f"{server.url}/investor/{investor}")
        assert response.status == 200
        doc = trace_json("--investor", investor)
        shown = assert_figures_match(tab, doc)
        assert shown > 10, f"only {shown} figures on {investor}'s page"
        counted += shown
        # The download is the very document of `impact trace --json`.
        status, headers, body = fetch(f"{server.url}/investor/{investor}.json")
        assert status == 200 and headers["content-type"].startswith("application/json")
        assert json.loads(body) == doc
        screenshot(tab, f"investor-{n}")
    assert counted > 100
    assert tab.errors == [] and tab.dialogs == []


def test_the_investor_page_shows_what_each_pool_did_with_the_money(server, world, tab, trace_json):
    investor = world.investors[0]
    tab.goto(f"{server.url}/investor/{investor}")
    doc = trace_json("--investor", investor)
    page = tab.page
    # One chart per pool, whose segments are the milestones' attributable parts, escrow, refunds and exits.
    assert page.locator("svg.bar").count() == len(doc["pools"])
    first = doc["pools"][0]
    card = page.locator(f"#pool-{first['pool_id']}")
    assert first["summary"] in card.inner_text()
    # The certified milestone with its criterion, assessors, evidence, window and this investor's part.
    certified = next(m for m in doc["milestones"] if m["certified"] and m["release"])
    milestone = page.locator(f"#pool-{certified['pool_id']}-milestone-{certified['milestone_id']}")
    text = milestone.inner_text()
    assert certified["standard_ref"] in text and certified["evidence_hash"] in text
    assert all(a["oracle"] in text for a in certified["attestations"])
    assert certified["release"]["attributable"]["text"] in text and "final" in text
    # A voided certification shows the reviewer and the voided evidence.
    voided = next(m for m in doc["milestones"] if m["voided"])
    assert (
        voided["voided"][0]["reviewer"]
        in page.locator(f"#pool-{voided['pool_id']}-milestone-{voided['milestone_id']}").inner_text()
    )
    # The pending beneficiary change, when it takes effect, and the exit it opens.
    pending = [c for p in doc["pools"] for c in p["changes"] if c["state"] == "pending"]
    assert pending and page.locator("tr.change-pending").count() >= 1
    assert pending[0]["executable_at"] in page.locator("tr.change-pending").first.inner_text()
    assert first["exit_open"] and "open: a change affecting this pool is pending" in card.inner_text()
    # The timeline has a line per event, in chain order.
    blocks = [int(b) for b in page.locator("#timeline tbody td.num").all_inner_texts() if b.strip()]
    assert blocks == sorted(blocks) and len(blocks) >= len(doc["purchases"]) + len(doc["refunds"])


def test_every_figure_on_each_pool_page_equals_the_trace_json(server, world, tab, trace_json):
    for pool_id in world.pool_ids:
        response = tab.goto(f"{server.url}/pool/{pool_id}")
        assert response.status == 200
        doc = trace_json("--pool", str(pool_id))
        assert assert_figures_match(tab, doc) > 10
        status, _, body = fetch(f"{server.url}/pool/{pool_id}.json")
        assert status == 200 and json.loads(body) == doc
        holders = tab.page.locator("#holders tbody tr").count()
        assert holders == len(doc["holders"])
        screenshot(tab, f"pool-{pool_id}")
    assert tab.errors == []


def test_the_site_page_shows_its_identity_history_and_pools(server, world, tab):
    tab.goto(f"{server.url}/site/1")
    page = tab.page
    assert page.locator("#site-name").inner_text() == "Xianju"
    wdpa = page.locator("a.wdpa")
    assert wdpa.get_attribute("href") == "https://www.protectedplanet.net/555000001"
    statuses = page.locator("#statuses tbody tr")
    assert statuses.count() == 1 and "Candidate" in statuses.first.inner_text()
    assert page.locator("#pools tbody tr").count() == 4
    screenshot(tab, "site-1")
    tab.goto(f"{server.url}/")
    assert tab.page.locator("#sites tbody tr").count() == 2
    assert tab.page.locator("#pools tbody tr").count() == len(world.pool_ids)
    screenshot(tab, "index")
    assert tab.errors == []


def test_a_claims_certificate_shows_what_it_financed_and_the_evidence_it_rests_on(server, world, tab, trace_json):
    response = tab.goto(f"{server.url}/claim/1")
    assert response.status == 200
    doc = trace_json("--pool", str(world.claimed_pool))
    assert assert_figures_match(tab, doc) >= 8
    claim = doc["claims"][0]
    assert (claim["claim_id"], claim["tokens"], claim["claimant"]) == (1, 3, world.investors[0])
    page = tab.page
    certificate = page.locator("#certificate")
    assert page.locator(".beneficiary").inner_text() == CLAIM_FOR  # the markup in the name is text
    assert certificate.locator("b").count() == 0
    assert CLAIM_REASON in certificate.inner_text() and claim["financed"]["text"] == "0.003 ETH"
    rows = page.locator("#claimed-milestones tbody tr")
    assert rows.count() == 1 and doc["milestones"][0]["evidence_hash"] in rows.first.inner_text()
    assert claim["milestones"][0]["evidence_hash"] == doc["milestones"][0]["evidence_hash"]
    assert world.system.claims.address in certificate.inner_text()
    screenshot(tab, "claim-1")
    # The claim is on the pool's page and the claimant's, with a link to its certificate.
    tab.goto(f"{server.url}/pool/{world.claimed_pool}")
    assert page.locator("#claims a[href='/claim/1']").count() == 1
    # The retired tokens' holder is named for what it is, with its address on hover.
    keeper = page.locator("#holders span.contract", has_text="the claims contract (retired tokens)")
    assert keeper.count() == 1 and keeper.get_attribute("title") == world.system.claims.address
    tab.goto(f"{server.url}/investor/{world.investors[0]}")
    assert page.locator("#claims tbody tr").count() == 1
    investor = trace_json("--investor", world.investors[0])
    assert [c["claim_id"] for c in investor["claims"]] == [1]
    assert "claimed (retired) for " + CLAIM_FOR in investor["pools"][-1]["summary"]
    assert tab.errors == []
    for path in ("/claim/2", "/claim/abc"):
        assert fetch(server.url + path)[0] == 404


def test_every_link_works_and_leads_only_to_https_ipfs_or_our_own_pages(server, tab):
    """Follows every internal link from the index page two levels deep: each answers 200 without a console error."""
    seen: set[str] = set()
    frontier = ["/"]
    external: set[str] = set()
    for _ in range(3):
        following = []
        for path in frontier:
            if path in seen:
                continue
            seen.add(path)
            response = tab.goto(server.url + path)
            assert response.status == 200, path
            for href in tab.page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))"):
                if href.endswith(".json"):  # a download: the browser would save it rather than show it
                    status, headers, _ = fetch(server.url + href)
                    assert status == 200 and "attachment" in headers["content-disposition"], href
                elif href.startswith("/"):
                    following.append(href)
                else:
                    external.add(href)
        frontier = following
    assert len(seen) > 10
    assert external and all(re.match(r"^(https|ipfs)://", href) for href in external), external
    assert tab.errors == []


def test_a_hostile_site_name_and_javascript_uris_do_nothing(server, world, tab):
    for path in ("/", "/site/2", f"/pool/{world.hostile_pool}", f"/investor/{world.investors[1]}"):
        tab.goto(server.url + path)
        page = tab.page
        assert page.locator("script").count() == 0, path  # the name is text, not an element
        assert page.locator("a[href^='javascript']").count() == 0, path
        assert HOSTILE_NAME in page.inner_text("body"), path
    # The URIs are shown, as text that is not a link; clicking them does nothing.
    unlinked = tab.page.locator("code.unlinked", has_text=HOSTILE_URI)
    assert unlinked.count() >= 2
    unlinked.first.click()
    tab.goto(f"{server.url}/site/2")
    assert tab.page.locator("#site-name").inner_text() == HOSTILE_NAME
    assert tab.page.locator("code.unlinked", has_text=HOSTILE_URI).count() == 1  # its metadata URI
    screenshot(tab, "site-2-hostile")
    assert tab.dialogs == [] and tab.errors == []


def test_every_page_has_a_strict_content_security_policy_and_its_style_applies(server, tab):
    response = tab.goto(f"{server.url}/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy and "unsafe" not in policy
    assert response.headers["x-frame-options"] == "DENY" and response.headers["referrer-policy"] == "no-referrer"
    # The inline style sheet is allowed by its hash: were it refused, the header would not be green.
    colour = tab.page.eval_on_selector("header.top", "h => getComputedStyle(h).backgroundColor")
    assert colour == "rgb(13, 94, 69)"
    assert tab.errors == []


@pytest.mark.parametrize(
    "path", ["/pool/99", "/pool/abc", "/investor/0x123", "/investor/0x" + "11" * 20, "/site/9", "/claim/9", "/nowhere"]
)
def test_unknown_addresses_and_ids_get_a_friendly_404(server, path):
    status, headers, body = fetch(server.url + path)
    assert status == 404
    assert "Not found" in body and "Traceback" not in body
    assert "default-src 'none'" in headers["content-security-policy"]


def test_nothing_can_be_written(server):
    status, headers, body = fetch(f"{server.url}/pool/1", method="POST")
    assert status == 405 and "read-only" in body and headers["allow"] == "GET, HEAD"


def test_the_search_form_works_without_javascript(server, world, tab):
    tab.goto(f"{server.url}/")
    tab.page.fill("input[name=address]", world.investors[2].lower())
    tab.page.click("button[type=submit]")
    tab.page.wait_for_load_state()
    assert tab.page.url == f"{server.url}/investor/{world.investors[2]}"
    assert tab.errors == []


def test_a_page_is_current_and_names_the_blocks_that_are_not_final(server, world, tab):
    """A purchase made while the server runs is on the next page load, marked unconfirmed until 2 blocks deep."""
    investor = world.investors[3]
    before = tab.goto(f"{server.url}/investor/{investor}")
    assert before.status == 200
    pool = world.open_pool(goal=1, cap=5, milestones=1)
    assert world.buy(investor, pool, 2)
    block = world.w3.eth.block_number
    tab.goto(f"{server.url}/investor/{investor}")
    page = tab.page
    assert f"pool {pool}" in page.inner_text("body")
    assert page.locator("#freshness [data-block]").get_attribute("data-block") == str(block)
    assert str(block) in page.locator("#unconfirmed .unconfirmed-block").all_inner_texts()
    world.mine(2)
    tab.goto(f"{server.url}/investor/{investor}")
    assert str(block) not in page.locator(".unconfirmed-block").all_inner_texts()
