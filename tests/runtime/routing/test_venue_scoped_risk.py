"""Venue-scoped pre-trade checks on routed orders: a check whose scope names a venue runs on
what actually goes to that venue (each child of a split, or an order a rule sends whole),
inside the router before it is sent; checks without a venue scope run once on the parent.

Two simulated venues quote BTC/USDT without fees (`books`):

    venue  bid (size)      ask (size)
    alpha  99.90 (1.0)     100.00 (1.0)
    beta   99.85 (5.0)     100.05 (5.0)

so a best_price buy of 2.0 takes alpha's 1.0 and the rest, 1.0, on beta: children `-c1`
(alpha) and `-c2` (beta)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest
from engine_builders import (
    Act,
    Output,
    ScriptedStrategy,
    instrument,
    make_plan,
    quote_feed,
    quotes,
    run,
    scripted,
    scripted_strategy,
)

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.kinds.risk_order_rate import RateLimitParams
from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import InstanceRisk, Plan, RiskCheck, RiskLimits, RiskScope, Venue

BOOKS = {"alpha": (99.90, 1.0, 100.00, 1.0), "beta": (99.85, 5.0, 100.05, 5.0)}

FEED = (
    "  q{v}:\n    kind: synthetic\n    instrument: BTC/USDT@{v}\n    schema: quotes\n"
    "    start: 2024-01-01T00:00:00Z\n    horizon: 1m\n    s0: 100\n    sigma: 0.1\n"
    "    dt: 1s\n"
)

HEADER = (
    """\
orderloom: 1
name: venue-scoped-risk
venues:
  alpha: {kind: simulated, fees: {maker: 0bps, taker: 0bps}}
  beta: {kind: simulated, fees: {maker: 0bps, taker: 0bps}}
instruments:
  BTC/USDT@alpha: {tick_size: 0.01, lot_size: 0.001}
  BTC/USDT@beta: {tick_size: 0.01, lot_size: 0.001}
feeds:
"""
    + FEED.format(v="alpha")
    + FEED.format(v="beta")
    + """\
strategies:
  s:
    kind: twap
    instrument: BTC/USDT@alpha
    side: buy
    quantity: 1
    start: 2024-01-01T00:00:00Z
    duration: 1m
    slices: 1
"""
)

BEST = (
    "routing:\n  routers:\n    sweep: {kind: best_price, venues: [alpha, beta]}\n  default: sweep\n"
)


def books(ts_ns: int) -> list:
    out = []
    for k, (venue, (bid, bid_size, ask, ask_size)) in enumerate(BOOKS.items()):
        batch = quotes(
            [ts_ns + k], [bid], [ask], feed=f"q{venue}", instrument_id=f"BTC/USDT@{venue}"
        )
        batch.bid_qty[:] = bid_size
        batch.ask_qty[:] = ask_size
        out.append(batch)
    return out


def route(yaml: str, acts: Sequence[Act]) -> tuple[ScriptedStrategy, Output, Plan]:
    """Both books (events 0, 1), the scripted orders at event 1, then the books again so the
    market children fill."""
    made: list[ScriptedStrategy] = []

    def factory(setup):
        made.append(ScriptedStrategy(setup, acts))
        return made[-1]

    plan = compile_text(HEADER + yaml, "venue_risk.yaml")
    _, out = run(plan, "s", [books(1), books(10)], factory=factory)
    return made[0], out, plan


def last_status(out: Output, order_id: str) -> dict:
    return max(out.where("orders", order_id=order_id), key=lambda r: r["seq"])


def parent_id(k: int) -> str:
    return f"s-{k:06d}"


@pytest.mark.parametrize("parents", [1, 3, 6])
def test_order_rate_on_beta_refuses_beta_children_beyond_the_bucket(parents: int) -> None:
    """order_rate on beta: max 2 per 1h (burst 2; the test spans nanoseconds, so nothing
    refills). Each parent (buy 2.0, all at event 1) splits into alpha 1.0 + beta 1.0. Beta
    children 1 and 2 take the two tokens; beta children 3… are refused by the check (a
    risk_events row each) and never reach beta. Every alpha child passes. Parents 1–2 fill
    2.0; parents 3… fill alpha's 1.0 and the rest is cancelled."""
    yaml = BEST + "risk:\n  order_rate: {max: 2, per: 1h, scope: {venue: beta}}\n"
    strategy, out, plan = route(yaml, [Act(1, 1, 2.0)] * parents)
    (instance,) = plan.risk.instances
    assert [c.scope.venues for c in instance.checks] == [("beta",)]
    passed_beta = min(parents, 2)
    refused = [f"{parent_id(k)}-c2" for k in range(passed_beta + 1, parents + 1)]
    events = out.dicts("risk_events")
    assert [(e["order_id"], e["check"]) for e in events] == [
        (child, "order_rate") for child in refused
    ]
    for e in events:
        assert (e["limit_value"], e["value"], e["action"]) == (2.0, 3.0, "reject")
        assert e["order_id"] in e["message"] and "venue beta" in e["message"]
    fills = out.dicts("fills")
    assert sum(1 for f in fills if f["venue"] == "alpha") == parents
    assert sum(1 for f in fills if f["venue"] == "beta") == passed_beta
    for child in refused:
        assert last_status(out, child)["status"] == "rejected"
    for k in range(1, parents + 1):
        status = last_status(out, parent_id(k))
        expected = ("filled", 2.0) if k <= passed_beta else ("cancelled", 1.0)
        assert (status["status"], status["filled_qty"]) == expected
    assert sum(f.qty for f in strategy.fills) == pytest.approx(parents * 1.0 + passed_beta)


