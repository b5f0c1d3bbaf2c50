"""Trades/s through the dataflow's bars branch (runtime/bars/): 1,000,000 trades 10 ms apart
in batches of 10,000, cut into partial bars and merged by bytewax event-time windows, for
1s bars, 1m bars and four intervals at once; and, for comparison, the same windows fed one
trade per item (what plain bytewax windowing would do) on 200,000 trades.

Run: `.venv/bin/python bench/bars.py [--trades N]`. One worker, no sink (rows are counted).
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

import bytewax.operators as op
import numpy as np
from bytewax.dataflow import Dataflow
from bytewax.operators.windowing import EventClock, TumblingWindower, fold_window
from bytewax.testing import TestingSink, TestingSource, run_main

from orderloom.dsl.plan import Feed, Plan
from orderloom.runtime.bars.flow import EPOCH, bar_stream
from orderloom.runtime.events import TradeBatch

START_NS = 1_704_067_200_000_000_000
SECOND = 1_000_000_000
BTC = "BTC/USDT@sim"


def batches(trades: int, size: int = 10_000) -> list[TradeBatch]:
    rng = np.random.default_rng(1)
    ts = START_NS + np.arange(trades, dtype=np.int64) * 10_000_000
    price = 42_000 * np.exp(np.cumsum(rng.normal(0, 1e-4, trades)))
    qty = rng.uniform(0.001, 1, trades)
    side = np.where(rng.random(trades) < 0.5, 1, -1).astype(np.int8)
    return [
        TradeBatch(
            "f",
            BTC,
            k,
            ts[k : k + size],
            price[k : k + size],
            qty[k : k + size],
            side[k : k + size],
        )
        for k in range(0, trades, size)
    ]


def through_branch(data: list[TradeBatch], intervals_s: tuple[int, ...]) -> tuple[float, int]:
    feed = Feed("f", "replay", BTC, "trades", None, bars_ns=tuple(s * SECOND for s in intervals_s))
    plan = Plan("bench", "", "bench.yaml", (), (), (feed,), (), ())
    flow = Dataflow("bars_bench")
    market = op.input("in", flow, TestingSource(data))
    stream = bar_stream(plan, "bench", market)
    assert stream is not None
    out: list = []
    op.output("out", stream, TestingSink(out))
    started = time.perf_counter()
    run_main(flow)
    return time.perf_counter() - started, sum(len(rows) for _, rows in out)


def per_trade(data: list[TradeBatch], interval_s: int) -> tuple[float, int]:
    """Every trade its own item: the windowing operator's per-item cost on every tick."""
    items = [
        (BTC, (ts, p, q))
        for b in data
        for ts, p, q in zip(b.ts_ns.tolist(), b.price.tolist(), b.qty.tolist(), strict=True)
    ]
    flow = Dataflow("bars_per_trade")
    keyed = op.input("in", flow, TestingSource(items))
    windows = fold_window(
        "w",
        keyed,
        EventClock(
            lambda t: EPOCH + timedelta(microseconds=t[0] // 1000),
            timedelta(0),
            now_getter=lambda: EPOCH,
            to_system_utc=lambda _t: None,
        ),
        TumblingWindower(timedelta(seconds=interval_s), EPOCH),
        lambda: [float("nan"), -1e300, 1e300, 0.0, 0.0, 0.0, 0],
        _fold_trade,
        lambda a, b: a,
    )
    out: list = []
    op.output("out", windows.down, TestingSink(out))
    started = time.perf_counter()
    run_main(flow)
    return time.perf_counter() - started, len(out)


def _fold_trade(bar: list, trade: tuple[int, float, float]) -> list:
    _, price, qty = trade
    if bar[0] != bar[0]:
        bar[0] = price
    bar[1] = max(bar[1], price)
    bar[2] = min(bar[2], price)
    bar[3] = price
    bar[4] += qty
    bar[5] += price * qty
    bar[6] += 1
    return bar


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trades", type=int, default=1_000_000)
    args = parser.parse_args()
    data = batches(args.trades)
    print(f"bars branch, {args.trades:,} trades in batches of 10,000 (1 worker):")
    for intervals in ((1,), (60,), (1, 60, 300, 3600)):
        seconds, rows = through_branch(data, intervals)
        label = "+".join(f"{s}s" for s in intervals)
        print(f"  {label:>16}: {args.trades / seconds:>12,.0f} trades/s  ({rows:,} bars)")
    small = batches(min(args.trades, 200_000))
    n = sum(len(b) for b in small)
    for interval in (1, 60):
        seconds, rows = per_trade(small, interval)
        print(f"  per-trade items, {interval}s: {n / seconds:>9,.0f} trades/s  ({rows:,} bars)")


if __name__ == "__main__":
    main()
