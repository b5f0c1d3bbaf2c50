"""Partial bars: a batch cut at epoch-aligned window boundaries (a trade exactly on a boundary
opens the next window), and a window's partials merged into the bar a plain-python pass over
the same trades gives, whatever order the partials come in."""

from __future__ import annotations

import random

import numpy as np
import pytest

from orderloom.runtime.bars.partial import PartialBar, merge_partials, split_batch
from orderloom.runtime.events import TradeBatch

SECOND = 1_000_000_000
MINUTE = 60 * SECOND


def batch(rows: list[tuple[int, float, float]], offset: int = 0) -> TradeBatch:
    ts, price, qty = zip(*rows, strict=True)
    return TradeBatch(
        "f",
        "BTC/USDT@sim",
        offset,
        np.array(ts, np.int64),
        np.array(price, np.float64),
        np.array(qty, np.float64),
        np.zeros(len(rows), np.int8),
    )


def by_hand(rows: list[tuple[int, float, float]], interval: int, offset: int = 0) -> list[tuple]:
    """(start, open, high, low, close, volume, notional, trades, first, last offset) per window."""
    out: dict[int, list] = {}
    for k, (ts, price, qty) in enumerate(rows):
        start = ts - ts % interval
        bar = out.setdefault(start, [start, price, price, price, price, 0.0, 0.0, 0, k, k])
        bar[2], bar[3], bar[4] = max(bar[2], price), min(bar[3], price), price
        bar[5] += qty
        bar[6] += price * qty
        bar[7] += 1
        bar[9] = k
    return [(*b[:8], b[8] + offset, b[9] + offset) for b in out.values()]


def fields(p: PartialBar) -> tuple:
    return (
        p.start_ns,
        p.open,
        p.high,
        p.low,
        p.close,
        p.volume,
        p.notional,
        p.trades,
        p.first_offset,
        p.last_offset,
    )


def test_a_batch_straddling_three_windows() -> None:
    """Trades at 0:59.9, 1:00.0 (on the boundary: next window), 1:30, 2:00.5 → windows
    0:00, 1:00 (two trades), 2:00."""
    t0 = 1_700_000_040 * SECOND  # a whole minute
    assert t0 % MINUTE == 0
    rows = [
        (t0 + 59_900_000_000, 10.0, 1.0),
        (t0 + MINUTE, 11.0, 2.0),
        (t0 + 90 * SECOND, 9.0, 0.5),
        (t0 + 120_500_000_000, 12.0, 4.0),
    ]
    parts = split_batch(batch(rows, offset=100), MINUTE)
    assert [fields(p) for p in parts] == [
        (t0, 10.0, 10.0, 10.0, 10.0, 1.0, 10.0, 1, 100, 100),
        (t0 + MINUTE, 11.0, 11.0, 9.0, 9.0, 2.5, 26.5, 2, 101, 102),
        (t0 + 2 * MINUTE, 12.0, 12.0, 12.0, 12.0, 4.0, 48.0, 1, 103, 103),
    ]
    assert [p.first_ts_ns for p in parts] == [rows[0][0], rows[1][0], rows[3][0]]


@pytest.mark.parametrize("interval", [SECOND, 5 * SECOND, MINUTE])
def test_random_batches_match_a_plain_python_pass(interval: int) -> None:
    rng = random.Random(interval)
    ts, rows = 1_700_000_000 * SECOND, []
    for _ in range(5000):
        ts += rng.choice((0, 3_000_000, 400_000_000, 2 * SECOND, 45 * SECOND))
        rows.append((ts, round(rng.uniform(90, 110), 2), round(rng.uniform(0.01, 3), 4)))
    got = split_batch(batch(rows, offset=7), interval)
    want = by_hand(rows, interval, offset=7)
    assert len(got) == len(want)
    for p, w in zip(got, want, strict=True):
        assert fields(p)[:5] == w[:5]
        assert p.volume == pytest.approx(w[5], rel=1e-12)
        assert p.notional == pytest.approx(w[6], rel=1e-12)
        assert (p.trades, p.first_offset, p.last_offset) == w[7:]


def test_dropped_rows_keep_their_feed_offsets() -> None:
    b = batch([(5 * SECOND, 1.0, 1.0), (6 * SECOND, 2.0, 1.0)], offset=0)
    b = TradeBatch(
        b.feed, b.instrument, 0, b.ts_ns, b.price, b.qty, b.side, offsets=np.array([3, 9], np.int64)
    )
    (part,) = split_batch(b, MINUTE)
    assert (part.first_offset, part.last_offset) == (3, 9)


def test_partials_of_a_window_merge_in_offset_order_whatever_their_arrival() -> None:
    """One minute cut over three batches (offsets 0-2, 3-5, 6-7): the merged row is the bar
    of all eight trades, for every arrival order."""
    t0 = 1_700_000_040 * SECOND
    rows = [
        (t0 + k * 5 * SECOND, p, q)
        for k, (p, q) in enumerate(
            [(10, 1), (12, 2), (8, 1), (9, 3), (15, 1), (11, 2), (7, 1), (10, 5)]
        )
    ]
    parts = [
        *split_batch(batch(rows[0:3], 0), MINUTE),
        *split_batch(batch(rows[3:6], 3), MINUTE),
        *split_batch(batch(rows[6:8], 6), MINUTE),
    ]
    volume = 1 + 2 + 1 + 3 + 1 + 2 + 1 + 5
    notional = 10 + 24 + 8 + 27 + 15 + 22 + 7 + 50
    want = (
        "r",
        "BTC/USDT@sim",
        60,
        t0,
        t0 + MINUTE,
        "f",
        10.0,
        15.0,
        7.0,
        10.0,
        float(volume),
        notional / volume,
        8,
        0,
        7,
    )
    for order in ([0, 1, 2], [2, 1, 0], [1, 2, 0]):
        assert merge_partials("r", [parts[i] for i in order]) == want
