"""Venue rules on arrival, under the default `trades` fill model: min notional (rejected by
the venue, new -> rejected), post-only (rejected, or re-priced one tick behind the touch),
good-till-date expiry, self-trade prevention in its three modes, IOC/FOK with and without a
quotes feed. Instrument: tick 0.01, lot 0.1 unless said; book bid 99.98 / ask 100.00."""

from __future__ import annotations

import pytest
from engine_builders import MS, SECOND, run, trades
from venue_builders import OrderScript, Send, book, fills_of, path, script, venue_plan

from orderloom.dsl.kinds.simulated import SimulatedVenueParams


def quotes(n: int = 4, ask_qty: float = 2.0):
    """n identical top-of-book updates, one per second from 1 s."""
    return book(
        [(k + 1) * SECOND for k in range(n)], [99.98] * n, [5.0] * n, [100.0] * n, [ask_qty] * n
    )


def test_min_notional_rejects_at_the_venue():
    """min_notional 50: buy 0.4 @ 99 (39.6) rejected, buy 0.6 @ 99 (59.4) rests, market sell
    0.4 valued at the bid (0.4 × 99.98 = 39.992) rejected. Rejections come back through
    on_reject after the venue latency; the open-lot counters drop back."""
    venue = SimulatedVenueParams(min_notional=50.0, latency_ns=2 * MS)
    sends = [Send(0, 1, 0.4, 99.0), Send(0, 1, 0.6, 99.0), Send(0, -1, 0.4)]
    engine, out = run(venue_plan(venue, lot=0.1), "script", [[quotes()]], factory=script(sends))
    arrival = 1 * SECOND + 2 * MS
    assert path(out, "script-000001") == [
        ("new", 1 * SECOND, ""),
        (
            "rejected",
            arrival,
            f"min_notional: order script-000001 notional {0.4 * 99.0:.10g} is below 50",
        ),
    ]
    assert [s for s, _, _ in path(out, "script-000002")] == ["new", "accepted", "cancelled"]
    assert path(out, "script-000003")[-1][0:2] == ("rejected", arrival)
    assert f"notional {0.4 * 99.98:.10g}" in path(out, "script-000003")[-1][2]
    strategy = engine.strategy
    assert [order_id for order_id, _ in strategy.rejects] == ["script-000001", "script-000003"]
    assert engine.ctx.rejects == 2
    assert strategy.checks == 4  # counters checked at every event (venue_builders)


def test_post_only_rejected_when_it_would_take():
    """Post-only buy at the ask (100.00) would take: rejected; at 99.99 it rests."""
    sends = [Send(0, 1, 1.0, 100.0, post_only=True), Send(0, 1, 1.0, 99.99, post_only=True)]
    _, out = run(
        venue_plan(SimulatedVenueParams(), lot=0.1), "script", [[quotes()]], factory=script(sends)
    )
    assert path(out, "script-000001")[-1] == (
        "rejected",
        1 * SECOND,
        "post_only: order script-000001 at 100 would take liquidity at 100",
    )
    assert [s for s, _, _ in path(out, "script-000002")] == ["new", "accepted", "cancelled"]
    assert fills_of(out) == []


def test_post_only_repriced_one_tick_behind_the_touch():
    """`post_only: reprice`: a buy at 100.05 becomes 99.99 (ask - 1 tick), a sell at 99.90
    becomes 99.99 (bid + 1 tick); both rest (accepted rows carry the new price)."""
    venue = SimulatedVenueParams(post_only="reprice")
    sends = [Send(0, 1, 1.0, 100.05, post_only=True), Send(0, -1, 1.0, 99.9, post_only=True)]
    engine, out = run(venue_plan(venue, lot=0.1), "script", [[quotes()]], factory=script(sends))
    accepted = out.where("orders", status="accepted")
    assert [(r["order_id"], r["price"]) for r in accepted] == [
        ("script-000001", 99.99),
        ("script-000002", 99.99),
    ]
    assert [o.price for o in engine.strategy.placed] == [99.99, 99.99]
    assert fills_of(out) == []


def test_good_till_date_expires():
    """A buy at 99 with expire_ns 2.5 s is cancelled ("expired") at 2.5 s; with latency 10 ms
    an order expiring 5 ms after it is sent is cancelled on arrival, never accepted."""
    venue = SimulatedVenueParams(latency_ns=10 * MS)
    sends = [
        Send(0, 1, 1.0, 99.0, expire_ns=int(2.5 * SECOND)),
        Send(1, 1, 1.0, 99.0, expire_ns=2 * SECOND + 5 * MS),
    ]
    engine, out = run(venue_plan(venue, lot=0.1), "script", [[quotes()]], factory=script(sends))
    assert path(out, "script-000001") == [
        ("new", 1 * SECOND, ""),
        ("accepted", 1 * SECOND + 10 * MS, ""),
        ("cancelled", int(2.5 * SECOND), "expired"),
    ]
    assert path(out, "script-000002") == [
        ("new", 2 * SECOND, ""),
        ("cancelled", 2 * SECOND + 10 * MS, "expired"),
    ]
    assert engine.strategy.cancels == ["script-000002", "script-000001"]


