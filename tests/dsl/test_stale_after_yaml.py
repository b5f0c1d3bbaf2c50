"""`stale_after:` (cancel-on-disconnect), a key every strategy accepts: a positive duration
carried on the Plan's Strategy as `stale_after_ns`; anything else is an error at its place."""

from __future__ import annotations

import textwrap

import pytest

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.plan import Plan
from orderloom.dsl.render import render_diagnostics

from .pipelines import BASE, TWAP


def compiled(line: str) -> Plan:
    return compile_text(f"{BASE}strategies:\n{line}\n", "p.yaml", env={})


def test_stale_after_is_carried_in_ns_and_defaults_to_off() -> None:
    plan = compiled(f"  buy: {{{TWAP}, stale_after: 1500ms}}\n  sell: {{{TWAP}}}")
    by_name = {s.name: s for s in plan.strategies}
    assert by_name["buy"].stale_after_ns == 1_500_000_000
    assert by_name["sell"].stale_after_ns == 0
    assert Plan.from_json(plan.to_json()) == plan


SIGNAL = "kind: signal, instrument: BTC/USDT@sim, target: 0"

ERROR_CASES = [
    (
        "no-unit",
        "5",
        """\
        p.yaml:10:73: error[E0306]: '5' has no unit; a duration needs one
           |
        10 |   buy: {kind: signal, instrument: BTC/USDT@sim, target: 0, stale_after: 5}
           |                                                                         ^
           = help: e.g. 5ms or 5s (units: ns, us, ms, s, m, h, d)""",
    ),
    (
        "not-a-duration",
        "5 USDT",
        """\
        p.yaml:10:73: error[E0306]: expected a duration (like 5ms or 1h), found an amount '5 USDT'
           |
        10 |   buy: {kind: signal, instrument: BTC/USDT@sim, target: 0, stale_after: 5 USDT}
           |                                                                         ^^^^^^
           = help: units: ns, us, ms, s, m, h, d""",
    ),
    (
        "zero",
        "0s",
        """\
        p.yaml:10:73: error[E0204]: stale_after must be more than 0
           |
        10 |   buy: {kind: signal, instrument: BTC/USDT@sim, target: 0, stale_after: 0s}
           |                                                                         ^^
           = help: leave stale_after out to never cancel on stale data""",
    ),
]


@pytest.mark.parametrize(
    ("value", "expected"), [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_bad_stale_after_is_reported_at_its_value(value: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        compiled(f"  buy: {{{SIGNAL}, stale_after: {value}}}")
    assert render_diagnostics(caught.value.diagnostics) == textwrap.dedent(expected)
