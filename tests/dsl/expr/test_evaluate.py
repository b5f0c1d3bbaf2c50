"""Evaluation: typed JSON -> closures over MarketState. Arithmetic, conditions, market and
account values, nan behaviour, indicator sharing and order, and the JSON round trip."""

from __future__ import annotations

import json
import math
import pickle
import time
from typing import Any

import pytest

from orderloom.dsl.errors import Span
from orderloom.dsl.expr import (
    ExprCompiler,
    ExprError,
    MarketState,
    Scope,
    check,
    from_json,
    parse,
    to_json,
)
from orderloom.dsl.plan import Expr, Plan, Signal

BTC = "BTC/USDT@sim"
ETH = "ETH/USDT@sim"
SCOPE = Scope(frozenset({BTC, ETH}), default_instrument=BTC)


def locate(start: int, end: int) -> Span:
    return Span("p.yaml", 7, 20 + start, 7, 20 + end)


def typed_json(text: str, expected: str | None = None) -> Any:
    return to_json(check(parse(text, locate), SCOPE, expected))


def market() -> tuple[ExprCompiler, MarketState]:
    compiler = ExprCompiler([BTC, ETH])
    state = compiler.new_state()
    state.last[0], state.bid[0], state.ask[0] = 100.0, 99.5, 100.5
    state.bid_qty[0], state.ask_qty[0] = 3.0, 4.0
    state.last[1], state.bid[1], state.ask[1] = 2000.0, 1999.0, 2001.0
    state.position[0] = 2.0
    return compiler, state


# expression, value with last=100, bid=99.5, ask=100.5 (BTC), ETH last 2000, position 2
CASES = [
    ("1 + 2 * 3", 7.0),
    ("(1 + 2) * 3", 9.0),
    ("10 - 4 - 3", 3.0),
    ("-last + 1", -99.0),
    ("last * (1 + 10bps)", 100.0 * 1.001),
    ("last * 2 / 4", 50.0),
    ("mid", 100.0),
    ("spread", 1.0),
    ("spread_bps", 1.0 / 100.0),
    ("bid_qty + ask_qty", 7.0),
    ("last(ETH/USDT@sim) / last", 20.0),
    ("position * last", 200.0),
    ("position(ETH/USDT@sim)", 0.0),
    ("abs(bid - ask)", 1.0),
    ("min(bid, ask, last)", 99.5),
    ("max(bid, ask, last)", 100.5),
    ("if last > mid then bid else ask", 100.5),
    ("if last >= mid then bid else ask", 99.5),
    ("if last > 50 then 1 else 2", 1.0),
    ("if bid > ask then 1 else if last == 100 then 2 else 3", 2.0),
    ("last > 99 and last < 101", True),
    ("last > 101 or bid > 99", True),
    ("not (last > 99)", False),
    ("last != 100", False),
    ("spread_bps < 10bps", False),
    ("spread_bps <= 100bps", True),
    ("true and not false", True),
]


@pytest.mark.parametrize(("text", "value"), CASES)
def test_evaluates(text: str, value: float | bool) -> None:
    compiler, state = market()
    compiled = compiler.compile(typed_json(text))
    result = compiled.fn(state)
    assert type(result) is type(value)
    assert (
        result == pytest.approx(value, rel=1e-15)
        if not isinstance(value, bool)
        else result is value
    )


def test_values_not_seen_yet_are_nan_and_conditions_on_them_are_false() -> None:
    compiler = ExprCompiler([BTC])
    state = compiler.new_state()
    assert math.isnan(compiler.compile(typed_json("mid")).fn(state))
    assert compiler.compile(typed_json("last > 0")).fn(state) is False
    assert compiler.compile(typed_json("if last > 0 then 1 else 2")).fn(state) == 2.0
    # min/max are nan when an argument is, whichever side it is on
    assert math.isnan(compiler.compile(typed_json("min(last, 5)")).fn(state))
    assert math.isnan(compiler.compile(typed_json("max(5, last)")).fn(state))


def test_division_by_zero_is_nan_not_an_exception() -> None:
    compiler, state = market()
    assert math.isnan(compiler.compile(typed_json("last / (bid - 99.5)")).fn(state))
    assert math.isnan(compiler.compile(typed_json("last / 0")).fn(state))
    state.bid[0] = state.ask[0] = 0.0
    assert math.isnan(compiler.compile(typed_json("spread_bps")).fn(state))


