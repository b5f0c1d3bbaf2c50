"""A runaway strategy (three orders on every market event, ignoring refusals) is stopped by
the order-rate throttle: the count of orders that reach the venue is what the token bucket
allows, burst + max x elapsed / per, hand-computed in each docstring."""

from __future__ import annotations

from engine_builders import MS, SECOND, make_plan, run, runaway, scripted_strategy, trades
from risk_builders import check, sent

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.kinds.risk_order_rate import RateLimitParams
from orderloom.dsl.plan import InstanceRisk, RiskLimits

# 1000 prints 10 ms apart: t = 0 .. 9.99 s.
TAPE = trades([i * 10 * MS for i in range(1000)], [100.0] * 1000, 50.0)


def test_rate_throttle_stops_a_runaway_loop() -> None:
    """20 per 1s, burst 20, plus a token every 50 ms: by 60 ms (event 6, attempts 19-21)
    20 + 1.2 tokens were there, so 21 passed; attempt 22 at 70 ms finds 0.4 and is the first
    refusal. By the last event at 9.99 s the bucket has granted 20 + 20 x 9.99 = 219.8 -> 219
    orders; the other 3000 - 219 attempts are refused."""
    risk = RiskLimits(
        instances=(InstanceRisk("script", (check("order_rate", RateLimitParams(20, SECOND, 20)),)),)
    )
    plan = make_plan([scripted_strategy()], risk=risk)
    engine, out = run(plan, "script", [[TAPE]], factory=runaway(per_event=3))
    assert engine.strategy.attempts == 3000
    assert len(sent(out)) == 219
    assert engine.strategy.rejects == 3000 - 219 == len(out.rows["risk_events"])
    first_refusal = out.dicts("risk_events")[0]
    assert (first_refusal["order_id"], first_refusal["ts_ns"]) == ("script-000022", 70 * MS)
    assert {e["check"] for e in out.dicts("risk_events")} == {"order_rate"}


PIPELINE = """\
orderloom: 1
name: runaway
instruments:
  BTC/USDT@sim: {tick_size: 0.01, lot_size: 0.001}
venues:
  sim: {kind: simulated}
feeds:
  trades: {kind: synthetic, instrument: BTC/USDT@sim, s0: 100, sigma: 0.5, dt: 1s, count: 10}
strategies:
  loop: {kind: signal, instrument: BTC/USDT@sim, target: 0.01}
  calm: {kind: signal, instrument: BTC/USDT@sim, target: 0.01}
risk:
  order_rate: {max: 20, per: 1s, scope: {venue: sim}}
"""


def test_venue_budget_from_yaml_stops_the_runaway_at_its_share() -> None:
    """The venue's 20 per 1s is split equally between `loop` and `calm`: `loop` gets 10 per
    1s with a burst of 10, so the loop reaches the venue 10 + 10 x 9.99 = 109.9 -> 109 times."""
    plan = compile_text(PIPELINE, env={})
    (limit,) = plan.risk.checks_for("loop") or ()
    assert (limit.params, limit.share) == (RateLimitParams(10.0, SECOND, 10.0), 0.5)
    engine, out = run(plan, "loop", [[TAPE]], factory=runaway(per_event=3))
    assert len(sent(out)) == 109
    assert engine.strategy.rejects == 3000 - 109
    assert "; venue sim, 50% share)" in out.dicts("risk_events")[0]["message"]
