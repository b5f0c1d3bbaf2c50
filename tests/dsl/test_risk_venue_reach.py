"""Venue scopes and routing at compile time: an instance is in a venue's scope when any venue
its orders may reach is in it — its own venue and, when the rules route it, every venue a
rule, the default or a router may send to — and an account-wide venue budget is split among
exactly those instances."""

from __future__ import annotations

import pytest

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.plan import Plan, RiskCheck
from orderloom.dsl.routing import reachable_venues

BASE = """\
orderloom: 1
name: t
venues:
  alpha: {kind: simulated}
  beta: {kind: simulated}
  gamma: {kind: simulated}
instruments:
  BTC/USDT@alpha: {tick_size: 0.01, lot_size: 0.001}
  BTC/USDT@beta: {tick_size: 0.01, lot_size: 0.001}
  BTC/USDT@gamma: {tick_size: 0.01, lot_size: 0.001}
feeds:
  qa: {kind: synthetic, instrument: BTC/USDT@alpha, QUOTES}
  qb: {kind: synthetic, instrument: BTC/USDT@beta, QUOTES}
  qg: {kind: synthetic, instrument: BTC/USDT@gamma, QUOTES}
strategies:
  routed: {kind: twap, instrument: BTC/USDT@alpha, TWAP}
  home: {kind: twap, instrument: BTC/USDT@alpha, venue: alpha, TWAP}
  on_beta: {kind: twap, instrument: BTC/USDT@beta, venue: beta, TWAP}
""".replace("TWAP", "side: buy, quantity: 1, start: 2024-01-01, duration: 1h, slices: 4").replace(
    "QUOTES", "schema: quotes, s0: 1, sigma: 0.1, dt: 1s, count: 9"
)

RULES = """\
routing:
  rules:
    - when: "order.side == sell"
      route: beta
  default: alpha
"""

SWEEP = """\
routing:
  routers:
    sweep: {kind: best_price, venues: [beta, gamma]}
  default: sweep
"""


def compiled(text: str) -> Plan:
    return compile_text(BASE + text, "p.yaml", env={})


def checks(plan: Plan, kind: str) -> dict[str, RiskCheck]:
    """Each instance's (single) check of `kind`."""
    out = {}
    for instance in plan.risk.instances:
        found = [c for c in instance.checks if c.kind == kind]
        if found:
            (out[instance.strategy],) = found
    return out


def test_reachable_venues_are_the_own_venue_then_the_routes() -> None:
    plan = compiled(RULES)
    assert plan.routing.strategies == ("routed",)
    assert reachable_venues(plan.strategies, plan.routing) == {"routed": ("alpha", "beta")}
    plan = compiled(SWEEP)
    assert reachable_venues(plan.strategies, plan.routing) == {"routed": ("alpha", "beta", "gamma")}


def test_a_strategy_whose_rules_route_to_beta_is_in_betas_scope() -> None:
    """order_rate 30/s (burst 30) on venue beta: `on_beta` trades there, `routed` sells there
    through rule 1, `home` never goes there. Equal shares of the two: 15/s, burst 15 each."""
    plan = compiled(RULES + "risk:\n  order_rate: {max: 30, per: 1s, scope: {venue: beta}}\n")
    got = checks(plan, "order_rate")
    assert sorted(got) == ["on_beta", "routed"]
    for check in got.values():
        assert (check.params.max, check.params.burst, check.share) == (15.0, 15.0, 0.5)
        assert check.scope.venues == ("beta",)


def test_account_wide_venue_budgets_split_among_the_instances_that_reach_the_venue() -> None:
    """max_daily_notional 900_000 USDT on alpha: `routed` (own venue alpha, default alpha) and
    `home` → 450_000 each. On gamma, reached only through the router: `routed` alone gets
    all 600_000. Explicit shares on beta (routed 25%, on_beta 75%) of 40 orders/s: 10 and 30."""
    plan = compiled(
        SWEEP
        + "risk:\n"
        + "  max_daily_notional:\n"
        + "    - {limit: 900_000 USDT, scope: {venue: alpha}}\n"
        + "    - {limit: 600_000 USDT, scope: {venue: gamma}}\n"
        + "  order_rate: {max: 40, per: 1s, scope: {venue: beta}, "
        + "shares: {routed: 25%, on_beta: 75%}}\n"
    )
    daily = {
        (i.strategy, c.scope.venues): c.params.limit
        for i in plan.risk.instances
        for c in i.checks
        if c.kind == "max_daily_notional"
    }
    assert daily == {
        ("routed", ("alpha",)): pytest.approx(450_000),
        ("home", ("alpha",)): pytest.approx(450_000),
        ("routed", ("gamma",)): pytest.approx(600_000),
    }
    rate = checks(plan, "order_rate")
    assert {name: c.params.max for name, c in rate.items()} == {"routed": 10.0, "on_beta": 30.0}


def test_without_routing_a_venue_scope_sees_the_strategys_own_venue_only() -> None:
    """No `routing:`: nothing is routed, so beta's 30/s goes whole to `on_beta`, and a limit
    on gamma, where no instance trades, is an error as before."""
    plan = compiled("risk:\n  order_rate: {max: 30, per: 1s, scope: {venue: beta}}\n")
    assert plan.routing.strategies == ()
    got = checks(plan, "order_rate")
    assert list(got) == ["on_beta"] and got["on_beta"].params.max == 30.0
    with pytest.raises(ConfigError) as info:
        compiled("risk:\n  order_rate: {max: 30, per: 1s, scope: {venue: gamma}}\n")
    (diagnostic,) = info.value.diagnostics
    assert "applies to no strategy instance" in diagnostic.message


def test_an_instance_trading_on_two_venues_is_in_both_venue_scopes() -> None:
    """No routing: a pairs-style instance reading BTC/USDT@alpha (traded) and BTC/USDT@gamma
    sends slot 1's orders to gamma (the engine binds each slot to its instrument's venue), so
    a gamma limit applies to it — whole, since it is the only instance reaching gamma —
    while beta's 30/s still goes whole to `on_beta`."""
    arb = (
        "  arb:\n"
        "    kind: cross_venue_arbitrage\n"
        "    instrument: BTC/USDT@alpha\n"
        "    instruments: [BTC/USDT@alpha, BTC/USDT@gamma]\n"
        "    min_edge: 5bps\n    max_quantity: 0.01\n    max_position: 0.1\n"
        "    leg_timeout: 1s\n"
    )
    plan = compiled(
        arb
        + "risk:\n"
        + "  order_rate:\n"
        + "    - {max: 20, per: 1s, scope: {venue: gamma}}\n"
        + "    - {max: 30, per: 1s, scope: {venue: beta}}\n"
    )
    assert reachable_venues(
        plan.strategies, plan.routing, plan.instruments, [v.name for v in plan.venues]
    ) == {"arb": ("alpha", "gamma")}
    rates = {
        (i.strategy, c.scope.venues): c.params.max
        for i in plan.risk.instances
        for c in i.checks
        if c.kind == "order_rate"
    }
    assert rates == {("arb", ("gamma",)): 20.0, ("on_beta", ("beta",)): 30.0}
    arb_node = next(s for s in plan.strategies if s.name == "arb")
    assert plan.slot_venues(arb_node) == ("alpha", "gamma")
