"""Routing rules: evaluated in order for every order, the first match wins, `default` takes
the rest; a plan without rules builds no router at all."""

from __future__ import annotations

import json

from engine_builders import Act, scripted
from engine_builders import run as run_plan
from routing_scenario import books, plan, route

RULES = """\
routing:
  routers:
    sweep: {kind: best_price, venues: [a, b, c]}
  rules:
    - when: "order.qty > 2"
      route: sweep
    - when: "order.side == sell"
      route: c
    - when: 'order.symbol == "ETH/USDT" or order.notional >= 1_000_000 USDT'
      route: a
  default: b
"""


def test_rules_are_evaluated_in_order_with_default() -> None:
    """buy 3 → rule 1 (sweep: b 2.0 + a 1.0); sell 1 → rule 2 (c); buy 1 → no rule matches
    (notional 100 USDT, symbol BTC/USDT) → default b; sell 3 matches rules 1 and 2 → rule 1."""
    acts = [Act(2, 1, 3.0), Act(3, -1, 1.0), Act(4, 1, 1.0), Act(5, -1, 3.0)]
    _, out = route(RULES, acts)
    rows = {r["parent_id"]: r for r in out.dicts("routing_decisions")}
    got = [(rows[f"s-00000{k}"]["rule"], rows[f"s-00000{k}"]["route"]) for k in (1, 2, 3, 4)]
    assert got == [("rule 1", "sweep"), ("rule 2", "c"), ("default", "b"), ("rule 1", "sweep")]
    routed = [[c["venue"] for c in json.loads(rows[f"s-00000{k}"]["children"])] for k in (2, 3)]
    assert routed == [["c"], ["b"]]
    venues = {r["order_id"]: r["venue"] for r in out.dicts("orders") if r["status"] == "filled"}
    assert venues["s-000002"] == "c" and venues["s-000003"] == "b"


def test_a_rule_route_moves_the_order_to_that_venue() -> None:
    """A sell routed to c trades on c's slot and fills at c's bid, 99.97."""
    _, out = route(RULES, [Act(2, -1, 0.4)])
    (fill,) = out.dicts("fills")
    assert (fill["venue"], fill["instrument"], fill["price"]) == ("c", "BTC/USDT@c", 99.97)


def test_without_rules_no_router_is_built() -> None:
    """No `routing:` section: the strategy keeps its one instrument, the engine builds no
    router and the order goes straight to venue a."""
    compiled = plan("")
    assert compiled.strategies[0].instruments == ("BTC/USDT@a",)
    engine, out = run_plan(
        compiled, "s", [books(1, ["a"]), books(10, ["a"])], factory=scripted([Act(0, 1, 1.0)])
    )
    assert engine.ctx.router is None
    assert "routing_decisions" not in out.rows
    (fill,) = out.dicts("fills")
    assert (fill["venue"], fill["price"]) == ("a", 100.00)
