"""Buy impact tokens of a pool on the active network.

brownie run scripts/buy.py main 1 10 --network sepolia      (pool 1, 10 tokens)
"""

import os

from scripts._cli import run


def main(pool: int, tokens: int) -> None:
    run("buy", "--pool", str(pool), "--tokens", str(tokens), "--account", os.environ.get("IMPACT_ACCOUNT", "env"))
