"""`make demo` (scripts/demo.py) tells the escrow's story end to end, every step an `impact` command."""

from brownie import accounts

from scripts import demo


def test_the_demo_runs_to_the_end_and_tells_the_new_story(capsys):
    demo.main()
    out = capsys.readouterr().out
    new_wallet = accounts[3].address
    for expected in (
        f"reviewers           {accounts[9].address}",
        f"scheduled registry:1: site 1 beneficiary → {new_wallet}",
        "registry:1  site 1 beneficiary → ",
        "exited 40 tokens of pool 1 for 2 ETH; the pool goes on for the others",
        "error: change registry:1 (site 1 beneficiary → ",
        "executed registry:1: site 1 beneficiary → ",
        "error: exits of pool 1 are closed",
        "error: the challenge window of milestone 0 of pool 1 is open until ",
        "voided the certification of milestone 0 of pool 1 (evidence ",
        "was voided by a reviewer for milestone 0 of pool 1: a new certification needs new evidence",
        f"pool 1 milestone 0: 1.8 ETH paid to {new_wallet}",
        "evidence verified: the 3 files hash to 0x",
        "error: pool 2 has not been failed yet, but it can be (goal not reached): run `impact pool fail --pool 2`",
        "VOIDED",
        "Exits (while a change affecting the pool was pending)",
        "pool 1: of 6 ETH paid, 1.2 ETH reached Xianju National Park through 1 certified milestone",
        "error: pool 1 is not complete: 1 of its 3 milestones is certified and final",
        f"statement of {accounts[4].address} at block ",
        "The live pages answered at http://127.0.0.1:",
    ):
        assert expected in out, expected
    assert out.count("certified pool 1 milestone 0 with 2 signatures") == 2