def test_pnl_and_drawdown_follow_the_peak() -> None:
    compiler, state = market()
    drawdown = compiler.compile(typed_json("drawdown")).fn
    pnl = compiler.compile(typed_json("pnl")).fn
    for value in (10.0, 250.0, 120.0, 180.0):
        state.pnl = value
    assert (pnl(state), drawdown(state)) == (180.0, 70.0)
    state.pnl = -40.0
    assert drawdown(state) == 290.0


def test_a_quantity_target_compiles_to_its_constants() -> None:
    compiler, state = market()
    compiled = compiler.compile(
        typed_json("if ema(last, 10) > ema(last, 50) then 0.01 else -0.01", "quantity")
    )
    assert compiled.type == "quantity"
    assert len(compiled.indicators) == 2
    state.trades[0] += 1  # the engine counts trades; indicators of `last` sample on them
    for indicator in compiler.indicators_for(0):
        indicator.update(state)
    assert compiled.fn(state) == -0.01  # both seeded with 100: not greater
    state.ts_ns, state.last[0] = 1, 110.0
    state.trades[0] += 1
    for indicator in compiler.indicators_for(0):
        indicator.update(state)
    assert compiled.fn(state) == 0.01  # the 10-tick average moves faster


def test_identical_indicators_are_compiled_once_and_shared() -> None:
    compiler, _ = market()
    a = compiler.compile(typed_json("ema(last, 10) - sma(last, 30s)"))
    b = compiler.compile(typed_json("ema(last, 10) > ema(last, 20)"))
    c = compiler.compile(typed_json("ema(last(ETH/USDT@sim), 10)"))
    assert len(compiler.indicators) == 4  # ema10 BTC, sma30s BTC, ema20 BTC, ema10 ETH
    assert a.indicators[0] is b.indicators[0]
    assert [i.slot for i in compiler.indicators] == [0, 1, 2, 3]
    assert compiler.indicators_for(0) == compiler.indicators[:3]
    assert compiler.indicators_for(1) == (c.indicators[0],)


def test_nested_indicators_update_inner_first() -> None:
    compiler, _ = market()
    compiled = compiler.compile(typed_json("zscore(ema(last, 5), 20) > 1 and ema(last, 5) > 0"))
    inner, outer = compiled.indicators
    assert inner.slot < outer.slot
    assert outer.inputs == (inner,)
    assert compiler.indicators_for(0) == (inner, outer)
    # the same outer indicator reached from a second expression brings its input along
    again = compiler.compile(typed_json("zscore(ema(last, 5), 20)"))
    assert again.indicators == (inner, outer)


def test_an_indicator_over_two_instruments_is_driven_by_both() -> None:
    compiler, _ = market()
    compiled = compiler.compile(typed_json("ema(last(ETH/USDT@sim) / last, 3)"))
    (ratio,) = compiled.indicators
    assert ratio.instruments == (0, 1)
    assert compiler.indicators_for(0) == compiler.indicators_for(1) == (ratio,)


def test_states_grow_when_later_expressions_add_indicators() -> None:
    compiler = ExprCompiler([BTC])
    state = compiler.new_state()
    compiled = compiler.compile(typed_json("ema(last, 3)"))
    state.last[0] = 5.0
    state.trades[0] += 1
    compiler.indicators_for(0)[0].update(state)
    assert compiled.fn(state) == 5.0


def test_reading_an_instrument_the_strategy_lacks_is_an_error() -> None:
    compiler = ExprCompiler([BTC])
    with pytest.raises(ExprError) as caught:
        compiler.compile(typed_json("last(ETH/USDT@sim)"))
    assert caught.value.diagnostic.code == "E0305"
    assert "ETH/USDT@sim" in caught.value.diagnostic.message


def _through_plan(text: str, typed: Any) -> Any:
    """The AST as the runtime gets it: stored in a Plan, dumped, loaded (lists -> tuples)."""
    expr = Expr(source=text, ast=to_json(typed), type=typed.type)
    plan = Plan("p", "", "p.yaml", (), (), (), (Signal("s", expr),), ())
    return Plan.from_json(json.loads(plan.dumps())).signals[0].expr.ast


