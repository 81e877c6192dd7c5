"""The error table: every custom error of every deployable contract has a sentence in `impact.chain.errors.SENTENCES`.

The errors are read from the ABIs Brownie built (`build/contracts/*.json`), so a contract that gains an error without
a sentence fails `test_every_contract_error_has_a_sentence`, which names it; adding the sentence is one line in
impact/errors.py. The last test sends real transactions that revert and checks the user sees the sentence.
"""

import json
import re
from pathlib import Path

import pytest
from brownie import accounts, web3
from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector, keccak
from web3 import HTTPProvider, Web3

from impact.chain import errors
from impact.chain.accounts import Signer
from impact.chain.encoding import format_time, to_bytes32
from impact.chain.errors import UserError
from impact.chain.system import ETH, System
from impact.chain.tx import Sender

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "contracts"
DEPLOYABLE_SOURCE = re.compile(r"contracts/[^/]+\.sol")  # contracts/*.sol: not contracts/test/, not OpenZeppelin


def _artifacts() -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted(BUILD.glob("*.json"))]


def _errors(artifacts: list[dict]) -> dict[str, tuple[str, dict]]:
    """Error name -> (a contract that has it, its ABI entry)."""
    found: dict[str, tuple[str, dict]] = {}
    for artifact in artifacts:
        for item in artifact["abi"]:
            if item.get("type") == "error":
                found.setdefault(item["name"], (artifact["contractName"], item))
    return found


@pytest.fixture(scope="module")
def deployable() -> dict[str, tuple[str, dict]]:
    return _errors([a for a in _artifacts() if DEPLOYABLE_SOURCE.fullmatch(a.get("sourcePath", ""))])


def test_the_deployable_contracts_and_their_errors_are_found(deployable):
    contracts = {contract for contract, _ in deployable.values()}
    assert {"SiteRegistry", "ImpactPools", "MilestoneCertifier"} <= contracts
    assert {"PoolsCapExceeded", "RegistryEmptyName", "PoolsPaused", "AccessControlUnauthorizedAccount"} <= set(
        deployable
    )


def test_every_contract_error_has_a_sentence(deployable):
    missing = sorted(f"{contract}.{name}" for name, (contract, _) in deployable.items() if name not in errors.SENTENCES)
    assert not missing, f"add a sentence to impact/errors.py SENTENCES for: {', '.join(missing)}"


def test_no_sentence_is_kept_for_an_error_that_no_contract_has():
    known = set(_errors(_artifacts()))
    assert sorted(set(errors.SENTENCES) - known) == []


def _sample(param: dict) -> object:
    kind = param["type"]
    if kind == "address":
        return accounts[4].address
    if kind == "bool":
        return True
    if kind == "string":
        return "sample"
    if kind == "bytes2":
        return b"Cn"
    if kind == "bytes32":
        return keccak(text="PAUSER_ROLE")
    if kind.startswith("uint"):
        return 1  # a valid value for every enum (status, failure reason) and index
    raise AssertionError(f"no sample value for {kind}")


def test_every_sentence_renders_from_the_errors_own_revert_data(deployable):
    """Encode each error as a contract would revert with it, then translate it back: the sentence is one line
    without the raw error name, and the machine code is the error's name."""
    for name, (_, item) in sorted(deployable.items()):
        types = [errors._type(i) for i in item["inputs"]]
        data = function_signature_to_4byte_selector(errors._signature(item)) + encode(
            types, [_sample(i) for i in item["inputs"]]
        )
        code, sentence = errors.translate(data, now=2)
        assert code == name
        assert name not in sentence and "the contract refused" not in sentence, sentence
        assert sentence and "\n" not in sentence and "{" not in sentence, sentence


def test_panics_and_revert_strings_are_sentences_too():
    overflow = bytes.fromhex("4e487b71") + encode(["uint256"], [0x11])
    code, sentence = errors.translate(overflow)
    assert (code, sentence) == ("Panic", "the contract stopped: a number would overflow: a value given is too large")
    reason = bytes.fromhex("08c379a0") + encode(["string"], ["no"])
    assert errors.translate(reason) == ("Error", "the contract refused: no")
    assert errors.translate("0xdeadbeef")[0] == "UnknownError"


def _raw_error_names() -> re.Pattern:
    return re.compile(r"\b(" + "|".join(sorted(_errors(_artifacts()), key=len, reverse=True)) + r")\b")


@pytest.mark.parametrize(
    "args, account, sentence",
    [
        (("pool", "unpause"), "dev:0", "error: the pools are not paused"),
        (("pool", "pause"), "dev:4", "does not have the pauser role this needs"),
        (("oracle", "quorum", "9"), "dev:0", "error: a quorum of 9 is not possible with 3 oracles: it must be 1 to 3"),
        (("pool", "open", "--file", "samples/xianju-pool.yaml", "--site", "9"), "dev:0", "there is no site 9"),
    ],
)
def test_a_reverting_call_is_shown_as_its_sentence(impact, deployed, args, account, sentence):
    sender = accounts[int(account[4:])]
    nonce = web3.eth.get_transaction_count(sender.address)
    result = impact(*args, account=account)
    assert result.code == 1 and sentence in result.line
    assert not _raw_error_names().search(result.err), result.err
    assert web3.eth.get_transaction_count(sender.address) == nonce


def test_a_sale_window_in_the_past_is_a_sentence(impact, deployed, monkeypatch):
    """The pool file cannot express this one, so it goes through the library's simulation, as `pool open` does."""
    monkeypatch.setenv("IMPACT_DEPLOYMENTS", str(impact.deployments))
    w3 = Web3(HTTPProvider(web3.provider.endpoint_uri))
    system = System.load(w3)
    now = w3.eth.get_block("latest")["timestamp"]
    params = (1, ETH, 10**16, 10, 100, now - 7200, now - 3600, 0)
    milestones = [(to_bytes32("GLS-V1.1-1.1.1"), to_bytes32("d"), "", 10_000, now + 86_400)]
    with pytest.raises(UserError) as refused:
        Sender(w3, Signer(accounts[0].address)).simulate(system.pools.functions.openPool(params, milestones))
    assert refused.value.code == "PoolsInvalidSaleWindow"
    assert str(refused.value) == (
        f"the sale window {format_time(now - 7200)} to {format_time(now - 3600)} is empty, already over or too long: "
        "the sale must end after it starts, in the future, and within about 136 years (2^32 seconds)"
    )
