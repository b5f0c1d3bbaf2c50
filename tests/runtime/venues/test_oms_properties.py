"""Property: whatever the venue does — any fill model, latency draws, min notional, post-only,
IOC/FOK, expiry, self-trade prevention, cancels racing fills — the OMS only makes legal
transitions, never fills more than an order's quantity, its fills add up to the filled
quantity, every order ends closed, and the open-lot counters always equal the remaining lots
of the open orders (checked at every market event by the script strategy)."""

from __future__ import annotations

import pytest
from engine_builders import MS, run, trades
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from venue_builders import Send, book, script, venue_plan

from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.runtime.engine.oms import LEGAL

EVENTS = 30  # quotes and trades each; the strategy sees 2 * EVENTS market events


@st.composite
def sends(draw: st.DrawFn) -> list[Send]:
    out: list[Send] = []
    placed = 0
    for _ in range(draw(st.integers(0, 25))):
        at = draw(st.integers(0, 2 * EVENTS - 1))
        if placed and draw(st.integers(0, 4)) == 0:
            out.append(Send(at, cancel=draw(st.integers(0, placed - 1))))
            continue
        market = draw(st.booleans()) and draw(st.booleans())
        tif = draw(st.sampled_from(["gtc", "gtc", "ioc", "fok"]))
        post_only = not market and tif == "gtc" and draw(st.integers(0, 3)) == 0
        expire = None
        if tif == "gtc" and draw(st.integers(0, 3)) == 0:
            expire = draw(st.integers(0, 2 * EVENTS)) * 5 * MS
        out.append(
            Send(
                at,
                draw(st.sampled_from([1, -1])),
                draw(st.integers(1, 6)) * 0.1,
                None if market else round(100 + draw(st.integers(-8, 8)) * 0.01, 2),
                tif,
                post_only,
                expire,
            )
        )
        placed += 1
    # Sends act in event order; a cancel may only name an order placed before it.
    ordered: list[Send] = []
    count = 0
    for send in sorted(out, key=lambda s: s.at):
        if send.cancel is None:
            count += 1
            ordered.append(send)
        elif send.cancel < count:
            ordered.append(send)
    return ordered


venues = st.builds(
    lambda model, latency_ms, dist, md_ms, min_notional, stp, post: SimulatedVenueParams(
        latency_ns=latency_ms * MS,
        fill_model=model,
        latency_dist=dist,
        latency_a_ns=0.0,
        latency_b=float(latency_ms * MS * 2),
        md_latency_ns=md_ms * MS,
        min_notional=min_notional,
        self_trade=stp,
        post_only=post,
        seed=3,
    ),
    st.sampled_from(["trades", "touch", "intensity"]),
    st.sampled_from([0, 1, 7]),
    st.sampled_from(["fixed", "uniform"]),
    st.sampled_from([0, 2]),
    st.sampled_from([0.0, 30.0]),
    st.sampled_from(["none", "cancel_newest", "cancel_oldest", "cancel_both"]),
    st.sampled_from(["reject", "reprice"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    orders=sends(),
    venue=venues,
    moves=st.lists(st.integers(-2, 2), min_size=EVENTS, max_size=EVENTS),
    sizes=st.lists(st.integers(0, 8), min_size=2 * EVENTS, max_size=2 * EVENTS),
    trade_offsets=st.lists(st.integers(-3, 3), min_size=EVENTS, max_size=EVENTS),
)
def test_venue_events_keep_the_order_state_machine_legal(
    orders, venue, moves, sizes, trade_offsets
):
    mids = [100 + 0.01 * sum(moves[: k + 1]) for k in range(EVENTS)]
    quotes = book(
        [k * 10 * MS for k in range(EVENTS)],
        [round(m - 0.01, 2) for m in mids],
        [s * 0.1 for s in sizes[:EVENTS]],
        [round(m + 0.01, 2) for m in mids],
        [s * 0.1 for s in sizes[EVENTS:]],
    )
    tape = trades(
        [k * 10 * MS + 5 * MS for k in range(EVENTS)],
        [round(m + 0.01 * d, 2) for m, d in zip(mids, trade_offsets, strict=True)],
        [max(s, 1) * 0.1 for s in sizes[:EVENTS]],
    )
    engine, out = run(
        venue_plan(venue, lot=0.1), "script", [[quotes, tape]], factory=script(orders)
    )

    assert engine.strategy.checks == 2 * EVENTS
    by_order: dict[str, list[dict]] = {}
    for row in out.dicts("orders"):
        by_order.setdefault(row["order_id"], []).append(row)
    for order_id, rows in by_order.items():
        assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1)), order_id
        state = None
        filled = 0.0
        for r in rows:
            assert r["status"] in LEGAL[state], (order_id, state, r["status"])
            assert filled - 1e-12 <= r["filled_qty"] <= r["qty"] + 1e-12
            if r["status"] == "rejected":
                assert r["reason"]
            state, filled = r["status"], r["filled_qty"]
        assert state in ("filled", "cancelled", "rejected"), (order_id, state)
        event(f"{venue.fill_model}: ends {state} ({rows[-1]['reason'].split(':')[0]})")
        fill_qty = sum(f["qty"] for f in out.where("fills", order_id=order_id))
        assert fill_qty == pytest.approx(filled, abs=1e-9)
    assert engine.ctx.open_buy_lots == [0] and engine.ctx.open_sell_lots == [0]
    signed = sum(f["side"] * f["qty"] for f in out.dicts("fills"))
    assert engine.ctx.position(0) == pytest.approx(signed, abs=1e-9)
