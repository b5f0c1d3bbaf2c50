# ruff: noqa: E501  (expected outputs are exact terminal lines)
"""Table-driven compiler errors: a small YAML snippet and the exact diagnostic printed for it,
place (file:line:col inside the snippet, inside expression strings too), caret and help."""

from __future__ import annotations

import textwrap

import pytest

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.render import render_diagnostics
from tests.dsl.pipelines import BASE

TWAP = """\
strategies:
  buy:
    kind: twap
    instrument: BTC/USDT@sim
    side: buy
    quantity: 1
    start: 2024-01-01
    duration: 1h
"""  # lines 9-16 after BASE; `slices:` deliberately left to each case


def rendered(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        compile_text(text, "p.yaml", env={})
    return render_diagnostics(caught.value.diagnostics)


CASES: list[tuple[str, str, str]] = [
    (
        "yaml-syntax",
        "strategies:\n  buy: {kind: twap\n",
        """\
        p.yaml:10:19: error[E0001]: expected ',' or '}', but got '<stream end>'
           |
        10 |   buy: {kind: twap
           |                   ^
           = help: while parsing a flow mapping (line 10)""",
    ),
    (
        "yaml-indentation",
        "strategies:\n  buy: twap\n   side: buy\n",
        """\
        p.yaml:11:8: error[E0001]: mapping values are not allowed here
           |
        11 |    side: buy
           |        ^""",
    ),
    (
        "duplicate-key",
        TWAP + "    slices: 4\n    side: sell\n",
        """\
        p.yaml:18:5: error[E0002]: duplicate key 'side' (first defined at p.yaml:13:5)
           |
        18 |     side: sell
           |     ^^^^
           = help: YAML would silently keep only the last one; remove or rename one of them""",
    ),
    (
        "missing-key",
        TWAP,
        """\
        p.yaml:10:3: error[E0201]: missing key 'slices' in strategy 'buy'
           |
        10 |   buy:
           |   ^^^
           = help: add `slices:` (number of equal child orders, one every duration / slices)""",
    ),
    (
        "unknown-key",
        TWAP + "    slices: 4\n    limit_prize: last\n",
        """\
        p.yaml:18:5: error[E0202]: unknown key 'limit_prize' in strategy 'buy'
           |
        18 |     limit_prize: last
           |     ^^^^^^^^^^^
           = help: did you mean 'limit_price'?""",
    ),
    (
        "unknown-section",
        "strategy: {}\n",
        """\
        p.yaml:9:1: error[E0202]: unknown key 'strategy' in the pipeline
          |
        9 | strategy: {}
          | ^^^^^^^^
          = help: did you mean 'strategies'?""",
    ),
    (
        "wrong-type",
        TWAP + "    slices: many\n",
        """\
        p.yaml:17:13: error[E0203]: 'slices' of strategy 'buy' must be a whole number, found 'many'
           |
        17 |     slices: many
           |             ^^^^
           = help: number of equal child orders, one every duration / slices""",
    ),
    (
        "on-no-stay-strings",
        TWAP.replace("side: buy", "side: NO") + "    slices: 4\n",
        """\
        p.yaml:13:11: error[E0204]: 'NO' is not allowed for 'side' of strategy 'buy': expected buy, sell
           |
        13 |     side: NO
           |           ^^""",
    ),
    (
        "unknown-kind",
        "sinks:\n  out: {kind: clickhous}\n",
        """\
        p.yaml:10:15: error[E0102]: unknown sink kind 'clickhous'
           |
        10 |   out: {kind: clickhous}
           |               ^^^^^^^^^
           = help: did you mean 'clickhouse'?""",
    ),
    (
        "unknown-feed",
        TWAP + "    slices: 4\n    feeds: [btcc]\n",
        """\
        p.yaml:18:13: error[E0101]: unknown feed 'btcc'
           |
        18 |     feeds: [btcc]
           |             ^^^^
           = help: did you mean 'btc'?""",
    ),
    (
        "unknown-venue",
        TWAP + "    slices: 4\n    venue: sin\n",
        """\
        p.yaml:18:12: error[E0101]: unknown venue 'sin'
           |
        18 |     venue: sin
           |            ^^^
           = help: did you mean 'sim'?""",
    ),
    (
        "unknown-instrument",
        TWAP.replace("BTC/USDT@sim", "BTC/USD@sim") + "    slices: 4\n",
        """\
        p.yaml:12:17: error[E0101]: unknown instrument 'BTC/USD@sim'
           |
        12 |     instrument: BTC/USD@sim
           |                 ^^^^^^^^^^^
           = help: did you mean 'BTC/USDT@sim'?""",
    ),
    (
        "expression-syntax-plain-scalar",
        TWAP + "    slices: 4\n    limit_price: last * (1 + 10bps\n",
        """\
        p.yaml:18:35: error[E0301]: missing ')'
           |
        18 |     limit_price: last * (1 + 10bps
           |                                   ^
           = help: add ')' to close the '(' at column 25""",
    ),
    (
        "expression-syntax-single-quoted",
        TWAP + "    slices: 4\n    limit_price: 'last * * 2'\n",
        """\
        p.yaml:18:26: error[E0301]: expected an expression after '*', found '*'
           |
        18 |     limit_price: 'last * * 2'
           |                          ^""",
    ),
    (
        "expression-syntax-double-quoted-with-escape",
        TWAP + '    slices: 4\n    limit_price: "last * \\"2"\n',
        """\
        p.yaml:18:26: error[E0301]: unexpected character '"'
           |
        18 |     limit_price: "last * \\"2"
           |                          ^^
           = help: there are no strings: names and instruments are written bare, e.g. BTC/USDT@sim""",
    ),
    (
        "expression-syntax-literal-block",
        TWAP + "    slices: 4\n    limit_price: |\n      if last > 100\n      then last +\n"
        "      else last\n",
        """\
        p.yaml:21:7: error[E0301]: expected an expression after '+', found 'else'
           |
        21 |       else last
           |       ^^^^""",
    ),
    (
        "expression-syntax-folded-block",
        TWAP + "    slices: 4\n    limit_price: >-\n      last *\n        (1 + 10bps) = 2\n",
        """\
        p.yaml:20:21: error[E0301]: unexpected character '='
           |
        20 |         (1 + 10bps) = 2
           |                     ^
           = help: use '==' to compare""",
    ),
    (
        "expression-type-error",
        TWAP + '    slices: 4\n    limit_price: "if last > 5ms then last else bid"\n',
        """\
        p.yaml:18:22: error[E0303]: cannot compare price with duration
           |
        18 |     limit_price: "if last > 5ms then last else bid"
           |                      ^^^^^^^^^^""",
    ),
    (
        "expression-result-type",
        TWAP + "    slices: 4\n    limit_price: 10bps\n",
        """\
        p.yaml:18:18: error[E0303]: expected a price, found a ratio
           |
        18 |     limit_price: 10bps
           |                  ^^^^^""",
    ),
    (
        "bad-unit",
        TWAP.replace("1h", "1hr") + "    slices: 4\n",
        """\
        p.yaml:16:16: error[E0306]: unknown unit 'hr'
           |
        16 |     duration: 1hr
           |                ^^
           = help: did you mean 'h'?""",
    ),
    (
        "signal-cycle",
        'signals:\n  fast: "slow + 1"\n'
        '  slow: {expr: "ema(last, 10) * fast", instrument: BTC/USDT@sim}\n',
        """\
        p.yaml:10:3: error[E0401]: signal 'fast' depends on itself: fast -> slow -> fast
           |
        10 |   fast: "slow + 1"
           |   ^^^^
           = help: signals are inlined where used, so they cannot form a cycle""",
    ),
    (
        "env-var-unset",
        'sinks:\n  out: {kind: clickhouse, url: "${ORDERLOOM_TEST_UNSET}"}\n',
        """\
        p.yaml:10:33: error[E0005]: environment variable 'ORDERLOOM_TEST_UNSET' is not set
           |
        10 |   out: {kind: clickhouse, url: "${ORDERLOOM_TEST_UNSET}"}
           |                                 ^^^^^^^^^^^^^^^^^^^^^^^
           = help: set it, or give a default: ${ORDERLOOM_TEST_UNSET:-value}""",
    ),
    (
        "for-each-unknown-variable",
        "strategies:\n  trend:\n    kind: signal\n    for_each: {instrument: [BTC/USDT@sim]}\n"
        "    instrument: ${each.instrumnet}\n    target: 0.01\n",
        """\
        p.yaml:13:17: error[E0205]: for_each has no variable 'instrumnet'
           |
        13 |     instrument: ${each.instrumnet}
           |                 ^^^^^^^^^^^^^^^^^^
           = help: did you mean 'instrument'?""",
    ),
]


@pytest.mark.parametrize(("snippet", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_is_reported_with_place_and_help(snippet: str, expected: str) -> None:
    assert rendered(BASE + snippet) == textwrap.dedent(expected)


NO_ROUTE = """\
orderloom: 1
name: t
instruments:
  ETH/USDT@binance: {tick_size: 0.01, lot_size: 0.001}
venues:
  sim: {kind: simulated}
feeds:
  eth: {kind: synthetic, instrument: ETH/USDT@binance, s0: 100, sigma: 0.5, dt: 1s, count: 5}
strategies:
  sell:
    kind: twap
    instrument: ETH/USDT@binance
    side: sell
    quantity: 1
    start: 2024-01-01
    duration: 1h
    slices: 4
"""


def test_no_route_and_undeclared_instrument_venue() -> None:
    out = rendered(NO_ROUTE)
    assert out == textwrap.dedent(
        """\
        p.yaml:4:3: error[E0404]: venue 'binance' of instrument ETH/USDT@binance is not declared
          |
        4 |   ETH/USDT@binance: {tick_size: 0.01, lot_size: 0.001}
          |   ^^^^^^^^^^^^^^^^
          = help: declare it: venues: {binance: {kind: simulated}}

        p.yaml:10:3: error[E0402]: strategy 'sell' has no route: venue 'binance' of ETH/USDT@binance is not declared
           |
        10 |   sell:
           |   ^^^^
           = help: declare venue 'binance', set routing.default, or give the strategy a `venue:`"""
    )


def test_routing_default_gives_the_route() -> None:
    text = NO_ROUTE.replace("instruments:", "routing: {default: sim}\ninstruments:")
    with pytest.raises(ConfigError) as caught:
        compile_text(text, "p.yaml", env={})
    assert [d.code for d in caught.value.diagnostics] == ["E0404"]  # the route is fine now


def test_strategy_on_an_instrument_without_a_feed() -> None:
    text = (
        BASE.replace("venues:", "  ETH/USDT@sim: {tick_size: 0.01, lot_size: 0.001}\nvenues:")
        + TWAP.replace("BTC/USDT@sim", "ETH/USDT@sim")
        + "    slices: 4\n"
    )
    assert rendered(text) == textwrap.dedent(
        """\
        p.yaml:13:17: error[E0403]: strategy 'buy' uses instrument 'ETH/USDT@sim', but no feed provides it
           |
        13 |     instrument: ETH/USDT@sim
           |                 ^^^^^^^^^^^^
           = help: add a feed with `instrument: ETH/USDT@sim`"""
    )


def test_all_errors_in_one_run_sorted_by_place() -> None:
    text = (
        BASE.replace("sim: {kind: simulated}", "sim: {kind: simulated, latency: 5 ms, fee: 1}")
        + TWAP.replace("side: buy", "side: bye")
        + "    slices: 0\n    limit_price: last +\n"
        + "routing: {default: simm}\n"
    )
    with pytest.raises(ConfigError) as caught:
        compile_text(text, "p.yaml", env={})
    places = [(d.span.line, d.span.col, d.code) for d in caught.value.diagnostics]
    assert places == [
        (6, 41, "E0202"),  # fee -> fees
        (13, 11, "E0204"),  # side: bye
        (17, 13, "E0204"),  # slices: 0
        (18, 24, "E0301"),  # limit_price: last +  (checked although the strategy is rejected)
        (19, 20, "E0101"),  # routing default simm
    ], places
    out = render_diagnostics(caught.value.diagnostics)
    assert out.count("error[") == 5
    assert "did you mean 'fees'?" in out and "did you mean 'buy'?" in out


def test_expression_errors_of_every_component_are_reported() -> None:
    text = BASE + (
        "strategies:\n"
        "  a: {kind: signal, instrument: BTC/USDT@sim, target: 'lst'}\n"
        "  b: {kind: signal, instrument: BTC/USDT@sim, target: 'last(ETH/USDT@sim) * 0'}\n"
    )
    with pytest.raises(ConfigError) as caught:
        compile_text(text, "p.yaml", env={})
    got = [(d.code, d.span.line, d.span.col) for d in caught.value.diagnostics]
    assert got == [("E0302", 10, 56), ("E0305", 11, 61)]
