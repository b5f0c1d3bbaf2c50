"""The `routing:` section: rules with order expressions, declared routers and `default`,
compiled into Plan.routing; routed strategies get a slot per venue they may be routed to.
Errors name the place: the column inside a `when` expression, the venue in a router's list."""

from __future__ import annotations

import pytest

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.plan import Plan, RouteRule

BASE = """\
orderloom: 1
name: t
venues:
  a: {kind: simulated, fees: {taker: 10bps}}
  b: {kind: simulated, fees: {taker: 2bps}}
  c: {kind: simulated}
instruments:
  BTC/USDT@a: {tick_size: 0.01, lot_size: 0.001}
  BTC/USDT@b: {tick_size: 0.01, lot_size: 0.001}
  BTC/USDT@c: {tick_size: 0.01, lot_size: 0.01}
  ETH/USDT@a: {tick_size: 0.01, lot_size: 0.001}
feeds:
  qa: {kind: synthetic, instrument: BTC/USDT@a, schema: quotes, s0: 1, sigma: 0.1, dt: 1s, count: 9}
  qb: {kind: synthetic, instrument: BTC/USDT@b, schema: quotes, s0: 1, sigma: 0.1, dt: 1s, count: 9}
  tb: {kind: synthetic, instrument: BTC/USDT@b, s0: 1, sigma: 0.1, dt: 1s, count: 9}
  ea: {kind: synthetic, instrument: ETH/USDT@a, s0: 1, sigma: 0.1, dt: 1s, count: 9}
strategies:
  buy: {kind: twap, instrument: BTC/USDT@a, TWAP}
  pinned: {kind: twap, instrument: BTC/USDT@a, venue: a, TWAP}
""".replace("TWAP", "side: buy, quantity: 1, start: 2024-01-01, duration: 1h, slices: 4")
FIRST = BASE.count("\n") + 1  # line number of the routing section's first line


def compiled(routing: str) -> Plan:
    return compile_text(BASE + routing, "p.yaml", env={})


def errors(routing: str) -> list[tuple[int, int, str, str]]:
    with pytest.raises(ConfigError) as info:
        compiled(routing)
    return [
        (d.span.line - FIRST + 1, d.span.col, d.code, d.message) for d in info.value.diagnostics
    ]


def test_rules_routers_and_default_compile_into_the_plan() -> None:
    plan = compiled(
        "routing:\n"
        "  routers:\n"
        "    sor: {kind: best_price, venues: [a, b]}\n"
        "  rules:\n"
        '    - when: "order.side == sell and order.qty >= 0.5"\n'
        "      route: b\n"
        "  default: sor\n"
    )
    routing = plan.routing
    assert [(r.when, r.route) for r in routing.rules] == [
        ("order.side == sell and order.qty >= 0.5", "b")
    ]
    assert isinstance(routing.rules[0], RouteRule)
    assert routing.default == "sor" and routing.router("sor").params.venues == ("a", "b")
    assert routing.strategies == ("buy",)  # `pinned` names its own venue
    by_name = {s.name: s for s in plan.strategies}
    assert by_name["buy"].instruments == ("BTC/USDT@a", "BTC/USDT@b")
    assert by_name["buy"].venue == "a"
    assert by_name["pinned"].instruments == ("BTC/USDT@a",)
    assert Plan.from_json(plan.to_json()) == plan


def test_a_plain_default_venue_changes_nothing() -> None:
    plan = compiled("routing:\n  default: b\n")
    assert plan.routing.strategies == () and plan.routing.rules == ()
    assert plan.strategies[0].venue == "b"
    assert plan.strategies[0].instruments == ("BTC/USDT@a",)


def test_a_rule_to_a_venue_needs_only_market_data_there() -> None:
    """`tb` (trades) and `qb` (quotes) both feed BTC/USDT@b; a rule route needs any feed."""
    plan = compiled('routing:\n  rules:\n    - {when: "order.qty > 1", route: b}\n')
    assert plan.strategies[0].instruments == ("BTC/USDT@a", "BTC/USDT@b")


