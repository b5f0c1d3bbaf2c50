"""Indicators against independent computations in the test: closed forms, or the window
recomputed from scratch at every tick, over the same random event-time series."""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence

import pytest

from orderloom.dsl.errors import Span
from orderloom.dsl.expr import Compiled, ExprCompiler, MarketState, Scope, check, parse, to_json

BTC = "BTC/USDT@sim"
SECOND = 1_000_000_000


def locate(start: int, end: int) -> Span:
    return Span("p.yaml", 1, 1 + start, 1, 1 + end)


def series(n: int, seed: int = 7) -> list[tuple[int, float]]:
    """A random walk with irregular gaps (0 to 3 s, repeated timestamps included)."""
    rng = random.Random(seed)
    ts, price, out = 1_700_000_000 * SECOND, 50_000.0, []
    for _ in range(n):
        ts += rng.choice((0, 250_000_000, SECOND, 3 * SECOND))
        price *= math.exp(rng.gauss(0.0, 0.001))
        out.append((ts, price))
    return out


def run(text: str, ticks: Sequence[tuple[int, float]]) -> tuple[list[float], list[bool], Compiled]:
    """Feed trades through the engine's protocol; the output and readiness after each."""
    compiler = ExprCompiler([BTC])
    compiled = compiler.compile(to_json(check(parse(text, locate), Scope(frozenset({BTC}), BTC))))
    state = compiler.new_state()
    outputs, ready = [], []
    for ts, price in ticks:
        _trade(state, ts, price, 1.0)
        for indicator in compiler.indicators_for(0):
            indicator.update(state)
        outputs.append(compiled.fn(state))
        ready.append(compiled.ready())
    return outputs, ready, compiled


def _trade(state: MarketState, ts: int, price: float, qty: float) -> None:
    state.ts_ns = ts
    state.last[0] = price
    state.last_qty[0] = qty
    state.trades[0] += 1


@pytest.mark.parametrize("n", [1, 10, 50])
def test_ema_count_matches_the_closed_form(n: int) -> None:
    """EMA_k = (1-a)^k x0 + sum_j a (1-a)^(k-j) x_j with a = 2/(n+1), seeded with x0."""
    ticks = series(300)
    outputs, ready, _ = run(f"ema(last, {n})", ticks)
    alpha = 2.0 / (n + 1)
    xs = [price for _, price in ticks]
    for k in range(len(xs)):
        terms = [(1 - alpha) ** k * xs[0]]
        terms += [alpha * (1 - alpha) ** (k - j) * xs[j] for j in range(1, k + 1)]
        assert outputs[k] == pytest.approx(math.fsum(terms), rel=1e-12)
    assert ready == [k + 1 >= n for k in range(len(xs))]


def test_ema_time_decays_by_event_time() -> None:
    """With w = exp(-dt/T): EMA = w * EMA + (1 - w) * x; ready once T passed since the seed."""
    window = 30 * SECOND
    ticks = series(400)
    outputs, ready, _ = run("ema(last, 30s)", ticks)
    expected = ticks[0][1]
    first_ts, previous_ts = ticks[0][0], ticks[0][0]
    for k, (ts, price) in enumerate(ticks):
        if k:
            w = math.exp(-(ts - previous_ts) / window)
            expected = w * expected + (1 - w) * price
        previous_ts = ts
        assert outputs[k] == pytest.approx(expected, rel=1e-12)
        assert ready[k] == (ts - first_ts >= window)
    assert not ready[0] and ready[-1]


def test_ema_time_gives_no_weight_to_a_second_print_at_the_same_time() -> None:
    outputs, _, _ = run("ema(last, 10s)", [(0, 100.0), (SECOND, 110.0), (SECOND, 500.0)])
    a = 1 - math.exp(-0.1)
    assert outputs[1] == pytest.approx(100.0 + a * 10.0, rel=1e-12)
    assert outputs[2] == outputs[1]


