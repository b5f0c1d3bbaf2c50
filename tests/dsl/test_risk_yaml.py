# ruff: noqa: E501  (expected outputs are exact terminal lines)
"""The `risk:` section: its three forms (scalar shorthand, mapping, list), scopes, the split of
account-wide limits into per-instance budgets (numbers by hand), and the exact diagnostics
for bad limits, unknown scopes and shares that do not add up."""

from __future__ import annotations

import textwrap

import pytest

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.kinds.max_order_notional import MaxOrderNotionalParams
from orderloom.dsl.kinds.max_position import MaxPositionParams
from orderloom.dsl.kinds.risk_daily_notional import MaxDailyNotionalParams
from orderloom.dsl.kinds.risk_open_orders import MaxOpenOrdersParams
from orderloom.dsl.kinds.risk_order_rate import RateLimitParams
from orderloom.dsl.kinds.risk_position_limit import PositionLimitParams
from orderloom.dsl.kinds.risk_price_band import PriceBandParams
from orderloom.dsl.plan import Plan, RiskCheck
from orderloom.dsl.render import render_diagnostics

# Three instances: mm[BTC/USDT@sim] and mm[ETH/USDT@sim] (template mm), and arb (BTC).
BASE = """\
orderloom: 1
name: t
instruments:
  BTC/USDT@sim: {tick_size: 0.01, lot_size: 0.0001}
  ETH/USDT@sim: {tick_size: 0.01, lot_size: 0.001}
venues:
  sim: {kind: simulated}
feeds:
  btc: {kind: synthetic, instrument: BTC/USDT@sim, s0: 100, sigma: 0.5, dt: 1s, count: 10}
  eth: {kind: synthetic, instrument: ETH/USDT@sim, s0: 100, sigma: 0.5, dt: 1s, count: 10}
strategies:
  mm:
    kind: signal
    for_each: {instrument: [BTC/USDT@sim, ETH/USDT@sim]}
    instrument: ${each.instrument}
    target: 0.01
  arb: {kind: signal, instrument: BTC/USDT@sim, target: 0.01}
risk:
"""  # the risk snippet starts at line 19
MM_BTC, MM_ETH = "mm[BTC/USDT@sim]", "mm[ETH/USDT@sim]"
SECOND = 1_000_000_000


def compiled(snippet: str) -> Plan:
    return compile_text(BASE + snippet, "p.yaml", env={})


def checks(plan: Plan, strategy: str, kind: str) -> list[RiskCheck]:
    return [c for c in plan.risk.checks_for(strategy) or () if c.kind == kind]


def test_the_three_forms_of_a_check() -> None:
    """A scalar is `{limit: value}` for the whole account; a mapping is one check; a list
    holds several mappings, each with its own scope."""
    plan = compiled(
        "  max_order_notional:\n"
        "    - {limit: 50_000 USDT}\n"
        "    - {limit: 5_000 USDT, scope: {strategy: mm}}\n"
        "  price_band: {reference: last, max_deviation: 2%}\n"
    )
    assert plan.risk.max_order_notional == 50_000.0  # the account-wide shorthand field
    for name in (MM_BTC, MM_ETH):
        assert [c.params for c in checks(plan, name, "max_order_notional")] == [
            MaxOrderNotionalParams(50_000.0, "USDT"),
            MaxOrderNotionalParams(5_000.0, "USDT"),
        ]
        (band,) = checks(plan, name, "price_band")
        assert band.params == PriceBandParams(200.0, "last")
    assert [c.params.limit for c in checks(plan, "arb", "max_order_notional")] == [50_000.0]


