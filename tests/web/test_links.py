"""Which URIs become links, and where transactions link to: the rules every page and statement follows (no browser
needed: these are the helpers that write the markup)."""

import pytest

from impact.web.render import EXPLORERS, Links


@pytest.mark.parametrize(
    "uri, linked",
    [
        ("https://example.org/evidence", True),
        ("ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", True),
        ("HTTPS://EXAMPLE.ORG/x", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("http://example.org/plain", False),
        ("https:\\\\example.org", False),
        ("https://exa mple.org", False),
        ("", False),
    ],
)
def test_only_https_and_ipfs_uris_become_links(uri, linked):
    links = Links(live=True, explorer=None)
    html = str(links.uri(uri))
    assert html.startswith("<a ") is linked
    assert "<script" not in html  # shown, escaped, whatever it is


def test_transactions_link_to_the_chains_explorer_only_when_it_has_one():
    tx = "0x" + "ab" * 32
    assert 'href="https://sepolia.etherscan.io/tx/' + tx + '"' in str(Links(True, EXPLORERS[11155111]).tx(tx))
    assert "<a " not in str(Links(True, None).tx(tx))  # a local chain
    assert "<a " not in str(Links(True, "javascript:alert('{tx}')").tx(tx))