def test_sma_over_a_count_and_over_time() -> None:
    ticks = series(500)
    by_count, ready_count, _ = run("sma(last, 20)", ticks)
    by_time, ready_time, _ = run("sma(last, 1m)", ticks)
    xs = [p for _, p in ticks]
    first_ts = ticks[0][0]
    for k, (ts, _price) in enumerate(ticks):
        assert by_count[k] == pytest.approx(statistics.fmean(xs[max(0, k - 19) : k + 1]), rel=1e-12)
        assert ready_count[k] == (k >= 19)
        in_window = [p for t_, p in ticks[: k + 1] if t_ > ts - 60 * SECOND]
        assert by_time[k] == pytest.approx(statistics.fmean(in_window), rel=1e-12)
        assert ready_time[k] == (ts - first_ts >= 60 * SECOND)


def test_zscore_against_the_window_recomputed() -> None:
    ticks = series(400, seed=11)
    outputs, _, _ = run("zscore(last, 30)", ticks)
    xs = [p for _, p in ticks]
    for k in range(1, len(xs)):
        window = xs[max(0, k - 29) : k + 1]
        expected = (xs[k] - statistics.fmean(window)) / statistics.pstdev(window)
        assert outputs[k] == pytest.approx(expected, rel=1e-7, abs=1e-9)
    assert outputs[0] == 0.0  # one sample: no spread yet


def test_zscore_stays_exact_over_a_long_run_near_a_large_level() -> None:
    """Incremental sums at a 50_000 level drift; the periodic exact rebuild keeps them true."""
    ticks = series(30_000, seed=3)
    outputs, _, _ = run("zscore(last, 5m)", ticks)
    ts, x = ticks[-1]
    window = [p for t_, p in ticks if t_ > ts - 300 * SECOND]
    expected = (x - statistics.fmean(window)) / statistics.pstdev(window)
    assert outputs[-1] == pytest.approx(expected, rel=1e-6)


def test_returns_over_time_and_count() -> None:
    ticks = series(300, seed=5)
    by_time, ready_time, _ = run("returns(last, 1m)", ticks)
    by_count, ready_count, _ = run("returns(last, 10)", ticks)
    for k, (ts, x) in enumerate(ticks):
        before = [p for t_, p in ticks[: k + 1] if t_ <= ts - 60 * SECOND]
        if before:
            assert by_time[k] == pytest.approx(x / before[-1] - 1, rel=1e-12)
        else:
            assert math.isnan(by_time[k])
        assert ready_time[k] == bool(before)
        if k >= 10:
            assert by_count[k] == pytest.approx(x / ticks[k - 10][1] - 1, rel=1e-12)
        else:
            assert math.isnan(by_count[k])
        assert ready_count[k] == (k >= 10)


def test_returns_hand_example() -> None:
    """100 at t=0, 105 at 30 s, 110 at 60 s, 99 at 61 s: over 1m, 110/100-1 then 99/100-1."""
    ticks = [(0, 100.0), (30 * SECOND, 105.0), (60 * SECOND, 110.0), (61 * SECOND, 99.0)]
    outputs, ready, _ = run("returns(last, 1m)", ticks)
    assert math.isnan(outputs[0]) and math.isnan(outputs[1])
    assert outputs[2] == pytest.approx(0.10)
    assert outputs[3] == pytest.approx(-0.01)
    assert ready == [False, False, True, True]


def test_volatility_is_the_std_of_log_returns_in_the_window() -> None:
    ticks = series(300, seed=9)
    outputs, ready, _ = run("volatility(last, 1m)", ticks)
    first_ts = ticks[0][0]
    for k in range(2, len(ticks)):
        ts = ticks[k][0]
        returns = [
            math.log(ticks[j][1] / ticks[j - 1][1])
            for j in range(1, k + 1)
            if ticks[j][0] > ts - 60 * SECOND
        ]
        if len(returns) >= 2:
            assert outputs[k] == pytest.approx(statistics.pstdev(returns), rel=1e-6, abs=1e-12)
        assert ready[k] == (ts - first_ts >= 60 * SECOND)


