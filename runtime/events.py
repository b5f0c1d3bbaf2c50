"""Event records. Market data moves in columnar batches (numpy arrays, one batch per
source read) so the dataflow pays its per-item cost once per batch, not once per tick.

Sides are +1 (buy) / -1 (sell) / 0 (unknown aggressor). Timestamps are UTC nanoseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

Int64s = npt.NDArray[np.int64]
Float64s = npt.NDArray[np.float64]
Int8s = npt.NDArray[np.int8]

BUY = 1
SELL = -1


@dataclass(frozen=True, slots=True)
class TradeBatch:
    feed: str
    instrument: str
    offset: int  # feed offset (record number, 0-based) of the first row
    ts_ns: Int64s
    price: Float64s
    qty: Float64s
    side: Int8s
    offsets: Int64s | None = None  # per-row offsets when sanity dropped rows from the batch

    kind: Literal["trades"] = "trades"

    def __len__(self) -> int:
        return len(self.ts_ns)


@dataclass(frozen=True, slots=True)
class QuoteBatch:
    feed: str
    instrument: str
    offset: int
    ts_ns: Int64s
    bid_price: Float64s
    bid_qty: Float64s
    ask_price: Float64s
    ask_qty: Float64s
    offsets: Int64s | None = None

    kind: Literal["quotes"] = "quotes"

    def __len__(self) -> int:
        return len(self.ts_ns)


# BookBatch.action: a snapshot is one SNAPSHOT row (clears the book; side 0 carries no
# level, else its first level) followed by the snapshot's LEVEL rows, all with the snapshot's
# seq and ts_ns; a DELTA sets the size at (side, price), size 0 removing the level.
BOOK_DELTA = 0
BOOK_SNAPSHOT = 1
BOOK_LEVEL = 2


@dataclass(frozen=True, slots=True)
class BookBatch:
    """L2 book updates. A batch never ends inside a snapshot (readers hold an open snapshot
    back until it is complete), so a book is whole after every batch and every merge run."""

    feed: str
    instrument: str
    offset: int
    ts_ns: Int64s
    seq: Int64s
    action: Int8s  # BOOK_DELTA | BOOK_SNAPSHOT | BOOK_LEVEL
    side: Int8s  # +1 bid, -1 ask (0: a SNAPSHOT row without a level)
    price: Float64s
    qty: Float64s
    offsets: Int64s | None = None

    kind: Literal["book"] = "book"

    def __len__(self) -> int:
        return len(self.ts_ns)


MarketBatch = TradeBatch | QuoteBatch | BookBatch


@dataclass(frozen=True, slots=True)
class DeadLetter:
    feed: str
    offset: int
    ts_ns: int  # 0 when the record had no readable timestamp
    reason: str
    record: str  # the raw record, as text
