"""One instance trading the same asset on two venues: each slot's orders go to its own
venue (latency and fees of that venue), and the rows name the venue that executed them."""

from __future__ import annotations

from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import Plan, Venue
from tests.runtime.engine.engine_builders import (
    MS,
    Act,
    instrument,
    make_plan,
    quote_feed,
    quotes,
    run,
    scripted,
    scripted_strategy,
)

A = "BTC/USDT@a"
B = "BTC/USDT@b"


def _plan() -> Plan:
    base = make_plan(
        [scripted_strategy("arb", (A, B))],
        instruments=[instrument(A), instrument(B)],
        feeds=[quote_feed("qa", A), quote_feed("qb", B)],
    )
    return Plan(
        name=base.name,
        description="",
        source="<test>",
        instruments=base.instruments,
        venues=(
            Venue("a", "simulated", SimulatedVenueParams(latency_ns=1 * MS, taker_fee_bps=10)),
            Venue("b", "simulated", SimulatedVenueParams(latency_ns=5 * MS, taker_fee_bps=2)),
        ),
        feeds=base.feeds,
        signals=(),
        strategies=tuple(
            type(s)(s.name, s.template, s.kind, s.instruments, "a", s.params)
            for s in base.strategies
        ),
    )


def test_each_slot_trades_on_its_own_venue_with_its_latency_and_fees() -> None:
    # Event 0 (t=0, venue a quote): buy 1 on a (slot 0) and sell 1 on b (slot 1), market.
    # a answers after 1 ms at its ask then (100.5); b after 5 ms at the bid b shows then:
    # b's quote at t=3 ms (101.0/101.5) is the latest before 5 ms.
    tape = [
        [quotes([0], [100.0], [100.5], feed="qa", instrument_id=A)],
        [quotes([1 * MS], [100.8], [101.2], feed="qb", instrument_id=B)],
        [quotes([3 * MS], [101.0], [101.5], feed="qb", instrument_id=B)],
        [quotes([10 * MS], [100.1], [100.6], feed="qa", instrument_id=A)],
    ]
    acts = [Act(0, side=1, qty=1.0, slot=0), Act(0, side=-1, qty=1.0, slot=1)]
    engine, out = run(_plan(), "arb", tape, factory=scripted(acts))

    fills = {f["venue"]: f for f in out.dicts("fills")}
    assert set(fills) == {"a", "b"}
    assert (fills["a"]["instrument"], fills["a"]["ts_ns"], fills["a"]["price"]) == (A, MS, 100.5)
    assert (fills["b"]["instrument"], fills["b"]["ts_ns"], fills["b"]["price"]) == (
        B,
        5 * MS,
        101.0,
    )
    assert abs(fills["a"]["fee"] - 100.5 * 10 / 10_000) < 1e-12
    assert abs(fills["b"]["fee"] - 101.0 * 2 / 10_000) < 1e-12
    venues_by_order = {r["order_id"]: r["venue"] for r in out.dicts("orders")}
    assert sorted(venues_by_order.values()) == ["a", "b"]
    assert engine.venues[0] is not engine.venues[1]


def test_slots_on_one_venue_share_it() -> None:
    plan = make_plan(
        [scripted_strategy("two", ("BTC/USDT@sim", "ETH/USDT@sim"))],
        instruments=[instrument("BTC/USDT@sim"), instrument("ETH/USDT@sim")],
        feeds=[quote_feed("qb"), quote_feed("qe", "ETH/USDT@sim")],
    )
    engine, _ = run(plan, "two", [], factory=scripted([]))
    assert engine.venues[0] is engine.venues[1]
