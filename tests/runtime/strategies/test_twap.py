"""TWAP on a synthetic tape, checked against an independent replay of the documented rules:
the 60 children, their send times and quantities, fills and the average fill price."""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from decimal import ROUND_FLOOR, Decimal

import pytest
from engine_builders import MS, SECOND, make_plan, run, trades, twap_strategy

from orderloom.dsl.kinds.simulated import SimulatedVenueParams

T0 = 1_699_999_980 * SECOND  # a whole minute
LOT = 0.001


def tape(seconds: int = 3700, step_ms: int = 500, seed: int = 11):
    rng = random.Random(seed)
    times = [T0 + i * step_ms * MS for i in range(seconds * 1000 // step_ms)]
    prices, price = [], 40_000.0
    for _ in times:
        price = round(price + rng.gauss(0, 3.0), 2)
        prices.append(price)
    sizes = [round(rng.uniform(0.0, 0.4), 3) for _ in times]
    return times, prices, sizes


def test_market_twap_children_and_average_price():
    """Buy 6.0 over one hour in 60 market children, latency 5 ms, taker 5 bps.

    Expected, by hand: child i is sent at start + i·60 s for floor(remaining / (60 − i)) lots
    (the last takes the rest) — every child fills before the next slice, so remaining is the
    parent minus what is filled — and fills completely at the first print at or after
    send + 5 ms, at that print's price."""
    times, prices, sizes = tape()
    start = T0 + 30 * SECOND + 250 * MS
    plan = make_plan(
        [twap_strategy(quantity=6.0, start_ns=start, duration_ns=3600 * SECOND, slices=60)],
        venue=SimulatedVenueParams(latency_ns=5 * MS, taker_fee_bps=5.0),
    )
    engine, out = run(plan, "twap", [[trades(times, prices, sizes)]])

    remaining = 6000
    expected = []  # (send time, lots, fill time, fill price)
    for i in range(60):
        send = start + i * 60 * SECOND
        lots = remaining if i == 59 else remaining // (60 - i)
        k = bisect_left(times, send + 5 * MS)
        expected.append((send, lots, times[k], prices[k]))
        remaining -= lots
    assert remaining == 0

    sent = out.where("orders", status="new")
    assert len(sent) == 60
    assert [(r["ts_ns"], round(r["qty"] / LOT), r["order_type"]) for r in sent] == [
        (send, lots, "market") for send, lots, _, _ in expected
    ]
    fills = out.dicts("fills")
    assert [(f["ts_ns"], f["price"], round(f["qty"] / LOT)) for f in fills] == [
        (t, p, lots) for _, lots, t, p in expected
    ]
    notional = sum(p * lots * LOT for _, lots, _, p in expected)
    vwap = notional / 6.0
    filled = sum(f["qty"] for f in fills)
    assert filled == pytest.approx(6.0)
    assert sum(f["price"] * f["qty"] for f in fills) / filled == pytest.approx(vwap, rel=1e-12)
    assert engine.stats.fees == pytest.approx(notional * 5e-4)
    assert engine.ctx.position(0) == 6.0
    assert not out.where("orders", status="cancelled")


def _floor_tick(price: float, factor: str) -> float:
    exact = Decimal(repr(price)) * Decimal(factor)
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_FLOOR))


