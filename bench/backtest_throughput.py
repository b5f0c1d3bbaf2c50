"""End-to-end backtest throughput: 1,000,000 replayed trades (seeded random walk, 10 ms
apart) through the `signal` EMA(10)/EMA(50)-cross pipeline into embedded ClickHouse.

Prints events/s for 1 process, 2 workers (threads) and 2 processes, the time to first
event, and the order count. Run: `make bench` or `.venv/bin/python bench/backtest_throughput.py
[--events N] [--sink URL]`. Reference on this workload (FIELD-NOTES/issue): NautilusTrader
1.221 ~61,000 events/s, backtrader ~20,000 events/s; target ≥ 250,000 events/s in one process.
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
PIPELINE = """\
orderloom: 1
name: bench-ema-cross
description: EMA(10)/EMA(50) cross on a seeded random walk.
instruments:
  BTC/USDT@sim: {{tick_size: 0.01, lot_size: 0.0001}}
venues:
  sim: {{kind: simulated, latency: 5ms, fees: {{maker: 1bps, taker: 5bps}}}}
feeds:
  trades:
    kind: replay
    path: {data}
    schema: trades
    instrument: BTC/USDT@sim
    batch_size: 20000
strategies:
  cross:
    kind: signal
    instrument: BTC/USDT@sim
    target: "if ema(last, 10) > ema(last, 50) then 0.01 else -0.01"
risk:
  max_position: {{BTC/USDT@sim: 1}}
routing:
  default: sim
sinks:
  analytics: {{kind: clickhouse}}
"""


def write_tape(path: Path, events: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    ts = START_NS + np.arange(events, dtype=np.int64) * 10_000_000
    price = np.round(40_000.0 + np.cumsum(rng.normal(0.0, 2.0, events)), 2)
    qty = np.round(rng.exponential(0.05, events) + 0.0001, 4)
    side = np.where(rng.random(events) < 0.5, 1, -1).astype(np.int8)
    table = pa.table({"ts_ns": ts, "price": price, "qty": qty, "side": side})
    pq.write_table(table, path, row_group_size=100_000)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--sink", default=None, help="default: a fresh chdb:// store in a temp dir")
    ap.add_argument("--only", choices=("1p", "2w", "2p"), action="append")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="orderloom-bench-"))
    data = work / "trades.parquet"
    write_tape(data, args.events)
    pipeline = work / "bench.yaml"
    pipeline.write_text(PIPELINE.format(data=data))
    sink = args.sink or f"chdb://{work / 'clickhouse'}"
    plan = orderloom.compile(pipeline)
    configs = {"1p": (1, 1), "2w": (2, 1), "2p": (1, 2)}
    print(f"{args.events:,} trades, sink {sink}")
    print(f"{'config':<22}{'events/s':>12}{'wall s':>9}{'first event s':>15}{'orders':>9}")
    for name in args.only or list(configs):
        workers, processes = configs[name]
        run_id = f"bench-{name}-{time.time_ns()}"
        summary = orderloom.run(plan, run_id, sink, workers=workers, processes=processes)
        label = {"1p": "1 process", "2w": "1 process, 2 workers", "2p": "2 processes"}[name]
        first = f"{summary.first_event_s:.3f}" if summary.first_event_s is not None else "-"
        print(
            f"{label:<22}{summary.events_per_s:>12,.0f}{summary.wall_s:>9.2f}{first:>15}"
            f"{summary.orders:>9,}"
        )
    print(
        run_query(
            sink,
            "SELECT run_id, events, orders, fills, round(pnl, 2) AS pnl FROM runs ORDER BY run_id",
            "table",
        )
    )


if __name__ == "__main__":
    main()