ERROR_CASES = [
    (
        "unknown-field",
        'routing:\n  rules:\n    - {when: "order.qtty > 1", route: b}\n',
        (3, 15, "E0302", "unknown name 'order.qtty' in a routing rule"),
    ),
    (
        "syntax",
        'routing:\n  rules:\n    - {when: "order.qty > > 1", route: b}\n',
        (3, 27, "E0301", "expected an expression after '>', found '>'"),
    ),
    (
        "side-vs-number",
        'routing:\n  rules:\n    - {when: "order.side == 1", route: b}\n',
        (3, 15, "E0303", "cannot compare a side with a number"),
    ),
    (
        "not-boolean",
        'routing:\n  rules:\n    - {when: "order.qty * 2", route: b}\n',
        (3, 15, "E0303", "a routing rule's `when` must be true or false, not a number"),
    ),
    (
        "and-on-numbers",
        'routing:\n  rules:\n    - {when: "order.qty and order.price > 1", route: b}\n',
        (3, 15, "E0303", "'and' needs conditions on both sides, found a quantity"),
    ),
    (
        "unknown-route",
        'routing:\n  rules:\n    - {when: "order.qty > 1", route: bb}\n',
        (3, 38, "E0101", "unknown venue or router 'bb'"),
    ),
    (
        "unknown-router-venue",
        "routing:\n  routers:\n    sor: {kind: best_price, venues: [a, d]}\n  default: sor\n",
        (3, 41, "E0101", "unknown venue 'd'"),
    ),
    (
        "unknown-router-kind",
        "routing:\n  routers:\n    sor: {kind: best_prize, venues: [a]}\n  default: sor\n",
        (
            3,
            17,
            "E0204",
            "'best_prize' is not allowed for `routing.routers.sor.kind`: expected best_price, "
            "cheapest_fees, split",
        ),
    ),
    (
        "weights-missing",
        "routing:\n  routers:\n    w: {kind: split, venues: [a, b], by: weights}\n  default: w\n",
        (3, 42, "E0201", "split by weights needs `weights:`"),
    ),
    (
        "weight-for-other-venue",
        "routing:\n  routers:\n    w: {kind: split, venues: [a, b], by: weights, "
        "weights: {a: 1, c: 1}}\n  default: w\n",
        (3, 67, "E0204", "weight for 'c', which is not in this router's venues"),
    ),
    (
        "router-named-like-venue",
        "routing:\n  routers:\n    a: {kind: best_price, venues: [a, b]}\n  default: a\n",
        (3, 5, "E0204", "router 'a' has the name of a venue"),
    ),
]


@pytest.mark.parametrize(
    ("routing", "expected"), [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_routing_errors_name_their_place(routing: str, expected: tuple) -> None:
    got = errors(routing)
    assert expected in got, got


def test_routed_venue_with_another_lot_size_is_an_error() -> None:
    """BTC/USDT@c trades in lots of 0.01, the strategy's BTC/USDT@a in 0.001."""
    plan_errors = errors('routing:\n  rules:\n    - {when: "order.qty > 1", route: c}\n')
    ((line, col, code, message),) = plan_errors
    assert (line, col, code) == (3, 38, "E0204")
    assert "lot_size 0.01" in message and "BTC/USDT@a has 0.001" in message


def test_routed_symbol_not_declared_on_the_venue() -> None:
    text = BASE.replace("  BTC/USDT@c: {tick_size: 0.01, lot_size: 0.01}\n", "")
    with pytest.raises(ConfigError) as info:
        compile_text(
            text + 'routing:\n  rules:\n    - {when: "true", route: c}\n', "p.yaml", env={}
        )
    (d,) = info.value.diagnostics
    assert d.code == "E0101"
    assert d.message == (
        "strategy 'buy' may be routed to venue 'c', but instrument BTC/USDT@c is not declared"
    )


def test_a_router_needs_a_quotes_feed_on_each_venue() -> None:
    """Without `qb`, BTC/USDT@b has only trades: a router cannot read its book."""
    text = BASE.replace(
        "  qb: {kind: synthetic, instrument: BTC/USDT@b, schema: quotes, ", "  x: {"
    )
    text = text.replace("  x: {s0: 1, sigma: 0.1, dt: 1s, count: 9}\n", "")
    with pytest.raises(ConfigError) as info:
        compile_text(
            text + "routing:\n  routers:\n    sor: {kind: split, venues: [a, b]}\n  default: sor\n",
            "p.yaml",
            env={},
        )
    (d,) = info.value.diagnostics
    assert (d.code, d.span.line, d.span.col) == ("E0403", text.count("\n") + 3, 5)
    assert d.message == (
        "strategy 'buy' may be routed to venue 'b', but BTC/USDT@b has no quotes feed (a router "
        "reads the venues' books)"
    )


def test_routed_venue_without_any_feed_is_an_error() -> None:
    text = BASE.replace(
        "  qb: {kind: synthetic, instrument: BTC/USDT@b, schema: quotes, ", "  x: {"
    )
    text = text.replace("  x: {s0: 1, sigma: 0.1, dt: 1s, count: 9}\n", "")
    text = text.replace("  tb: {kind: synthetic, instrument: BTC/USDT@b, ", "  y: {")
    text = text.replace("  y: {s0: 1, sigma: 0.1, dt: 1s, count: 9}\n", "")
    with pytest.raises(ConfigError) as info:
        compile_text(
            text + 'routing:\n  rules:\n    - {when: "order.side == buy", route: b}\n',
            "p.yaml",
            env={},
        )
    (d,) = info.value.diagnostics
    assert d.code == "E0403"
    assert (
        d.message == "strategy 'buy' may be routed to venue 'b', but BTC/USDT@b has no market data"
    )


def test_schema_errors_in_rules_and_routers() -> None:
    assert errors('routing:\n  rules:\n    - {wen: "order.qty > 1", route: b}\n') == [
        (2, 3, "E0201", "missing key 'when' in `routing.rules.0`"),
        (3, 8, "E0202", "unknown key 'wen' in `routing.rules.0`"),
    ]
    assert errors("routing:\n  routers:\n    s: {kind: split, venues: [a], by: weight}\n") == [
        (3, 39, "E0204", "'weight' is not allowed for `routing.routers.s.by`: expected "
         "liquidity, weights"),
    ]  # fmt: skip
