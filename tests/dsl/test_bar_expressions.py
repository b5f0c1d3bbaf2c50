"""`bar_*` expression functions: type checking, interval rules and values against bars
recomputed independently in the test (plain python) from the same trades."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from orderloom.dsl.errors import Span
from orderloom.dsl.expr import ExprCompiler, ExprError, MarketState, Scope, check, parse, to_json

BTC = "BTC/USDT@sim"
ETH = "ETH/USDT@sim"
SECOND = 1_000_000_000
SCOPE = Scope(frozenset({BTC, ETH}), BTC)


def locate(start: int, end: int) -> Span:
    return Span("p.yaml", 1, 1 + start, 1, 1 + end)


def typed(text: str) -> Any:
    return check(parse(text, locate), SCOPE)


def trades(n: int, seed: int = 3) -> list[tuple[int, float, float]]:
    """Irregular gaps (0 to 40 s, repeated timestamps, prints exactly on minute marks)."""
    rng = random.Random(seed)
    ts, price, out = 1_700_000_000 * SECOND, 100.0, []
    for _ in range(n):
        gap = rng.choice((0, 1, 500_000_000, 7 * SECOND, 40 * SECOND))
        ts += gap
        if rng.random() < 0.05:
            ts = (ts // (60 * SECOND) + 1) * 60 * SECOND  # exactly on a boundary
        price *= math.exp(rng.gauss(0.0, 0.002))
        out.append((ts, round(price, 4), round(rng.uniform(0.001, 2.0), 6)))
    return out


def expected_bars(ticks: list[tuple[int, float, float]], interval: int) -> list[dict]:
    """Bars of epoch-aligned windows, by hand: every trade goes to window ts // interval."""
    bars: dict[int, dict] = {}
    for ts, price, qty in ticks:
        k = ts // interval
        bar = bars.get(k)
        if bar is None:
            bars[k] = bar = {
                "end": (k + 1) * interval,
                "open": price,
                "high": price,
                "low": price,
                "volume": 0.0,
                "notional": 0.0,
                "trades": 0,
            }
        bar["high"] = max(bar["high"], price)
        bar["low"] = min(bar["low"], price)
        bar["close"] = price
        bar["volume"] += qty
        bar["notional"] += price * qty
        bar["trades"] += 1
    return [bars[k] for k in sorted(bars)]


def last_completed(bars: list[dict], now: int) -> dict | None:
    done = [b for b in bars if b["end"] <= now]
    return done[-1] if done else None


def run(texts: list[str], ticks: list[tuple[int, float, float]]) -> list[list[float]]:
    compiler = ExprCompiler([BTC, ETH])
    compiled = [compiler.compile(to_json(typed(text))) for text in texts]
    state: MarketState = compiler.new_state()
    out = []
    for ts, price, qty in ticks:
        state.ts_ns = ts
        state.last[0] = price
        state.last_qty[0] = qty
        state.trades[0] += 1
        for indicator in compiler.indicators_for(0):
            indicator.update(state)
        out.append([c.fn(state) for c in compiled])
    return out


@pytest.mark.parametrize("interval_s", [1, 60, 300])
def test_bar_values_are_the_last_completed_bar(interval_s: int) -> None:
    ticks = trades(3000)
    interval = interval_s * SECOND
    label = f"{interval_s}s"
    fields = ["open", "high", "low", "close", "volume", "vwap", "trades"]
    texts = [f"bar_{f}({BTC}, {label})" for f in fields]
    bars = expected_bars(ticks, interval)
    outputs = run(texts, ticks)
    completed = 0
    for (ts, _, _), values in zip(ticks, outputs, strict=True):
        bar = last_completed(bars, ts)
        if bar is None:
            assert all(math.isnan(v) for v in values)
            continue
        completed += 1
        want = [
            bar["open"],
            bar["high"],
            bar["low"],
            bar["close"],
            bar["volume"],
            bar["notional"] / bar["volume"],
            bar["trades"],
        ]
        for name, got, exp in zip(fields, values, want, strict=True):
            assert got == pytest.approx(exp, rel=1e-12), (name, ts)
    assert completed > 100


def test_bar_closes_on_a_quote_tick_after_its_end() -> None:
    """A trade at 10.5 s, then a quote tick (no new trade) at 11 s closes the 1s bar."""
    compiler = ExprCompiler([BTC])
    fn = compiler.compile(to_json(typed("bar_close(1s)"))).fn
    state = compiler.new_state()
    state.ts_ns, state.last[0], state.last_qty[0] = 10_500_000_000, 101.0, 1.0
    state.trades[0] += 1
    for indicator in compiler.indicators_for(0):
        indicator.update(state)
    assert math.isnan(fn(state))
    state.ts_ns = 11 * SECOND  # quote: trades counter unchanged
    for indicator in compiler.indicators_for(0):
        indicator.update(state)
    assert fn(state) == 101.0


def test_default_instrument_and_types() -> None:
    node = typed("bar_high(1m)")
    assert node.type == "price" and node.currency == "USDT"
    assert node.drivers == (BTC,) and node.window == 60 * SECOND
    assert typed(f"bar_volume({ETH}, 1h)").type == "quantity"
    assert typed("bar_trades(1d)").type == "count"
    assert typed("bar_close(1m) > bar_high(5m)").type == "bool"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("bar_close(500ms)", "a bar interval must be at least 1s"),
        ("bar_close(2d)", "a bar interval must be at most 1d"),
        ("bar_close(1500ms)", "a bar interval must be a whole number of seconds"),
        ("bar_close(7s)", "a bar interval must divide a day"),
        ("bar_close(5)", "the interval of bar_close must be a duration"),
        ("bar_close(last, 1m)", "the first argument of bar_close must be an instrument"),
        ("bar_close()", "bar_close takes (instrument, interval) or (interval), got 0"),
    ],
)
def test_bad_bar_calls(text: str, message: str) -> None:
    with pytest.raises(ExprError) as caught:
        typed(text)
    assert message in caught.value.diagnostic.message


def test_misspelt_bar_function_suggests_the_name() -> None:
    with pytest.raises(ExprError) as caught:
        typed("bar_clsoe(1m)")
    assert caught.value.diagnostic.hint == "did you mean 'bar_close'?"
