"""Iceberg on hand-made tapes: one visible child at a time, replenished when it fills, the
price re-evaluated for each child, a start in the future and an end that cancels."""

from __future__ import annotations

from engine_builders import BTC, MS, SECOND, expr, make_plan, run, trades

from orderloom.dsl.kinds.iceberg import IcebergParams
from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import Strategy

T0 = 1_700_000_000 * SECOND
LOT = 0.001


def iceberg_strategy(
    *,
    quantity: float,
    display: float,
    price: str,
    side: str = "buy",
    start_ns: int | None = None,
    end_ns: int | None = None,
) -> Strategy:
    params = IcebergParams(
        BTC, side, quantity, display, expr(price, [BTC], "price"), start_ns, end_ns
    )
    return Strategy("ice", "ice", "iceberg", (BTC,), "sim", params)


def tape(rows: list[tuple[float, float, float]]):
    """(seconds after T0, price, qty) -> a trade batch."""
    return trades(
        [T0 + round(s * SECOND) for s, _, _ in rows],
        [p for _, p, _ in rows],
        [q for _, _, q in rows],
    )


def at(seconds: float) -> int:
    return T0 + round(seconds * SECOND)


def children(out) -> list[tuple[int, int, float]]:
    return [
        (r["ts_ns"], round(r["qty"] / LOT), r["price"]) for r in out.where("orders", status="new")
    ]


def test_visible_child_is_replenished_when_it_fills():
    """Buy 1.0 showing 0.3 at 100.00, latency 1 ms. A resting buy fills (maker, at 100) only
    on prints strictly below 100, for at most the printed size; after each fill-completing
    print the market bounces above 100 before the next child arrives, so it rests too.

    t=0   100.5        child A 300 sent (the first event makes the price computable)
    t=2   99.9 × 0.2   A fills 200
    t=3   99.5 × 0.5   A fills its last 100 -> child B 300 sent at once
    t=4   99.0 × 1.0   B (arrived at 4 s, resting) fills 300 -> child C 300
    t=6   99.9 × 0.3   C fills 300 -> child D: the 100 that remain
    t=7   99.8 × 0.05  D fills 50
    t=8   99.8 × 0.5   D fills 50: the parent is done, nothing more is sent
    t=9   99.0 × 1.0   no order left"""
    rows = [
        (0, 100.5, 1.0),
        (1, 100.4, 1.0),
        (2, 99.9, 0.2),
        (3, 99.5, 0.5),
        (3.0005, 100.2, 1.0),
        (4, 99.0, 1.0),
        (4.0005, 100.1, 1.0),
        (5, 100.3, 1.0),
        (6, 99.9, 0.3),
        (6.0005, 100.2, 1.0),
        (7, 99.8, 0.05),
        (8, 99.8, 0.5),
        (9, 99.0, 1.0),
    ]
    plan = make_plan(
        [iceberg_strategy(quantity=1.0, display=0.3, price="100")],
        venue=SimulatedVenueParams(latency_ns=MS),
    )
    engine, out = run(plan, "ice", [[tape(rows)]])

    assert children(out) == [
        (at(0), 300, 100.0),
        (at(3), 300, 100.0),
        (at(4), 300, 100.0),
        (at(6), 100, 100.0),
    ]
    fills = out.dicts("fills")
    assert [(f["ts_ns"], round(f["qty"] / LOT), f["price"]) for f in fills] == [
        (at(2), 200, 100.0),
        (at(3), 100, 100.0),
        (at(4), 300, 100.0),
        (at(6), 300, 100.0),
        (at(7), 50, 100.0),
        (at(8), 50, 100.0),
    ]
    assert {f["liquidity"] for f in fills} == {"maker"}
    # Never more than one child visible: each is sent when the one before is filled.
    filled_at = [r["ts_ns"] for r in out.where("orders", status="filled")]
    assert [t for t, _, _ in children(out)][1:] == filled_at[:-1]
    assert engine.ctx.position(0) == 1.0
    assert not out.where("orders", status="cancelled")


def test_price_is_evaluated_per_child_and_end_cancels_the_visible_one():
    """Sell 0.5 showing 0.2 at `last * (1 + 1%)`, latency 0, end at t=10. A resting sell
    fills on prints strictly above its limit.

    t=0  100.0          child A 200 at 101.00
    t=1  101.5 × 0.3    A fills 200 (maker at 101) -> child B 200 at 101.5·1.01 = 102.515,
                        rounded up to the tick for a sell: 102.52
    t=2  102.0          B rests (not marketable: 102.52 > 102.0)
    t=10 (end)          B is cancelled, unfilled; the last 100 is never shown"""
    rows = [(0, 100.0, 1.0), (1, 101.5, 0.3), (2, 102.0, 1.0), (11, 104.0, 1.0)]
    plan = make_plan(
        [
            iceberg_strategy(
                quantity=0.5,
                display=0.2,
                price="last * (1 + 1%)",
                side="sell",
                end_ns=at(10),
            )
        ],
        venue=SimulatedVenueParams(latency_ns=0),
    )
    engine, out = run(plan, "ice", [[tape(rows)]])

    assert children(out) == [(at(0), 200, 101.0), (at(1), 200, 102.52)]
    assert [(f["ts_ns"], round(f["qty"] / LOT)) for f in out.dicts("fills")] == [(at(1), 200)]
    cancelled = out.where("orders", status="cancelled")
    assert [(r["ts_ns"], r["price"], r["filled_qty"]) for r in cancelled] == [(at(10), 102.52, 0)]
    assert engine.ctx.position(0) == -0.2


def test_nothing_is_shown_before_start():
    """Start at t=5 with price `last * (1 - 1%)`: the first child is sent by the start timer,
    priced from the last print before it (t=4, 104.0 -> 102.96), and no order before."""
    rows = [(s, 100.0 + s, 1.0) for s in range(10)]
    plan = make_plan(
        [iceberg_strategy(quantity=1.0, display=0.25, price="last * (1 - 1%)", start_ns=at(5))],
        venue=SimulatedVenueParams(latency_ns=0),
    )
    _, out = run(plan, "ice", [[tape(rows)]])
    assert children(out) == [(at(5), 250, 102.96)]
