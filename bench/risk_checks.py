"""Pre-trade risk cost: the full chain of every built-in check (compiled from YAML, one
strategy instance with a few resting orders) run on orders that pass, so every check runs and
every hook keeps its state, in ns per order; each check alone; and `place()` end to end
(rounding, risk, OMS, venue submit; the order is then dropped so the book stays small) with
and without the chain.

    .venv/bin/python bench/risk_checks.py [--orders N] [--repeat N]
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.plan import Plan
from orderloom.runtime.engine.instance import StrategyEngine
from orderloom.runtime.engine.oms import Order
from orderloom.runtime.events import QuoteBatch, TradeBatch
from orderloom.runtime.risk.chain import RiskChain
from orderloom.runtime.strategies.base import Strategy, StrategySetup

CHECKS = """\
risk:
  max_order_notional: 1_000_000_000 USDT
  max_order_qty: 1_000_000
  max_position: {BTC/USDT@sim: 1_000_000_000}
  position_limit: {asset: BTC, net: 1_000_000_000, gross: 1_000_000_000}
  price_band: {reference: mid, max_deviation: 50%}
  order_rate: {max: 1_000_000_000, per: 1s}
  cancel_rate: {max: 1_000_000_000, per: 1s}
  max_open_orders: 1_000_000
  max_daily_notional: 1e15 USDT
  order_validity: {min_price: 1, max_price: 1_000_000, min_qty: 0.001, on_grid: true}
  duplicate_orders: 1ms
  self_trade: true
"""

PIPELINE = """\
orderloom: 1
name: bench
instruments:
  BTC/USDT@sim: {tick_size: 0.01, lot_size: 0.001, min_notional: 1}
venues:
  sim: {kind: simulated, latency: 1ms}
feeds:
  trades: {kind: synthetic, instrument: BTC/USDT@sim, s0: 100, sigma: 0.5, dt: 1s, count: 10}
  quotes: {kind: synthetic, instrument: BTC/USDT@sim, s0: 100, sigma: 0.5, dt: 1s, count: 10,
           schema: quotes}
strategies:
  mm: {kind: signal, instrument: BTC/USDT@sim, target: 0}
"""

RESTING = 4  # open orders the iterating checks (daily notional, self-trade) walk over


def engine_for(plan: Plan) -> StrategyEngine:
    """An engine that has seen a quote (99.99 / 100.01) and a trade (100), with RESTING buys
    resting below the market."""
    engine = StrategyEngine(plan, "mm", "bench", strategy_factory=lambda s: _Idle(s))
    # Two events per feed: the merge releases an event once every feed has moved past it.
    ts = np.array([1_700_000_000_000_000_000, 1_700_000_000_000_000_001], dtype=np.int64)
    two = np.ones(2)
    engine.on_batches(
        [
            QuoteBatch("quotes", "BTC/USDT@sim", 0, ts, two * 99.99, two, two * 100.01, two),
            TradeBatch("trades", "BTC/USDT@sim", 0, ts, two * 100.0, two, np.ones(2, np.int8)),
        ]
    )
    assert engine.book.mark_price(0) == 100.0, "the bench market is not set up"
    for i in range(RESTING):
        engine.ctx.place(1, 0.02, 90.0 - i)
    return engine


class _Idle(Strategy):
    def __init__(self, setup: StrategySetup) -> None:
        super().__init__(setup)


def orders(engine: StrategyEngine, n: int) -> list[Order]:
    """n distinct passing sells (sizes vary so none is a duplicate), 1 µs apart."""
    oms = engine.ctx.oms
    start = engine.state.ts_ns
    return [oms.create(0, -1, 10 + i % 1000, 10_001 + i % 7, start + i * 1_000) for i in range(n)]


def chain_cost(plan: Plan, pick: Callable[[RiskChain], list[Any]], n: int, repeat: int) -> float:
    """Best ns per order of the checks `pick` selects from the instance's chain (a fresh
    engine per round, so windows and buckets start alike)."""
    best = float("inf")
    for _ in range(repeat):
        engine = engine_for(plan)
        ctx = engine.ctx
        chain = RiskChain(pick(ctx.risk))
        batch = orders(engine, n)
        sent = chain.sent_hooks
        check = chain.check
        started = time.perf_counter_ns()
        for order in batch:
            ctx.requested_qty = order.qty
            ctx.requested_price = order.price
            if check(order, ctx) is not None:
                raise AssertionError(f"bench order refused: {check(order, ctx)}")
            for hook in sent:
                hook(order, ctx)
        best = min(best, (time.perf_counter_ns() - started) / n)
    return best


def place_cost(plan: Plan, n: int, repeat: int) -> float:
    """ns per `place_lots` of a passing order that the venue then drops at once (so the
    resting orders stay the same few), the drop included in both variants."""
    best = float("inf")
    for _ in range(repeat):
        engine = engine_for(plan)
        ctx = engine.ctx
        drop = engine.venue.cancel_now
        state = engine.state
        start = state.ts_ns
        started = time.perf_counter_ns()
        for i in range(n):
            state.ts_ns = now = start + i * 1_000
            order = ctx.place_lots(-1, 10 + i % 1000, 100.01 + (i % 7) * 0.01)
            assert order is not None
            drop(order, now, "bench")
        best = min(best, (time.perf_counter_ns() - started) / n)
        if ctx.rejects:
            raise AssertionError(f"{ctx.rejects} bench orders refused: {ctx.risk_rows[0]}")
    return best


def _nth(k: int, chain: RiskChain) -> list[Any]:
    return [chain.checks[k]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n, repeat = args.orders, args.repeat
    plan = compile_text(PIPELINE + CHECKS, "bench.yaml", env={})
    bare = compile_text(PIPELINE, "bench.yaml", env={})
    full = engine_for(plan).ctx.risk
    print(f"pre-trade chain, {len(full.checks)} order checks, {RESTING} resting orders:")
    for k, check in enumerate(full.checks):
        cost = chain_cost(plan, functools.partial(_nth, k), n, repeat)
        print(f"  {check.name:<20} {cost:8.0f} ns/order")
    total = chain_cost(plan, lambda chain: list(chain.checks), n, repeat)
    print(f"  {'full chain':<20} {total:8.0f} ns/order")
    empty = chain_cost(plan, lambda chain: [], n, repeat)
    print(f"  {'(bench loop only)':<20} {empty:8.0f} ns/order")
    with_risk = place_cost(plan, n, repeat)
    without = place_cost(bare, n, repeat)
    print(
        f"place() + venue drop: {with_risk:.0f} ns/order with the chain, {without:.0f} ns "
        f"without (+{with_risk - without:.0f} ns)"
    )


if __name__ == "__main__":
    main()