@pytest.mark.parametrize(
    ("mode", "sell_end", "buy_end", "buy_fills"),
    [
        ("none", "cancelled", "filled", 1),  # sell left at end of replay
        ("cancel_newest", "cancelled", "cancelled", 0),
        ("cancel_oldest", "cancelled", "filled", 1),
        ("cancel_both", "cancelled", "cancelled", 0),
    ],
)
def test_self_trade_prevention(mode, sell_end, buy_end, buy_fills):
    """A resting sell 1 @ 100.01, then a buy limited at 100.01 (it crosses the ask 100.00 and
    the instance's own sell): per mode the new buy, the old sell or both are cancelled; a
    surviving buy takes the ask (taker)."""
    venue = SimulatedVenueParams(self_trade=mode)
    sends = [Send(0, -1, 1.0, 100.01), Send(1, 1, 1.0, 100.01)]
    _, out = run(venue_plan(venue, lot=0.1), "script", [[quotes()]], factory=script(sends))
    sell, buy = path(out, "script-000001"), path(out, "script-000002")
    assert (sell[-1][0], buy[-1][0]) == (sell_end, buy_end)
    reason = f"self-trade prevention: {mode}"
    if mode in ("cancel_oldest", "cancel_both"):
        assert sell[-1] == ("cancelled", 2 * SECOND, reason)
    else:
        assert sell[-1][2] == "end of replay"
    if mode in ("cancel_newest", "cancel_both"):
        assert buy == [
            ("new", 2 * SECOND, ""),
            ("accepted", 2 * SECOND, ""),
            ("cancelled", 2 * SECOND, reason),
        ]
    assert fills_of(out, "script-000002") == [(2 * SECOND, 100.0, 1.0, "taker")] * buy_fills


def test_ioc_fok_with_quotes_fill_at_the_touch():
    """The trades model fills marketable orders completely at the touch, so IOC and FOK for
    5 on an ask of 2 fill all 5; an IOC below the ask has nothing to take: cancelled."""
    sends = [
        Send(0, 1, 5.0, 100.0, tif="ioc"),
        Send(0, 1, 5.0, 100.0, tif="fok"),
        Send(0, 1, 1.0, 99.99, tif="ioc"),
    ]
    _, out = run(
        venue_plan(SimulatedVenueParams(), lot=0.1), "script", [[quotes()]], factory=script(sends)
    )
    assert fills_of(out) == [(1 * SECOND, 100.0, 5.0, "taker")] * 2
    assert path(out, "script-000003")[-1] == (
        "cancelled",
        1 * SECOND,
        "ioc: nothing to take on arrival",
    )


def test_ioc_without_quotes_gets_the_next_print():
    """Trades only (last 99.9): an IOC buy @ 100.0 is marketable against the last print, so
    the next print decides: at 100.5 (above its limit) it is cancelled. After the 100.4 print
    an IOC buy @ 100.5 meets the next print, 99.8, and fills there (taker, at the print); an
    IOC buy at 99 is not marketable: cancelled on arrival."""
    tape = trades(
        [1 * SECOND, 2 * SECOND, 3 * SECOND, 4 * SECOND, 5 * SECOND],
        [99.9, 100.5, 100.4, 99.8, 99.8],
    )
    sends = [
        Send(0, 1, 1.0, 100.0, tif="ioc"),
        Send(2, 1, 1.0, 100.5, tif="ioc"),
        Send(2, 1, 1.0, 99.0, tif="ioc"),
    ]
    _, out = run(
        venue_plan(SimulatedVenueParams(), quotes=False, lot=0.1),
        "script",
        [[tape]],
        factory=script(sends),
    )
    assert path(out, "script-000001")[-1] == (
        "cancelled",
        2 * SECOND,
        "ioc: nothing to take on arrival",
    )
    assert fills_of(out, "script-000002") == [(4 * SECOND, 99.8, 1.0, "taker")]
    assert path(out, "script-000003")[-1] == (
        "cancelled",
        3 * SECOND,
        "ioc: nothing to take on arrival",
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"tif": "day"}, "tif must be one of 'gtc', 'ioc', 'fok', got 'day'"),
        ({"tif": "ioc", "post_only": True}, "post_only needs a limit price and tif 'gtc'"),
        ({"tif": "fok", "expire_ns": 5}, "expire_ns applies to resting (gtc) orders"),
    ],
)
def test_contradictory_order_options_raise(kwargs, message):
    class Sender(OrderScript):
        def on_market(self, ctx, slot):
            ctx.place(1, 1.0, 100.0, **kwargs)

    plan = venue_plan(SimulatedVenueParams(), lot=0.1)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(plan, "script", [[quotes(1)]], factory=lambda setup: Sender(setup, []))
