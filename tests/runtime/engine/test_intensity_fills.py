"""The simulated venue's `intensity` fill model: a resting quote δ from the mid fills in a
step dt with probability 1 - exp(-A·exp(-k·δ)·dt), δ measured against the mid the quote was
set at, at its limit price as maker; draws are seeded; `trades` stays the default."""

from __future__ import annotations

import math

import pytest
from engine_builders import (
    MS,
    Act,
    make_plan,
    quote_feed,
    quotes,
    run,
    scripted,
    scripted_strategy,
    trade_feed,
    trades,
)

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.runtime.strategies.base import Fill, StrategyContext, StrategySetup
from orderloom.runtime.strategies.base import Strategy as StrategyRuntime


def intensity(seed: int = 0, a: float = 140.0, k: float = 1.5) -> SimulatedVenueParams:
    return SimulatedVenueParams(fill_model="intensity", intensity_a=a, intensity_k=k, seed=seed)


class KeepOneBid(StrategyRuntime):
    """Keeps one buy of 0.001 resting `delta` below the current mid: after each fill it
    places the next at the next market event."""

    def __init__(self, setup: StrategySetup, delta: float) -> None:
        super().__init__(setup)
        self.delta = delta
        self.fills: list[Fill] = []

    def on_market(self, ctx: StrategyContext, slot: int) -> None:
        if not ctx.open_orders():
            mid = (ctx.state.bid[0] + ctx.state.ask[0]) / 2
            ctx.place(1, 0.001, mid - self.delta)

    def on_fill(self, ctx: StrategyContext, order, fill: Fill) -> None:  # type: ignore[no-untyped-def]
        self.fills.append(fill)


def _flat_tape(steps: int, mid: float = 100.0):  # type: ignore[no-untyped-def]
    ts = [i * 5 * MS for i in range(steps)]
    return quotes(ts, [mid] * steps, [mid] * steps)


def test_fill_frequency_matches_poisson_probability() -> None:
    """δ = 1 (tick 0.01, exact), dt = 5 ms: p = 1 - exp(-140·e^-1.5·0.005) ≈ 0.1447 per step.
    Steps 1..3999 are each one Bernoulli(p) trial (an order placed at t is tested at t+dt,
    and after a fill the next order is placed at that same event), so the fill count is
    Binomial(3999, p): mean ≈ 578.8, sd ≈ 22.3; accept ±5 sd."""
    plan = make_plan([scripted_strategy()], feeds=[quote_feed()], venue=intensity(seed=3))
    _, out = run(plan, "script", [[_flat_tape(4000)]], factory=lambda s: KeepOneBid(s, 1.0))
    p = 1 - math.exp(-140 * math.exp(-1.5) * 0.005)
    n = 3999
    fills = out.dicts("fills")
    assert abs(len(fills) - n * p) < 5 * math.sqrt(n * p * (1 - p))
    assert {(f["price"], f["liquidity"], f["qty"]) for f in fills} == {(99.0, "maker", 0.001)}
    # A fill is never at the event its order arrived in (it needs exposure time).
    assert all(f["ts_ns"] > 0 for f in fills)


def test_closer_quotes_fill_more_often() -> None:
    """δ = 0.2 gives p ≈ 1 - exp(-140·e^-0.3·0.005) ≈ 0.405, δ = 2 gives p ≈ 0.0342."""
    counts = []
    for delta in (0.2, 2.0):
        plan = make_plan([scripted_strategy()], feeds=[quote_feed()], venue=intensity(seed=5))
        factory = lambda s, d=delta: KeepOneBid(s, d)  # noqa: E731
        _, out = run(plan, "script", [[_flat_tape(2000)]], factory=factory)
        counts.append(len(out.dicts("fills")))
    for count, delta in zip(counts, (0.2, 2.0), strict=True):
        p = 1 - math.exp(-140 * math.exp(-1.5 * delta) * 0.005)
        assert abs(count - 1999 * p) < 5 * math.sqrt(1999 * p * (1 - p))


def test_delta_is_measured_from_the_mid_when_quoted() -> None:
    """Bid placed at 99 with mid 100; the mid then jumps to 50 (far below the bid). A book
    model (or δ from the new mid, -49) would fill it at once (p = 1). The intensity model
    draws on δ = 1 from the old mid (p ≈ 0.1447), then on δ = -49 (p = 1) a step later: over
    20 seeds, most fills come at the second step."""
    times = []
    for seed in range(20):
        plan = make_plan([scripted_strategy()], feeds=[quote_feed()], venue=intensity(seed))
        tape = quotes([0, 5 * MS, 10 * MS], [100.0, 50.0, 50.0], [100.0, 50.0, 50.0])
        _, out = run(plan, "script", [[tape]], factory=scripted([Act(0, 1, 0.001, 99.0)]))
        (fill,) = out.dicts("fills")
        assert fill["price"] == 99.0 and fill["liquidity"] == "maker"
        times.append(fill["ts_ns"])
    assert set(times) <= {5 * MS, 10 * MS}
    assert times.count(10 * MS) >= 10  # expected 20 · 0.855 ≈ 17


def test_same_seed_same_fills_other_seed_differs() -> None:
    def fills(seed: int) -> list[tuple]:
        plan = make_plan([scripted_strategy()], feeds=[quote_feed()], venue=intensity(seed))
        _, out = run(plan, "script", [[_flat_tape(500)]], factory=lambda s: KeepOneBid(s, 1.0))
        return [(f["ts_ns"], f["price"]) for f in out.dicts("fills")]

    assert fills(11) == fills(11)
    assert fills(11) != fills(12)


def test_market_orders_still_take_the_touch() -> None:
    plan = make_plan([scripted_strategy()], feeds=[quote_feed()], venue=intensity())
    tape = quotes([0, 5 * MS], [99.5, 99.5], [100.5, 100.5])
    _, out = run(plan, "script", [[tape]], factory=scripted([Act(0, 1, 0.001)]))
    (fill,) = out.dicts("fills")
    assert (fill["price"], fill["liquidity"]) == (100.5, "taker")


def test_trades_model_stays_the_default() -> None:
    """Same resting buy at 99 under the default venue: fills only when a print goes
    through it (98.5), never by draws."""
    assert SimulatedVenueParams().fill_model == "trades"
    plan = make_plan([scripted_strategy()], feeds=[trade_feed()])
    tape = trades([0, 1, 2], [100.0, 99.5, 98.5], 1.0)
    _, out = run(plan, "script", [[tape]], factory=scripted([Act(0, 1, 0.001, 99.0)]))
    assert [(f["ts_ns"], f["price"]) for f in out.dicts("fills")] == [(2, 99.0)]


@pytest.mark.parametrize(
    ("venue", "expected"),
    [
        ("{kind: simulated}", ("trades", 140.0, 1.5, 0)),
        (
            "{kind: simulated, fill_model: {kind: intensity, A: 50, k: 2, seed: 9}}",
            ("intensity", 50.0, 2.0, 9),
        ),
    ],
)
def test_yaml_fill_model(venue: str, expected: tuple) -> None:
    plan = compile_text(
        f"""\
orderloom: 1
name: t
instruments:
  BTC/USDT@sim: {{tick_size: 0.01, lot_size: 0.001}}
venues:
  sim: {venue}
feeds:
  btc: {{kind: synthetic, instrument: BTC/USDT@sim, s0: 100, sigma: 0.5, dt: 1s, count: 10}}
""",
        "<test>",
    )
    params = plan.venues[0].params
    assert (params.fill_model, params.intensity_a, params.intensity_k, params.seed) == expected