def test_shorthands_keep_working_and_max_position_is_shared_per_instrument() -> None:
    """max_position is account-wide per instrument: BTC's 10 is traded by mm[BTC] and arb
    (5 each), ETH's 4 only by mm[ETH] (all 4)."""
    plan = compiled(
        "  max_order_notional: 50_000 USDT\n  max_position: {BTC/USDT@sim: 10, ETH/USDT@sim: 4}\n"
    )
    assert plan.risk.position_limit("BTC/USDT@sim") == 10.0
    assert plan.risk.notional_currency == "USDT"
    assert [c.params for c in checks(plan, MM_BTC, "max_position")] == [
        MaxPositionParams((("BTC/USDT@sim", 5.0),))
    ]
    assert [(c.params, c.share) for c in checks(plan, MM_ETH, "max_position")] == [
        (MaxPositionParams((("ETH/USDT@sim", 4.0),)), 1.0)
    ]
    assert [c.params.limits for c in checks(plan, "arb", "max_position")] == [
        (("BTC/USDT@sim", 5.0),)
    ]


def test_budget_split_by_shares_templates_and_instances() -> None:
    """1_000_000 USDT with {mm: 60%, arb: 40%}: the template's 60% is split between its two
    instances (300_000 each), arb takes 400_000. Naming an instance gives it its own share:
    {mm[BTC]: 50%, mm: 20%, arb: 30%} leaves mm[ETH] the template's whole 20%."""
    plan = compiled(
        "  max_daily_notional:\n"
        "    - {limit: 1_000_000 USDT, shares: {mm: 60%, arb: 40%}}\n"
        '    - {limit: 100_000 USDT, shares: {"mm[BTC/USDT@sim]": 50%, mm: 20%, arb: 30%}}\n'
    )
    expected = {
        MM_BTC: [(300_000.0, 0.3), (50_000.0, 0.5)],
        MM_ETH: [(300_000.0, 0.3), (20_000.0, 0.2)],
        "arb": [(400_000.0, 0.4), (30_000.0, 0.3)],
    }
    for name, budgets in expected.items():
        found = [(c.params, c.share) for c in checks(plan, name, "max_daily_notional")]
        assert found == [
            (MaxDailyNotionalParams(pytest.approx(limit), "USDT"), pytest.approx(share))
            for limit, share in budgets
        ]


def test_equal_split_per_instance_and_scoped_budgets() -> None:
    """No shares: equal parts. max_open_orders 10 over 3 instances -> 3 each (rounded down);
    order_rate 20/s for template mm -> 10/s and burst 10 per instance; with per_instance each
    mm instance gets the whole 20/s; a BTC position limit counts only the instances trading
    BTC (mm[BTC], arb) and covers only that instrument; a scope naming strategy and
    instrument takes the intersection."""
    plan = compiled(
        "  max_open_orders: 10\n"
        "  order_rate:\n"
        "    - {max: 20, per: 1s, scope: {strategy: mm}}\n"
        "    - {max: 20, per: 1s, scope: {strategy: mm}, per_instance: true}\n"
        "  position_limit: {asset: BTC, net: 4, gross: 6}\n"
        "  price_band: {max_deviation: 50bps, scope: {strategy: mm, instrument: ETH/USDT@sim}}\n"
    )
    for name in (MM_BTC, MM_ETH, "arb"):
        (cap,) = checks(plan, name, "max_open_orders")
        assert cap.params == MaxOpenOrdersParams(3)
    for name in (MM_BTC, MM_ETH):
        assert [c.params for c in checks(plan, name, "order_rate")] == [
            RateLimitParams(10.0, SECOND, 10.0),
            RateLimitParams(20.0, SECOND, 20.0),
        ]
    assert not checks(plan, "arb", "order_rate")
    for name in (MM_BTC, "arb"):
        (limit,) = checks(plan, name, "position_limit")
        assert (limit.params, limit.instruments) == (
            PositionLimitParams(asset="BTC", net=2.0, gross=3.0),
            ("BTC/USDT@sim",),
        )
    assert not checks(plan, MM_ETH, "position_limit")
    assert [c.instruments for c in checks(plan, MM_ETH, "price_band")] == [("ETH/USDT@sim",)]
    assert not checks(plan, MM_BTC, "price_band") and not checks(plan, "arb", "price_band")


