"""Trace what an investor's money did on the active network.

brownie run scripts/trace.py main 0xInvestor --network sepolia
"""

from scripts._cli import run


def main(investor: str) -> None:
    run("trace", "--investor", investor)
