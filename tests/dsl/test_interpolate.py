"""`${VAR}` / `${VAR:-default}` read the environment; `$${` is a literal `${`."""

from __future__ import annotations

import pytest

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.errors import ConfigError
from tests.dsl.pipelines import BASE

SINK = "sinks:\n  out:\n    kind: clickhouse\n    url: %s\n    database: %s\n"


def test_environment_values_and_defaults() -> None:
    text = BASE + SINK % ("clickhouse://${CH_HOST}:${CH_PORT:-9000}/x", "${DB:-research}")
    plan = compile_text(text, "p.yaml", env={"CH_HOST": "db1"})
    assert (plan.sinks[0].url, plan.sinks[0].database) == ("clickhouse://db1:9000/x", "research")


def test_values_are_typed_after_substitution() -> None:
    # Inside a flow mapping `${...}` must be quoted; a whole-value placeholder is still typed.
    text = BASE.replace("count: 10", 'count: "${N}"')
    plan = compile_text(text, "p.yaml", env={"N": "25"})
    assert plan.feeds[0].params.count == 25
    text = BASE + SINK % ("'chdb://x'", "'${DB}'")
    with pytest.raises(ConfigError) as caught:
        compile_text(text, "p.yaml", env={"DB": "7"})
    assert [d.code for d in caught.value.diagnostics] == ["E0203"]  # 7 is a number


def test_escape_writes_a_literal_placeholder() -> None:
    plan = compile_text(BASE + SINK % ("chdb://$${HOME}", "x"), "p.yaml", env={})
    assert plan.sinks[0].url == "chdb://${HOME}"


def test_unset_variable_is_reported_once_without_follow_on_errors() -> None:
    text = BASE.replace("instrument: BTC/USDT@sim", "instrument: '${INSTRUMENT}'")
    with pytest.raises(ConfigError) as caught:
        compile_text(text, "p.yaml", env={})
    (d,) = caught.value.diagnostics
    assert d.code == "E0005" and (d.span.line, d.span.col, d.span.end_col) == (8, 39, 52)


def test_an_error_in_substituted_text_underlines_the_placeholder() -> None:
    text = BASE + (
        "strategies:\n  s: {kind: signal, instrument: BTC/USDT@sim, target: '${T} * 2'}\n"
    )
    with pytest.raises(ConfigError) as caught:
        compile_text(text, "p.yaml", env={"T": "lst"})
    (d,) = caught.value.diagnostics
    assert d.code == "E0302" and (d.span.line, d.span.col, d.span.end_col) == (10, 56, 60)
