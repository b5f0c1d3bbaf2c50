"""POV: after each print the strategy tops filled + working up to rate × printed volume,
checked against a replay of that rule in exact decimals (market children, latency 0, so each
child fills at the next print), and with min/max child sizes, limits and an end time."""

from __future__ import annotations

import random
from decimal import ROUND_FLOOR, Decimal

from engine_builders import (
    BTC,
    SECOND,
    expr,
    make_plan,
    quote_feed,
    quotes,
    run,
    trade_feed,
    trades,
)

from orderloom.dsl.kinds.pov import PovParams
from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import Strategy

T0 = 1_700_000_000 * SECOND
LOT = Decimal("0.001")


def pov_strategy(
    *,
    quantity: float,
    rate: float,
    start_ns: int,
    end_ns: int | None = None,
    min_order: float = 0.0,
    max_order: float = 0.0,
    side: str = "buy",
    limit_price: str | None = None,
) -> Strategy:
    limit = expr(limit_price, [BTC], "price") if limit_price else None
    params = PovParams(BTC, side, quantity, rate, start_ns, end_ns, min_order, max_order, limit)
    return Strategy("pov", "pov", "pov", (BTC,), "sim", params)


def tape(n: int, seed: int = 1):
    rng = random.Random(seed)
    times = [T0 + i * SECOND for i in range(n)]
    prices = [round(30_000 + rng.uniform(-20, 20), 2) for _ in times]
    sizes = [f"{rng.uniform(0.001, 0.9):.3f}" for _ in times]
    return times, prices, sizes


def replay(times, prices, sizes, *, quantity, rate, start_ns, min_lots=1, max_lots=0):
    """The documented rule with market children that fill at the next print: returns the
    children as (send time, lots) and fills as (time, price, lots)."""
    parent = int(Decimal(quantity) / LOT)
    volume = Decimal(0)
    filled, pending = 0, []  # pending: lots sent at the previous print
    children, fills = [], []
    for ts, price, size in zip(times, prices, sizes, strict=True):
        for lots in pending:  # the venue fills before the strategy sees the print
            filled += lots
            fills.append((ts, price, lots))
        pending = []
        if ts < start_ns or filled >= parent:
            continue
        volume += Decimal(size)
        target = min(
            int((Decimal(str(rate)) * volume / LOT).to_integral_value(ROUND_FLOOR)), parent
        )
        shortfall = target - filled
        if shortfall >= min_lots or (shortfall > 0 and target == parent):
            lots = min(shortfall, max_lots) if max_lots else shortfall
            children.append((ts, lots))
            pending.append(lots)
    return children, fills


def test_market_children_track_a_share_of_printed_volume():
    """Buy up to 5.0 at 3% of the volume printed from the 20th print on (earlier prints do
    not count), one lot minimum, no cap; 300 prints of 0.001–0.9 (about 126 traded after
    start, so the parent is not reached)."""
    times, prices, sizes = tape(300)
    start = times[20]
    plan = make_plan(
        [pov_strategy(quantity=5.0, rate=0.03, start_ns=start)],
        venue=SimulatedVenueParams(latency_ns=0),
    )
    engine, out = run(plan, "pov", [[trades(times, prices, [float(s) for s in sizes])]])

    children, fills = replay(times, prices, sizes, quantity="5.0", rate=0.03, start_ns=start)
    assert [
        (r["ts_ns"], round(r["qty"] * 1000)) for r in out.where("orders", status="new")
    ] == children
    assert [(f["ts_ns"], f["price"], round(f["qty"] * 1000)) for f in out.dicts("fills")] == fills
    assert children[0][0] >= start
    # Filled: 3% of the volume up to the last print but one (the last print's child never
    # fills), in whole lots.
    volume = sum(Decimal(s) for s in sizes[20:-1])
    filled = (volume * Decimal("0.03") / LOT).to_integral_value(ROUND_FLOOR) * LOT
    assert 0 < filled < 5
    assert engine.ctx.position(0) == float(filled)