def test_limit_twap_partial_fills_cancel_and_roll():
    """Buy 6.0 in 60 slices with limit `last * (1 - 5bps)` (below the market, so children
    rest), latency 0. Replayed by hand: at slice i the open child is asked to cancel (it still
    counts as open while the handler runs), a new child for floor((parent − filled − open) /
    (60 − i)) lots is sent at floor_tick(last · 0.9995) where last is the last print before
    the slice, then the old child's cancel lands. After the last slice nothing would pick up
    that child's remainder, so it is sent at once as one more child at the same limit. A
    resting child fills at its limit, as maker, for min(open, whole lots of the print) on every
    print strictly below the limit, shared by time priority. The end of the schedule cancels
    what is open."""
    times, prices, sizes = tape(seed=5)
    start = T0 + 20 * SECOND
    plan = make_plan(
        [
            twap_strategy(
                quantity=6.0,
                start_ns=start,
                duration_ns=3600 * SECOND,
                slices=60,
                limit_price="last * (1 - 5bps)",
            )
        ],
        venue=SimulatedVenueParams(latency_ns=0, maker_fee_bps=1.0),
    )
    engine, out = run(plan, "twap", [[trades(times, prices, sizes)]])

    slice_times = [start + i * 60 * SECOND for i in range(60)]
    parent, filled = 6000, 0
    resting: list[list] = []  # [lots open, limit], in time priority
    children = []  # (send time, lots, limit)
    fills = []  # (time, price, lots)
    k = 0
    for i, at in enumerate([*slice_times, start + 3600 * SECOND]):
        while times[k] < at:  # prints before the slice (a print at the slice time comes after)
            available = math.floor(sizes[k] / LOT + 1e-9)
            for child in resting:
                if child[0] and prices[k] < child[1] and available:
                    lots = min(child[0], available)
                    available -= lots
                    child[0] -= lots
                    filled += lots
                    fills.append((times[k], child[1], lots))
            k += 1
        if i == 60:
            break
        open_lots = sum(c[0] for c in resting)
        unsent = parent - filled - open_lots
        lots = unsent if i == 59 else unsent // (60 - i)
        leftover = open_lots  # the old children's cancel lands right after the handler
        resting = []
        limit = _floor_tick(prices[k - 1], "0.9995")
        if lots > 0:
            resting.append([lots, limit])
            children.append((at, lots, limit))
        if i == 59 and leftover:
            resting.append([leftover, limit])
            children.append((at, leftover, limit))

    sent = out.where("orders", status="new")
    assert [(r["ts_ns"], round(r["qty"] / LOT), r["price"], r["order_type"]) for r in sent] == [
        (t, lots, limit, "limit") for t, lots, limit in children
    ]
    assert len(children) == 61  # the scenario leaves a remainder before the last slice
    assert (
        sum(lots for _, lots, _ in children)
        - sum(
            round((r["qty"] - r["filled_qty"]) / LOT)
            for r in out.where("orders", status="cancelled")
        )
        == filled
    )  # every sent lot either filled or was cancelled
    engine_fills = [(f["ts_ns"], f["price"], round(f["qty"] / LOT)) for f in out.dicts("fills")]
    assert engine_fills == fills
    assert {f["liquidity"] for f in out.dicts("fills")} == {"maker"}
    assert filled == parent  # the remainder before the last slice is not lost
    assert any(
        0 < round(r["filled_qty"] / LOT) < round(r["qty"] / LOT)
        for r in out.where("orders", status="cancelled")
    )
    avg = sum(p * n for _, p, n in fills) / filled
    last_mark = out.dicts("pnl")[-1]
    assert last_mark["position"] == pytest.approx(filled * LOT)
    assert engine.ctx.ledger.avg_price[0] == pytest.approx(avg, rel=1e-12)
    cancels = out.where("orders", status="cancelled")
    assert len(cancels) == len(children) - sum(1 for r in out.where("orders", status="filled"))


def test_tape_ending_inside_the_schedule_sends_nothing_after_the_end_of_replay():
    """Buy 1.0 in 4 limit slices priced below the market (they rest), and the tape ends
    after the last slice but before the schedule does. The end of the replay cancels the
    resting child; the strategy is stopped by then, so no catch-up order follows it."""
    times = [T0 + i * SECOND for i in range(50)]  # the last slice fires at +46 s, END is +61 s
    prices = [40_000.0] * len(times)
    sizes = [0.001] * len(times)
    plan = make_plan(
        [
            twap_strategy(
                quantity=1.0,
                start_ns=T0 + SECOND,
                duration_ns=60 * SECOND,
                slices=4,
                limit_price="last * (1 - 50bps)",
            )
        ],
        venue=SimulatedVenueParams(latency_ns=0),
    )
    _engine, out = run(plan, "twap", [[trades(times, prices, sizes)]])
    sent = out.where("orders", status="new")
    # Four slices; at the last one the previous child's confirmed cancel (latency 0) is
    # re-sent at once as a fifth child. Nothing is sent after the last slice.
    slices = [T0 + SECOND + i * 15 * SECOND for i in range(4)]
    assert [r["ts_ns"] for r in sent] == [*slices, slices[-1]]
    ends = [(r["order_id"], r["reason"]) for r in out.where("orders", status="cancelled")]
    assert ends[-2:] == [("twap-000004", "end of replay"), ("twap-000005", "end of replay")]
