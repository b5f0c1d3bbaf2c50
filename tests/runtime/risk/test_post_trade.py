"""Post-trade risk in the engine step, event time: loss and drawdown limits on the instance's
PnL (fees and marks included) kill it; circuit breakers halt, cancel, flatten or kill. The
numbers each test expects are worked out by hand in its docstring."""

from __future__ import annotations

import pytest
from engine_builders import (
    BTC,
    SECOND,
    Act,
    Output,
    RunawayStrategy,
    expr,
    make_plan,
    run,
    scripted,
    scripted_strategy,
    trades,
)

from orderloom.dsl.kinds.risk_circuit_breakers import CircuitBreakerParams
from orderloom.dsl.kinds.risk_loss import MaxDrawdownParams, MaxLossParams
from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import InstanceRisk, Plan, RiskCheck, RiskLimits
from orderloom.runtime.engine.instance import StrategyEngine

MINUTE = 60 * SECOND


def _plan(checks: list[RiskCheck], venue: SimulatedVenueParams | None = None) -> Plan:
    risk = RiskLimits(instances=(InstanceRisk("script", tuple(checks)),))
    return make_plan([scripted_strategy("script")], venue=venue, risk=risk)


def _breaker(when: str, action: str, duration_ns: int = 0, band_bps: float = 0.0) -> RiskCheck:
    params = CircuitBreakerParams(when, expr(when, [BTC], "bool"), action, duration_ns, band_bps)
    return RiskCheck("circuit_breakers", params)


def _trips(out: Output) -> list[tuple[int, str, str, float, float]]:
    return [
        (e["ts_ns"], e["check"], e["action"], e["limit_value"], e["value"])
        for e in out.dicts("risk_events")
        if e["action"] != "reject"
    ]


def test_max_loss_counts_fees_and_marks_and_kills_the_instance() -> None:
    """Taker fee 10 bps. Event 0: market buy 1 -> fills at event 1 at 100, fee 0.1. A resting
    buy 1 @ 50 is placed at event 1. Loss at price p = (100 − p) + 0.1: at 97.7 it is 2.4
    (≤ 2.5), at 97.5 it is 2.6 > 2.5: kill at event 5 — the resting order is cancelled and
    the strategy is not called from event 5 on."""
    tape = trades([k * SECOND for k in range(8)], [100, 100, 99, 98, 97.7, 97.5, 97, 96], 5.0)
    plan = _plan(
        [RiskCheck("max_loss", MaxLossParams(2.5, "USDT"))], SimulatedVenueParams(taker_fee_bps=10)
    )
    acts = [Act(0, 1, 1.0), Act(1, 1, 1.0, 50.0), Act(6, 1, 1.0, 60.0)]
    engine, out = run(plan, "script", [[tape]], factory=scripted(acts))
    assert _trips(out) == [(5 * SECOND, "max_loss", "kill", 2.5, pytest.approx(2.6))]
    assert engine.killed
    assert engine.strategy.events == 5  # events 0..4: the trip at event 5 precedes on_market
    cancelled = out.where("orders", status="cancelled")
    assert [(r["order_id"], r["ts_ns"]) for r in cancelled] == [("script-000002", 5 * SECOND)]


def test_max_drawdown_from_the_running_peak() -> None:
    """Buy 1 at 100 (no fees). PnL follows p − 100: peak 5 at 105; at 102.5 the drawdown is
    2.5 (≤ 3), at 101.9 it is 3.1 > 3: kill there. max_loss 10 never trips (PnL stays > 0)."""
    prices = [100, 100, 103, 105, 104, 102.5, 101.9, 101]
    tape = trades([k * SECOND for k in range(8)], prices, 5.0)
    checks = [
        RiskCheck("max_loss", MaxLossParams(10.0, "USDT")),
        RiskCheck("max_drawdown", MaxDrawdownParams(3.0, "USDT")),
    ]
    engine, out = run(_plan(checks), "script", [[tape]], factory=scripted([Act(0, 1, 1.0)]))
    assert _trips(out) == [(6 * SECOND, "max_drawdown", "kill", 3.0, pytest.approx(3.1))]
    assert engine.guard is not None and engine.guard.peak == pytest.approx(5.0)


def test_flash_crash_trips_the_breaker_and_no_order_is_sent_inside_the_halt() -> None:
    """A print at 100 every second for 2 minutes, then a sudden 5% drop to 95 at t=120s that
    stays. returns(last, 1m) at 120s is 95/100 − 1 = −5%: |−5%| > 3% trips `halt 5m` at
    120s, so no order may be sent in [120s, 420s). At 420s the 1m return is 0, so the halt
    is not renewed and orders flow again. A runaway strategy tries a resting buy @ 50 on
    every event; the ones before the crash keep resting (halt leaves them)."""
    n = 600
    ts = [k * SECOND for k in range(n)]
    tape = trades(ts, [100.0 if k < 120 else 95.0 for k in range(n)], 1.0)
    plan = _plan([_breaker("abs(returns(last, 1m)) > 3%", "halt", 5 * MINUTE)])
    runaway = RunawayStrategy
    _, out = run(plan, "script", [[tape]], factory=lambda s: runaway(s, 1, 0.001, 50.0))
    assert _trips(out) == [(120 * SECOND, "abs(returns(last, 1m)) > 3%", "halt", 0.0, 1.0)]
    sent_ts = [r["ts_ns"] for r in out.where("orders", status="new")]
    inside = [t for t in sent_ts if 120 * SECOND <= t < 420 * SECOND]
    assert inside == []
    assert len(sent_ts) == n - 300  # every event outside the window sends one
    assert max(t for t in sent_ts if t < 120 * SECOND) == 119 * SECOND
    assert min(t for t in sent_ts if t >= 120 * SECOND) == 420 * SECOND
    refused = [e for e in out.dicts("risk_events") if e["action"] == "reject"]
    assert len(refused) == 300
    cancelled_early = [
        r for r in out.where("orders", status="cancelled") if r["ts_ns"] < (n - 1) * SECOND
    ]
    assert cancelled_early == []  # resting orders stayed through the halt


