"""Engine throughput: the EMA(10)/EMA(50) signal strategy on 1M synthetic trades 10 ms apart,
fed to StrategyEngine.on_batches in 10k-row batches (the engine alone, no dataflow). Prints
events/s (wall clock, and per CPU second for shared machines) and the orders sent.

    .venv/bin/python bench/engine_throughput.py [--events N] [--batch N] [--repeat N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from orderloom.dsl.errors import Span
from orderloom.dsl.expr import Scope, check, parse, to_json
from orderloom.dsl.kinds.signal import SignalParams
from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import Expr, Feed, Instrument, Plan, Strategy, Venue
from orderloom.runtime.engine.instance import StrategyEngine
from orderloom.runtime.events import TradeBatch

INSTRUMENT = "BTC/USDT@sim"
TARGET = "if ema(last, 10) > ema(last, 50) then 0.01 else -0.01"


def build_plan() -> Plan:
    scope = Scope(frozenset({INSTRUMENT}), INSTRUMENT)
    typed = check(parse(TARGET, lambda a, b: Span("<bench>", 1, a + 1)), scope, "quantity")
    target = Expr(TARGET, to_json(typed), typed.type)
    return Plan(
        name="bench",
        description="",
        source="<bench>",
        instruments=(Instrument(INSTRUMENT, "BTC/USDT", "BTC", "USDT", "sim", 0.01, 0.001),),
        venues=(Venue("sim", "simulated", SimulatedVenueParams(5_000_000, 1.0, 5.0)),),
        feeds=(Feed("trades", "synthetic", INSTRUMENT, "trades", None),),
        signals=(),
        strategies=(
            Strategy(
                "sig", "sig", "signal", (INSTRUMENT,), "sim", SignalParams(INSTRUMENT, target)
            ),
        ),
    )


def batches(events: int, batch: int, seed: int = 7) -> list[TradeBatch]:
    rng = np.random.default_rng(seed)
    ts = np.arange(events, dtype=np.int64) * 10_000_000 + 1_700_000_000_000_000_000
    price = np.round(40_000 + np.cumsum(rng.normal(0.0, 2.0, events)), 2)
    qty = np.round(rng.exponential(0.05, events) + 0.001, 3)
    side = rng.choice(np.array([-1, 1], dtype=np.int8), events)
    return [
        TradeBatch(
            "trades",
            INSTRUMENT,
            lo,
            ts[lo : lo + batch],
            price[lo : lo + batch],
            qty[lo : lo + batch],
            side[lo : lo + batch],
        )
        for lo in range(0, events, batch)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    plan = build_plan()
    data = batches(args.events, args.batch)
    best = 0.0
    for _ in range(args.repeat):
        engine = StrategyEngine(plan, "sig", "bench")
        rows = 0
        started = time.perf_counter()
        cpu_started = time.process_time()
        for batch in data:
            rows += sum(len(r) for _, r in engine.on_batches([batch]))
        rows += sum(len(r) for _, r in engine.on_eof())
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        rate = engine.stats.events / elapsed
        best = max(best, rate)
        print(
            f"{engine.stats.events} events in {elapsed:.3f} s: {rate:,.0f} events/s "
            f"({engine.stats.events / cpu:,.0f}/s of CPU time); "
            f"orders {engine.stats.orders}, fills {engine.stats.fills}, rows {rows}, "
            f"pnl {engine.stats.total:.2f}"
        )
    print(f"best: {best:,.0f} events/s")


if __name__ == "__main__":
    main()
