"""Throttles in event time: order and cancel token buckets (a token comes back every
per / max), and the cap on open orders — each just under and just over its limit."""

from __future__ import annotations

from engine_builders import MS, SECOND, Act, trades
from risk_builders import check, events, outcome, rejected, sent

from orderloom.dsl.kinds.risk_open_orders import MaxOpenOrdersParams
from orderloom.dsl.kinds.risk_order_rate import RateLimitParams
from orderloom.runtime.risk.throttles import TokenBucket

# Events at 0, 499.999999 ms, 500 ms and 1 s.
TIMES = [0, 500 * MS - 1, 500 * MS, SECOND]
TAPE = trades(TIMES, [100.0] * 4, 50.0)


def test_order_rate_bucket_refills_one_token_per_period_over_max() -> None:
    """2 per 1s, burst 2: at t=0 two orders pass and a third is refused (it would be the 3rd
    in the last second). A token takes 1s / 2 = 500 ms to come back: 1 ns before that the
    order is refused, at 500 ms it passes; a second one at 500 ms is refused again (it would
    be the 4th within a second: a bucket allows burst + max x elapsed / per)."""
    rate = check("order_rate", RateLimitParams(2.0, SECOND, 2.0))
    acts = [Act(0, 1, 1.0, 90.0)] * 3 + [Act(1, 1, 1.0, 90.0)] + [Act(2, 1, 1.0, 90.0)] * 2
    engine, out = outcome([rate], acts, [TAPE])
    assert sent(out) == ["script-000001", "script-000002", "script-000005"]
    assert events(out) == [
        ("script-000003", "order_rate", 2.0, 3.0),
        ("script-000004", "order_rate", 2.0, 3.0),
        ("script-000006", "order_rate", 2.0, 4.0),
    ]
    message = out.dicts("risk_events")[0]["message"]
    assert message == (
        "order script-000003: order_rate 2 per 1s exhausted "
        "(this would be order 3 in the last 1s; account)"
    )
    assert len(engine.strategy.rejects) == 3


def test_order_rate_burst_smaller_than_max() -> None:
    """10 per 1s with burst 1: one order at a time, then one every 100 ms."""
    rate = check("order_rate", RateLimitParams(10.0, SECOND, 1.0))
    tape = trades([0, 100 * MS - 1, 100 * MS], [100.0] * 3, 50.0)
    acts = [Act(0, 1, 1.0, 90.0), Act(0, 1, 1.0, 90.0), Act(1, 1, 1.0, 90.0), Act(2, 1, 1.0, 90.0)]
    _, out = outcome([rate], acts, [tape])
    assert sent(out) == ["script-000001", "script-000004"]


def test_token_bucket_budget_is_exact_for_fractional_rates() -> None:
    """A 1/3 share of 20/s is 6.666667/s (kept to a millionth of an order): 6 at once, 0.666667
    token left, and the missing 0.333333 comes in 0.333333 / 6.666667 s = 49_999_947.5 ns, so
    the 7th order passes at 49_999_948 ns and not 1 ns earlier."""
    bucket = TokenBucket(20 / 3, SECOND, 20 / 3)
    for _ in range(6):
        assert bucket.available(0)
        bucket.take(0)
    assert not bucket.available(49_999_947)
    assert bucket.available(49_999_948)


def test_cancel_rate_refuses_and_keeps_the_order_working() -> None:
    """1 cancel per 1s: at t=0 two resting orders; cancel #1 passes, cancel #2 at the same
    moment is refused (the order stays open, a risk event names it); at 1s - 1ns cancel #2 is
    refused again; at 1s it passes. (Zero latency: a cancel takes effect at its request
    time, applied when the next event arrives.)"""
    rate = check("cancel_rate", RateLimitParams(1.0, SECOND, 1.0))
    tape = trades([0, SECOND - 1, SECOND, 2 * SECOND], [100.0] * 4, 50.0)
    acts = [
        *[Act(0, 1, 1.0, 90.0)] * 2,
        Act(0, cancel=0),
        Act(0, cancel=1),
        Act(1, cancel=1),
        Act(2, cancel=1),
    ]
    _, out = outcome([rate], acts, [tape])
    found = out.dicts("risk_events")
    assert [(e["event_id"], e["order_id"], e["value"], e["ts_ns"], e["action"]) for e in found] == [
        ("script-000002-cancel_rate-1", "script-000002", 2.0, 0, "reject_cancel"),
        ("script-000002-cancel_rate-2", "script-000002", 2.0, SECOND - 1, "reject_cancel"),
    ]
    cancels = [(r["order_id"], r["ts_ns"]) for r in out.where("orders", status="cancelled")]
    assert cancels == [("script-000001", 0), ("script-000002", SECOND)]
    assert not rejected(out)


def test_max_open_orders_counts_working_orders() -> None:
    """Limit 2: two resting orders pass, a third is refused (it would be open order 3). Once
    the first is cancelled (effective at the next event), a new one passes."""
    cap = check("max_open_orders", MaxOpenOrdersParams(2))
    acts = [*[Act(0, 1, 1.0, 90.0)] * 3, Act(0, cancel=0), Act(1, 1, 1.0, 90.0)]
    _, out = outcome([cap], acts, [TAPE])
    assert events(out) == [("script-000003", "max_open_orders", 2.0, 3.0)]
    assert sent(out) == ["script-000001", "script-000002", "script-000004"]
