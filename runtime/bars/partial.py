"""Partial bars: one trade batch cut at the epoch-aligned window boundaries of an interval
into one partial bar per window it touches (numpy, no per-trade Python), and the merge of a
window's partials into its bar. Windowing then handles a few items per batch, not per trade.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from orderloom.runtime.events import TradeBatch


@dataclass(frozen=True, slots=True)
class PartialBar:
    """The trades of one batch that fall in window [start_ns, start_ns + interval_ns)."""

    instrument: str
    feed: str
    interval_ns: int
    start_ns: int
    first_ts_ns: int
    first_offset: int
    last_offset: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    notional: float  # sum of price * qty, for the vwap
    trades: int


def split_batch(batch: TradeBatch, interval_ns: int) -> list[PartialBar]:
    """Partial bars of `batch` in time order. Sanity guarantees a feed's timestamps never go
    backwards, so a window's trades are one contiguous run of the batch."""
    ts = batch.ts_ns
    n = len(ts)
    if n == 0:
        return []
    bucket = ts // interval_ns
    cuts = np.flatnonzero(bucket[1:] != bucket[:-1]) + 1
    starts = np.concatenate((np.zeros(1, np.int64), cuts))
    lasts = np.concatenate((cuts - 1, np.array([n - 1], np.int64)))
    price, qty = batch.price, batch.qty
    offsets = (
        batch.offsets if batch.offsets is not None else np.arange(n, dtype=np.int64) + batch.offset
    )
    instrument, feed = batch.instrument, batch.feed
    columns = zip(
        (bucket[starts] * interval_ns).tolist(),
        ts[starts].tolist(),
        offsets[starts].tolist(),
        offsets[lasts].tolist(),
        price[starts].tolist(),
        np.maximum.reduceat(price, starts).tolist(),
        np.minimum.reduceat(price, starts).tolist(),
        price[lasts].tolist(),
        np.add.reduceat(qty, starts).tolist(),
        np.add.reduceat(price * qty, starts).tolist(),
        (lasts - starts + 1).tolist(),
        strict=True,
    )
    return [PartialBar(instrument, feed, interval_ns, *fields) for fields in columns]


# a `bars` row: run_id, instrument, interval_s, start_ns, end_ns, feed, open, high, low,
# close, volume, vwap, trades, first_offset, last_offset
BarRow = tuple[Any, ...]


def merge_partials(run_id: str, partials: list[PartialBar]) -> BarRow:
    """The `bars` row of one window from its partials, taken in feed-offset order whatever
    order they arrived in, so the sums (and the row) are the same for any worker layout."""
    ordered = sorted(partials, key=lambda p: p.first_offset)
    first, last = ordered[0], ordered[-1]
    high, low, volume, notional, trades = first.high, first.low, 0.0, 0.0, 0
    for p in ordered:
        high = max(high, p.high)
        low = min(low, p.low)
        volume += p.volume
        notional += p.notional
        trades += p.trades
    vwap = notional / volume if volume > 0 else float("nan")
    return (
        run_id,
        first.instrument,
        first.interval_ns // 1_000_000_000,
        first.start_ns,
        first.start_ns + first.interval_ns,
        first.feed,
        first.open,
        high,
        low,
        last.close,
        volume,
        vwap,
        trades,
        first.first_offset,
        last.last_offset,
    )
