"""Who signs: a Brownie keystore account, a private key from the environment or `.env`, or (on a local dev chain
only) one of the node's own unlocked accounts."""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from impact.errors import UserError

PRIVATE_KEY_VAR = "PRIVATE_KEY"
PASSWORD_VAR = "IMPACT_KEYSTORE_PASSWORD"


@dataclass(frozen=True)
class Signer:
    """An address, with a local key (signs itself) or without one (the node's unlocked account)."""

    address: str
    key: LocalAccount | None = None


def load_signer(spec: str | None, w3: Web3, live: bool) -> Signer:
    """Resolves `--account`.

    - `NAME`: Brownie keystore `~/.brownie/accounts/NAME.json`, password from $IMPACT_KEYSTORE_PASSWORD or a prompt;
    - `env` or nothing: $PRIVATE_KEY, from the environment or `./.env`;
    - `env:VAR`: the private key in $VAR;
    - `dev:N`: the local node's unlocked account N (development networks only).
    """
    if spec and spec.startswith("dev:"):
        if live:
            raise UserError(
                "dev accounts exist only on a local development chain; use a keystore account or PRIVATE_KEY"
            )
        try:
            return Signer(address=w3.eth.accounts[int(spec[4:])])
        except (ValueError, IndexError):
            raise UserError(f"the node has no unlocked account '{spec}'") from None
    if not spec or spec == "env" or spec.startswith("env:"):
        var = spec[4:] if spec and spec.startswith("env:") else PRIVATE_KEY_VAR
        key = os.environ.get(var) or dotenv_values(".env").get(var)
        if not key:
            raise UserError(
                f"no account: pass --account NAME (Brownie keystore) or set {var} in the environment or .env"
            )
        return _from_key(key, f"${var}")
    return _from_keystore(spec)


def _from_key(key: str, where: str) -> Signer:
    try:
        account = Account.from_key(key.strip())
    except (ValueError, TypeError):
        raise UserError(f"{where} is not a valid private key") from None
    return Signer(address=account.address, key=account)


def _from_keystore(name: str) -> Signer:
    path = Path.home() / ".brownie" / "accounts" / f"{name}.json"
    if not path.exists():
        raise UserError(f"no keystore account '{name}' (add one with `brownie accounts new {name}`)")
    password = os.environ.get(PASSWORD_VAR)
    if password is None:
        password = getpass.getpass(f"password for keystore account '{name}': ")
    try:
        key = Account.decrypt(json.loads(path.read_text()), password)
    except ValueError:
        raise UserError(f"wrong password for keystore account '{name}'") from None
    account = Account.from_key(key)
    return Signer(address=account.address, key=account)


def parse_address(value: str, what: str = "address") -> str:
    """A checksummed address, or a UserError that names the bad input."""
    if not Web3.is_address(value):
        raise UserError(f"'{value}' is not a valid {what}")
    return Web3.to_checksum_address(value)
