"""`for_each` expands one strategy definition into named instances."""

from __future__ import annotations

import pytest

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.kinds.signal import SignalParams

PIPELINE = """\
orderloom: 1
name: fe
instruments:
  BTC/USDT@sim: {tick_size: 0.01, lot_size: 0.0001}
  ETH/USDT@sim: {tick_size: 0.01, lot_size: 0.001}
venues:
  sim: {kind: simulated}
feeds:
  btc: {kind: synthetic, instrument: BTC/USDT@sim, s0: 100, sigma: 0.5, dt: 1s, count: 10}
  eth: {kind: synthetic, instrument: ETH/USDT@sim, s0: 10, sigma: 0.5, dt: 1s, count: 10}
strategies:
  trend:
    kind: signal
    for_each: {instrument: [BTC/USDT@sim, ETH/USDT@sim]}
    instrument: ${each.instrument}
    target: "if ema(last, 10) > ema(last, 50) then 0.01 else -0.01"
"""


def test_one_instance_per_value() -> None:
    plan = compile_text(PIPELINE, "p.yaml", env={})
    assert [(s.name, s.template, s.instruments) for s in plan.strategies] == [
        ("trend[BTC/USDT@sim]", "trend", ("BTC/USDT@sim",)),
        ("trend[ETH/USDT@sim]", "trend", ("ETH/USDT@sim",)),
    ]
    btc, eth = (s.params for s in plan.strategies)
    assert isinstance(btc, SignalParams) and isinstance(eth, SignalParams)
    assert (btc.instrument, eth.instrument) == ("BTC/USDT@sim", "ETH/USDT@sim")
    # Same expression text, bound to each instance's instrument.
    assert btc.target.source == eth.target.source
    assert "BTC/USDT@sim" in str(btc.target.ast) and "ETH/USDT@sim" not in str(btc.target.ast)


def test_several_variables_give_every_combination_and_splice_into_text() -> None:
    text = PIPELINE.replace(
        "for_each: {instrument: [BTC/USDT@sim, ETH/USDT@sim]}",
        "for_each: {instrument: [BTC/USDT@sim, ETH/USDT@sim], size: [0.01, 2]}",
    ).replace("then 0.01 else -0.01", "then ${each.size} else 0")
    plan = compile_text(text, "p.yaml", env={})
    assert [s.name for s in plan.strategies] == [
        "trend[BTC/USDT@sim,0.01]",
        "trend[BTC/USDT@sim,2]",
        "trend[ETH/USDT@sim,0.01]",
        "trend[ETH/USDT@sim,2]",
    ]
    target = plan.strategies[1].params.target
    assert target.source == "if ema(last, 10) > ema(last, 50) then 2 else 0"


def test_an_error_in_the_template_is_reported_once_at_the_template() -> None:
    text = PIPELINE.replace("ema(last, 50)", "ema(last, 50ms, 2)")
    with pytest.raises(ConfigError) as caught:
        compile_text(text, "p.yaml", env={})
    (d,) = caught.value.diagnostics
    assert d.code == "E0304" and (d.span.line, d.span.col) == (16, 33)


def test_an_unknown_value_points_at_the_for_each_list() -> None:
    text = PIPELINE.replace("ETH/USDT@sim]}", "SOL/USDT@sim]}")
    with pytest.raises(ConfigError) as caught:
        compile_text(text, "p.yaml", env={})
    (d,) = caught.value.diagnostics
    assert d.code == "E0101" and d.message == "unknown instrument 'SOL/USDT@sim'"
    assert (d.span.line, d.span.col) == (14, 43)


def test_each_outside_for_each_is_an_error() -> None:
    text = PIPELINE.replace("    for_each: {instrument: [BTC/USDT@sim, ETH/USDT@sim]}\n", "")
    with pytest.raises(ConfigError) as caught:
        compile_text(text, "p.yaml", env={})
    (d,) = caught.value.diagnostics
    assert d.code == "E0205" and (d.span.line, d.span.col) == (14, 17)
    assert d.message == "'${each.instrument}' is only meaningful in a strategy with for_each"
