"""Every failure is one line that says what to do, exits non-zero and sends nothing: bad values on the command line
and in files, Ctrl-C, a node that hangs or is not there, operator foot-guns, and the messages users were misled by."""

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from brownie import accounts, web3
from support import interruptible

from impact.chain.localnode import free_port

ROOT = Path(__file__).resolve().parents[2]
POOL_FILE = ROOT / "samples" / "xianju-pool.yaml"


def one_line(result) -> None:
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1, result.err


def nonces() -> list[int]:
    return [web3.eth.get_transaction_count(a.address) for a in accounts]


@pytest.mark.parametrize(
    "args, message",
    [
        (("deploy", "--oracles", "0x" + "11" * 20, "--admin-delay", "-5"), "argument --admin-delay: must be from 0 to"),
        (("deploy", "--oracles", "0x" + "11" * 20, "--quorum", "0"), "argument --quorum: must be at least 1, not 0"),
        (
            ("site", "register", "--name", "X", "--country", "China", "--wdpa", "1", "--beneficiary", "0x" + "11" * 20),
            "argument --country: 'China' is not an ISO 3166-1 alpha-2 code: give two letters, e.g. CN",
        ),
        (
            ("site", "register", "--name", "X", "--country", "CN", "--wdpa", "-1", "--beneficiary", "0x" + "11" * 20),
            "argument --wdpa: must be from 1 to 4,294,967,295, not -1",
        ),
        (
            (
                "site",
                "register",
                "--name",
                "X",
                "--country",
                "CN",
                "--wdpa",
                str(2**32),
                "--beneficiary",
                "0x" + "1" * 40,
            ),
            "argument --wdpa: must be from 1 to 4,294,967,295, not 4294967296",
        ),
        (
            ("site", "register", "--name", " ", "--country", "CN", "--wdpa", "1", "--beneficiary", "0x" + "1" * 40),
            "--name",
        ),
        (("pool", "release", "--pool", "1", "--milestone", "-1"), "argument --milestone: must be at least 0, not -1"),
        (("oracle", "quorum", "-1"), "argument quorum: must be at least 1, not -1"),
        (("buy", "--pool", "1", "--tokens", "0"), "argument --tokens: must be at least 1, not 0"),
        (("buy", "--pool", "0", "--tokens", "1"), "argument --pool: must be at least 1, not 0"),
        (("buy", "--pool", "one", "--tokens", "1"), "argument --pool: 'one' is not a whole number"),
        (("refund", "--pool", "1", "--tokens", "-3"), "argument --tokens: must be at least 1, not -3"),
        (("exit", "--pool", "1", "--tokens", "0"), "argument --tokens: must be at least 1, not 0"),
        (("reviewer", "void", "--pool", "1", "--milestone", "-1", "--reason-file", "r"), "must be at least 0, not -1"),
        (("site", "beneficiary", "--site", "x", "--address", "0x" + "1" * 40), "argument --site: 'x' is not a whole"),
        (("site", "show", "--site", "1", "--timeout", "0"), "argument --timeout: must be a number above 0"),
        (("pool", "show", "--pool", "1", "--account", "dev:0"), "unrecognized arguments: --account dev:0"),
    ],
)
def test_a_bad_command_line_is_one_line_naming_the_option_and_sends_nothing(impact, deployed, args, message):
    before = nonces()
    result = impact(*args, account=None)
    assert result.code == 2
    assert result.line.startswith("error: ") and message in result.line, result.line
    assert result.line.endswith("--help`)")  # and says where to look
    one_line(result)
    assert nonces() == before


@pytest.mark.parametrize(
    "replace, message",
    [
        (('price: "0.05"', 'price: "1e80"'), "pool.price 1E+80 is too large: the contract's price field holds at most"),
        (('price: "0.05"', "price: abc"), "pool.price: 'abc' is not a number"),
    ],
)
def test_pool_files_with_impossible_numbers_are_one_line(impact, deployed, tmp_path, replace, message):
    path = tmp_path / "pool.yaml"
    path.write_text(POOL_FILE.read_text().replace(*replace))
    before = nonces()
    result = impact("pool", "open", "--file", str(path), "--site", "1")
    assert result.code == 1 and message in result.line, result.line
    one_line(result)
    assert nonces() == before


