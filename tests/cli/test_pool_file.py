"""`impact pool open --file`: the pool file is read strictly (docs/pool-file.md), checked against the registry's site,
and echoed in absolute UTC times before anything is sent."""

import copy
from pathlib import Path

import pytest
import yaml
from brownie import ImpactPools, accounts, chain, web3

from impact.chain.encoding import format_iso, parse_utc_time

SAMPLE = yaml.safe_load((Path(__file__).resolve().parents[2] / "samples" / "xianju-pool.yaml").read_text())
DAY = 86_400


@pytest.fixture
def pools(deployed):
    return ImpactPools.at(deployed["contracts"]["ImpactPools"]["address"])


def pool_file(tmp_path, change=None):
    """The sample pool file, with `change(data)` applied to a copy."""
    data = copy.deepcopy(SAMPLE)
    if change:
        change(data)
    path = tmp_path / "pool.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def refused(impact, path, *extra):
    """Runs `pool open`, expects a one-line refusal and no transaction; returns the line."""
    nonce = web3.eth.get_transaction_count(accounts[0].address)
    result = impact("pool", "open", "--file", str(path), "--site", "1", *extra)
    assert result.code == 1, result.out
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    assert web3.eth.get_transaction_count(accounts[0].address) == nonce
    return result.line


def set_in(*keys_and_value):
    *keys, last, value = keys_and_value

    def change(data):
        for key in keys:
            data = data[key]
        data[last] = value

    return change


def rename(*keys_and_names):
    *keys, old, new = keys_and_names

    def change(data):
        for key in keys:
            data = data[key]
        data[new] = data.pop(old)

    return change


@pytest.mark.parametrize(
    "change, message",
    [
        (set_in("notes", "x"), "error: notes: unknown key; the keys here are site, pool, milestones"),
        (rename("site", "wdpa_id", "wdpa"), "error: site.wdpa: unknown key; did you mean 'wdpa_id'?"),
        (rename("pool", "asset", "assett"), "error: pool.assett: unknown key; did you mean 'asset'?"),
        (
            rename("pool", "sale", "starts_in_days", "start_in_days"),
            "error: pool.sale.start_in_days: unknown key; did you mean 'starts_in_days'?",
        ),
        (
            rename("milestones", 1, "share_bps", "share"),
            "error: milestones[1].share: unknown key; did you mean 'share_bps'?",
        ),
    ],
)
def test_an_unknown_key_at_any_level_is_refused_naming_the_nearest_known_one(
    impact, deployed, tmp_path, change, message
):
    assert refused(impact, pool_file(tmp_path, change)) == message


@pytest.mark.parametrize(
    "change, message",
    [
        (
            set_in("pool", "price", "1e80"),
            "error: pool.price 1E+80 is too large: the contract's price field holds at most "
            "79,228,162,514.264337593543950335 ETH per token",
        ),
        (set_in("pool", "price", "cheap"), "error: pool.price: 'cheap' is not a number"),
        (set_in("pool", "price", -1), "error: pool.price: expected a positive number, got -1"),
        (set_in("pool", "goal_tokens", -5), "error: pool.goal_tokens: expected a positive whole number, got -5"),
        (set_in("pool", "goal_tokens", "100"), "error: pool.goal_tokens: expected a positive whole number, got '100'"),
        (
            set_in("pool", "cap_tokens", 2**64),
            f"error: pool.cap_tokens: {2**64} is too large for the contract, which holds at most {2**64 - 1:,} there",
        ),
        (
            set_in("pool", "sale", "duration_days", "thirty"),
            "error: pool.sale.duration_days: expected a number of days",
        ),
        (set_in("pool", "sale", "duration_days", -1), "error: pool.sale.duration_days: expected a positive number"),
        (
            set_in("milestones", 0, "share_bps", 70_000),
            "error: milestones[0].share_bps: 70000 is too large for the contract, which holds at most 65,535 there",
        ),
        (
            set_in("milestones", 2, "deadline_days_after_sale", 1.5),
            "error: milestones[2].deadline_days_after_sale: expected a positive whole number, got 1.5",
        ),
    ],
)
def test_a_number_that_is_not_a_number_negative_or_too_large_is_refused(impact, deployed, tmp_path, change, message):
    assert refused(impact, pool_file(tmp_path, change)).startswith(message)


