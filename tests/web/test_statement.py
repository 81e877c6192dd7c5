"""`impact statement`: one self-contained file, opened in a browser with the network cut off, holding the figures of
the trace's JSON, the block it was taken at and how to re-check it; and its PDF through Chromium's print."""

from __future__ import annotations

import json
import re

from conftest import HOSTILE_URI, screenshot
from test_pages import assert_figures_match


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