def test_plan_with_checks_survives_json() -> None:
    plan = compiled("  order_rate: {max: 20, scope: {venue: sim}}\n  self_trade: true\n")
    assert Plan.from_json(plan.to_json()) == plan


ERROR_CASES: list[tuple[str, str, str]] = [
    (
        "unknown-check",
        "  order_rat: {max: 20}\n",
        """\
        p.yaml:19:3: error[E0202]: unknown key 'order_rat' in `risk`
           |
        19 |   order_rat: {max: 20}
           |   ^^^^^^^^^
           = help: did you mean 'order_rate'?""",
    ),
    (
        "unknown-scope-key",
        "  order_rate: {max: 20, scope: {stratgy: mm}}\n",
        """\
        p.yaml:19:33: error[E0202]: unknown key 'stratgy' in `risk.order_rate.scope`
           |
        19 |   order_rate: {max: 20, scope: {stratgy: mm}}
           |                                 ^^^^^^^
           = help: did you mean 'strategy'?""",
    ),
    (
        "unknown-scope-word",
        "  order_rate: {max: 20, scope: acount}\n",
        """\
        p.yaml:19:32: error[E0204]: unknown scope 'acount'
           |
        19 |   order_rate: {max: 20, scope: acount}
           |                                ^^^^^^
           = help: did you mean 'account'?""",
    ),
    (
        "unknown-scope-strategy",
        "  order_rate: {max: 20, scope: {strategy: xyz}}\n",
        """\
        p.yaml:19:43: error[E0101]: unknown strategy 'xyz'
           |
        19 |   order_rate: {max: 20, scope: {strategy: xyz}}
           |                                           ^^^
           = help: strategies and templates: arb, mm, mm[BTC/USDT@sim], mm[ETH/USDT@sim]""",
    ),
    (
        "unknown-scope-venue",
        "  order_rate: [{max: 20, scope: {venue: simm}}]\n",
        """\
        p.yaml:19:41: error[E0101]: unknown venue 'simm'
           |
        19 |   order_rate: [{max: 20, scope: {venue: simm}}]
           |                                         ^^^^
           = help: did you mean 'sim'?""",
    ),
    (
        "scope-matches-nothing",
        "  max_order_notional: {limit: 100 USDT, scope: {strategy: arb, instrument: ETH/USDT@sim}}\n",
        """\
        p.yaml:19:48: error[E0204]: max_order_notional applies to no strategy instance: none matches scope strategy arb, instrument ETH/USDT@sim
           |
        19 |   max_order_notional: {limit: 100 USDT, scope: {strategy: arb, instrument: ETH/USDT@sim}}
           |                                                ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
           = help: check the names, or that the strategy reads the instrument and routes to the venue""",
    ),
    (
        "shares-not-100",
        "  max_daily_notional: {limit: 1_000_000 USDT, shares: {mm: 60%, arb: 30%}}\n",
        """\
        p.yaml:19:55: error[E0204]: shares add up to 90%, not 100%
           |
        19 |   max_daily_notional: {limit: 1_000_000 USDT, shares: {mm: 60%, arb: 30%}}
           |                                                       ^^^^^^^^^^^^^^^^^^^
           = help: mm: 60%; arb: 30%""",
    ),
    (
        "shares-leave-out",
        "  position_limit: {asset: BTC, net: 4, shares: {arb: 100%}}\n",
        """\
        p.yaml:19:48: error[E0204]: shares leave out strategy instance 'mm[BTC/USDT@sim]', which the scope includes
           |
        19 |   position_limit: {asset: BTC, net: 4, shares: {arb: 100%}}
           |                                                ^^^^^^^^^^^
           = help: give 'mm' a share, or narrow the scope""",
    ),
    (
        "shares-outside-scope",
        "  order_rate: {max: 20, scope: {strategy: mm}, shares: {mm: 60%, arb: 40%}}\n",
        """\
        p.yaml:19:66: error[E0204]: shares name 'arb', which is outside this limit's scope (strategy mm)
           |
        19 |   order_rate: {max: 20, scope: {strategy: mm}, shares: {mm: 60%, arb: 40%}}
           |                                                                  ^^^
           = help: strategies in scope: mm[BTC/USDT@sim], mm[ETH/USDT@sim]""",
    ),
    (
        "shares-unknown-strategy",
        "  max_daily_notional: {limit: 1_000_000 USDT, shares: {mm: 60%, arbb: 40%}}\n",
        """\
        p.yaml:19:65: error[E0101]: unknown strategy 'arbb'
           |
        19 |   max_daily_notional: {limit: 1_000_000 USDT, shares: {mm: 60%, arbb: 40%}}
           |                                                                 ^^^^
           = help: did you mean 'arb'?""",
    ),
    (
        "shares-and-per-instance",
        "  order_rate: {max: 20, shares: {mm: 50%, arb: 50%}, per_instance: true}\n",
        """\
        p.yaml:19:68: error[E0206]: `shares` and `per_instance: true` contradict each other
           |
        19 |   order_rate: {max: 20, shares: {mm: 50%, arb: 50%}, per_instance: true}
           |                                                                    ^^^^
           = help: per_instance gives every instance the whole limit; remove one of them""",
    ),
    (
        "share-too-small",
        "  max_open_orders: 2\n",
        """\
        p.yaml:19:20: error[E0204]: max_open_orders: the 33.3333% share of 'mm[BTC/USDT@sim]' leaves 0.6667 open orders; at least 1 is needed
           |
        19 |   max_open_orders: 2
           |                    ^
           = help: raise the limit, give the instance a larger share, or narrow the scope""",
    ),
    (
        "negative-limit",
        "  max_order_notional: -5 USDT\n",
        """\
        p.yaml:19:23: error[E0204]: max_order_notional must be more than 0
           |
        19 |   max_order_notional: -5 USDT
           |                       ^^^^^^^""",
    ),
    (
        "wrong-currency",
        "  max_order_notional: 5 USD\n",
        """\
        p.yaml:19:23: error[E0204]: max_order_notional is in USD, but BTC/USDT@sim (traded by 'mm[BTC/USDT@sim]') is quoted in USDT
           |
        19 |   max_order_notional: 5 USD
           |                       ^^^^^
           = help: write the limit in USDT, or scope it to instruments quoted in USD""",
    ),
    (
        "bad-ratio-unit",
        "  price_band: {max_deviation: 50bsp}\n",
        """\
        p.yaml:19:33: error[E0306]: unknown unit 'bsp'
           |
        19 |   price_band: {max_deviation: 50bsp}
           |                                 ^^^
           = help: did you mean 'bps'?""",
    ),
    (
        "mid-without-quotes",
        "  price_band: {reference: mid, max_deviation: 50bps}\n",
        """\
        p.yaml:19:15: error[E0403]: price_band uses the mid price, but BTC/USDT@sim (read by 'mm[BTC/USDT@sim]') has no quotes feed
           |
        19 |   price_band: {reference: mid, max_deviation: 50bps}
           |               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
           = help: use `reference: mark` (mid when quoted, else last) or `last`, or add a quotes feed""",
    ),
    (
        "list-item-not-a-mapping",
        "  max_order_qty: [5]\n",
        """\
        p.yaml:19:19: error[E0203]: `risk.max_order_qty.0` must be a mapping, found 5
           |
        19 |   max_order_qty: [5]
           |                   ^""",
    ),
    (
        "unknown-key-in-list-item",
        "  order_rate: [{max: 20, pr: 1s}]\n",
        """\
        p.yaml:19:26: error[E0202]: unknown key 'pr' in `risk.order_rate.0`
           |
        19 |   order_rate: [{max: 20, pr: 1s}]
           |                          ^^
           = help: did you mean 'per'?""",
    ),
]


@pytest.mark.parametrize(
    ("snippet", "expected"), [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_risk_diagnostics(snippet: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        compiled(snippet)
    assert render_diagnostics(caught.value.diagnostics) == textwrap.dedent(expected)
