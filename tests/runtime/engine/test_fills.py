"""The simulated venue's fill rules and fees, scenario by scenario (numbers by hand in each
docstring): market orders on trades and on quotes, marketable and resting limits, partial
maker fills capped by the print, price-time priority, latency, maker/taker fees."""

from __future__ import annotations

import pytest
from engine_builders import (
    MS,
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

from orderloom.dsl.kinds.simulated import SimulatedVenueParams

FEES = SimulatedVenueParams(latency_ns=0, maker_fee_bps=-1.0, taker_fee_bps=5.0)


def fills_of(out):
    return [
        (f["order_id"], f["ts_ns"], f["price"], f["qty"], f["liquidity"], f["fee"])
        for f in out.dicts("fills")
    ]


def test_market_order_fills_at_next_print_with_taker_fee():
    """Buy 2.0 at market after the print at 100: fills at the next print (101) in full, though
    that print is only 0.1; taker fee 5 bps of 202 = 0.101."""
    plan = make_plan([scripted_strategy()], venue=FEES)
    tape = trades([0, SECOND], [100.0, 101.0], 0.1)
    engine, out = run(plan, "script", [[tape]], factory=scripted([Act(0, 1, 2.0)]))
    assert fills_of(out) == [("script-000001", SECOND, 101.0, 2.0, "taker", pytest.approx(0.101))]
    assert out.dicts("fills")[0]["fee_currency"] == "USDT"
    assert engine.stats.fees == pytest.approx(0.101)


def test_resting_limit_maker_rebate_and_strict_through():
    """Sell 1.0 @ 101 rests (last 100). A print at 101 (at the limit) does not fill; 101.5 for
    0.4 fills 0.4 at 101 (maker, fee -1 bps = -0.00404); 102 for 5 fills the last 0.6."""
    plan = make_plan([scripted_strategy()], venue=FEES)
    tape = trades([0, 1, 2, 3], [100.0, 101.0, 101.5, 102.0], [1.0, 9.0, 0.4, 5.0])
    _, out = run(plan, "script", [[tape]], factory=scripted([Act(0, -1, 1.0, 101.0)]))
    assert fills_of(out) == [
        ("script-000001", 2, 101.0, 0.4, "maker", pytest.approx(-0.00404)),
        ("script-000001", 3, 101.0, 0.6, "maker", pytest.approx(-0.00606)),
    ]


def test_marketable_limit_takes_next_print_at_or_better():
    """Buy limit 101 with last 100 is marketable: it waits for a print at or below 101 (101.5
    is not), then fills completely at that print's price (100.8) as taker."""
    plan = make_plan([scripted_strategy()], venue=FEES)
    tape = trades([0, 1, 2], [100.0, 101.5, 100.8], 0.1)
    _, out = run(plan, "script", [[tape]], factory=scripted([Act(0, 1, 5.0, 101.0)]))
    assert fills_of(out) == [
        ("script-000001", 2, 100.8, 5.0, "taker", pytest.approx(100.8 * 5 * 5e-4))
    ]


def test_resting_priority_and_shared_print_quantity():
    """Two resting buys, 99 (sent second) and 98 (sent first): a print at 97 for 1.5 fills
    the better-priced 99 order first (1.0), then 0.5 of the 98 order."""
    plan = make_plan([scripted_strategy()], venue=FEES)
    tape = trades([0, 1, 2], [100.0, 100.0, 97.0], [1.0, 1.0, 1.5])
    acts = [Act(0, 1, 1.0, 98.0), Act(1, 1, 1.0, 99.0)]
    _, out = run(plan, "script", [[tape]], factory=scripted(acts))
    assert [(f[0], f[2], f[3]) for f in fills_of(out)] == [
        ("script-000002", 99.0, 1.0),
        ("script-000001", 98.0, 0.5),
    ]


def test_quoted_market_orders_take_the_touch_on_arrival():
    """With a quotes feed a market buy fills at the ask and a sell at the bid, on arrival
    (latency 5 ms: the quote in force at arrival, 100.1/100.3, not the one at sending)."""
    venue = SimulatedVenueParams(latency_ns=5 * MS, taker_fee_bps=2.0)
    plan = make_plan([scripted_strategy()], feeds=(quote_feed(),), venue=venue)
    book = quotes([0, 3 * MS, 10 * MS], [99.9, 100.1, 100.5], [100.0, 100.3, 100.7])
    acts = [Act(0, 1, 1.0), Act(0, -1, 2.0)]
    _, out = run(plan, "script", [[book]], factory=scripted(acts))
    assert fills_of(out) == [
        ("script-000001", 5 * MS, 100.3, 1.0, "taker", pytest.approx(100.3 * 2e-4)),
        ("script-000002", 5 * MS, 100.1, 2.0, "taker", pytest.approx(200.2 * 2e-4)),
    ]


def test_quoted_limit_marketable_against_ask_else_rests():
    """Quoted: buy limit 100.0 against ask 100.0 fills at the ask on arrival; buy limit 99.95
    rests and fills (maker, at 99.95) only when a print goes through it."""
    plan = make_plan([scripted_strategy()], feeds=(trade_feed(), quote_feed()), venue=FEES)
    book = quotes([0], [99.9], [100.0])
    tape = trades([1, 2], [99.96, 99.9], [1.0, 1.0])
    acts = [Act(0, 1, 1.0, 100.0), Act(0, 1, 1.0, 99.95)]
    _, out = run(plan, "script", [[book, tape]], factory=scripted(acts))
    assert [(f[0], f[1], f[2], f[4]) for f in fills_of(out)] == [
        ("script-000001", 0, 100.0, "taker"),
        ("script-000002", 2, 99.95, "maker"),
    ]


def test_latency_delays_arrival_and_marketability():
    """Latency 10 ms. Buy limit 100.5 sent at t=0 (last 100) arrives at 10 ms, when the last
    print is 101 (at 5 ms): not marketable, so it rests; 100.4 at 20 ms goes through it."""
    plan = make_plan([scripted_strategy()], venue=SimulatedVenueParams(latency_ns=10 * MS))
    tape = trades([0, 5 * MS, 20 * MS], [100.0, 101.0, 100.4], 2.0)
    _, out = run(plan, "script", [[tape]], factory=scripted([Act(0, 1, 1.0, 100.5)]))
    assert [(f[1], f[2], f[4]) for f in fills_of(out)] == [(20 * MS, 100.5, "maker")]
    accepted = out.where("orders", status="accepted")[0]
    assert accepted["ts_ns"] == 10 * MS
