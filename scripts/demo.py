"""The full story on a local chain, told through the `impact` command-line program.

    make demo        (python -m scripts.demo; or, from a folder whose path has no dot: brownie run scripts/demo.py)

Brownie starts a local Anvil (its `development` network); every step is an `impact` command, run exactly as a user
would type it, against that chain. Sample data only (see samples/).

The story: the programme deploys with an Independent Reviewer; investors buy; the site's wallet change is scheduled,
`governance pending` shows it, an investor exits during the delay, time passes and anyone executes it; the oracles
certify a milestone by signatures, the reviewer voids it with reasons, and the oracles certify it again with new
evidence; the challenge window passes and the tranche goes to the payee; a second pool misses its goal and is
refunded; the traces show all of it; a claim of pool 1's impact is refused (not every milestone is final yet); and
alice's impact statement is written, a self-contained page, and read live from `impact serve`.

`make demo` does not use `brownie run`: Brownie imports a script by the parts of its absolute path
(`home.jane.doe.project.scripts.demo`), which fails in any folder whose path has a dot in it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from brownie import accounts, network, web3
from brownie._config import CONFIG
from eth_account import Account

ROOT = Path(__file__).resolve().parent.parent
REPORT = "samples/reports/xianju-milestone-1/report.yaml"
AMENDED = "samples/reports/xianju-milestone-1-amended/report.yaml"
REVIEW = "samples/reviews/xianju-milestone-1-review.txt"


class Shell:
    """Runs `impact` commands as a user would, printing each command and what it answered."""

    def __init__(self, env: dict[str, str], node: list[str]) -> None:
        self.env = env
        self.node = node  # the node options, added to every command but not printed

    def __call__(self, *args: str, note: str = "", fails: bool = False) -> str:
        if note:
            print(f"# {note}")
        print("$ impact " + " ".join(shlex.quote(a) for a in args))
        result = subprocess.run(
            [sys.executable, "-m", "impact", *args, *self.node], env=self.env, cwd=ROOT, capture_output=True, text=True
        )
        output = (result.stdout + result.stderr).rstrip()
        print("\n".join("  " + line for line in output.splitlines()) + "\n")
        if (result.returncode != 0) != fails:
            raise SystemExit(f"demo step {'succeeded' if fails else 'failed'} unexpectedly (exit {result.returncode})")
        return result.stdout


def later(impact: Shell, days: int, why: str) -> None:
    impact("dev", "advance", "--days", str(days), note=f"… {days} days later (on a local chain): {why}")


def sign_and_relay(impact: Shell, report: str, signatures: dict[str, Path], sign_note: str, relay_note: str) -> None:
    """Each oracle (its key's environment variable) signs `report` into its file; the relayer (dev:8) submits them."""
    for n, (key, out) in enumerate(signatures.items()):
        args = ("oracle", "sign", "--account", f"env:{key}", "--report", report, "--out", str(out))
        impact(*args, note=sign_note if n == 0 else "")
    files = [str(out) for out in signatures.values()]
    impact("oracle", "submit", "--account", "dev:8", "--report", report, "--signatures", *files, note=relay_note)


def main() -> None:
    if CONFIG.network_type != "development":  # Brownie's local chains: it starts them, and time can be moved
        raise SystemExit("the demo runs on Brownie's local development network: brownie run scripts/demo.py")
    workdir = Path(tempfile.mkdtemp(prefix="impact-demo-"))
    env = {**os.environ, "IMPACT_DEPLOYMENTS": str(workdir / "deployments")}

    # Three milestone oracles (EAGL assessors) with keys of their own, made for this run and funded for gas.
    oracles = [Account.create() for _ in range(3)]
    for n, oracle in enumerate(oracles, start=1):
        env[f"ORACLE{n}_KEY"] = oracle.key.hex()
        accounts[0].transfer(oracle.address, "1 ether", silent=True)
    roles = {
        0: "the programme (every role, as on a local chain)",
        3: "the site manager's new wallet",
        4: "alice",
        5: "bob",
        6: "carol",
        7: "the site manager",
        8: "anyone (a relayer)",
        9: "the Independent Reviewer",
    }
    print("Who is who: " + ", ".join(f"dev:{i} is {name}" for i, name in roles.items()))
    print("            env:ORACLE1_KEY, env:ORACLE2_KEY, env:ORACLE3_KEY are three accredited oracles\n")
    # The chain Brownie started, whatever $ETH_RPC_URL says.
    impact = Shell(env, ["--network", "development", "--rpc-url", web3.provider.endpoint_uri])
    manager, new_wallet = accounts[7].address, accounts[3].address
    alice, carol, reviewer = accounts[4].address, accounts[6].address, accounts[9].address

    impact(
        "deploy",
        "--account",
        "dev:0",
        "--oracles",
        ",".join(o.address for o in oracles),
        "--quorum",
        "2",
        "--reviewers",
        reviewer,
        "--mock-usdc",
        note="The programme deploys the registry, the pools and the certifier (2 of 3 oracles, one reviewer, "
        "changes wait 2 days)",
    )
    impact(
        "site",
        "register",
        "--account",
        "dev:0",
        "--name",
        "Xianju National Park",
        "--country",
        "CN",
        "--wdpa",
        "555000001",
        "--uri",
        "ipfs://sample/xianju-national-park.json",
        "--beneficiary",
        manager,
        note="It registers Xianju National Park (sample WDPA id), paying out to the site manager's wallet",
    )
    impact("site", "status", "--account", "dev:0", "--site", "1", "--status", "green-listed")
    impact(
        "pool",
        "open",
        "--account",
        "dev:0",
        "--file",
        "samples/xianju-pool.yaml",
        "--site",
        "1",
        note="It opens an ETH pool with three Green List milestones and a 7-day challenge window "
        "(samples/xianju-pool.yaml)",
    )

    impact("buy", "--account", "dev:4", "--pool", "1", "--tokens", "120", note="Three investors buy impact tokens")
    impact("buy", "--account", "dev:5", "--pool", "1", "--tokens", "60")
    impact("buy", "--account", "dev:6", "--pool", "1", "--tokens", "40")
    impact(
        "buy",
        "--account",
        "dev:5",
        "--pool",
        "1",
        "--tokens",
        "5000",
        fails=True,
        note="Asking for more than is left is refused before anything is sent",
    )

    impact(
        "site",
        "beneficiary",
        "--account",
        "dev:0",
        "--site",
        "1",
        "--address",
        new_wallet,
        note="The site manager moves to a new wallet: redirecting money is a delayed change, scheduled in public",
    )
    impact("governance", "pending", note="Anyone sees what is pending and which exits it opens")
    impact(
        "exit",
        "--account",
        "dev:6",
        "--pool",
        "1",
        note="carol does not accept the change: she exits during the delay, paid what a refund would pay now",
    )
    impact(
        "governance",
        "execute",
        "--account",
        "dev:8",
        "--change",
        "registry:1",
        fails=True,
        note="Nobody can make it take effect early",
    )
    later(impact, 2, "the delay has passed")
    impact("governance", "execute", "--account", "dev:8", "--change", "registry:1", note="Anyone executes it now")
    impact("exit", "--account", "dev:4", "--pool", "1", fails=True, note="With nothing pending, exits close again")

    later(impact, 29, "the sale has closed with its goal reached")
    sig1, sig2, sig3 = (workdir / f"oracle{n}.sig.json" for n in (1, 2, 3))
    sign_and_relay(
        impact,
        REPORT,
        {"ORACLE1_KEY": sig1, "ORACLE2_KEY": sig2},
        "Two of the three oracles check the assessment report against the chain and sign it (EIP-712)",
        "Anyone relays both signatures in one transaction: milestone 0 is certified, its challenge window opens",
    )
    impact(
        "pool",
        "release",
        "--account",
        "dev:8",
        "--pool",
        "1",
        "--milestone",
        "0",
        fails=True,
        note="Its tranche cannot leave escrow while the window is open",
    )
    impact(
        "reviewer",
        "void",
        "--account",
        "dev:9",
        "--pool",
        "1",
        "--milestone",
        "0",
        "--reason-file",
        REVIEW,
        "--reason-uri",
        "ipfs://sample/xianju/review-1",
        note="The Independent Reviewer finds the evidence incomplete and voids the certification, with reasons",
    )
    impact(
        "oracle",
        "sign",
        "--account",
        "env:ORACLE2_KEY",
        "--report",
        REPORT,
        "--out",
        str(sig2),
        fails=True,
        note="The voided evidence can never certify the milestone again",
    )
    sign_and_relay(
        impact,
        AMENDED,
        {"ORACLE2_KEY": sig2, "ORACLE3_KEY": sig3},
        "The assessors complete the evidence (samples/reports/xianju-milestone-1-amended) and sign anew",
        "Relayed: milestone 0 is certified again, payable to the site's wallet now, with a new window",
    )
    later(impact, 8, "the challenge window has passed without a void: the certification is final")
    impact(
        "pool",
        "release",
        "--account",
        "dev:8",
        "--pool",
        "1",
        "--milestone",
        "0",
        note="Anyone releases the final tranche to the payee recorded at certification",
    )
    impact(
        "oracle",
        "verify-evidence",
        "--report",
        AMENDED,
        note="An investor holding the evidence files recomputes the evidence hash and checks it on chain",
    )

    impact(
        "pool",
        "open",
        "--account",
        "dev:0",
        "--file",
        "samples/xianju-pool-usdc.yaml",
        "--site",
        "1",
        note="A second pool, in (mock) USDC, will miss its goal",
    )
    impact("dev", "fund", "--account", "dev:0", "--to", alice, "--amount", "5000")
    impact("dev", "fund", "--account", "dev:0", "--to", carol, "--amount", "5000")
    impact("buy", "--account", "dev:4", "--pool", "2", "--tokens", "100")
    impact("buy", "--account", "dev:6", "--pool", "2", "--tokens", "60")
    later(impact, 8, "the USDC sale closed below its goal")
    impact(
        "refund",
        "--account",
        "dev:4",
        "--pool",
        "2",
        fails=True,
        note="A refund first needs someone to fail the pool",
    )
    impact("pool", "fail", "--account", "dev:8", "--pool", "2", note="Anyone fails the pool; holders are refunded")
    impact("refund", "--account", "dev:4", "--pool", "2")
    impact("refund", "--account", "dev:6", "--pool", "2")

    impact("trace", "--pool", "1", note="The site's view of pool 1, rebuilt from events")
    impact("trace", "--investor", carol, note="What carol's money did: she exited pool 1 and was refunded by pool 2")
    impact("trace", "--investor", alice, note="And what alice's money did, rebuilt from events alone")
    impact(
        "claim",
        "make",
        "--account",
        "dev:4",
        "--pool",
        "1",
        "--tokens",
        "10",
        "--for",
        "Alice's tea company",
        "--reason",
        "Sustainability report 2027",
        fails=True,
        note="Claiming the impact (retiring the tokens) waits until every milestone is certified and final",
    )

    statement = workdir / f"statement-{alice}.html"
    impact(
        "statement",
        "--investor",
        alice,
        "--out",
        str(statement),
        note="alice's impact statement: one self-contained page to keep, share or pin to IPFS",
    )
    url = serve_once(env, impact.node, f"/investor/{alice}")
    print(f"The statement is {statement}: open it in any browser (file://{statement.resolve()}).")
    print(f"The live pages answered at {url} while this chain ran. On a chain of your own (`make node`),")
    print("`impact serve` serves them at http://127.0.0.1:8000/ (the sites, /investor/0x…, /pool/N, /site/N).")
    if os.environ.get("IMPACT_DEMO_SERVE"):  # keep the chain and serve its pages until Ctrl-C
        port = os.environ["IMPACT_DEMO_SERVE"]
        print(f"serving the demo's pages at http://127.0.0.1:{port}/ until Ctrl-C", flush=True)
        try:
            subprocess.run(
                [sys.executable, "-m", "impact", "serve", "--port", port, *impact.node], env=env, cwd=ROOT, check=False
            )
        except KeyboardInterrupt:
            pass


def serve_once(env: dict[str, str], node: list[str], path: str) -> str:
    """Starts `impact serve` on a free port, reads one page as a browser would, stops it; the page's URL."""
    import time
    import urllib.request

    from impact.chain.localnode import free_port

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "impact", "serve", "--port", str(port), *node],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}{path}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=10) as page:
                    if page.status == 200 and b"What the money of" in page.read():
                        return url
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    why = server.stderr.read() if server.stderr else ""
                    raise SystemExit(f"impact serve did not answer: {why}") from None
                time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)


def standalone() -> None:
    """`python -m scripts.demo`: what `brownie run` does (load the project, start and stop the local chain)."""
    from brownie import project

    project.load(ROOT, name="GreenListImpactProject")
    network.connect("development")
    try:
        main()
    finally:
        network.disconnect()


if __name__ == "__main__":
    standalone()
