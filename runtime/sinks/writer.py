"""Analytics writes off the hot path: a background thread coalesces small row lists per table
and small market batches per feed into large inserts, behind a bounded buffer.

A full buffer blocks the producer (back-pressure: nothing is ever dropped). A failure in the
writer thread stops it and is raised in the producer on its next put, flush or close.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from types import TracebackType
from typing import TypeAlias

import numpy as np

from orderloom.runtime.events import BookBatch, MarketBatch, QuoteBatch, TradeBatch
from orderloom.runtime.sinks.arrow import row_offsets
from orderloom.runtime.sinks.base import Row, RowSink

# ("rows", table) or ("market", run_id, kind, feed, instrument): what can share one insert.
GroupKey: TypeAlias = tuple[str, ...]
Payload: TypeAlias = Sequence[Row] | MarketBatch


@dataclass
class _Group:
    first_put_s: float
    rows: int = 0
    row_lists: list[Sequence[Row]] = field(default_factory=list)
    batches: list[MarketBatch] = field(default_factory=list)


def concat_market(batches: Sequence[MarketBatch]) -> MarketBatch:
    """One batch from several of the same feed and kind, with explicit per-row offsets."""
    first = batches[0]
    if len(batches) == 1:
        return first
    offsets = np.concatenate([row_offsets(b) for b in batches]).astype(np.int64)

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(b, name) for b in batches])

    start = int(offsets[0])
    if isinstance(first, BookBatch):
        return BookBatch(
            first.feed, first.instrument, start, cat("ts_ns"), cat("seq"), cat("action"),
            cat("side"), cat("price"), cat("qty"), offsets,
        )  # fmt: skip
    if isinstance(first, TradeBatch):
        return TradeBatch(
            first.feed, first.instrument, start,
            cat("ts_ns"), cat("price"), cat("qty"), cat("side"), offsets,
        )  # fmt: skip
    return QuoteBatch(
        first.feed, first.instrument, start,
        cat("ts_ns"), cat("bid_price"), cat("bid_qty"), cat("ask_price"), cat("ask_qty"), offsets,
    )  # fmt: skip


class BatchWriter:
    """Buffers puts and writes them to `store` from a background thread.

    A group (one table, or one feed's trades or quotes) is written once it holds `flush_rows`
    rows or its oldest part is `flush_interval_ms` old; `flush()` and `close()` write all.
    At most `max_pending_rows` rows are accepted but not yet written; a put beyond that
    blocks until the writer catches up (a single put larger than the bound is admitted
    when nothing else is pending). Lists and batches passed to put are owned by the writer
    from then on: do not mutate them.
    """

    def __init__(
        self,
        store: RowSink,
        max_pending_rows: int = 1_000_000,
        flush_rows: int = 100_000,
        flush_interval_ms: float = 250.0,
    ) -> None:
        if max_pending_rows < 1 or flush_rows < 1 or flush_interval_ms < 0:
            raise ValueError("max_pending_rows and flush_rows must be ≥ 1, the interval ≥ 0")
        self._store = store
        self._max_pending = max_pending_rows
        self._flush_rows = flush_rows
        self._interval_s = flush_interval_ms / 1000.0
        self._cond = threading.Condition()
        self._queue: deque[tuple[GroupKey, Payload, int]] = deque()
        self._pending = 0
        self._written = 0
        self._flush_requested = 0
        self._flush_done = 0
        self._closing = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="orderloom-sink-writer", daemon=True)
        self._thread.start()

    # -- producer side ----------------------------------------------------------------------

    @property
    def pending_rows(self) -> int:
        """Rows accepted but not yet written."""
        with self._cond:
            return self._pending

    @property
    def rows_written(self) -> int:
        with self._cond:
            return self._written

    def put_rows(self, table: str, rows: Sequence[Row]) -> None:
        """Rows as tuples in the table's column order (see `tables.py`)."""
        if rows:
            self._put(("rows", table), rows, len(rows))

    def put_market(self, run_id: str, batch: MarketBatch) -> None:
        if len(batch):
            key = ("market", run_id, batch.kind, batch.feed, batch.instrument)
            self._put(key, batch, len(batch))

    def _put(self, key: GroupKey, payload: Payload, n: int) -> None:
        with self._cond:
            self._check()
            while self._pending and self._pending + n > self._max_pending:
                self._cond.wait()
                self._check()
            self._queue.append((key, payload, n))
            self._pending += n
            self._cond.notify_all()

    def flush(self) -> None:
        """Block until everything put so far is written."""
        with self._cond:
            self._check()
            self._flush_requested += 1
            target = self._flush_requested
            self._cond.notify_all()
            while self._flush_done < target and self._error is None:
                self._cond.wait()
            self._check()

    def close(self) -> None:
        """Write everything, stop the thread; raise the writer's failure if it had one."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _check(self) -> None:
        if self._error is not None:
            raise self._error
        if self._closing:
            raise RuntimeError("the analytics writer is closed")

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- writer thread ----------------------------------------------------------------------

    def _run(self) -> None:
        groups: dict[GroupKey, _Group] = {}
        while True:
            with self._cond:
                while not (self._queue or self._closing or self._flushing()):
                    wait_s = self._due_in(groups)
                    if wait_s is not None and wait_s <= 0:
                        break
                    self._cond.wait(wait_s)
                items = list(self._queue)
                self._queue.clear()
                flush_target = self._flush_requested
                closing = self._closing
            now = time.monotonic()
            for key, payload, n in items:
                group = groups.get(key)
                if group is None:
                    group = groups[key] = _Group(now)
                if isinstance(payload, TradeBatch | QuoteBatch | BookBatch):
                    group.batches.append(payload)
                else:
                    group.row_lists.append(payload)
                group.rows += n
            force = closing or flush_target > self._flush_done
            try:
                written = self._write_due(groups, now, force)
            except BaseException as exc:  # raised to the producer: nothing may vanish silently
                with self._cond:
                    self._error = exc
                    self._cond.notify_all()
                return
            with self._cond:
                self._pending -= written
                self._written += written
                if force:
                    self._flush_done = max(self._flush_done, flush_target)
                self._cond.notify_all()
                if closing and not self._queue:
                    return

    def _flushing(self) -> bool:
        return self._flush_requested > self._flush_done

    def _due_in(self, groups: dict[GroupKey, _Group]) -> float | None:
        if not groups:
            return None
        oldest = min(g.first_put_s for g in groups.values())
        return oldest + self._interval_s - time.monotonic()

    def _write_due(self, groups: dict[GroupKey, _Group], now: float, force: bool) -> int:
        written = 0
        for key in list(groups):
            group = groups[key]
            if (
                force
                or group.rows >= self._flush_rows
                or now - group.first_put_s >= self._interval_s
            ):
                self._write(key, group)
                written += group.rows
                del groups[key]
        return written

    def _write(self, key: GroupKey, group: _Group) -> None:
        if group.batches:
            self._store.insert_market(key[1], concat_market(group.batches))
        else:
            lists = group.row_lists
            rows = lists[0] if len(lists) == 1 else list(chain.from_iterable(lists))
            self._store.insert_rows(key[1], rows)