def test_min_and_max_order_hold_back_and_split_children():
    """rate 20%, min_order 0.05, max_order 0.08, parent 0.62; prints of 0.1 (20 lots of
    target each) with a burst of 5.0 at print 10. By hand (shortfall = target − filled,
    every child filled at the next print):
    prints 0, 1: 20, 40 < 50 wait; print 2: 60 → child 60; prints 3, 4 wait (20, 40);
    print 5: 60 → child 60; print 8 likewise; print 10: target jumps to the parent, 620,
    shortfall 440 → 80; prints 11–14: 360, 280, 200, 120 → 80 each; print 15: the last 40,
    sent although below min_order because it completes the parent."""
    times = [T0 + i * SECOND for i in range(40)]
    sizes = ["0.100"] * 40
    sizes[10] = "5.000"
    prices = [30_000.0] * 40
    plan = make_plan(
        [pov_strategy(quantity=0.62, rate=0.2, start_ns=times[0], min_order=0.05, max_order=0.08)],
        venue=SimulatedVenueParams(latency_ns=0),
    )
    engine, out = run(plan, "pov", [[trades(times, prices, [float(s) for s in sizes])]])

    expected = [(2, 60), (5, 60), (8, 60), (10, 80), (11, 80), (12, 80), (13, 80), (14, 80)]
    expected.append((15, 40))
    got = [(r["ts_ns"], round(r["qty"] * 1000)) for r in out.where("orders", status="new")]
    assert got == [(times[k], lots) for k, lots in expected]
    children, _ = replay(
        times, prices, sizes, quantity="0.62", rate=0.2, start_ns=times[0], min_lots=50,
        max_lots=80,
    )  # fmt: skip
    assert got == children
    assert engine.ctx.position(0) == 0.62


def test_quotes_do_not_count_as_volume():
    """The same prints interleaved with quotes (a quote 0.5 s after every print): the
    children are the same — quotes move no volume. Market children now fill on arrival
    (latency 0: at the send time) at the touch of the last quote, bid = previous price − 1
    for these sells."""
    times, prices, sizes = tape(200, seed=9)
    qtimes = [t + SECOND // 2 for t in times]
    plan = make_plan(
        [pov_strategy(quantity=3.0, rate=0.015, start_ns=times[5], side="sell")],
        feeds=[trade_feed(), quote_feed()],
        venue=SimulatedVenueParams(latency_ns=0),
    )
    batch = [
        trades(times, prices, [float(s) for s in sizes]),
        quotes(qtimes, [p - 1 for p in prices], [p + 1 for p in prices]),
    ]
    _, out = run(plan, "pov", [batch])

    children, _ = replay(times, prices, sizes, quantity="3.0", rate=0.015, start_ns=times[5])
    assert len(children) > 10
    assert [
        (r["ts_ns"], round(r["qty"] * 1000), r["side"]) for r in out.where("orders", status="new")
    ] == [(t, lots, -1) for t, lots in children]
    index = {t: k for k, t in enumerate(times)}
    assert [(f["ts_ns"], f["price"], round(f["qty"] * 1000)) for f in out.dicts("fills")] == [
        (t, prices[index[t] - 1] - 1, lots) for t, lots in children
    ]


def test_resting_limit_child_holds_back_and_end_cancels_it():
    """Buy at 10% with limit 29_000 (far below a market around 30_000): the first child
    (as soon as the target reaches a lot) rests and never fills; as it counts as working,
    no other child is sent until the target exceeds it, and then only the difference. At
    `end` the working children are cancelled and nothing more is sent."""
    times, prices, sizes = tape(100, seed=2)
    end = times[60] + 1
    plan = make_plan(
        [
            pov_strategy(
                quantity=10.0, rate=0.1, start_ns=times[0], end_ns=end, limit_price="29_000"
            )
        ],
        venue=SimulatedVenueParams(latency_ns=0),
    )
    _, out = run(plan, "pov", [[trades(times, prices, [float(s) for s in sizes])]])

    volume = Decimal(0)
    expected, working = [], 0
    for ts, size in zip(times, sizes, strict=True):
        if ts >= end:
            break
        volume += Decimal(size)
        target = int((volume / 10 / LOT).to_integral_value(ROUND_FLOOR))
        if target - working >= 1:
            expected.append((ts, target - working))
            working = target
    sent = out.where("orders", status="new")
    assert [(r["ts_ns"], round(r["qty"] * 1000)) for r in sent] == expected
    assert {r["price"] for r in sent} == {29_000.0}
    assert not out.dicts("fills")
    cancelled = out.where("orders", status="cancelled")
    assert len(cancelled) == len(expected)
    assert {r["ts_ns"] for r in cancelled} == {end}  # latency 0: the cancel lands at `end`
