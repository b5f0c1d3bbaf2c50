"""Regenerates examples/data/btc_trades.csv.gz: 65 minutes of seeded BTC/USDT trades.

A random walk in log price with exponential inter-arrival times (mean 250 ms) and
exponential sizes, so the quickstart replays a realistic-looking, reproducible tape.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

START_NS = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z
SPAN_NS = 65 * 60 * 1_000_000_000


def main() -> None:
    rng = np.random.default_rng(20240101)
    gaps = rng.exponential(0.25e9, size=40_000).astype(np.int64) + 1_000_000
    ts = START_NS - 30_000_000_000 + np.cumsum(gaps)
    ts = ts[ts < START_NS + SPAN_NS]
    n = len(ts)
    steps = rng.normal(0.0, 0.00012, size=n)
    price = np.round(42_000.0 * np.exp(np.cumsum(steps)), 2)
    qty = np.round(rng.exponential(0.05, size=n) + 0.0001, 4)
    side = np.where(rng.random(n) < 0.5, "buy", "sell")
    out = Path(__file__).with_name("btc_trades.csv.gz")
    with gzip.open(out, "wt", compresslevel=9) as fh:
        fh.write("ts_ns,price,qty,side\n")
        for row in zip(ts.tolist(), price.tolist(), qty.tolist(), side.tolist(), strict=True):
            fh.write(f"{row[0]},{row[1]:.2f},{row[2]:.4f},{row[3]}\n")


if __name__ == "__main__":
    main()