def test_vwap_weights_trades_by_quantity_and_ignores_quotes() -> None:
    """Trades 100 x 1, 102 x 3 then a quote tick, then 90 x 4 after the first left the 10 s
    window: vwap = (100 + 306) / 4 = 101.5, unchanged by the quote, then (306 + 360) / 7."""
    compiler = ExprCompiler([BTC])
    scope = Scope(frozenset({BTC}), BTC)
    compiled = compiler.compile(to_json(check(parse("vwap(last, 10s)", locate), scope)))
    state = compiler.new_state()
    outputs = []
    for ts, price, qty, is_trade in [
        (0, 100.0, 1.0, True),
        (5 * SECOND, 102.0, 3.0, True),
        (6 * SECOND, 0.0, 0.0, False),
        (11 * SECOND, 90.0, 4.0, True),
    ]:
        state.ts_ns = ts
        if is_trade:
            _trade(state, ts, price, qty)
        else:
            state.bid[0], state.ask[0] = 101.0, 101.2
        for indicator in compiler.indicators_for(0):
            indicator.update(state)
        outputs.append(compiled.fn(state))
    assert outputs[:3] == pytest.approx([100.0, 101.5, 101.5])
    assert outputs[3] == pytest.approx((306.0 + 360.0) / 7.0)
    assert compiled.ready()


def test_count_windows_of_trade_prices_count_trades_not_quotes() -> None:
    """Trades 100, 110 with two quote ticks between: ema(last, 3) has seen two samples
    (100 + 0.5 * 10 = 105), while ema(mid, 3) samples every tick of the instrument."""
    compiler = ExprCompiler([BTC])
    scope = Scope(frozenset({BTC}), BTC)
    by_trades = compiler.compile(to_json(check(parse("ema(last, 3)", locate), scope)))
    by_ticks = compiler.compile(to_json(check(parse("ema(mid, 3)", locate), scope)))
    state = compiler.new_state()
    state.bid[0], state.ask[0] = 99.0, 101.0
    for ts, price in [(1, 100.0), (2, None), (3, None), (4, 110.0)]:
        if price is None:
            state.ts_ns = ts  # a quote tick: bid/ask unchanged, no new trade
        else:
            _trade(state, ts, price, 1.0)
        for indicator in compiler.indicators_for(0):
            indicator.update(state)
    assert by_trades.fn(state) == 105.0
    assert not by_trades.ready()  # two trades of three
    assert by_ticks.fn(state) == 100.0 and by_ticks.ready()  # four ticks of an unchanged mid


def test_nan_inputs_are_skipped() -> None:
    compiler = ExprCompiler([BTC])
    scope = Scope(frozenset({BTC}), BTC)
    compiled = compiler.compile(to_json(check(parse("ema(mid, 2)", locate), scope)))
    state = compiler.new_state()
    _trade(state, 1, 100.0, 1.0)  # a trade before any quote: mid is nan
    for indicator in compiler.indicators_for(0):
        indicator.update(state)
    assert math.isnan(compiled.fn(state)) and not compiled.ready()
    state.bid[0], state.ask[0] = 99.0, 101.0
    for indicator in compiler.indicators_for(0):
        indicator.update(state)
    assert compiled.fn(state) == 100.0  # seeded by the first real value


def test_ema_of_an_ema_reads_the_inner_output() -> None:
    ticks = series(100)
    outer, _, _ = run("ema(ema(last, 5), 3)", ticks)
    inner, _, _ = run("ema(last, 5)", ticks)
    expected = inner[0]
    for k in range(1, len(ticks)):
        expected += 0.5 * (inner[k] - expected)
        assert outer[k] == pytest.approx(expected, rel=1e-12)
