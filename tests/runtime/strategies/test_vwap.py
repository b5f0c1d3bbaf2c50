"""VWAP on hand-made and synthetic tapes: children sized by the given, uniform and learned
volume profiles, and a short child's remainder re-spread over the remaining buckets."""

from __future__ import annotations

import random
from bisect import bisect_left

import pytest
from engine_builders import BTC, MS, SECOND, expr, make_plan, run, trades, twap_strategy

from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.kinds.vwap import VwapParams
from orderloom.dsl.plan import Strategy

T0 = 1_699_999_980 * SECOND  # a whole minute
LOT = 0.001


def vwap_strategy(
    *,
    quantity: float,
    start_ns: int,
    duration_ns: int,
    slices: int,
    profile: str = "uniform",
    weights: tuple[float, ...] = (),
    profile_lag_ns: int = 0,
    side: str = "buy",
    limit_price: str | None = None,
    name: str = "vwap",
) -> Strategy:
    limit = expr(limit_price, [BTC], "price") if limit_price else None
    params = VwapParams(
        BTC, side, quantity, start_ns, duration_ns, slices, profile, weights, profile_lag_ns, limit
    )
    return Strategy(name, name, "vwap", (BTC,), "sim", params)


def tape(seconds: int, step_ms: int = 500, seed: int = 3):
    rng = random.Random(seed)
    times = [T0 + i * step_ms * MS for i in range(seconds * 1000 // step_ms)]
    prices, price = [], 40_000.0
    for _ in times:
        price = round(price + rng.gauss(0, 3.0), 2)
        prices.append(price)
    sizes = [round(rng.uniform(0.0, 0.4), 3) for _ in times]
    return times, prices, sizes


def sent(out) -> list[tuple[int, int]]:
    return [(r["ts_ns"], round(r["qty"] / LOT)) for r in out.where("orders", status="new")]


def test_given_profile_sizes_market_children_by_weight():
    """Buy 6.0 (6000 lots) over 6 minutes with profile [3, 2, 1, 1, 2, 3] (sum 12), market
    children, latency 5 ms. Every child fills before the next bucket, so child i is
    unsent·w_i/(w_i + … + w_5) = 6000·w_i/12 exactly: 1500, 1000, 500, 500, 1000, 1500, each
    filled at the first print at or after send + 5 ms, at that print's price."""
    times, prices, sizes = tape(400)
    start = T0 + 10 * SECOND
    plan = make_plan(
        [
            vwap_strategy(
                quantity=6.0,
                start_ns=start,
                duration_ns=360 * SECOND,
                slices=6,
                profile="weights",
                weights=(3, 2, 1, 1, 2, 3),
            )
        ],
        venue=SimulatedVenueParams(latency_ns=5 * MS),
    )
    engine, out = run(plan, "vwap", [[trades(times, prices, sizes)]])

    expected_lots = [1500, 1000, 500, 500, 1000, 1500]
    sends = [start + i * 60 * SECOND for i in range(6)]
    assert sent(out) == list(zip(sends, expected_lots, strict=True))
    first_prints = [bisect_left(times, t + 5 * MS) for t in sends]
    assert [(f["ts_ns"], f["price"], round(f["qty"] / LOT)) for f in out.dicts("fills")] == [
        (times[k], prices[k], lots) for k, lots in zip(first_prints, expected_lots, strict=True)
    ]
    assert engine.ctx.position(0) == 6.0


def test_short_child_is_respread_over_the_remaining_buckets_by_weight():
    """Buy 2.0 (2000 lots), profile [1, 2, 3, 4] over 4 minutes, limit 100.00, latency 0.
    Prints at 100.50 never fill a resting buy at 100; a print strictly below fills it.

    slice 0 (t=0):   child A = 2000·1/10 = 200; a print 99.90 × 0.1 fills 100 of it.
    slice 1 (t=60):  A's cancel is pending (100 still open): unsent = 2000 − 100 − 100 = 1800,
                     child B = floor(1800·2/9) = 400; A's cancel lands (100 unfilled). No
                     print goes through B.
    slice 2 (t=120): B cancel pending (400 open): unsent = 2000 − 100 − 400 = 1500,
                     child C = floor(1500·3/7) = 642 (the plan's 600 plus 3/7 of A's 100);
                     a print 99.00 × 10 fills all of C. B's cancel lands.
    slice 3 (t=180): the last: everything unsent, 2000 − 100 − 642 = 1258 = child D; a print
                     99.00 × 10 fills it. The parent is complete."""
    start = T0
    rows = []  # (seconds after start, price, qty)
    for s in range(0, 240, 5):
        rows.append((s, 100.5, 1.0))
    rows += [(30.5, 99.9, 0.1), (150.5, 99.0, 10.0), (210.5, 99.0, 10.0)]
    rows.sort()
    times = [start + round(s * SECOND) for s, _, _ in rows]
    plan = make_plan(
        [
            vwap_strategy(
                quantity=2.0,
                start_ns=start,
                duration_ns=240 * SECOND,
                slices=4,
                profile="weights",
                weights=(1, 2, 3, 4),
                limit_price="100",
            )
        ],
        venue=SimulatedVenueParams(latency_ns=0),
    )
    engine, out = run(
        plan, "vwap", [[trades(times, [p for _, p, _ in rows], [q for _, _, q in rows])]]
    )

    assert sent(out) == [
        (start, 200),
        (start + 60 * SECOND, 400),
        (start + 120 * SECOND, 642),
        (start + 180 * SECOND, 1258),
    ]
    assert {r["price"] for r in out.where("orders", status="new")} == {100.0}
    fills = [(f["ts_ns"], round(f["qty"] / LOT)) for f in out.dicts("fills")]
    assert fills == [
        (start + 30_500 * MS, 100),
        (start + 150_500 * MS, 642),
        (start + 210_500 * MS, 1258),
    ]
    cancelled = [
        round((r["qty"] - r["filled_qty"]) / LOT) for r in out.where("orders", status="cancelled")
    ]
    assert cancelled == [100, 400]
    assert engine.ctx.position(0) == 2.0


def test_uniform_profile_trades_exactly_like_twap():
    """With equal weights, w_i/(w_i + … + w_last) = 1/(slices left): the TWAP rule. On the
    same tape, with limit children that rest, fill partially and roll over, the two send the
    same orders and get the same fills."""
    times, prices, sizes = tape(1900, seed=5)
    kwargs = {"quantity": 3.0, "start_ns": T0 + 20 * SECOND, "duration_ns": 1800 * SECOND}
    batch = trades(times, prices, sizes)
    venue = SimulatedVenueParams(latency_ns=2 * MS, maker_fee_bps=1.0)
    limit = "last * (1 - 5bps)"

    def rows(strategy: Strategy, name: str):
        _, out = run(make_plan([strategy], venue=venue), name, [[batch]])
        drop = {"order_id", "strategy", "fill_id"}
        return {
            table: [{k: v for k, v in r.items() if k not in drop} for r in out.dicts(table)]
            for table in ("orders", "fills")
        }

    vwap = rows(vwap_strategy(slices=30, limit_price=limit, **kwargs), "vwap")
    twap = rows(twap_strategy(slices=30, limit_price=limit, **kwargs), "twap")
    assert vwap == twap
    # 30 slices, plus the remainder of the child before the last slice, re-sent once its
    # cancel is confirmed (2 ms later).
    news = [r["ts_ns"] for r in vwap["orders"] if r["status"] == "new"]
    assert len(news) == 31 and news[-1] - news[-2] == 2 * MS
    assert any(r["status"] == "partially_filled" for r in vwap["orders"])


def test_learned_profile_weights_buckets_by_volume_one_lag_earlier():
    """Buy 1.0 from start = T0 + 10 min over 4 minutes in 4 buckets, profile learned with
    lag 5 min: bucket i is weighted by the volume printed in [T0 + 5m + i·1m, +1m).
    The tape starts at T0 (before that window). Volumes per learning bucket:
    0.5 + 0.5 = 1, 3, 4 and 2 (a print exactly on an edge belongs to the later bucket);
    prints before, between and after the window do not count. Market children, every one
    fills: 1000·1/10 = 100, 900·3/9 = 300, 600·4/6 = 400, and the last 200."""
    minute = 60 * SECOND
    window = T0 + 5 * minute
    prints = [
        (T0, 7.0),  # before the window
        (window, 0.5),  # bucket 0, on its opening edge
        (window + 30 * SECOND, 0.5),
        (window + minute, 3.0),  # on the edge between buckets 0 and 1: bucket 1
        (window + 2 * minute + 1, 4.0),
        (window + 4 * minute - 1, 2.0),  # the last ns of bucket 3
        (window + 4 * minute, 9.0),  # the window is closed at its end
    ]
    start = T0 + 10 * minute
    # During the execution: one print just after each slice fills its child.
    prints += [(start + i * minute + SECOND, 5.0) for i in range(4)]
    times = [t for t, _ in prints]
    plan = make_plan(
        [
            vwap_strategy(
                quantity=1.0,
                start_ns=start,
                duration_ns=4 * minute,
                slices=4,
                profile="learned",
                profile_lag_ns=5 * minute,
            )
        ],
        venue=SimulatedVenueParams(latency_ns=0),
    )
    engine, out = run(plan, "vwap", [[trades(times, [100.0] * len(times), [q for _, q in prints])]])

    assert engine.strategy.weights == [1.0, 3.0, 4.0, 2.0]
    assert sent(out) == [(start + i * minute, lots) for i, lots in enumerate([100, 300, 400, 200])]
    assert engine.ctx.position(0) == 1.0


def test_learned_profile_falls_back_to_uniform_when_the_data_starts_inside_the_window():
    """Same schedule, but the first print is 30 s into the learning window: the volume seen
    would be partial, so the profile stays uniform: 250 lots per bucket."""
    minute = 60 * SECOND
    start = T0 + 10 * minute
    times = [T0 + 5 * minute + 30 * SECOND, T0 + 6 * minute + 1, T0 + 7 * minute + 1]
    times += [start + i * minute + SECOND for i in range(4)]
    plan = make_plan(
        [
            vwap_strategy(
                quantity=1.0,
                start_ns=start,
                duration_ns=4 * minute,
                slices=4,
                profile="learned",
                profile_lag_ns=5 * minute,
            )
        ],
        venue=SimulatedVenueParams(latency_ns=0),
    )
    engine, out = run(plan, "vwap", [[trades(times, [100.0] * len(times), 1.0)]])

    assert engine.strategy.weights == [1.0] * 4
    assert sent(out) == [(start + i * minute, 250) for i in range(4)]


@pytest.mark.parametrize("side", ["buy", "sell"])
def test_zero_weight_bucket_sends_nothing(side: str):
    """Profile [1, 0, 1]: the middle bucket sends no child; 1.0 splits 500 / 0 / 500."""
    times = [T0 + s * SECOND for s in range(0, 200, 2)]
    plan = make_plan(
        [
            vwap_strategy(
                quantity=1.0,
                start_ns=T0 + SECOND,
                duration_ns=180 * SECOND,
                slices=3,
                profile="weights",
                weights=(1, 0, 1),
                side=side,
            )
        ],
        venue=SimulatedVenueParams(latency_ns=0),
    )
    engine, out = run(plan, "vwap", [[trades(times, [100.0] * len(times), 1.0)]])
    assert sent(out) == [(T0 + SECOND, 500), (T0 + 121 * SECOND, 500)]
    assert engine.ctx.position(0) == (1.0 if side == "buy" else -1.0)
