"""The order state machine as the order log records it: every state change one `orders` row,
seq counting per order, deterministic ids, partial fills, cancels (before, after and racing
a fill), and a property test over random order flow."""

from __future__ import annotations

import pytest
from engine_builders import (
    BTC,
    MS,
    SECOND,
    Act,
    instrument,
    make_plan,
    run,
    scripted,
    scripted_strategy,
    trades,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import RiskLimits
from orderloom.runtime.engine.lots import LotSpec
from orderloom.runtime.engine.oms import LEGAL, IllegalTransition, Oms


def statuses(out, order_id):
    return [
        (r["seq"], r["status"], r["ts_ns"], r["filled_qty"])
        for r in out.where("orders", order_id=order_id)
    ]


def test_resting_limit_partial_then_filled():
    """Buy 2.0 @ 99.5 rests below the last print (100); a print at 99.4 for 0.5 goes through
    it (0.5 filled at 99.5, maker); 99.6 does not; 99.0 for 3.0 fills the remaining 1.5."""
    plan = make_plan([scripted_strategy()])
    tape = trades(
        [1 * SECOND, 2 * SECOND, 3 * SECOND, 4 * SECOND],
        [100.0, 99.4, 99.6, 99.0],
        [1.0, 0.5, 5.0, 3.0],
    )
    _, out = run(plan, "script", [[tape]], factory=scripted([Act(0, 1, 2.0, 99.5)]))
    assert statuses(out, "script-000001") == [
        (1, "new", 1 * SECOND, 0.0),
        (2, "accepted", 1 * SECOND, 0.0),
        (3, "partially_filled", 2 * SECOND, 0.5),
        (4, "filled", 4 * SECOND, 2.0),
    ]
    fills = out.dicts("fills")
    assert [(f["fill_id"], f["price"], f["qty"], f["liquidity"]) for f in fills] == [
        ("script-000001-1", 99.5, 0.5, "maker"),
        ("script-000001-2", 99.5, 1.5, "maker"),
    ]
    final = out.where("orders", status="filled")[0]
    assert final["avg_price"] == pytest.approx(99.5)


def test_cancel_after_partial_fill():
    """The cancel requested after the partial fill (latency 0) lands before the next print,
    so the later through-print fills nothing and the cancelled row keeps filled_qty 0.5."""
    plan = make_plan([scripted_strategy()])
    tape = trades([1 * SECOND, 2 * SECOND, 3 * SECOND], [100.0, 99.4, 99.0], [1.0, 0.5, 5.0])
    acts = [Act(0, 1, 2.0, 99.5), Act(1, cancel=0)]
    engine, out = run(plan, "script", [[tape]], factory=scripted(acts))
    assert statuses(out, "script-000001") == [
        (1, "new", 1 * SECOND, 0.0),
        (2, "accepted", 1 * SECOND, 0.0),
        (3, "partially_filled", 2 * SECOND, 0.5),
        (4, "cancelled", 2 * SECOND, 0.5),
    ]
    assert len(out.rows["fills"]) == 1
    assert engine.ctx.position(0) == 0.5
    assert engine.ctx.open_buy_lots == [0]


def test_fill_wins_race_with_cancel_in_flight():
    """Latency 10 ms: a market buy sent at t=0 arrives at 10 ms; the cancel sent at 1 ms would
    land at 11 ms, but the print at 10 ms fills the order first; the late cancel does nothing."""
    plan = make_plan([scripted_strategy()], venue=SimulatedVenueParams(latency_ns=10 * MS))
    tape = trades([0, 1 * MS, 10 * MS, 20 * MS], [100.0, 100.5, 101.0, 102.0])
    acts = [Act(0, 1, 1.0), Act(1, cancel=0)]
    _, out = run(plan, "script", [[tape]], factory=scripted(acts))
    assert statuses(out, "script-000001") == [
        (1, "new", 0, 0.0),
        (2, "accepted", 10 * MS, 0.0),
        (3, "filled", 10 * MS, 1.0),
    ]
    assert out.dicts("fills")[0]["price"] == 101.0


def test_cancel_in_flight_before_any_print():
    """Cancel requested before the order's first print: new → accepted → cancelled."""
    plan = make_plan([scripted_strategy()], venue=SimulatedVenueParams(latency_ns=10 * MS))
    tape = trades([0, 1 * MS, 30 * MS], [100.0, 100.5, 101.0])
    acts = [Act(0, -1, 1.0, 120.0), Act(1, cancel=0)]
    _, out = run(plan, "script", [[tape]], factory=scripted(acts))
    assert [s[1] for s in statuses(out, "script-000001")] == ["new", "accepted", "cancelled"]
    assert statuses(out, "script-000001")[-1][2] == 11 * MS


def test_ids_rounding_and_zero_quantity():
    """Ids count per instance from 1; qty rounds down to the lot (0.0019 → 0.001), a qty below
    one lot sends nothing (no id consumed), limit prices round buy-down / sell-up."""
    plan = make_plan([scripted_strategy()], instruments=[instrument(BTC, 0.5, 0.001)])
    tape = trades([0, SECOND], [100.0, 100.0])
    acts = [Act(0, 1, 0.0019, 99.9), Act(0, 1, 0.0009, 99.0), Act(0, -1, 0.002, 100.1)]
    engine, out = run(plan, "script", [[tape]], factory=scripted(acts))
    new = out.where("orders", status="new")
    assert [(r["order_id"], r["side"], r["qty"], r["price"]) for r in new] == [
        ("script-000001", 1, 0.001, 99.5),
        ("script-000002", -1, 0.002, 100.5),
    ]
    assert engine.strategy.placed[1] is None


def test_end_of_replay_cancels_open_orders():
    plan = make_plan([scripted_strategy()])
    tape = trades([0, SECOND], [100.0, 100.0])
    engine, out = run(plan, "script", [[tape]], factory=scripted([Act(0, 1, 1.0, 90.0)]))
    last = out.where("orders", order_id="script-000001")[-1]
    assert (last["status"], last["ts_ns"], last["reason"]) == ("cancelled", SECOND, "end of replay")
    assert engine.strategy.stopped


def test_oms_refuses_illegal_transitions():
    oms = Oms("r", "s", [BTC], "sim", [LotSpec(0.001, 0.01)])
    order = oms.create(0, 1, 1000, None, 0)
    with pytest.raises(IllegalTransition):
        oms.accept(order, 0)  # never submitted
    oms.submit(order, 0)
    oms.accept(order, 0)
    oms.fill(order, 0, 1000, 100.0)
    with pytest.raises(IllegalTransition):
        oms.cancel(order, 0, "too late")
    with pytest.raises(IllegalTransition):
        oms.fill(order, 0, 1, 100.0)


# --- property: random order flow against a random tape ------------------------------------

_act = st.one_of(
    st.builds(
        lambda at, side, qty, offset: Act(at, side, qty, None if offset is None else 100 + offset),
        st.integers(0, 39),
        st.sampled_from([1, -1]),
        st.floats(0.0, 3.0),
        st.one_of(st.none(), st.floats(-2.0, 2.0)),
    ),
    st.builds(lambda at, k: Act(at, cancel=k), st.integers(0, 39), st.integers(0, 30)),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    acts=st.lists(_act, max_size=40),
    moves=st.lists(st.floats(-1.0, 1.0), min_size=40, max_size=40),
    sizes=st.lists(st.floats(0.0, 2.0), min_size=40, max_size=40),
    latency_ms=st.sampled_from([0, 1, 7, 50]),
)
def test_no_illegal_transition_and_never_overfilled(acts, moves, sizes, latency_ms):
    placed_count = 0
    valid: list[Act] = []
    for act in sorted(acts, key=lambda a: a.at):
        if act.cancel is None:
            placed_count += 1
            valid.append(act)
        elif act.cancel < placed_count:
            valid.append(act)
    prices = [round(100 + sum(moves[: i + 1]), 2) for i in range(40)]
    tape = trades([i * 5 * MS for i in range(40)], prices, [round(s, 3) for s in sizes])
    plan = make_plan(
        [scripted_strategy()],
        venue=SimulatedVenueParams(latency_ns=latency_ms * MS),
        risk=RiskLimits(max_position=((BTC, 4.0),)),
    )
    engine, out = run(plan, "script", [[tape]], factory=scripted(valid))

    by_order: dict[str, list[dict]] = {}
    for row in out.dicts("orders"):
        by_order.setdefault(row["order_id"], []).append(row)
    for order_id, rows in by_order.items():
        assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1)), order_id
        state = None
        filled = 0.0
        for r in rows:
            assert r["status"] in LEGAL[state], (order_id, state, r["status"])
            assert r["filled_qty"] >= filled - 1e-12
            assert r["filled_qty"] <= r["qty"] + 1e-12
            state, filled = r["status"], r["filled_qty"]
        assert state in ("filled", "cancelled", "rejected"), (order_id, state)  # EOF closes all
        event(f"path {'>'.join(r['status'] for r in rows)}")
        fill_qty = sum(f["qty"] for f in out.where("fills", order_id=order_id))
        assert fill_qty == pytest.approx(filled, abs=1e-9)
        if state == "filled":
            assert filled == pytest.approx(rows[-1]["qty"])
    signed = sum(f["side"] * f["qty"] for f in out.dicts("fills"))
    assert engine.ctx.position(0) == pytest.approx(signed, abs=1e-9)
    assert engine.ctx.open_buy_lots == [0] and engine.ctx.open_sell_lots == [0]
