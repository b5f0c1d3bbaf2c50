"""Post-trade risk in YAML: `max_loss`/`max_drawdown` split like the other additive limits,
`circuit_breakers` compiled as bool expressions (E0303 otherwise) with their actions."""

from __future__ import annotations

import textwrap

import pytest

from orderloom.dsl.errors import ConfigError
from orderloom.dsl.kinds.risk_circuit_breakers import CircuitBreakerParams
from orderloom.dsl.kinds.risk_loss import MaxDrawdownParams, MaxLossParams
from orderloom.dsl.render import render_diagnostics

from .test_risk_yaml import MM_BTC, MM_ETH, checks, compiled

MINUTE_NS = 60_000_000_000


def test_loss_limits_are_split_among_the_instances_in_scope() -> None:
    """max_loss 600 USDT over the whole account (3 instances, equal shares): 200 each;
    max_drawdown 300 USDT scoped to template mm: 150 for each of its two instances."""
    plan = compiled(
        "  max_loss: 600 USDT\n  max_drawdown: {limit: 300 USDT, scope: {strategy: mm}}\n"
    )
    for name in (MM_BTC, MM_ETH, "arb"):
        [loss] = checks(plan, name, "max_loss")
        assert loss.params == MaxLossParams(pytest.approx(200.0), "USDT")
    assert [c.params for c in checks(plan, MM_ETH, "max_drawdown")] == [
        MaxDrawdownParams(150.0, "USDT")
    ]
    assert checks(plan, "arb", "max_drawdown") == []


def test_circuit_breakers_compile_with_actions() -> None:
    plan = compiled(
        "  circuit_breakers:\n"
        '    - when: "abs(returns(last, 1m)) > 3%"\n'
        "      then: halt 5m\n"
        '    - {name: deep, when: "pnl < -1000 USDT", then: flatten, band: 50bps}\n'
        '    - {when: "spread_bps > 100", then: kill, scope: {strategy: arb}}\n'
    )
    mm = [c.params for c in checks(plan, MM_ETH, "circuit_breakers")]
    assert [(p.name, p.action, p.duration_ns, p.band_bps) for p in mm] == [
        ("abs(returns(last, 1m)) > 3%", "halt", 5 * MINUTE_NS, 0.0),
        ("deep", "flatten", 0, 50.0),
    ]
    assert all(isinstance(p, CircuitBreakerParams) and p.when.type == "bool" for p in mm)
    assert len(checks(plan, "arb", "circuit_breakers")) == 3


ERROR_CASES = [
    (
        "not-bool",
        '  circuit_breakers: [{when: "returns(last, 1m)", then: halt}]\n',
        """\
        p.yaml:19:30: error[E0303]: expected a bool, found a ratio
           |
        19 |   circuit_breakers: [{when: "returns(last, 1m)", then: halt}]
           |                              ^^^^^^^^^^^^^^^^^""",
    ),
    (
        "unknown-action",
        '  circuit_breakers: [{when: "last > 1", then: stop}]\n',
        """\
        p.yaml:19:47: error[E0204]: unknown circuit breaker action 'stop'
           |
        19 |   circuit_breakers: [{when: "last > 1", then: stop}]
           |                                               ^^^^
           = help: one of: halt, cancel_all, flatten, kill""",
    ),
    (
        "duration-on-kill",
        '  circuit_breakers: [{when: "last > 1", then: kill 5m}]\n',
        """\
        p.yaml:19:47: error[E0204]: 'kill 5m': only halt takes a duration
           |
        19 |   circuit_breakers: [{when: "last > 1", then: kill 5m}]
           |                                               ^^^^^^^
           = help: write e.g. `then: halt 5m`, `then: flatten` or `then: kill`""",
    ),
    (
        "negative-loss",
        "  max_loss: -5 USDT\n",
        """\
        p.yaml:19:13: error[E0204]: max_loss must be more than 0
           |
        19 |   max_loss: -5 USDT
           |             ^^^^^^^""",
    ),
]


@pytest.mark.parametrize(
    ("snippet", "expected"), [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_post_trade_diagnostics(snippet: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        compiled(snippet)
    assert render_diagnostics(caught.value.diagnostics) == textwrap.dedent(expected)
