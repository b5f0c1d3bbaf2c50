"""Per-tick cost of the expression evaluator: write a trade into MarketState, update the two
EMAs it drives and evaluate `if ema(last, 10) > ema(last, 50) then 0.01 else -0.01`.

Run: .venv/bin/python bench/expr_eval.py [ticks]
"""

from __future__ import annotations

import math
import sys
import time

from orderloom.dsl.errors import Span
from orderloom.dsl.expr import ExprCompiler, Scope, check, parse, to_json

SOURCE = "if ema(last, 10) > ema(last, 50) then 0.01 else -0.01"
INSTRUMENT = "BTC/USDT@sim"


def main(ticks: int = 1_000_000) -> None:
    scope = Scope(instruments=frozenset({INSTRUMENT}), default_instrument=INSTRUMENT)
    typed = check(parse(SOURCE, lambda a, b: Span("bench", 1, a + 1)), scope, "quantity")
    compiler = ExprCompiler([INSTRUMENT])
    compiled = compiler.compile(to_json(typed))
    state = compiler.new_state()
    indicators = compiler.indicators_for(0)
    prices = [50_000.0 + 100.0 * math.sin(k / 500.0) for k in range(ticks)]
    fn, last, trades = compiled.fn, state.last, state.trades

    def run_ticks() -> float:
        total = 0.0
        ts = 0
        for price in prices:
            ts += 1_000_000
            state.ts_ns = ts
            last[0] = price
            trades[0] += 1  # as the engine does per trade
            for indicator in indicators:
                indicator.update(state)
            total += fn(state)
        return total

    def run_eval_only() -> None:
        for _ in prices:
            fn(state)

    best_tick = best_eval = float("inf")
    for _ in range(3):
        start = time.perf_counter_ns()
        run_ticks()
        best_tick = min(best_tick, (time.perf_counter_ns() - start) / ticks)
        start = time.perf_counter_ns()
        run_eval_only()
        best_eval = min(best_eval, (time.perf_counter_ns() - start) / ticks)
    print(f"expression: {SOURCE}")
    print(f"per tick (write trade, update 2 EMAs, evaluate): {best_tick:.0f} ns")
    print(f"evaluate only: {best_eval:.0f} ns   ({ticks} ticks, best of 3)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
