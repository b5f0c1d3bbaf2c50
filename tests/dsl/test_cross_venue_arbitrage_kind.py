"""The `cross_venue_arbitrage` kind compiles to its params with `instrument` first among the
legs, subscribes to every leg, and each bad value gets its exact message, at its place."""

from __future__ import annotations

import pytest

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.kinds.cross_venue_arbitrage import CrossVenueArbitrageParams
from orderloom.dsl.plan import Plan

MS = 1_000_000

HEAD = """\
orderloom: 1
name: t
instruments:
  BTC/USDT@binance: {tick_size: 0.01, lot_size: 0.0001}
  BTC/USDT@okx: {tick_size: 0.01, lot_size: 0.0001}
  ETH/USDT@okx: {tick_size: 0.01, lot_size: 0.001}
venues:
  binance: {kind: simulated, fees: {taker: 10bps}}
  okx: {kind: simulated, fees: {taker: 8bps}}
feeds:
  b: {kind: synthetic, schema: quotes, instrument: BTC/USDT@binance, s0: 100, sigma: 1,
      dt: 1s, count: 5}
  o: {kind: synthetic, schema: quotes, instrument: BTC/USDT@okx, s0: 100, sigma: 1,
      dt: 1s, count: 5}
  e: {kind: synthetic, schema: quotes, instrument: ETH/USDT@okx, s0: 100, sigma: 1,
      dt: 1s, count: 5}
strategies:
  arb:
    kind: cross_venue_arbitrage
"""  # strategy keys from line 20, in GOOD's order

GOOD = {
    "instrument": "BTC/USDT@binance",
    "instruments": "[BTC/USDT@binance, BTC/USDT@okx]",
    "min_edge": "5bps",
    "max_quantity": "0.1",
    "max_position": "1",
    "leg_timeout": "500ms",
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


def test_defaults_and_every_leg_subscribed():
    strategy = compiled().strategies[0]
    assert strategy.instruments == ("BTC/USDT@binance", "BTC/USDT@okx")
    assert strategy.venue == "binance"
    assert strategy.params == CrossVenueArbitrageParams(
        legs=("BTC/USDT@binance", "BTC/USDT@okx"),
        min_edge_bps=5.0,
        max_quantity=0.1,
        max_position=1.0,
        leg_timeout_ns=500 * MS,
        leg_risk="hedge",
        slippage_bps=0.0,
        max_hedge_slippage_bps=10.0,
        cooldown_ns=0,
    )


def test_instrument_comes_first_whatever_the_list_order():
    p = compiled(
        instrument="BTC/USDT@okx",
        slippage="0.01%",
        leg_risk="unwind",
        max_hedge_slippage="20bps",
        cooldown="2s",
    ).strategies[0]
    assert p.instruments == ("BTC/USDT@okx", "BTC/USDT@binance")
    assert p.params.legs == ("BTC/USDT@okx", "BTC/USDT@binance")
    assert (p.params.slippage_bps, p.params.max_hedge_slippage_bps) == (1.0, 20.0)
    assert (p.params.leg_risk, p.params.cooldown_ns) == ("unwind", 2000 * MS)


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (
            {"instruments": "[BTC/USDT@binance]"},
            ("E0204", "'instruments' of strategy 'arb': ['BTC/USDT@binance'] is too short", 21, 18),
        ),
        (
            {"instruments": "[BTC/USDT@binance, ETH/USDT@okx]"},
            ("E0204", "ETH/USDT@okx is not the same asset as BTC/USDT@binance", 21, 37),
        ),
        (
            {"instruments": "[BTC/USDT@binance, BTC/USDT@binance]"},
            ("E0204", "BTC/USDT@binance is listed twice", 21, 37),
        ),
        (
            {"instruments": "[BTC/USDT@binance, BTC/USDT@okz]"},
            ("E0101", "unknown instrument 'BTC/USDT@okz'", 21, 37),
        ),
        (
            {"instrument": "ETH/USDT@okx"},
            ("E0204", "instrument ETH/USDT@okx is not one of the listed instruments", 20, 17),
        ),
        (
            {"min_edge": "-1bps"},
            ("E0204", "min_edge cannot be negative: it would pay to cross", 22, 15),
        ),
        (
            {"min_edge": "5ms"},
            (
                "E0306",
                "expected a ratio (like 5bps, 0.2% or 0.0005), found a duration '5ms'",
                22,
                15,
            ),
        ),
        (
            {"max_position": "0.05"},
            ("E0204", "max_position (0.05) is less than max_quantity (0.1)", 24, 19),
        ),
        ({"leg_timeout": "0ms"}, ("E0204", "leg_timeout must be more than 0", 25, 18)),
        (
            {"leg_risk": "pray"},
            (
                "E0204",
                "'pray' is not allowed for 'leg_risk' of strategy 'arb': expected hedge, unwind",
                26,
                15,
            ),
        ),
        (
            {"venue": "okx"},
            (
                "E0204",
                "venue 'okx' would take the orders of BTC/USDT@binance off its own venue",
                26,
                12,
            ),
        ),
        ({"instruments": "-"}, ("E0201", "missing key 'instruments' in strategy 'arb'", 18, 3)),
    ],
)
def test_bad_values_are_reported_at_their_place(keys, expected):
    assert errors(**keys) == [expected]
