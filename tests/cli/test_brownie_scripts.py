"""The Brownie scripts are thin: `brownie run scripts/deploy.py` does what `impact deploy` does."""

import json

from brownie import accounts, chain

from scripts import deploy, trace


def test_the_deploy_script_deploys_and_records_on_the_active_network(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("IMPACT_DEPLOYMENTS", str(tmp_path))
    monkeypatch.setenv("IMPACT_PAUSER", accounts[8].address)
    deploy.main(",".join(a.address for a in accounts[1:4]), 2, accounts[9].address, admin=accounts[5].address)
    (path,) = tmp_path.glob(f"dev-{chain.id}-*.json")  # a local chain: keyed by its genesis block too
    recorded = json.loads(path.read_text())
    assert recorded["deployer"] == accounts[0].address
    assert recorded["roles"] == {
        "admin": accounts[5].address,
        "registrar": accounts[0].address,
        "programme": accounts[0].address,
        "pauser": accounts[8].address,
    }
    out = capsys.readouterr().out
    assert "deployment written to" in out and f"reviewers           {accounts[9].address}" in out


def test_the_trace_script_prints_an_investors_trace(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("IMPACT_DEPLOYMENTS", str(tmp_path))
    deploy.main(accounts[1].address, 1)
    capsys.readouterr()
    trace.main(accounts[4].address)
    out = capsys.readouterr().out
    assert out.startswith(f"Investor {accounts[4].address}") and "Purchases\n  none" in out