@pytest.mark.parametrize(
    "text",
    [
        "if ema(last, 10) > ema(last, 50) then 0.01 else -0.01",
        "max(bid, ask, last(ETH/USDT@sim) / 20) * (1 - 5bps)",
        "zscore(ema(last(ETH/USDT@sim) / last, 5), 1h) > 2 or pnl < -1000 USDT",
        "not (spread_bps > 10bps) and abs(position) < 3",
        "vwap(last, 5m) + returns(last, 1m) * last - volatility(mid, 30s) * mid",
    ],
)
def test_json_round_trip(text: str) -> None:
    typed = check(parse(text, locate), SCOPE)
    data = to_json(typed)
    assert json.loads(json.dumps(data)) == data  # plain JSON
    assert from_json(json.loads(json.dumps(data))) == typed
    stored = _through_plan(text, typed)
    had_lists = any(isinstance(v, list) for v in _walk(data))
    assert had_lists == any(isinstance(v, tuple) for v in _walk(stored))  # Plan made tuples
    assert from_json(stored) == typed
    # and the round-tripped tree evaluates the same
    compiler, state = market()
    assert compiler.compile(stored).fn(state) == pytest.approx(
        ExprCompiler([BTC, ETH]).compile(typed).fn(state), nan_ok=True
    )


def _walk(value: Any) -> list[Any]:
    found = [value]
    if isinstance(value, dict):
        for v in value.values():
            found += _walk(v)
    elif isinstance(value, tuple | list):
        for v in value:
            found += _walk(v)
    return found


def test_from_json_rejects_what_is_not_a_typed_tree() -> None:
    with pytest.raises(ValueError, match="not a typed expression"):
        from_json({"node": "lambda", "type": "price"})


def test_state_and_indicators_survive_a_snapshot() -> None:
    compiler, state = market()
    compiled = compiler.compile(typed_json("ema(last, 4) + sma(last, 3) * (1 + returns(last, 2))"))
    for k in range(5):
        state.ts_ns, state.last[0] = k, 100.0 + k
        state.trades[0] += 1
        for indicator in compiler.indicators_for(0):
            indicator.update(state)
    saved_state = pickle.loads(pickle.dumps(state))
    saved = json.loads(json.dumps(compiler.snapshot()))  # plain data
    expected = []
    for k in range(5, 8):
        state.ts_ns, state.last[0] = k, 90.0 + k * k
        state.trades[0] += 1
        for indicator in compiler.indicators_for(0):
            indicator.update(state)
        expected.append(compiled.fn(state))

    fresh = ExprCompiler([BTC, ETH])
    again = fresh.compile(typed_json("ema(last, 4) + sma(last, 3) * (1 + returns(last, 2))"))
    fresh.restore(saved)
    got = []
    for k in range(5, 8):
        saved_state.ts_ns, saved_state.last[0] = k, 90.0 + k * k
        saved_state.trades[0] += 1
        for indicator in fresh.indicators_for(0):
            indicator.update(saved_state)
        got.append(again.fn(saved_state))
    assert got == expected
    assert saved_state.pnl == state.pnl


def test_tick_cost_is_a_few_hundred_nanoseconds() -> None:
    """Benchmark-style (bench/expr_eval.py prints the figure): a generous bound that only a
    regression to per-tick tree walking or allocation-heavy code would exceed."""
    compiler = ExprCompiler([BTC])
    compiled = compiler.compile(
        typed_json("if ema(last, 10) > ema(last, 50) then 0.01 else -0.01", "quantity")
    )
    state = compiler.new_state()
    indicators = compiler.indicators_for(0)
    fn, last, trades = compiled.fn, state.last, state.trades
    ticks = 20_000
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        for k in range(ticks):
            state.ts_ns = k
            last[0] = 100.0 + (k % 7)
            trades[0] += 1
            for indicator in indicators:
                indicator.update(state)
            fn(state)
        best = min(best, (time.perf_counter() - start) / ticks)
    assert compiled.ready()
    assert best < 20e-6  # measured ~0.5 µs on the 2-core dev machine