def test_flatten_closes_the_position_within_the_band_and_re_arms() -> None:
    """Long 1 (bought at 100 at event 1). `last < 98 -> flatten, band 50bps` trips at 97.9
    (event 3): a sell 1 @ 97.9 × (1 − 0.005) = 97.4105, rounded up to 97.42 on the tick grid
    (a sell rounds away from the touch), which the next print 97.5 fills. It trips once
    while true; 99 re-arms it, and 97.0 trips it again (with nothing left to close)."""
    prices = [100, 100, 99, 97.9, 97.5, 97.0, 99.0, 97.0]
    tape = trades([k * SECOND for k in range(8)], prices, 5.0)
    plan = _plan([_breaker("last < 98", "flatten", band_bps=50.0)])
    engine, out = run(plan, "script", [[tape]], factory=scripted([Act(0, 1, 1.0)]))
    trips = _trips(out)
    assert [(t[0], t[2]) for t in trips] == [(3 * SECOND, "flatten"), (7 * SECOND, "flatten")]
    sells = [r for r in out.where("orders", status="new") if r["side"] == -1]
    assert len(sells) == 1 and sells[0]["price"] == pytest.approx(97.42)
    assert engine.ctx.position(0) == 0.0


def test_cancel_all_and_kill_breakers() -> None:
    """Two resting buys; `last < 99 -> cancel_all` at event 2 cancels both and the strategy
    keeps running (its buy at event 3 is sent); `last < 98 -> kill` at event 4 cancels that
    one and stops it (event 5's buy never happens)."""
    tape = trades([k * SECOND for k in range(6)], [100, 100, 98.5, 98.5, 97.0, 97.0], 5.0)
    plan = _plan([_breaker("last < 99", "cancel_all"), _breaker("last < 98", "kill")])
    acts = [Act(0, 1, 1.0, 50.0), Act(1, 1, 1.0, 50.0), Act(3, 1, 1.0, 50.0), Act(5, 1, 1.0, 50.0)]
    engine, out = run(plan, "script", [[tape]], factory=scripted(acts))
    assert [(t[0], t[2]) for t in _trips(out)] == [(2 * SECOND, "cancel_all"), (4 * SECOND, "kill")]
    cancelled = {r["order_id"]: r["ts_ns"] for r in out.where("orders", status="cancelled")}
    assert cancelled == {
        "script-000001": 2 * SECOND,
        "script-000002": 2 * SECOND,
        "script-000003": 4 * SECOND,
    }
    assert engine.strategy.events == 4


def test_kill_and_resume_from_the_engine_api() -> None:
    """The kill switch's engine entry: a resting buy @ 50 on every event; a kill between the
    first and second batch cancels the two resting orders and skips events 2 and 3; resume
    before the third batch restores order flow (events 4 and 5 send). Each writes a row."""
    plan = make_plan([scripted_strategy("script")])
    batches = [trades([k * SECOND, (k + 1) * SECOND], [100.0, 100.0]) for k in (0, 2, 4)]
    acts = [Act(k, 1, 1.0, 50.0) for k in range(6)]
    engine = StrategyEngine(plan, "script", "run-1", strategy_factory=scripted(acts))
    out = Output()
    out.add(engine.on_batches([batches[0]]))
    engine.kill("kill_switch", "operator")
    out.add(engine.on_batches([batches[1]]))
    engine.resume("kill_switch", "operator")
    out.add(engine.on_batches([batches[2]]))
    out.add(engine.on_eof())
    assert [(t[0], t[1], t[2]) for t in _trips(out)] == [
        (SECOND, "kill_switch", "kill"),
        (3 * SECOND, "kill_switch", "resume"),
    ]
    assert engine.strategy.events == 4  # events 2 and 3 skipped while killed
    sent = [r["ts_ns"] for r in out.where("orders", status="new")]
    assert sent == [0, SECOND, 4 * SECOND, 5 * SECOND]
    cancelled = [r["ts_ns"] for r in out.where("orders", status="cancelled")]
    assert cancelled[:2] == [SECOND, SECOND]


def test_kill_with_flatten_closes_the_position_with_a_market_order() -> None:
    """Long 1 (market buy at event 0, filled at event 1 at 100). A kill with flatten after
    the first batch cancels the resting buy @ 50 and sends a market sell 1, which passes the
    kill's gate and fills at the next print (101); the strategy is not called again."""
    plan = make_plan([scripted_strategy("script")])
    first = trades([0, SECOND], [100.0, 100.0], 5.0)
    second = trades([2 * SECOND, 3 * SECOND], [101.0, 101.0], 5.0)
    acts = [Act(0, 1, 1.0), Act(1, 1, 1.0, 50.0), Act(2, 1, 1.0)]
    engine = StrategyEngine(plan, "script", "run-1", strategy_factory=scripted(acts))
    out = Output()
    out.add(engine.on_batches([first]))
    engine.kill("kill_switch", "operator", close=True)
    out.add(engine.on_batches([second]))
    out.add(engine.on_eof())
    assert engine.ctx.position(0) == 0.0
    assert [r["ts_ns"] for r in out.where("orders", status="cancelled")] == [SECOND]
    sells = [r for r in out.where("orders", status="new") if r["side"] == -1]
    assert [(r["ts_ns"], r["qty"]) for r in sells] == [(SECOND, 1.0)]
    assert [f["price"] for f in out.dicts("fills")] == [100.0, 101.0]
    assert engine.strategy.events == 2
