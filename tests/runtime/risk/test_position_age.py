"""max_position_age: a position held longer than N of event time is flattened (or the
instance killed) at exactly open time + N; closing it first, or reopening, moves the clock."""

from __future__ import annotations

import pytest
from engine_builders import SECOND, Act, make_plan, run, scripted, scripted_strategy, trades

from orderloom.dsl.kinds.risk_position_age import MaxPositionAgeParams
from orderloom.dsl.plan import InstanceRisk, RiskCheck, RiskLimits

TAPE = trades([k * SECOND for k in range(12)], [100.0] * 12, 50.0)
AGE_NS = 3 * SECOND + SECOND // 2


def _run(acts: list[Act], action: str = "flatten"):  # type: ignore[no-untyped-def]
    check = RiskCheck("max_position_age", MaxPositionAgeParams(AGE_NS, action))
    risk = RiskLimits(instances=(InstanceRisk("script", (check,)),))
    plan = make_plan([scripted_strategy("script")], risk=risk)
    return run(plan, "script", [[TAPE]], factory=scripted(acts))


def _trips(out) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [
        (e["ts_ns"], e["check"], e["action"], e["value"])
        for e in out.dicts("risk_events")
        if e["check"] == "max_position_age"
    ]


def test_a_position_older_than_the_limit_is_flattened_at_open_plus_age() -> None:
    """Market buy at event 0 fills at event 1 (t = 1 s): the position opens at 1 s, so it is
    due at 1 + 3.5 = 4.5 s. The flatten sends a market sell at 4.5 s that fills at the next
    trade (5 s); the position is 0 after it and nothing trips again."""
    engine, out = _run([Act(0, 1, 1.0)])
    fills = [(f["ts_ns"], f["side"]) for f in out.dicts("fills")]
    assert fills[0][0] == 1 * SECOND
    due = 1 * SECOND + AGE_NS
    assert _trips(out) == [(due, "max_position_age", "flatten", pytest.approx(3.5))]
    assert fills[1][0] == 5 * SECOND and fills[1][1] != fills[0][1]
    assert engine.ctx.position(0) == 0
    assert not engine.killed


def test_closing_before_the_age_cancels_it_and_reopening_restarts_it() -> None:
    """Buy at event 0 (fill 1 s), sell at event 2 (fill 3 s: flat, the 4.5 s deadline is
    void), buy at event 3 (fill 4 s): due at 4 + 3.5 = 7.5 s. Adding at event 5 (fill 6 s)
    does not move the deadline."""
    acts = [Act(0, 1, 1.0), Act(2, -1, 1.0), Act(3, 1, 1.0), Act(5, 1, 1.0)]
    _engine, out = _run(acts)
    assert [f["ts_ns"] for f in out.dicts("fills")][:4] == [k * SECOND for k in (1, 3, 4, 6)]
    assert _trips(out) == [(4 * SECOND + AGE_NS, "max_position_age", "flatten", 3.5)]


def test_action_kill_stops_the_instance() -> None:
    engine, out = _run([Act(0, 1, 1.0), Act(8, 1, 1.0)], action="kill")
    assert _trips(out) == [(1 * SECOND + AGE_NS, "max_position_age", "kill", 3.5)]
    assert engine.killed
    assert engine.ctx.position(0) == 1.0  # kill keeps the position; the event-8 buy never sent
    assert len(out.where("orders", status="new")) == 1
