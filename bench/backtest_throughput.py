"""End-to-end backtest throughput: 1,000,000 replayed trades (seeded random walk, 10 ms
apart) through the `signal` EMA(10)/EMA(50)-cross pipeline into embedded ClickHouse.

Prints events/s for 1 process, 2 workers (threads) and 2 processes, the time to first
event, and the order count, for two shapes of the same million trades: one instrument (one
strategy instance: a single keyed engine step, so a second process can only pipeline), and
two instruments of 500,000 trades each (two instances, which bytewax spreads over workers).

Run: `make bench` or `.venv/bin/python bench/backtest_throughput.py [--events N] [--sink URL]`.
Reference on this workload (issue 2): NautilusTrader 1.221 ~61,000 events/s, backtrader
~20,000 events/s; target ≥ 250,000 events/s end to end in one process.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import orderloom
from orderloom.runtime.sinks.query import run_query

START_NS = 1_704_067_200_000_000_000
HEADER = """\
orderloom: 1
name: bench-ema-cross-{n}
description: EMA(10)/EMA(50) cross on seeded random walks.
venues:
  sim: {{kind: simulated, latency: 5ms, fees: {{maker: 1bps, taker: 5bps}}}}
strategies:
  cross:
    kind: signal
    for_each: {{instrument: [{instruments}]}}
    instrument: ${{each.instrument}}
    target: "if ema(last, 10) > ema(last, 50) then 0.01 else -0.01"
routing:
  default: sim
sinks:
  analytics: {{kind: clickhouse}}
instruments:
"""
INSTRUMENT = "  {inst}: {{tick_size: 0.01, lot_size: 0.0001}}\n"
FEED = """\
  trades_{i}:
    kind: replay
    path: {data}
    schema: trades
    instrument: {inst}
    batch_size: 20000
"""


def write_tape(path: Path, events: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    ts = START_NS + np.arange(events, dtype=np.int64) * 10_000_000
    price = np.round(40_000.0 + np.cumsum(rng.normal(0.0, 2.0, events)), 2)
    qty = np.round(rng.exponential(0.05, events) + 0.0001, 4)
    side = np.where(rng.random(events) < 0.5, 1, -1).astype(np.int8)
    table = pa.table({"ts_ns": ts, "price": price, "qty": qty, "side": side})
    pq.write_table(table, path, row_group_size=100_000)


def write_pipeline(work: Path, events: int, n_instruments: int) -> Path:
    instruments = [f"X{i}/USDT@sim" for i in range(n_instruments)]
    text = HEADER.format(n=n_instruments, instruments=", ".join(instruments))
    text += "".join(INSTRUMENT.format(inst=inst) for inst in instruments)
    text += "feeds:\n"
    for i, inst in enumerate(instruments):
        data = work / f"trades_{n_instruments}_{i}.parquet"
        write_tape(data, events // n_instruments, seed=7 + i)
        text += FEED.format(i=i, data=data, inst=inst)
    path = work / f"bench_{n_instruments}.yaml"
    path.write_text(text)
    return path


CONFIGS = {"1p": (1, 1, "1 process"), "2w": (2, 1, "2 workers"), "2p": (1, 2, "2 processes")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--sink", default=None, help="default: a fresh chdb:// store in a temp dir")
    ap.add_argument("--only", choices=tuple(CONFIGS), action="append")
    ap.add_argument("--instruments", type=int, action="append", help="default: 1 and 2")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="orderloom-bench-"))
    sink = args.sink or f"chdb://{work / 'clickhouse'}"
    print(f"{args.events:,} trades 10 ms apart, EMA(10)/EMA(50) cross, sink {sink}")
    print(f"{'shape':<16}{'config':<14}{'events/s':>11}{'wall s':>9}{'first event s':>15}"
          f"{'orders':>9}")  # fmt: skip
    for n in args.instruments or [1, 2]:
        plan = orderloom.compile(write_pipeline(work, args.events, n))
        for name in args.only or list(CONFIGS):
            workers, processes, label = CONFIGS[name]
            run_id = f"bench-{n}i-{name}-{time.time_ns()}"
            summary = orderloom.run(plan, run_id, sink, workers=workers, processes=processes)
            first = f"{summary.first_event_s:.3f}" if summary.first_event_s is not None else "-"
            shape = f"{n} instrument{'s' if n > 1 else ''}"
            print(
                f"{shape:<16}{label:<14}{summary.events_per_s:>11,.0f}{summary.wall_s:>9.2f}"
                f"{first:>15}{summary.orders:>9,}"
            )
    print(
        run_query(
            sink,
            "SELECT pipeline, workers, processes, events, orders, fills, round(pnl, 2) AS pnl "
            "FROM runs ORDER BY pipeline, started_ns",
            "table",
        )
    )


if __name__ == "__main__":
    main()
