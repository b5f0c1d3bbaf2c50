"""`fill_model: touch`: aggressive orders take the displayed opposite size, walking levels up
to their limit, the remainder waiting for the next book update; a limit remainder the touch
moved away from rests and fills (maker, at its price) when the opposite touch reaches it, up
to the displayed size; IOC cancels what did not fill on arrival, FOK fills all or nothing.
Instrument: tick 0.01, lot 1; latency 0."""

from __future__ import annotations

from engine_builders import SECOND, run, trades
from venue_builders import Send, book, fills_of, path, script, venue_plan

from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import Plan
from orderloom.runtime.engine.book import Book
from orderloom.runtime.engine.lots import LotSpec
from orderloom.runtime.engine.oms import Oms
from orderloom.runtime.venues.touch import crossing_lots, take, takeable

TOUCH = SimulatedVenueParams(fill_model="touch", taker_fee_bps=5.0)


def plan() -> Plan:
    return venue_plan(TOUCH)


def walk(want: int, updates: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Independent expectation for a market buy on a top-of-book feed: at each update it
    takes min(what is left, the ask size) at the ask."""
    out = []
    for price, size in updates:
        take = min(want, int(size))
        if take:
            out.append((price, float(take)))
            want -= take
    return out


def test_market_order_takes_displayed_size_and_waits_for_the_next_update():
    """Buy 5 at market: ask 100.00 x2 on arrival, then updates 100.01 x1, 100.02 x10."""
    updates = [(100.0, 2.0), (100.01, 1.0), (100.02, 10.0)]
    quotes = book(
        [1 * SECOND, 2 * SECOND, 3 * SECOND],
        [99.98] * 3,
        [5.0] * 3,
        [p for p, _ in updates],
        [s for _, s in updates],
    )
    _, out = run(plan(), "script", [[quotes]], factory=script([Send(0, 1, 5)]))
    got = fills_of(out)
    assert [(p, q) for _, p, q, _ in got] == walk(5, updates)
    assert [t for t, *_ in got] == [1 * SECOND, 2 * SECOND, 3 * SECOND]
    assert {liq for *_, liq in got} == {"taker"}
    fees = [f["fee"] for f in out.dicts("fills")]
    assert fees == [p * q * 5e-4 for p, q in walk(5, updates)]


def test_limit_remainder_rests_then_fills_when_the_touch_reaches_it():
    """Buy 5 @ 100.00: takes 2 of the 100.00 ask (taker); the ask moves to 100.03 so the
    rest (3) rests at 100.00; a print through it at 99.90 does not fill it (this model fills
    from the book); the ask drops to 99.99 x1: 1 lot fills at 100.00 as maker; the ask at
    100.00 x10 fills the last 2."""
    quotes = book(
        [1 * SECOND, 2 * SECOND, 3 * SECOND, 4 * SECOND],
        [99.98, 99.98, 99.97, 99.97],
        [5.0] * 4,
        [100.0, 100.03, 99.99, 100.0],
        [2.0, 5.0, 1.0, 10.0],
    )
    tape = trades([int(2.5 * SECOND)], [99.9], [50.0])
    _, out = run(plan(), "script", [[quotes, tape]], factory=script([Send(0, 1, 5, 100.0)]))
    assert fills_of(out) == [
        (1 * SECOND, 100.0, 2.0, "taker"),
        (3 * SECOND, 100.0, 1.0, "maker"),
        (4 * SECOND, 100.0, 2.0, "maker"),
    ]


def test_orders_in_one_instant_share_the_displayed_size():
    """Two market buys of 2 on an ask of 3: the first takes 2, the second the 1 left; the
    next update (ask 3 again) gives the second its last lot."""
    quotes = book([1 * SECOND, 2 * SECOND], [99.98] * 2, [5.0] * 2, [100.0, 100.01], [3.0, 3.0])
    _, out = run(plan(), "script", [[quotes]], factory=script([Send(0, 1, 2), Send(0, 1, 2)]))
    assert fills_of(out, "script-000001") == [(1 * SECOND, 100.0, 2.0, "taker")]
    assert fills_of(out, "script-000002") == [
        (1 * SECOND, 100.0, 1.0, "taker"),
        (2 * SECOND, 100.01, 1.0, "taker"),
    ]


def test_ioc_and_fok():
    """Ask 100.00 x2. IOC buy 5 @ 100.00: 2 fill, 3 cancelled. The ask shows 3 (refreshed):
    FOK buy 5: nothing fills, the order is cancelled; FOK buy 2 sent with it: filled. IOC
    below the ask: nothing to take, cancelled. (Orders sent at an event arrive with latency 0
    at that event's time, processed before the next event.)"""
    quotes = book(
        [1 * SECOND, 2 * SECOND, 3 * SECOND], [99.98] * 3, [5.0] * 3, [100.0] * 3, [2.0, 3.0, 3.0]
    )
    sends = [
        Send(0, 1, 5, 100.0, tif="ioc"),
        Send(1, 1, 5, 100.0, tif="fok"),
        Send(1, 1, 2, 100.0, tif="fok"),
        Send(1, 1, 1, 99.99, tif="ioc"),
    ]
    engine, out = run(plan(), "script", [[quotes]], factory=script(sends))
    assert fills_of(out, "script-000001") == [(1 * SECOND, 100.0, 2.0, "taker")]
    assert path(out, "script-000001")[-1] == ("cancelled", 1 * SECOND, "ioc: unfilled on arrival")
    assert fills_of(out, "script-000002") == []
    assert path(out, "script-000002") == [
        ("new", 2 * SECOND, ""),
        ("accepted", 2 * SECOND, ""),
        ("cancelled", 2 * SECOND, "fok: unfilled on arrival"),
    ]
    assert fills_of(out, "script-000003") == [(2 * SECOND, 100.0, 2.0, "taker")]
    assert path(out, "script-000004")[-1] == (
        "cancelled",
        2 * SECOND,
        "ioc: nothing to take on arrival",
    )
    assert engine.ctx.position(0) == 4.0
    assert engine.strategy.cancels == ["script-000001", "script-000002", "script-000004"]


class DepthBook(Book):
    """A Book with fixed depth on each side, as an L2 feed would show it."""

    def __init__(self, bids: list[tuple[float, float]], asks: list[tuple[float, float]]) -> None:
        super().__init__(None, [True])
        self.depth = {1: bids, -1: asks}

    def levels(self, slot: int, side: int) -> list[tuple[float, float]]:
        return list(self.depth[side])


def test_walking_levels_up_to_the_limit():
    """Asks 100.00 x2, 100.01 x3, 100.02 x5: a buy of 10 limited at 100.01 takes 2 + 3; one
    a market buy takes all 10; a sell limited at 99.99 against bids 100.00 x4, 99.99 x1,
    99.98 x9 takes 4 + 1; one lot already taken from 100.00 leaves 1 there until the level
    shows another size."""
    spec = LotSpec(1.0, 0.01)
    depth = DepthBook(
        [(100.0, 4.0), (99.99, 1.0), (99.98, 9.0)], [(100.0, 2.0), (100.01, 3.0), (100.02, 5.0)]
    )
    oms = Oms("r", "s", ["BTC/USDT@sim"], "sim", [spec])
    limit_buy = oms.create(0, 1, 10, spec.ticks(100.01, 1), 0)
    market_buy = oms.create(0, 1, 10, None, 0)
    limit_sell = oms.create(0, -1, 10, spec.ticks(99.99, -1), 0)

    def lots(plan):
        return [(price, n) for price, n, _ in plan]

    assert lots(takeable(depth, spec, {}, limit_buy, 10)) == [(100.0, 2), (100.01, 3)]
    assert lots(takeable(depth, spec, {}, market_buy, 10)) == [
        (100.0, 2),
        (100.01, 3),
        (100.02, 5),
    ]
    assert lots(takeable(depth, spec, {}, limit_sell, 10)) == [(100.0, 4), (99.99, 1)]
    # One lot taken from 100.00 while it shows 2 leaves 1; once it shows 7 it is fresh.
    taken: dict = {}
    take(taken, 100.0, 2.0, -1, 1)
    assert lots(takeable(depth, spec, taken, limit_buy, 10)) == [(100.0, 1), (100.01, 3)]
    depth.depth[-1][0] = (100.0, 7.0)
    assert lots(takeable(depth, spec, taken, limit_buy, 10)) == [(100.0, 7), (100.01, 3)]
    # A resting buy at 100.01 crossed by those asks meets 7 + 3 displayed lots.
    assert lots(crossing_lots(depth, spec, {}, 0, 1, 100.01)) == [(100.0, 7), (100.01, 3)]