def test_a_check_without_venue_scope_runs_once_on_the_parent() -> None:
    """An account-wide order_rate of 2 (burst 2) counts parents, not children: of 3 parents
    (6 children) the third is refused whole, before routing (no routing decision for it)."""
    yaml = BEST + "risk:\n  order_rate: {max: 2, per: 1h}\n"
    strategy, out, _ = route(yaml, [Act(1, 1, 2.0)] * 3)
    assert [(e["order_id"], e["check"]) for e in out.dicts("risk_events")] == [
        (parent_id(3), "order_rate")
    ]
    assert [r["parent_id"] for r in out.dicts("routing_decisions")] == [parent_id(1), parent_id(2)]
    assert len(out.dicts("fills")) == 4  # two children for each of two parents
    assert [order_id for order_id, _ in strategy.rejects] == [parent_id(3)]


def test_max_order_qty_on_beta_judges_the_beta_child_not_the_parent() -> None:
    """max_order_qty 1.5 on beta. Buy 3.0 → alpha 1.0 + beta 2.0: the beta child (2.0 > 1.5)
    is refused, alpha's 1.0 fills, the rest of the parent is cancelled. Buy 2.0 → alpha 1.0 +
    beta 1.0 (≤ 1.5): both pass although the parent itself is over 1.5."""
    yaml = BEST + "risk:\n  max_order_qty: {limit: 1.5, scope: {venue: beta}}\n"
    _, out, _ = route(yaml, [Act(1, 1, 3.0), Act(1, 1, 2.0)])
    (event,) = out.dicts("risk_events")
    assert (event["order_id"], event["check"]) == (f"{parent_id(1)}-c2", "max_order_qty")
    assert (event["limit_value"], event["value"]) == (1.5, 2.0)
    first, second = last_status(out, parent_id(1)), last_status(out, parent_id(2))
    assert (first["status"], first["filled_qty"]) == ("cancelled", 1.0)
    assert (second["status"], second["filled_qty"]) == ("filled", 2.0)


RULES = """\
routing:
  rules:
    - when: "order.side == sell"
      route: beta
  default: alpha
"""


def test_a_rule_route_to_beta_is_checked_against_beta() -> None:
    """Sells are routed whole to beta, buys to alpha; order_rate on beta max 1 (burst 1).
    Two sells and two buys: the second sell is refused (the order itself, rejected to the
    strategy with the check's reason), both buys pass."""
    yaml = RULES + "risk:\n  order_rate: {max: 1, per: 1h, scope: {venue: beta}}\n"
    acts = [Act(1, -1, 0.5), Act(1, 1, 0.5), Act(1, -1, 0.5), Act(1, 1, 0.5)]
    strategy, out, _ = route(yaml, acts)
    (event,) = out.dicts("risk_events")
    assert (event["order_id"], event["check"]) == (parent_id(3), "order_rate")
    assert strategy.rejects == [(parent_id(3), event["message"])]
    venues = sorted((f["order_id"], f["venue"]) for f in out.dicts("fills"))
    assert venues == [
        (parent_id(1), "beta"),
        (parent_id(2), "alpha"),
        (parent_id(4), "alpha"),
    ]


def test_without_venue_checks_the_router_runs_no_venue_chain() -> None:
    """A routed plan whose checks name no venue builds no per-venue chain (nothing extra per
    child)."""
    made: list = []

    def factory(setup):
        made.append(ScriptedStrategy(setup, ()))
        return made[-1]

    plan = compile_text(HEADER + BEST + "risk:\n  order_rate: {max: 2, per: 1h}\n", "r.yaml")
    engine, _ = run(plan, "s", [books(1)], factory=factory)
    assert engine.ctx.router is not None and engine.ctx.router.venue_risk is None
    assert len(engine.ctx.risk.checks) == 1


def _two_venue_instance(scope_venue: str) -> Plan:
    """An instance not routed, on venue a, trading BTC/USDT@a (slot 0, venue a) and
    BTC/USDT@b (slot 1, its own venue b), with order_rate 1 per hour (burst 1) on
    `scope_venue`."""
    a, b = "BTC/USDT@a", "BTC/USDT@b"
    check = RiskCheck(
        "order_rate", RateLimitParams(1.0, 3_600 * 10**9, 1.0), (), RiskScope(venues=(scope_venue,))
    )
    base = make_plan(
        [scripted_strategy("arb", (a, b))],
        instruments=[instrument(a), instrument(b)],
        feeds=[quote_feed("qa", a), quote_feed("qb", b)],
        risk=RiskLimits(instances=(InstanceRisk("arb", (check,)),)),
    )
    return dataclasses.replace(
        base,
        venues=(
            Venue("a", "simulated", SimulatedVenueParams()),
            Venue("b", "simulated", SimulatedVenueParams()),
        ),
        strategies=tuple(dataclasses.replace(s, venue="a") for s in base.strategies),
    )


@pytest.mark.parametrize(("scope_venue", "refused"), [("a", "arb-000003"), ("b", "arb-000004")])
def test_without_routing_a_venue_check_covers_the_slots_on_its_venue(
    scope_venue: str, refused: str
) -> None:
    """Orders: slot 1 (b), slot 0 (a), slot 0 (a), slot 1 (b). With the bucket on a, the
    two b orders pass and the second a order (3rd overall) is refused; on b, the two a orders
    pass and the second b order (4th) is refused."""
    tape = [[quotes([0], [100.0], [100.5], feed="qa", instrument_id="BTC/USDT@a")]]
    acts = [Act(0, -1, 1.0, slot=1), Act(0, 1, 1.0), Act(0, 1, 1.0), Act(0, -1, 1.0, slot=1)]
    _, out = run(_two_venue_instance(scope_venue), "arb", tape, factory=scripted(acts))
    assert [(e["order_id"], e["check"]) for e in out.dicts("risk_events")] == [
        (refused, "order_rate")
    ]