def test_minting_more_than_a_token_can_count_is_refused(impact, deployed):
    before = nonces()
    result = impact("dev", "fund", "--to", accounts[4].address, "--amount", "1e80")
    assert result.code == 1
    assert result.line.startswith("error: '1e80' is too large: at most 115,792,089,237,316,195,423,570,985,008,687")
    one_line(result)
    assert nonces() == before


def test_a_deploy_with_a_duplicate_oracle_sends_nothing(impact, deployed, tmp_path):
    fresh = type(impact)(tmp_path)
    oracle = accounts[1].address
    before = nonces()
    result = fresh("deploy", "--oracles", f"{oracle},{accounts[2].address},{oracle.lower()}", "--quorum", "2")
    assert result.code == 1
    assert result.line == f"error: oracle {oracle} is listed twice: give each oracle once"
    assert nonces() == before and list(tmp_path.iterdir()) == []


# --- the node -----------------------------------------------------------------------------------------------------


@pytest.fixture
def silent_node():
    """A TCP server that accepts connections and never answers: a hung node."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server


def test_a_hung_node_is_named_after_the_timeout(impact, silent_node):
    url = f"http://127.0.0.1:{silent_node.getsockname()[1]}"
    started = time.monotonic()
    result = impact("pool", "show", "--pool", "1", "--rpc-url", url, "--timeout", "1", rpc=False)
    assert time.monotonic() - started < 8  # one timeout, not web3's five retries (54 s at the old settings)
    assert result.code == 1
    assert result.line == (
        f"error: the node at {url} (network 'custom') did not answer within 1 s: check that it is running and "
        "reachable, or allow it more time with --timeout"
    )


def test_no_node_at_all_is_named(impact):
    url = f"http://127.0.0.1:{free_port()}"
    result = impact("site", "show", "--site", "1", "--network", "development", "--rpc-url", url, rpc=False)
    assert result.code == 1
    assert result.line == f"error: no node answers at {url} for network 'development': start one with `make node`"


def _spawn(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "impact", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,
    )


def _loaded(process: subprocess.Popen, library: str) -> bool:
    try:
        return library in Path(f"/proc/{process.pid}/maps").read_text()
    except OSError:
        return False


def test_ctrl_c_while_the_program_is_importing_is_one_line(silent_node):
    """SIGINT in the middle of the program's imports (web3 has started loading pydantic's compiled core, which only
    a command's imports bring in): exit 130 and one line, never a traceback. The node never answers, so the program
    cannot have finished on its own."""
    url = f"http://127.0.0.1:{silent_node.getsockname()[1]}"
    process = _spawn("pool", "show", "--pool", "1", "--rpc-url", url, "--timeout", "30")
    deadline = time.monotonic() + 30
    while not _loaded(process, "_pydantic_core") and time.monotonic() < deadline:
        time.sleep(0.002)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert (process.returncode, err) == (130, "error: interrupted\n")


def test_ctrl_c_while_connecting_is_one_line(silent_node):
    url = f"http://127.0.0.1:{silent_node.getsockname()[1]}"
    process = _spawn("site", "show", "--site", "1", "--rpc-url", url, "--timeout", "30")
    connection, _ = silent_node.accept()  # the program is past its imports and waiting for the node
    with connection:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert (process.returncode, err) == (130, "error: interrupted\n")


# --- operator foot-guns ---------------------------------------------------------------------------------------------


def test_accrediting_an_oracle_that_is_one_already_is_refused(impact, deployed):
    before = nonces()
    result = impact("oracle", "accredit", accounts[1].address)
    assert result.code == 1
    assert result.line == f"error: {accounts[1].address} is already an accredited oracle"
    assert nonces() == before


def test_revoking_an_address_that_is_not_an_oracle_is_refused(impact, deployed):
    before = nonces()
    result = impact("oracle", "revoke", accounts[9].address)
    assert result.code == 1
    assert result.line == f"error: {accounts[9].address} is not an accredited oracle"
    assert nonces() == before


def test_revoking_below_the_quorum_goes_through_at_once_with_a_warning(impact, deployed):
    """A compromised oracle must go at once, so the revocation is never blocked; the operator is told what it
    leaves: no certification until another oracle is accredited or the quorum lowered (both delayed)."""
    impact.ok("oracle", "quorum", "3")  # raising is immediate: three oracles, all needed
    result = impact("oracle", "revoke", accounts[3].address)
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if line.startswith("warning: ")]
    assert warnings[0].startswith("warning: this leaves 2 accredited oracles, fewer than the quorum of 3: no milestone")
    assert "2 oracles, quorum 3" in result.out.strip().splitlines()[-1]


def test_setting_the_quorum_it_already_has_is_refused(impact, deployed):
    result = impact("oracle", "quorum", "2")
    assert result.code == 1 and result.line == "error: the quorum is already 2"


# --- messages that misled users ----------------------------------------------------------------------------------


@pytest.fixture
def missed_goal_pool(impact, deployed) -> int:
    """A pool whose sale closed with 1 token sold, below its goal of 100, not failed yet."""
    pool_id = impact.open_pool()
    impact.ok("buy", "--pool", str(pool_id), "--tokens", "1", account="dev:4")
    impact.ok("dev", "advance", "--days", "31")
    return pool_id


def test_refunding_a_pool_that_missed_its_goal_says_to_fail_it_first(impact, missed_goal_pool):
    result = impact("refund", "--pool", str(missed_goal_pool), account="dev:4")
    assert result.code == 1
    assert result.line == (
        f"error: pool {missed_goal_pool} has not been failed yet, but it can be (goal not reached): run "
        f"`impact pool fail --pool {missed_goal_pool}` first, then refund"
    )
    impact.ok("pool", "fail", "--pool", str(missed_goal_pool), account="dev:8")
    assert impact.last("refund", "--pool", str(missed_goal_pool), account="dev:4").startswith(
        f"redeemed 1 token of pool {missed_goal_pool} for 0.05 ETH"
    )


def test_failing_a_failed_pool_says_it_has_failed(impact, missed_goal_pool):
    impact.ok("pool", "fail", "--pool", str(missed_goal_pool), account="dev:8")
    result = impact("pool", "fail", "--pool", str(missed_goal_pool), account="dev:8")
    assert result.code == 1
    assert result.line == (
        f"error: pool {missed_goal_pool} has already failed (goal not reached); its holders may refund with "
        f"`impact refund --pool {missed_goal_pool}`"
    )
    assert "in order" not in result.line


def test_refunding_a_pool_that_is_still_selling_says_so(impact, deployed):
    pool_id = impact.open_pool()
    impact.ok("buy", "--pool", str(pool_id), "--tokens", "2", account="dev:4")
    result = impact("refund", "--pool", str(pool_id), account="dev:4")
    assert result.code == 1
    assert result.line.startswith(
        f"error: pool {pool_id} has not failed, so its tokens cannot be refunded (selling until"
    )


def test_a_pool_for_an_unknown_site_names_the_site(impact, deployed):
    result = impact("pool", "open", "--file", str(POOL_FILE), "--site", "7")
    assert result.code == 1
    assert result.line == "error: there is no site 7: register it first with `impact site register`"


def test_a_sender_who_cannot_pay_for_gas_is_told_so(impact, missed_goal_pool):
    poor = accounts.add()
    result = impact("pool", "fail", "--pool", str(missed_goal_pool), account="env:POOR", env={"POOR": poor.private_key})
    assert result.code == 1
    assert result.line == f"error: {poor.address} has 0 ETH and cannot pay for the gas: fund it first"
    one_line(result)
