"""Regenerates examples/data/arb_binance_quotes.csv.gz and arb_okx_quotes.csv.gz: 15 minutes
of seeded BTC/USDT top-of-book quotes on two venues, for the cross-venue arbitrage pipeline.

Both venues quote one common mid (a random walk in log price) plus a venue basis that mean
reverts within a second or two; about every 20 s one venue's basis jumps 15 to 45 bps, the
dislocations an arbitrage looks for. Each venue updates at its own exponential times (mean
150 ms), 1 bps wide, with exponential sizes, so a leg's quote can move while an order flies.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

START_NS = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z
SPAN_NS = 15 * 60 * 1_000_000_000
STEP_NS = 10_000_000  # the common mid and bases evolve on a 10 ms grid
VENUES = ("binance", "okx")


def main() -> None:
    rng = np.random.default_rng(20240102)
    grid = START_NS + np.arange(0, SPAN_NS, STEP_NS, dtype=np.int64)
    n = len(grid)
    mid = 42_000.0 * np.exp(np.cumsum(rng.normal(0.0, 0.00003, size=n)))
    basis = np.zeros((len(VENUES), n))
    decay = np.exp(-STEP_NS / 0.8e9)  # bases revert with a 0.8 s time constant
    jumps = rng.random(n) < STEP_NS / 20e9
    jump_venue = rng.integers(0, len(VENUES), size=n)
    jump_bps = rng.uniform(15.0, 45.0, size=n) * np.where(rng.random(n) < 0.5, -1.0, 1.0)
    noise = rng.normal(0.0, 0.3, size=(len(VENUES), n))
    for k in range(1, n):
        basis[:, k] = basis[:, k - 1] * decay + noise[:, k] * (1 - decay)
        if jumps[k]:
            basis[jump_venue[k], k] += jump_bps[k]
    for v, name in enumerate(VENUES):
        gaps = rng.exponential(150e6, size=2 * SPAN_NS // 150_000_000).astype(np.int64) + 1_000_000
        ts = START_NS + np.cumsum(gaps)
        ts = ts[ts < START_NS + SPAN_NS]
        at = (ts - START_NS) // STEP_NS
        venue_mid = mid[at] * (1.0 + basis[v, at] * 1e-4)
        bid = np.floor(venue_mid * (1 - 0.5e-4) * 100) / 100
        ask = np.maximum(np.ceil(venue_mid * (1 + 0.5e-4) * 100) / 100, bid + 0.01)
        bid_qty = np.round(rng.exponential(0.4, size=len(ts)) + 0.001, 4)
        ask_qty = np.round(rng.exponential(0.4, size=len(ts)) + 0.001, 4)
        out = Path(__file__).with_name(f"arb_{name}_quotes.csv.gz")
        with gzip.open(out, "wt", compresslevel=9) as fh:
            fh.write("ts_ns,bid,ask,bid_qty,ask_qty\n")
            rows = zip(
                ts.tolist(),
                bid.tolist(),
                ask.tolist(),
                bid_qty.tolist(),
                ask_qty.tolist(),
                strict=True,
            )
            for t, b, a, bq, aq in rows:
                fh.write(f"{t},{b:.2f},{a:.2f},{bq:.4f},{aq:.4f}\n")


if __name__ == "__main__":
    main()
