"""The `pairs` kind compiles to its params with leg a first among the strategy's
instruments, and each bad value gets its exact message, at its place."""

from __future__ import annotations

import pytest

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.kinds.pairs import PairsParams
from orderloom.dsl.plan import Plan

SECOND = 1_000_000_000

HEAD = """\
orderloom: 1
name: t
instruments:
  BTC/USDT@sim: {tick_size: 0.01, lot_size: 0.0001}
  ETH/USDT@sim: {tick_size: 0.01, lot_size: 0.001}
  SOL/USDT@sim: {tick_size: 0.01, lot_size: 0.01}
venues:
  sim: {kind: simulated}
feeds:
  btc: {kind: synthetic, instrument: BTC/USDT@sim, s0: 100, sigma: 0.5, dt: 1s, count: 10}
  eth: {kind: synthetic, instrument: ETH/USDT@sim, s0: 100, sigma: 0.5, dt: 1s, count: 10}
strategies:
  pair:
    kind: pairs
    instrument: ETH/USDT@sim
    quantity: 2
"""  # strategy keys from line 17

GOOD = {
    "leg_b": "BTC/USDT@sim",
    "hedge_ratio": "1.2",
    "window": "30m",
    "entry_z": "2",
    "exit_z": "0.5",
}


def pipeline(**keys: str) -> str:
    merged = {**GOOD, **keys}
    return HEAD + "".join(f"    {k}: {v}\n" for k, v in merged.items() if v != "-")


def compiled(**keys: str) -> Plan:
    plan = compile_text(pipeline(**keys), "p.yaml", env={})
    assert Plan.from_json(plan.to_json()) == plan  # the params round-trip through JSON
    return plan


def errors(**keys: str) -> list[tuple[str, str, int, int]]:
    with pytest.raises(ConfigError) as caught:
        compile_text(pipeline(**keys), "p.yaml", env={})
    return [(d.code, d.message, d.span.line, d.span.col) for d in caught.value.diagnostics]


def test_fixed_hedge_ratio_and_time_window():
    strategy = compiled(stop_z="4").strategies[0]
    assert strategy.instruments == ("ETH/USDT@sim", "BTC/USDT@sim")  # leg a is traded first
    assert strategy.params == PairsParams(
        leg_a="ETH/USDT@sim",
        leg_b="BTC/USDT@sim",
        quantity=2.0,
        window=1800 * SECOND,
        window_by_count=False,
        entry_z=2.0,
        exit_z=0.5,
        stop_z=4.0,
        hedge_ratio=1.2,
    )


def test_rolling_ols_by_time_or_count_and_log_spread():
    p = compiled(hedge_ratio="{rolling_ols: 1h}", window="500", spread="log").strategies[0]
    assert p.params.hedge_ratio is None
    assert (p.params.ols_window, p.params.ols_by_count) == (3600 * SECOND, False)
    assert (p.params.window, p.params.window_by_count) == (500, True)
    assert p.params.stop_z is None and p.params.spread == "log"
    by_count = compiled(hedge_ratio="{rolling_ols: 300}").strategies[0].params
    assert (by_count.ols_window, by_count.ols_by_count) == (300, True)


# Keys are written in GOOD's order after HEAD: leg_b line 17, hedge_ratio 18, window 19,
# entry_z 20, exit_z 21, then any extra key on 22.
CASES: list[tuple[str, dict[str, str], list[tuple[str, str, int, int]]]] = [
    ("exit-not-below-entry", {"exit_z": "2"}, [
        ("E0204", "exit_z (2) must be less than entry_z (2)", 21, 13),
    ]),
    ("stop-not-above-entry", {"stop_z": "1.5"}, [
        ("E0204", "stop_z (1.5) must be more than entry_z (2)", 22, 13),
    ]),
    ("same-legs", {"leg_b": "ETH/USDT@sim"}, [
        ("E0204", "leg_b is the same instrument as leg a (ETH/USDT@sim)", 17, 12),
    ]),
    ("unknown-leg", {"leg_b": "BTC/USDT@simm"}, [
        ("E0101", "unknown instrument 'BTC/USDT@simm'", 17, 12),
    ]),
    ("leg-without-feed", {"leg_b": "SOL/USDT@sim"}, [
        ("E0403", "strategy 'pair' uses instrument 'SOL/USDT@sim', but no feed provides it", 13, 3),
    ]),
    ("one-sample-window", {"window": "1"}, [
        ("E0204", "a window of 1 samples has no spread; use at least 2", 19, 13),
    ]),
    ("bad-duration", {"window": "30 parsecs"}, [
        ("E0306", "'30 parsecs' is not a number with a unit", 19, 13),
    ]),
    ("zero-hedge", {"hedge_ratio": "0"}, [
        ("E0204", "a hedge_ratio of 0 leaves leg b unhedged", 18, 18),
    ]),
    ("empty-ols-window", {"hedge_ratio": "{rolling_ols: 0s}"}, [
        ("E0204", "the window must be longer than 0", 18, 32),
    ]),
    ("misspelt-ols", {"hedge_ratio": "{rolling: 1h}"}, [
        ("E0201", "missing key 'rolling_ols' in 'hedge_ratio' of strategy 'pair'", 18, 5),
        ("E0202", "unknown key 'rolling' in 'hedge_ratio' of strategy 'pair'", 18, 19),
    ]),
    ("missing-window", {"window": "-"}, [
        ("E0201", "missing key 'window' in strategy 'pair'", 13, 3),
    ]),
]  # fmt: skip


@pytest.mark.parametrize(("keys", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_values(keys: dict[str, str], expected: list[tuple[str, str, int, int]]):
    assert sorted(errors(**keys)) == sorted(expected)
