"""max_loss with `period: daily`: the loss counts from the PnL at the last UTC midnight of
event time, so a loss taken late on day 1 does not eat day 2's allowance; a trip cancels the
open orders and halts the instance until the next midnight."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from engine_builders import SECOND, Act, make_plan, run, scripted, scripted_strategy, trades

from orderloom.dsl.kinds.risk_loss import MaxLossParams
from orderloom.dsl.plan import InstanceRisk, RiskCheck, RiskLimits


def _ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()) * SECOND


DAY2 = _ts("2024-01-02T00:00:00")
DAY3 = _ts("2024-01-03T00:00:00")
TIMES = [
    _ts("2024-01-01T23:00:00"),
    _ts("2024-01-01T23:00:01"),
    _ts("2024-01-01T23:59:00"),
    _ts("2024-01-02T00:00:30"),
    _ts("2024-01-02T00:01:00"),
    _ts("2024-01-02T00:02:00"),
    _ts("2024-01-02T00:03:00"),
    _ts("2024-01-02T00:04:00"),
    _ts("2024-01-03T00:00:10"),
    _ts("2024-01-03T00:00:20"),
]
PRICES = [100.0, 100.0, 92.0, 89.5, 84.0, 82.5, 81.9, 81.0, 81.0, 81.0]
LIMIT = 10.0


def _run(period: str):  # type: ignore[no-untyped-def]
    check = RiskCheck("max_loss", MaxLossParams(LIMIT, "USDT", period))
    plan = make_plan(
        [scripted_strategy("script")],
        risk=RiskLimits(instances=(InstanceRisk("script", (check,)),)),
    )
    # Buy 1 at market (fills at event 1, 100.0, no fees); a resting bid far below at event 3
    # (cancelled by the trip); buys at event 7 (halted) and event 8 (day 3: allowed again).
    acts = [Act(0, 1, 1.0), Act(3, 1, 1.0, 10.0), Act(7, 1, 0.1), Act(8, 1, 0.1)]
    tape = trades(TIMES, PRICES, 50.0)
    return run(plan, "script", [[tape]], factory=scripted(acts))


def test_day_two_may_lose_the_limit_again() -> None:
    """Long 1 from 100. Day 1 ends at 92: loss 8 ≤ 10, no trip. Day 2 starts from PnL −8, so
    its loss at price p is 92 − p: 2.5 at 89.5 (the run loss, 10.5, is over the limit but the
    daily one is not), 8 at 84, 9.5 at 82.5, 10.1 at 81.9 > 10: halt at 00:03:00 until day 3
    — the resting bid is cancelled, the event-7 buy is refused, the day-3 buy goes out."""
    _engine, out = _run("daily")
    trips = [
        (e["ts_ns"], e["check"], e["action"], e["limit_value"], e["value"])
        for e in out.dicts("risk_events")
        if e["action"] != "reject"
    ]
    day1_close = 100.0 - 92.0
    assert day1_close <= LIMIT
    expected_loss = (100.0 - 81.9) - day1_close
    assert trips == [(TIMES[6], "max_loss", "halt", LIMIT, pytest.approx(expected_loss))]
    assert expected_loss > LIMIT > (100.0 - 82.5) - day1_close
    rejects = [
        (e["ts_ns"], e["check"]) for e in out.dicts("risk_events") if e["action"] == "reject"
    ]
    assert rejects == [(TIMES[7], "max_loss")]
    cancelled = out.where("orders", status="cancelled")
    assert [o["ts_ns"] for o in cancelled][:1] == [TIMES[6]]
    sent = [o["ts_ns"] for o in out.where("orders", status="new")]
    assert sent == [TIMES[0], TIMES[3], TIMES[8]]
    assert DAY2 < TIMES[6] < DAY3 <= TIMES[8]


def test_without_a_period_the_loss_counts_from_the_start() -> None:
    """The same tape against a run-long max_loss of 10: 100 − 89.5 = 10.5 > 10 trips (kill)
    at the first event of day 2."""
    _engine, out = _run("run")
    trips = [(e["ts_ns"], e["action"]) for e in out.dicts("risk_events") if e["action"] == "kill"]
    assert trips == [(TIMES[3], "kill")]
