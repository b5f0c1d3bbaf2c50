"""Read throughput of the feed readers (parse + sanity, no dataflow): 1M trades from a gzip CSV
and from Parquet, and 1M synthetic trades. Prints rows/s; run `python bench/feed_read.py
[rows] [batch_size]`."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from orderloom.dsl.kinds.replay import ReplayParams
from orderloom.dsl.kinds.synthetic import SyntheticParams
from orderloom.dsl.plan import Feed
from orderloom.runtime.feeds import open_feed

START_NS = 1_704_067_200_000_000_000


def tape(rows: int) -> pa.Table:
    rng = np.random.default_rng(1)
    return pa.table(
        {
            "ts_ns": START_NS + np.cumsum(rng.integers(1, 100_000_000, rows)),
            "price": np.round(42_000 * np.exp(np.cumsum(rng.normal(0, 1e-4, rows))), 2),
            "qty": np.round(rng.exponential(0.05, rows) + 1e-4, 4),
            "side": np.where(rng.random(rows) < 0.5, "buy", "sell"),
        }
    )


def measure(feed: Feed) -> tuple[int, int, float]:
    """(good rows, dead letters, seconds) for one full read, best of three."""
    best = float("inf")
    good = dead = 0
    for _ in range(3):
        started = time.perf_counter()
        good = dead = 0
        with open_feed(feed) as reader:
            for batch, letters in reader:
                good += len(batch) if batch is not None else 0
                dead += len(letters)
        best = min(best, time.perf_counter() - started)
    return good, dead, best


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    batch_size = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    table = tape(rows)
    with tempfile.TemporaryDirectory() as folder:
        gz = Path(folder) / "trades.csv.gz"
        with pa.CompressedOutputStream(str(gz), "gzip") as out:
            pcsv.write_csv(table, out)
        parquet = Path(folder) / "trades.parquet"
        pq.write_table(table, parquet)
        feeds = {
            "gzip CSV": ReplayParams(str(gz), "csv.gz", batch_size=batch_size),
            "Parquet": ReplayParams(str(parquet), "parquet", batch_size=batch_size),
            "synthetic": SyntheticParams(
                "gbm", 1, 42_000.0, 0.0, 0.5, 100_000_000, START_NS, rows, batch_size=batch_size
            ),
        }
        print(f"{rows:,} trades, batch_size {batch_size:,} (best of 3)")
        for label, params in feeds.items():
            kind = "synthetic" if isinstance(params, SyntheticParams) else "replay"
            feed = Feed(label, kind, "BTC/USDT@sim", "trades", params)
            good, dead, seconds = measure(feed)
            size = ""
            if isinstance(params, ReplayParams):
                size = f", file {Path(params.path).stat().st_size / 1e6:.1f} MB"
            print(
                f"  {label:<10} {good + dead:>10,} rows in {seconds:6.3f} s = "
                f"{(good + dead) / seconds / 1e6:5.2f} M rows/s{size}"
            )


if __name__ == "__main__":
    main()
