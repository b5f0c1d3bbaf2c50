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


MarketBatch = TradeBatch | QuoteBatch


@dataclass(frozen=True, slots=True)
class DeadLetter:
    feed: str
    offset: int
    ts_ns: int  # 0 when the record had no readable timestamp
    reason: str
    record: str  # the raw record, as text
