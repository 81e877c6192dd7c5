"""Who signs: a Brownie keystore account, a private key from the environment or `.env`, or (on a local dev chain
only) one of the node's own accounts, whose key is derived from the node's well-known development mnemonic.

Every address a user gives is read by `parse_address`, which refuses a mixed-case address whose EIP-55 checksum is
wrong (all lower-case or all upper-case hex carries no checksum and is accepted)."""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values
from eth_account import Account
from eth_account.hdaccount import key_from_seed
from eth_account.hdaccount.mnemonic import Mnemonic
from eth_account.signers.local import LocalAccount
from eth_utils import is_checksum_address, is_hex_address
from web3 import Web3

from impact.chain.errors import UserError

PRIVATE_KEY_VAR = "PRIVATE_KEY"
PASSWORD_VAR = "IMPACT_KEYSTORE_PASSWORD"
# The mnemonic Anvil and Hardhat derive their dev accounts from unless told otherwise (Brownie's `development`
# network is an Anvil started without one); Brownie's Ganache networks name theirs in network-config.yaml.
DEFAULT_DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_PATH = "m/44'/60'/0'/0/{}"


@dataclass(frozen=True)
class Signer:
    """An address, with a local key (signs itself) or without one (the node's unlocked account)."""

    address: str
    key: LocalAccount | None = None
    no_key_reason: str | None = None  # why a signer without a key has none, for the error when one is needed


def load_signer(spec: str | None, w3: Web3, live: bool, network: str = "development") -> Signer:
    """Resolves `--account`.

    - `NAME`: Brownie keystore `~/.brownie/accounts/NAME.json`, password from $IMPACT_KEYSTORE_PASSWORD or a prompt;
    - `env` or nothing: $PRIVATE_KEY, from the environment or `./.env`;
    - `env:VAR`: the private key in $VAR;
    - `dev:N`: the local node's account N (development networks only), with its key derived from the node's
      development mnemonic when that derivation gives the node's own address (see `dev_signer`).
    """
    if spec and spec.startswith("dev:"):
        if live:
            raise UserError(
                "dev accounts exist only on a local development chain; use a keystore account or PRIVATE_KEY"
            )
        try:
            index = int(spec[4:])
            address = w3.eth.accounts[index]
        except (ValueError, IndexError):
            raise UserError(f"the node has no unlocked account '{spec}'") from None
        return dev_signer(index, Web3.to_checksum_address(address), dev_mnemonics(network))
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


def dev_mnemonics(network: str) -> list[str]:
    """The mnemonics a local node's dev accounts may come from, most likely first: the one Brownie's
    network-config gives this network, those of its other development networks, then Anvil's default."""
    from impact.chain.network import brownie_network_config

    configured = {
        entry.get("id"): (entry.get("cmd_settings") or {}).get("mnemonic")
        for entry in brownie_network_config().get("development", [])
    }
    ordered = [configured.get(network), *configured.values(), DEFAULT_DEV_MNEMONIC]
    return list(dict.fromkeys(str(m) for m in ordered if m))


def dev_signer(index: int, address: str, mnemonics: list[str]) -> Signer:
    """Dev account `index`, whose address the node reports as `address`, with its private key if one of
    `mnemonics` derives exactly that address at m/44'/60'/0'/0/index; without a key (the node signs its
    transactions, nothing else can be signed) otherwise."""
    for mnemonic in mnemonics:
        # Mnemonic.to_seed is plain BIP-39 (PBKDF2 of the phrase), as the nodes do; it does not insist on a
        # wordlist phrase, since Brownie's Ganache uses the one-word mnemonic "brownie".
        account = Account.from_key(key_from_seed(Mnemonic.to_seed(mnemonic, ""), DEV_PATH.format(index)))
        if account.address == address:
            return Signer(address=address, key=account)
    tried = " or ".join(f"'{m}'" for m in mnemonics)
    return Signer(
        address=address,
        no_key_reason=(
            f"dev:{index} is {address} on this node, which the development mnemonic {tried} does not derive, so "
            "its key is unknown: sign with --account NAME (keystore) or env[:VAR]"
        ),
    )


def parse_address(value: str, what: str = "address") -> str:
    """A checksummed address, or a UserError that names the bad input. A mixed-case address must carry a correct
    EIP-55 checksum; all lower-case or all upper-case hex has none and is accepted."""
    text = value.strip() if isinstance(value, str) else value
    if not isinstance(text, str) or not is_hex_address(text):
        raise UserError(f"'{value}' is not a valid {what}")
    body = text[2:]
    if body != body.lower() and body != body.upper() and not is_checksum_address(text):
        raise UserError(
            f"'{value}' is not a valid {what}: its mixed-case letters fail the EIP-55 checksum, so it probably has "
            "a typo (check it against where it came from)"
        )
    return Web3.to_checksum_address(text)
