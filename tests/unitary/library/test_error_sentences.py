"""impact.chain.errors: every custom error the contracts can raise reads as a sentence, with the error's own fields."""

import pytest
from eth_abi import encode

from impact.chain.errors import SENTENCES, _type, error_abis, explain

SAMPLES = {"address": "0x" + "ab" * 20, "bytes32": b"\x01" * 32, "bytes2": b"CN", "string": "x", "bool": True}


def sample(param):
    kind = param["type"]
    if kind.startswith(("uint", "int")):
        return 1  # a valid index into every enum the errors carry (status, failure reason, change state)
    return SAMPLES[kind]


@pytest.mark.parametrize("item", sorted(error_abis().values(), key=lambda i: i["name"]), ids=lambda i: i["name"])
def test_every_custom_error_has_a_sentence_that_reads_its_own_fields(item):
    assert item["name"] in SENTENCES
    selector = next(s for s, i in error_abis().items() if i is item)
    data = selector + encode([_type(i) for i in item["inputs"]], [sample(i) for i in item["inputs"]])
    sentence = explain(data, now=1)
    assert sentence and "refused:" not in sentence and "\n" not in sentence


def test_the_block_time_an_error_carries_wins_over_the_clients():
    (selector,) = [s for s, i in error_abis().items() if i["name"] == "ChangesNotDue"]
    data = selector + encode(["uint256", "uint256", "uint256"], [3, 1_000_000 + 97_200, 1_000_000])
    assert explain(data, now=5) == "change 3 becomes executable at 1970-01-13 16:46 UTC (in 1 day 3 h)"
