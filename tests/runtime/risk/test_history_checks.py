"""Checks against what the instance already did: value traded in the UTC day (filled + open +
new order) and duplicate orders within a window of event time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from engine_builders import MS, SECOND, Act, trades
from risk_builders import check, events, outcome, sent

from orderloom.dsl.kinds.risk_daily_notional import MaxDailyNotionalParams
from orderloom.dsl.kinds.risk_duplicate_orders import DuplicateOrdersParams

MIDNIGHT = int(datetime(2024, 1, 2, tzinfo=UTC).timestamp()) * SECOND


def test_max_daily_notional_counts_fills_open_orders_and_restarts_each_utc_day() -> None:
    """Limit 1000 USDT; prints at 100 at 23:59:58, :59 and 00:00:00.5 the next day.
    Event 0: market buy 5 -> fills at event 1 at 100: 500 traded today.
    Event 1: buy 5 @ 90 resting: 500 + 0 + 450 = 950 passes; buy 0.555 @ 90 (49.95):
      500 + 450 + 49.95 = 999.95 passes; buy 0.001 @ 90 (0.09): 1000.04 is refused.
    Event 2, the next UTC day: traded today restarts at 0; open 450 + 49.95 = 499.95; a
    buy 5 @ 90 makes 949.95 and passes; 0.6 @ 90 more (54) makes 1003.95, refused."""
    tape = trades([MIDNIGHT - 2 * SECOND, MIDNIGHT - SECOND, MIDNIGHT + 500 * MS], [100.0] * 3)
    limit = check("max_daily_notional", MaxDailyNotionalParams(1000.0, "USDT"))
    acts = [
        Act(0, 1, 5.0),
        Act(1, 1, 5.0, 90.0),
        Act(1, 1, 0.555, 90.0),
        Act(1, 1, 0.001, 90.0),
        Act(2, 1, 5.0, 90.0),
        Act(2, 1, 0.6, 90.0),
    ]
    _, out = outcome([limit], acts, [tape])
    assert events(out) == [
        ("script-000004", "max_daily_notional", 1000.0, pytest.approx(1000.04)),
        ("script-000006", "max_daily_notional", 1000.0, pytest.approx(1003.95)),
    ]
    assert "traded today 500 + open 499.95 + order 0.09" in out.dicts("risk_events")[0]["message"]


def test_duplicate_orders_within_the_window() -> None:
    """Window 1s: a buy 1 @ 90 at t=0; the same order 1 ns before 1s is refused (0.999999999
    s old); a different price passes; at exactly 1s the window has passed (the refused copy
    did not restart it). Market orders repeat market orders."""
    tape = trades([0, SECOND - 1, SECOND], [100.0] * 3, 50.0)
    window = check("duplicate_orders", DuplicateOrdersParams(SECOND))
    acts = [
        Act(0, 1, 1.0, 90.0),
        Act(0, 1, 1.0),
        Act(1, 1, 1.0, 90.0),
        Act(1, 1, 1.0, 90.01),
        Act(1, -1, 1.0, 90.0),
        Act(1, 1, 1.0),
        Act(2, 1, 1.0, 90.0),
    ]
    _, out = outcome([window], acts, [tape])
    assert events(out) == [
        ("script-000003", "duplicate_orders", 1.0, 0.999999999),
        ("script-000006", "duplicate_orders", 1.0, 0.999999999),
    ]
    assert sent(out) == [f"script-00000{n}" for n in (1, 2, 4, 5, 7)]
