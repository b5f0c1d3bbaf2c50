"""Regenerates examples/data/btc_book.csv.gz: 5 minutes of seeded BTC/USDT L2 book updates.

A mid that walks by whole ticks, 10 levels a side around it, and random size changes near
the touch; the file holds a snapshot every minute and, between them, the deltas (removals
first, so the book never crosses) that turn one state of the book into the next. Columns:
ts_ns, seq, action (snapshot|delta), side (bid|ask), price, qty — see docs/books.md.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

START_NS = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z
SPAN_NS = 5 * 60 * 1_000_000_000
SNAPSHOT_EVERY_NS = 60 * 1_000_000_000
TICK = 0.1
LEVELS = 10


def book_around(mid_ticks: int, sizes: np.ndarray) -> dict[tuple[int, int], float]:
    """(side, price in ticks) -> size; the best bid is one tick under the mid."""
    book = {}
    for i in range(LEVELS):
        book[(1, mid_ticks - 1 - i)] = float(sizes[0, i])
        book[(-1, mid_ticks + 1 + i)] = float(sizes[1, i])
    return book


def rows() -> list[tuple[int, int, str, str, float, float]]:
    rng = np.random.default_rng(20240102)
    mid = 420_000  # in ticks: 42,000.0
    sizes = np.round(rng.exponential(0.5, size=(2, LEVELS)) + 0.01, 4)
    book = book_around(mid, sizes)
    out: list[tuple[int, int, str, str, float, float]] = []
    seq = 1000
    ts = START_NS
    next_snapshot = START_NS
    while ts < START_NS + SPAN_NS:
        if ts >= next_snapshot:
            seq += 1
            for (side, price), qty in sorted(book.items(), key=lambda kv: (-kv[0][0], kv[0][1])):
                out.append((ts, seq, "snapshot", "bid" if side > 0 else "ask", price * TICK, qty))
            next_snapshot += SNAPSHOT_EVERY_NS
        ts += int(rng.exponential(0.2e9)) + 1_000_000
        mid += int(rng.choice([-1, 0, 0, 0, 1]))
        touched = rng.random((2, LEVELS)) < np.linspace(0.5, 0.05, LEVELS)
        sizes = np.where(touched, np.round(rng.exponential(0.5, size=(2, LEVELS)) + 0.01, 4), sizes)
        new = book_around(mid, sizes)
        removed = [key for key in book if key not in new]
        changed = [key for key in new if book.get(key) != new[key]]
        for side, price in removed:
            seq += 1
            out.append((ts, seq, "delta", "bid" if side > 0 else "ask", price * TICK, 0.0))
        for side, price in changed:
            seq += 1
            out.append(
                (ts, seq, "delta", "bid" if side > 0 else "ask", price * TICK, new[(side, price)])
            )
        book = new
    return out


def main() -> None:
    out = Path(__file__).with_name("btc_book.csv.gz")
    with gzip.open(out, "wt", compresslevel=9) as fh:
        fh.write("ts_ns,seq,action,side,price,qty\n")
        for ts, seq, action, side, price, qty in rows():
            fh.write(f"{ts},{seq},{action},{side},{price:.1f},{qty}\n")


if __name__ == "__main__":
    main()
