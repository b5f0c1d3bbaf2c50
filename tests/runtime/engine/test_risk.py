"""Pre-trade risk: each limit accepts an order just under it and rejects one just over it,
with a single `rejected` orders row, a `risk_events` row naming the order, and on_reject."""

from __future__ import annotations

import math

import pytest
from engine_builders import (
    BTC,
    SECOND,
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

from orderloom.dsl.plan import RiskLimits
from orderloom.runtime.engine.lots import LotSpec
from orderloom.runtime.engine.oms import Oms
from orderloom.runtime.risk.checks import MaxOrderNotional

TAPE = trades([0, SECOND, 2 * SECOND], [100.0, 100.0, 100.0], 50.0)


def outcome(risk: RiskLimits, acts: list[Act], feeds=(), batches=None):
    plan = make_plan([scripted_strategy()], feeds=feeds, risk=risk)
    return run(plan, "script", [batches or [TAPE]], factory=scripted(acts))


@pytest.mark.parametrize(
    ("qty", "price", "accepted"),
    [
        (10.0, 99.99, True),  # 999.9
        (10.0, 100.0, True),  # 1000.0: at the limit
        (10.0, 100.01, False),  # 1000.1
        (10.001, 100.0, False),  # 1000.1
    ],
)
def test_max_order_notional_limit_orders(qty, price, accepted):
    engine, out = outcome(RiskLimits(max_order_notional=1000.0), [Act(1, 1, qty, price)])
    rows = out.where("orders", order_id="script-000001")
    if accepted:
        assert rows[0]["status"] == "new"
        assert not out.rows["risk_events"]
        return
    assert [(r["seq"], r["status"]) for r in rows] == [(1, "rejected")]
    (event,) = out.dicts("risk_events")
    notional = round(qty, 3) * price
    assert event == {
        "run_id": "run-1",
        "event_id": "script-000001-max_order_notional",
        "ts_ns": SECOND,
        "strategy": "script",
        "order_id": "script-000001",
        "check": "max_order_notional",
        "limit_value": 1000.0,
        "value": pytest.approx(notional),
        "action": "reject",
        "message": event["message"],
    }
    assert "script-000001" in event["message"] and rows[0]["reason"] == event["message"]
    assert engine.strategy.rejects == [("script-000001", event["message"])]
    assert engine.stats.rejects == 1


@pytest.mark.parametrize(("qty", "accepted"), [(10.0, True), (10.001, False)])
def test_max_order_notional_market_uses_last_trade(qty, accepted):
    _, out = outcome(RiskLimits(max_order_notional=1000.0), [Act(1, 1, qty)])
    assert bool(out.rows["risk_events"]) is not accepted


def test_max_order_notional_market_uses_touch_when_quoted():
    """With quotes the reference of a market buy is the ask (101), of a sell the bid (99):
    9.9 × 101 = 999.9 passes, 9.91 × 101 = 1000.91 fails; a sell of 10.1 × 99 = 999.9 passes."""
    feeds = (trade_feed(), quote_feed())
    book = quotes([0], [99.0], [101.0])
    acts = [Act(1, 1, 9.9), Act(1, 1, 9.91), Act(1, -1, 10.1)]
    _, out = outcome(RiskLimits(max_order_notional=1000.0), acts, feeds, [TAPE, book])
    assert [(e["order_id"], e["value"]) for e in out.dicts("risk_events")] == [
        ("script-000002", pytest.approx(1000.91))
    ]


def test_market_order_without_reference_price_is_rejected():
    """Before any print or quote a market order cannot be priced: the notional check refuses
    it rather than let an unbounded order through."""
    lots = LotSpec(0.001, 0.01)
    oms = Oms("r", "s", [BTC], "sim", [lots])
    order = oms.create(0, 1, 1000, None, 0)

    class Unpriced:
        def __init__(self) -> None:
            self.position_lots = [0]
            self.open_buy_lots = [0]
            self.open_sell_lots = [0]

        def reference_price(self, slot: int, side: int) -> float:
            return math.nan

    violation = MaxOrderNotional(1000.0).check(order, Unpriced())
    assert violation is not None
    assert math.isnan(violation.value)
    assert "no reference price" in violation.message and order.order_id in violation.message


def test_max_position_counts_position_and_open_same_side():
    """Limit 1.0. A market buy of 0.6 fills (position 0.6); a resting buy of 0.3 is open;
    a sell of 0.5 resting does not count for buys. A further buy of 0.1 reaches exactly 1.0
    (accepted), 0.101 more would reach 1.001 (rejected). Sells: 0.6 - 0.5 open - 1.1 = -1.0
    passes, then 0.001 more fails."""
    acts = [
        Act(0, 1, 0.6),  # fills at the print of event 1
        Act(2, 1, 0.3, 90.0),
        Act(2, -1, 0.5, 110.0),
        Act(3, 1, 0.1, 90.0),  # 0.6 + 0.3 + 0.1 = 1.0
        Act(3, 1, 0.001, 90.0),  # 1.001
        Act(3, -1, 1.1, 110.0),  # 0.6 - 0.5 - 1.1 = -1.0
        Act(3, -1, 0.001, 110.0),  # 0.6 - 1.6 - 0.001 = -1.001
    ]
    tape = trades([i * SECOND for i in range(5)], [100.0] * 5, 50.0)
    engine, out = outcome(RiskLimits(max_position=((BTC, 1.0),)), acts, batches=[tape])
    events = out.dicts("risk_events")
    assert [(e["order_id"], e["check"], e["limit_value"], e["value"]) for e in events] == [
        ("script-000005", "max_position", 1.0, 1.001),
        ("script-000007", "max_position", 1.0, 1.001),
    ]
    rejected = {r["order_id"] for r in out.where("orders", status="rejected")}
    assert rejected == {"script-000005", "script-000007"}
    assert engine.ctx.position(0) == 0.6


def test_no_limits_no_checks():
    engine, out = outcome(RiskLimits(), [Act(1, 1, 1e6)])
    assert not out.rows["risk_events"]
    assert engine.ctx.risk.checks == ()