@pytest.mark.parametrize(
    "key, value, shown",
    [
        ("wdpa_id", 42, "wdpa_id is 42 in the file but 555000001 in the registry"),
        ("name", "Xianju", "name is 'Xianju' in the file but 'Xianju National Park' in the registry"),
        ("country", "KE", "country is 'KE' in the file but 'CN' in the registry"),
        ("metadata_uri", "ipfs://other", "metadata_uri is 'ipfs://other' in the file but"),
    ],
)
def test_a_site_block_that_does_not_describe_the_site_is_refused(impact, deployed, tmp_path, key, value, shown):
    line = refused(impact, pool_file(tmp_path, set_in("site", key, value)))
    assert line.startswith(f"error: the file's site block does not describe site 1 of the registry ({shown}")
    assert line.endswith("check --site or the file")


def test_absolute_times_are_opened_exactly_and_echoed_before_sending(impact, pools, tmp_path):
    now = chain[-1].timestamp
    start = format_iso(now + 2 * DAY)
    end_day = format_iso(now + 40 * DAY)[:10]  # a date: the sale ends at the end of that day, UTC
    deadlines = [format_iso(now + d * DAY) for d in (200, 400)]

    def change(data):
        data["pool"]["sale"] = {"start": start, "end": end_day}
        del data["milestones"][0]["deadline_days_after_sale"]
        data["milestones"][0]["deadline"] = deadlines[0]
        del data["milestones"][1]["deadline_days_after_sale"]
        data["milestones"][1]["deadline"] = deadlines[1]  # the third stays relative: 730 days after the sale

    out = impact.ok("pool", "open", "--file", str(pool_file(tmp_path, change)), "--site", "1")
    pool_id = int(out.strip().splitlines()[-1].split()[1])
    view = pools.pool(pool_id).dict()
    end = parse_utc_time(end_day, end_of_day=True)
    assert (view["saleStart"], view["saleEnd"]) == (parse_utc_time(start, end_of_day=False), end)
    assert format_iso(end) == end_day + "T23:59:59Z"
    on_chain = [pools.milestone(pool_id, k).dict()["deadline"] for k in range(3)]
    assert on_chain == [parse_utc_time(d, end_of_day=True) for d in deadlines] + [end + 730 * DAY]
    lines = out.splitlines()
    assert lines[0] == "opening a pool for site 1 (Xianju National Park):"
    assert f"  sale           {start} to {end_day}T23:59:59Z" in lines
    assert "  goal / cap     100 / 1,000 tokens" in lines
    assert f"  milestone 0    GLS-V1.1-1.1.1, 20% of the raise, due by {deadlines[0]}" in lines
    assert f"  milestone 2    GLS-V1.1-4.1.1, 50% of the raise, due by {format_iso(end + 730 * DAY)}" in lines
    assert lines[-1].startswith(f"pool {pool_id} opened for site 1")


@pytest.mark.parametrize(
    "sale, message",
    [
        (
            {"start": "2020-01-01T00:00:00Z", "duration_days": 30},
            "error: pool.sale.start 2020-01-01T00:00:00Z is in the past",
        ),
        ({"starts_in_days": 0, "end": "2020-01-31"}, "error: pool.sale ends (2020-01-31T23:59:59Z) before it starts"),
        (
            {"start": "2030-01-01", "starts_in_days": 1, "duration_days": 3},
            "error: pool.sale: give start or starts_in_days",
        ),
        ({"starts_in_days": 0}, "error: pool.sale: give end (an ISO 8601 UTC date or time) or duration_days"),
        (
            {"end": "2030-01-01T00:00:00"},
            "error: pool.sale.end: '2030-01-01T00:00:00' has no time zone: write it in UTC",
        ),
        ({"end": "next spring"}, "error: pool.sale.end: 'next spring' is not an ISO 8601 date or UTC time"),
    ],
)
def test_a_sale_window_that_cannot_be_is_refused(impact, deployed, tmp_path, sale, message):
    assert refused(impact, pool_file(tmp_path, set_in("pool", "sale", sale))).startswith(message)


def test_a_milestone_deadline_before_the_end_of_the_sale_is_refused(impact, deployed, tmp_path):
    def change(data):
        del data["milestones"][0]["deadline_days_after_sale"]
        data["milestones"][0]["deadline"] = format_iso(chain[-1].timestamp + DAY)

    line = refused(impact, pool_file(tmp_path, change))
    assert line.startswith("error: milestones[0].deadline ") and "is not after the end of the sale" in line
