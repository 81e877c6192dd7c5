"""`impact statement`: one self-contained file, opened in a browser with the network cut off, holding the figures of
the trace's JSON, the block it was taken at and how to re-check it; and its PDF through Chromium's print."""

from __future__ import annotations

import json
import re
import socket

from web_support import HOSTILE_URI, assert_figures_match, screenshot


def test_a_statement_is_one_file_that_loads_nothing_and_shows_the_trace(impact, world, tab, tmp_path, trace_json):
    investor = world.investors[0]
    out, pdf = tmp_path / "statement.html", tmp_path / "statement.pdf"
    done = impact("statement", "--investor", investor, "--out", str(out), "--pdf", str(pdf))
    assert done.returncode == 0, done.stderr
    block = world.w3.eth.block_number
    assert done.stdout.splitlines()[0] == f"statement of {investor} at block {block} written to {out}"

    html = out.read_text()
    # Nothing to fetch: no script, no external style, image or frame, and a policy that would refuse them anyway.
    assert "<script" not in html.lower() and not re.search(r"""(src|srcset)\s*=""", html)
    assert 'href="/' not in html  # no link to the live pages: the file stands alone

    offline = lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort()  # noqa: E731
    tab.page.route("**/*", offline)
    tab.goto(out.as_uri())
    assert tab.requests == [out.as_uri()]
    policy = tab.page.locator("meta[http-equiv=Content-Security-Policy]").get_attribute("content")
    assert policy.startswith("default-src 'none';") and "unsafe" not in policy
    colour = tab.page.eval_on_selector("header.top", "h => getComputedStyle(h).backgroundColor")
    assert colour == "rgb(13, 94, 69)"  # its one inline style sheet, allowed by its hash
    doc = trace_json("--investor", investor)
    assert assert_figures_match(tab, doc) > 10
    statement = tab.page.locator("#statement").inner_text()
    assert f"block {block}" in statement and f"impact trace --investor {investor} --json" in statement
    assert "impact oracle verify-evidence" in statement
    assert world.deployment.address("SiteRegistry") in statement
    # The data it was made from is in it, as `impact trace --json` prints it.
    assert json.loads(tab.page.locator("#data pre").text_content()) == doc
    # A javascript: URI written on the chain is text here too.
    assert tab.page.locator("a[href^='javascript']").count() == 0 and HOSTILE_URI in html
    screenshot(tab, "statement")
    assert tab.errors == [] and tab.dialogs == []

    assert pdf.read_bytes().startswith(b"%PDF-") and pdf.stat().st_size > 10_000


def test_a_statement_of_an_address_with_no_tokens_is_refused_in_one_line(impact, world, tmp_path):
    out = tmp_path / "none.html"
    done = impact("statement", "--investor", world.beneficiary, "--out", str(out))
    assert done.returncode == 1 and not out.exists()
    assert done.stderr.strip() == (
        f"error: no impact tokens of this deployment were ever bought by or sent to {world.beneficiary}"
    )


def test_bad_input_to_serve_and_statement_is_one_line(impact):
    done = impact("statement", "--investor", "0x12")
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1 and "0x12" in done.stderr
    done = impact("serve", "--port", "70000")
    assert done.returncode == 2 and "port" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    done = impact("serve", "--explorer", "javascript:alert({tx})")
    assert done.returncode == 1 and "--explorer must be an https URL" in done.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = impact("serve", "--port", str(port))
    assert done.returncode == 1 and done.stderr.strip().splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port} (Address already in use): is another server using it? give "
        "another --port"
    ]


def test_a_holder_claims_impact_from_the_command_line_and_gets_a_certificate(impact, world, tab, tmp_path):
    pool = str(world.claimed_pool)
    # An incomplete pool cannot be claimed: one line, the contract's reason, nothing sent.
    nonce = world.w3.eth.get_transaction_count(world.investors[0])
    done = impact("claim", "make", "--account", "dev:5", "--pool", "1", "--tokens", "1", "--for", "X", "--reason", "Y")
    assert done.returncode == 1 and len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("error: pool 1 is not complete: 1 of its 2 milestones is certified and final")
    assert world.w3.eth.get_transaction_count(world.investors[0]) == nonce

    done = impact(
        "claim", "make", "--account", "dev:6", "--pool", pool, "--tokens", "2", "--for", "Town of Xianju",
        "--reason", "Annual report", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    made = json.loads(done.stdout)
    assert made["schema"] == "impact.claim/1" and made["claim_id"] == 2 and made["tokens"] == "2"
    assert made["claimant"] == world.investors[1] and made["beneficiary"] == "Town of Xianju"
    assert world.pools.functions.balanceOf(world.system.claims.address, world.claimed_pool).call() == 5

    shown = impact("claim", "show", "--claim", "2")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"claim 2: 2 tokens of pool {pool} (Xianju) claimed ")
    assert "for Town of Xianju" in shown.stdout and "reason: Annual report" in shown.stdout

    out = tmp_path / "claim-2.html"
    done = impact("statement", "--claim", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr
    tab.goto(out.as_uri())
    assert tab.page.locator(".beneficiary").inner_text() == "Town of Xianju"
    trace = impact("trace", "--pool", pool, "--direct", "--json")
    assert assert_figures_match(tab, json.loads(trace.stdout)) >= 8
    assert tab.requests == [out.as_uri()] and tab.errors == []
    screenshot(tab, "claim-2-certificate")

    missing = impact("claim", "show", "--claim", "9")
    assert missing.returncode == 1 and missing.stderr.strip() == "error: there is no claim 9 in this deployment"
