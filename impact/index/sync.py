"""Syncing the index with the chain: every log of the deployment's three contracts since the last synced block, in
chunks that adapt to the node, each chunk and the cursor committed in one transaction.

Why it is safe:
- killed at any moment, the index holds whole chunks up to its cursor and nothing after it; the next sync goes on
  from there and ends with the same tables as a sync never interrupted (the tables do not depend on where chunks
  were cut);
- reorganisations: the index keeps the hash of its head and of every block holding our logs. A sync first compares
  the head's hash with the node's (one request when nothing changed, since a block's hash commits to every block
  before it); when it changed, the newest stored block the node still has is the fork point, everything after it is
  forgotten in one transaction and synced again. Within a chunk, the end block's hash is read before the logs and
  again after them, and each log's block hash must be the header's: a chain that moves during the chunk makes the
  sync start over rather than store a mixture;
- blocks at least `confirmations` deep are marked final; newer ones are stored, marked unconfirmed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from tqdm import tqdm

from impact.chain.errors import UserError
from impact.chain.logs import _refused_as_too_large
from impact.index.database import Chunk, EventIndex

MAX_CHUNK = 100_000  # blocks per eth_getLogs at most (as LogFetcher)
TARGET_LOGS = 5_000  # a chunk returning more than this halves the next; far fewer doubles it
ATTEMPTS = 8  # times a sync starts over because the chain moved under it, before giving up


class _ChainMoved(Exception):
    """The chain changed while a chunk was being fetched: start over from the cursor."""


@dataclass
class SyncReport:
    where: str
    first: int  # the first block this sync fetched
    synced_to: int
    head: int
    final_to: int
    logs: int = 0
    blocks_with_logs: int = 0
    requests: int = 0
    seconds: float = 0.0
    rolled_back_to: int | None = None
    skipped: bool = False  # another sync held the lock and the caller would not wait

    @property
    def blocks(self) -> int:
        return max(0, self.synced_to - self.first + 1)


@dataclass
class Syncer:
    index: EventIndex
    confirmations: int = 0
    chunk: int = MAX_CHUNK
    progress: bool = False
    notify: Callable[[str], None] = field(default=lambda message: print(message, file=sys.stderr))
    requests: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.w3 = self.index.w3
        self.addresses = sorted(self.index.contract_of)
        self._size = max(1, self.chunk)
        self._ceiling = self._size + 1  # sizes the node refused are never tried again

    # -- entry ---------------------------------------------------------------------------------------------

    def sync(self, wait: bool = True) -> SyncReport:
        """Brings the index up to the node's head. With `wait=False`, returns at once (`skipped`) if another
        sync of this index is running."""
        store = self.index.store
        with store.sync_lock(wait=False) as got:
            if got:
                return self._sync()
        if not wait:
            state = self.index.state()
            return SyncReport(store.where, state.synced_to + 1, state.synced_to, -1, state.final_to, skipped=True)
        self.notify(f"another sync of {store.where} is running: waiting for it to finish")
        with store.sync_lock(wait=True):
            return self._sync()

    def _sync(self) -> SyncReport:
        started = time.perf_counter()
        first_state = self.index.state()
        report = SyncReport(
            self.index.store.where, first_state.synced_to + 1, first_state.synced_to, -1, first_state.final_to
        )
        for _ in range(ATTEMPTS):
            try:
                self._catch_up(report)
                break
            except _ChainMoved:
                continue
            except _RpcError as exc:
                raise UserError(f"the node refused a request of the sync of {self.index.store.where}: {exc}") from None
            except (OSError, requests.RequestException) as exc:
                raise UserError(
                    f"the node stopped answering during the sync of {self.index.store.where}: {exc}"
                ) from None
        else:
            raise UserError(
                f"the chain kept changing while {self.index.store.where} was syncing ({ATTEMPTS} attempts): "
                "try again later"
            )
        state = self.index.state()
        report.synced_to, report.final_to = state.synced_to, state.final_to
        report.requests, report.seconds = self.requests, time.perf_counter() - started
        return report

    # -- the walk ------------------------------------------------------------------------------------------

    def _catch_up(self, report: SyncReport) -> None:
        state = self.index.state()
        head = self._block("latest")
        top = int(head["number"], 16)
        report.head = top
        synced_anything = state.synced_to >= self.index.start
        if synced_anything and (top < state.synced_to or (top == state.synced_to and _hash(head) != state.head_hash)):
            self._roll_back(report)
            raise _ChainMoved
        cursor, parent_hash, final_to, final_hash = (
            state.synced_to + 1,
            state.head_hash,
            state.final_to,
            state.final_hash,
        )
        report.first = min(report.first, cursor)
        total = top - cursor + 1
        with tqdm(
            total=max(total, 0),
            unit="block",
            file=sys.stderr,
            disable=not self.progress or total <= self._size,
            desc="indexing",
            leave=False,
        ) as bar:
            while cursor <= top:
                end = min(cursor + self._size - 1, top)
                # Before the logs: the end block's hash, and the first block's parent, which must be our head.
                wanted = sorted({cursor, end} - ({top} if end == top else set()))
                before = {top: head} if end == top else {}
                before.update(self._blocks(wanted))
                if parent_hash is not None and _hex(before[cursor]["parentHash"]) != parent_hash:
                    self._roll_back(report)
                    raise _ChainMoved
                logs = self._logs(cursor, end)
                if logs is None:  # refused as too large: smaller chunks
                    continue
                new_final = min(end, top - self.confirmations)
                holding = sorted({log["blockNumber"] for log in logs})
                extra = [new_final] if new_final > final_to else []
                after = self._blocks(sorted({*holding, end, *extra}))
                if _hash(after[end]) != _hash(before[end]) or any(
                    _hex(log["blockHash"]) != _hash(after[log["blockNumber"]]) for log in logs
                ):
                    raise _ChainMoved
                if new_final > final_to:
                    final_to, final_hash = new_final, _hash(after[new_final])
                chunk = Chunk(
                    first=cursor,
                    last=end,
                    last_hash=_hash(after[end]),
                    final_to=final_to,
                    final_hash=final_hash,
                    logs=logs,
                    blocks={n: (_hash(after[n]), int(after[n]["timestamp"], 16)) for n in holding},
                )
                self.index.commit(chunk)
                report.logs += len(logs)
                report.blocks_with_logs += len(holding)
                bar.update(end - cursor + 1)
                cursor, parent_hash = end + 1, chunk.last_hash
        self._advance_final(top)

    def _advance_final(self, top: int) -> None:
        """Marks final what is now `confirmations` deep, also when no block came (the head moved on since, or
        fewer confirmations are asked for). The head's hash is read in the same batch: if it is still ours, the
        block read beside it is the ancestor we synced."""
        state = self.index.state()
        new_final = min(state.synced_to, top - self.confirmations)
        if new_final <= state.final_to or new_final < self.index.start:
            return
        headers = self._blocks(sorted({new_final, state.synced_to}))
        if _hash(headers[state.synced_to]) != state.head_hash:
            raise _ChainMoved
        self.index.mark_final(new_final, _hash(headers[new_final]))

    def _roll_back(self, report: SyncReport) -> None:
        """Finds the newest block the index and the node agree on and forgets everything after it."""
        state = self.index.state()
        top = int(self._block("latest")["number"], 16)
        below = min(state.synced_to, top)
        final = (state.final_to, state.final_hash) if state.final_hash is not None and state.final_to <= below else None
        while True:
            stored = self.index.stored_blocks(below, 64)
            batch = set(stored)
            if final is not None and (not stored or final[0] >= stored[-1][0]):
                batch.add(final)  # checked in its turn, newest first, with the stored blocks around it
                final = None
            if not batch:
                fork: tuple[int, str | None] = (self.index.start - 1, None)
                break
            ordered = sorted(batch, reverse=True)
            node = self._blocks([n for n, _ in ordered])
            match = next(((n, h) for n, h in ordered if _hash(node[n]) == h), None)
            if match is not None:
                fork = match
                break
            below = ordered[-1][0] - 1
        number, fork_hash = fork
        deeper = " (deeper than the blocks counted as final)" if number < state.final_to else ""
        self.notify(
            f"the chain changed under the index {self.index.store.where}: blocks after {number} were replaced"
            f"{deeper}; syncing again from block {number + 1}"
        )
        # What is final now: never more than before, than the fork, or than `confirmations` below the new head.
        final_to = min(state.final_to, number, top - self.confirmations)
        if final_to < self.index.start:
            final_to, final_hash = self.index.start - 1, None
        elif final_to == number:
            final_hash = fork_hash
        else:
            final_hash = _hash(self._block(final_to))
        self.index.rollback_to(number, fork_hash, final_to, final_hash)
        report.rolled_back_to = number if report.rolled_back_to is None else min(report.rolled_back_to, number)
        report.first = min(report.first, number + 1)

    # -- JSON-RPC ------------------------------------------------------------------------------------------

    def _rpc(self, method: str, params: list[Any]) -> Any:
        self.requests += 1
        reply = self.w3.provider.make_request(method, params)
        if "error" in reply:
            raise _RpcError(str(reply["error"].get("message", reply["error"])))
        return reply["result"]

    def _block(self, number: int | str) -> dict[str, Any]:
        tag = number if isinstance(number, str) else hex(number)
        block = self._rpc("eth_getBlockByNumber", [tag, False])
        if block is None:
            raise _ChainMoved
        return block

    def _blocks(self, numbers: list[int]) -> dict[int, dict[str, Any]]:
        """Headers of `numbers`, in one JSON-RPC batch."""
        if not numbers:
            return {}
        if len(numbers) == 1:
            return {numbers[0]: self._block(numbers[0])}
        found: dict[int, dict[str, Any]] = {}
        for k in range(0, len(numbers), 500):
            part = numbers[k : k + 500]
            self.requests += 1
            replies = self.w3.provider.make_batch_request([("eth_getBlockByNumber", [hex(n), False]) for n in part])
            if isinstance(replies, dict):  # the whole batch was refused
                raise _RpcError(str(replies.get("error", replies)))
            for number, reply in zip(part, sorted(replies, key=lambda r: r["id"]), strict=True):
                if "error" in reply:
                    raise _RpcError(str(reply["error"].get("message", reply["error"])))
                if reply["result"] is None:
                    raise _ChainMoved
                found[number] = reply["result"]
        return found

    def _logs(self, first: int, last: int) -> list[dict[str, Any]] | None:
        """Every log of our contracts in first..last, or None if the node refused the range as too large (the
        next chunk is then half as long)."""
        try:
            raw = self._rpc("eth_getLogs", [{"address": self.addresses, "fromBlock": hex(first), "toBlock": hex(last)}])
        except _RpcError as exc:
            if self._size > 1 and _refused_as_too_large(exc):
                self._ceiling = min(self._ceiling, self._size)
                self._size = max(1, self._size // 2)
                return None
            raise UserError(f"the node refused the logs of blocks {first}–{last}: {exc}") from None
        if len(raw) > TARGET_LOGS:
            self._size = max(1, self._size // 2)
        elif len(raw) < TARGET_LOGS // 4:
            self._size = min(self.chunk, self._size * 2, self._ceiling - 1)
        return [_log(entry) for entry in raw]


class _RpcError(Exception):
    pass


def _hex(value: Any) -> str:
    return value.lower() if isinstance(value, str) else "0x" + bytes(value).hex()


def _hash(block: dict[str, Any]) -> str:
    return _hex(block["hash"])


def _log(entry: dict[str, Any]) -> dict[str, Any]:
    """A raw JSON-RPC log with the types web3 gives its own logs' fields (bytes, ints), without web3's per-log
    formatting cost. The address stays as the node wrote it; the index stores it in lower case."""
    return {
        "address": entry["address"],
        "topics": [bytes.fromhex(t[2:]) for t in entry["topics"]],
        "data": bytes.fromhex(entry["data"][2:]),
        "blockNumber": int(entry["blockNumber"], 16),
        "blockHash": entry["blockHash"].lower(),
        "transactionHash": bytes.fromhex(entry["transactionHash"][2:]),
        "transactionIndex": int(entry["transactionIndex"], 16),
        "logIndex": int(entry["logIndex"], 16),
    }
