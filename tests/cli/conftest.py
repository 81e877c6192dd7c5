"""Fixtures for running the `impact` program as a user would: a subprocess against the test chain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from brownie import ImpactPools, MilestoneCertifier, SiteRegistry, accounts, web3

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_SITE_URI = "ipfs://sample/xianju-national-park.json"  # the site block of the sample pool files


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def line(self) -> str:
        """The one line a failed command prints."""
        return self.err.strip()

    @property
    def last(self) -> str:
        """The last line of the output: a sending command's result (its first line names the node)."""
        return self.out.strip().splitlines()[-1]

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("warning: ")]


DEV0 = "dev:0"  # the default account of `Impact.__call__`: the programme
READ_ONLY = {
    ("trace",),
    ("pool", "show"),
    ("site", "show"),
    ("oracle", "verify-evidence"),
    ("dev", "advance"),
    ("governance", "pending"),
    ("index",),
    ("tx",),
}


class Impact:
    """`impact …` against the Brownie test chain, with its own deployments folder."""

    def __init__(self, deployments: Path, env: dict[str, str] | None = None) -> None:
        self.deployments = deployments
        self.env = {**os.environ, "IMPACT_DEPLOYMENTS": str(deployments), **(env or {})}
        self.rpc = web3.provider.endpoint_uri

    def __call__(
        self, *args: str, account: str | None = DEV0, env: dict[str, str] | None = None, rpc: bool = True
    ) -> Result:
        command = [sys.executable, "-m", "impact", *args] + (["--rpc-url", self.rpc] if rpc else [])
        if account is DEV0 and (args[:2] in READ_ONLY or args[:1] in READ_ONLY):
            account = None  # read-only commands take no --account
        if account:
            command += ["--account", account]
        done = subprocess.run(
            command, env={**self.env, **(env or {})}, cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str, **kwargs) -> str:
        """What a successful command printed, less the first line of a sending command, which names the node, the
        chain and the account (`test_conventions.py` checks that line)."""
        result = self(*args, **kwargs)
        assert result.code == 0, result.err
        first, _, rest = result.out.partition("\n")
        return rest if first.startswith("network '") else result.out

    def last(self, *args: str, **kwargs) -> str:
        """The last line a successful command printed (its result)."""
        return self.ok(*args, **kwargs).strip().splitlines()[-1]

    def json(self, *args: str, **kwargs) -> dict:
        return json.loads(self.ok(*args, "--json", **kwargs))

    def open_pool(self, file: str | Path = "samples/xianju-pool.yaml", site: int = 1) -> int:
        """`impact pool open`; the new pool's id, from its last line ("pool N opened for site …")."""
        last = self.ok("pool", "open", "--file", str(file), "--site", str(site)).strip().splitlines()[-1]
        assert last.startswith("pool ") and " opened for site " in last, last
        return int(last.split()[1])

    def refused(self, *args: str, sender=None, **kwargs) -> str:
        """Runs a command that must be refused: one line on stderr, no traceback, exit code 1, nothing sent from
        `sender` (default: the account the command runs as). Returns that line."""
        account = kwargs.get("account", "dev:0")
        who = sender or (accounts[int(account[4:])] if account and account.startswith("dev:") else None)
        nonce = web3.eth.get_transaction_count(who.address) if who else None
        result = self(*args, **kwargs)
        assert result.code == 1, result.out + result.err
        assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err, result.err
        if who:
            assert web3.eth.get_transaction_count(who.address) == nonce
        return result.line


def dev(n: int) -> str:
    return f"dev:{n}"


@pytest.fixture(scope="module")
def impact(tmp_path_factory) -> Impact:
    return Impact(tmp_path_factory.mktemp("deployments"))


@pytest.fixture(scope="module")
def deployed(impact) -> dict:
    """The system deployed by `impact deploy` (oracles: accounts 1-3, quorum 2, reviewer: account 9, the change
    delay the contracts' minimum of two days, a mock USDC); account 0 holds every programme role."""
    oracles = ",".join(a.address for a in accounts[1:4])
    impact.ok("deploy", "--oracles", oracles, "--quorum", "2", "--reviewers", accounts[9].address, "--mock-usdc")
    (path,) = impact.deployments.iterdir()
    deployment = json.loads(path.read_text())
    impact.ok(
        "site",
        "register",
        "--name",
        "Xianju National Park",
        "--country",
        "CN",
        "--wdpa",
        "555000001",
        "--uri",
        SAMPLE_SITE_URI,
        "--beneficiary",
        accounts[7].address,
    )
    return deployment


@pytest.fixture
def contracts(deployed) -> dict:
    """The deployed contracts as Brownie objects, by role."""
    c = deployed["contracts"]
    return {
        "registry": SiteRegistry.at(c["SiteRegistry"]["address"]),
        "pools": ImpactPools.at(c["ImpactPools"]["address"]),
        "certifier": MilestoneCertifier.at(c["MilestoneCertifier"]["address"]),
    }


@pytest.fixture
def sold_out(impact, deployed) -> int:
    """An ETH pool of site 1 sold out (so its sale has closed): alice (account 4) 120 tokens, bob (5) 880."""
    pool_id = impact.open_pool()
    impact.ok("buy", "--pool", str(pool_id), "--tokens", "120", account="dev:4")
    impact.ok("buy", "--pool", str(pool_id), "--tokens", "880", account="dev:5")
    return pool_id
