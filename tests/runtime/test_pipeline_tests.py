"""Pipeline tests run against the real engine: the tape replaces the feeds, starting
positions count, and a wrong expectation fails with its place and exact expected/received
text (expected numbers worked out by hand in each test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderloom.dsl import codes
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.testfile import load_test_file
from orderloom.runtime.pipeline_tests import discover, run_file

ROOT = Path(__file__).resolve().parents[2]
TWAP = ROOT / "pipelines" / "twap_execution.yaml"
TREND = ROOT / "pipelines" / "trend_following.yaml"

# One 1-ETH sell child at 00:02:00 (quantity 1, one slice of 1m); the tape starts at 00:01:00.
ONE_SLICE = f"""\
pipeline: {TWAP}
start: 2024-01-01T00:01:00Z
tests:
  - name: one child
    set: {{strategies.sell_eth.quantity: 1, strategies.sell_eth.slices: 1,
          strategies.sell_eth.duration: 1m}}
    tape:
      ETH/USDT@sim:
        - {{t: 0s, price: 2300}}
        - {{t: 60s, price: 2300}}
        - {{t: 61s, price: 2302}}
        - {{t: 130s, price: 2302}}
    expect:
"""


def _suite(tmp_path: Path, expect: str, text: str = ONE_SLICE) -> Path:
    path = tmp_path / "case_test.yaml"
    path.write_text(text + expect)
    return path


def test_met_expectations_pass(tmp_path: Path) -> None:
    """The child is a limit at 2300 * (1 - 5bps) = 2298.85, marketable against the last
    trade, so it fills whole at the next trade (61s, 2302) as taker: fee 2302 * 5bps."""
    path = _suite(
        tmp_path,
        "      orders:\n"
        "        - {side: sell, type: limit, qty: 1, price: 2298.85, status: filled, at: 1m}\n"
        "      fills:\n"
        "        - {price: 2302, qty: 1, fee: 1.151, liquidity: taker, at: 61s, count: 1}\n"
        "      positions: {ETH/USDT@sim: -1}\n",
    )
    (result,) = run_file(load_test_file(path))
    assert result.passed, [f.lines() for f in result.failures]


def test_wrong_expectations_fail_with_place_and_expected_received(tmp_path: Path) -> None:
    path = _suite(
        tmp_path,
        "      orders:\n"
        "        - {side: buy}\n"
        "      fills: {count: 2}\n"
        "      positions: {ETH/USDT@sim: -2}\n",
    )
    (result,) = run_file(load_test_file(path))
    assert not result.passed
    assert result.test.name == "one child"
    lines = [line for f in result.failures for line in f.lines()]
    assert lines == [
        f"{path}:15:11: orders",
        "  expected: an order matching {side: buy}",
        "  received: none among 1 order:",
        "    {strategy: sell_eth, instrument: ETH/USDT@sim, venue: sim, side: sell, type: limit, "
        "qty: 1, price: 2298.85, status: filled, filled_qty: 1, avg_price: 2302, at: 1m}",
        f"{path}:16:14: fills",
        "  expected: 2 fills",
        "  received: 1 fill:",
        "    {strategy: sell_eth, instrument: ETH/USDT@sim, venue: sim, side: sell, qty: 1, "
        "price: 2302, fee: 1.151, liquidity: taker, at: 61s}",
        f"{path}:17:19: positions",
        "  expected: position ETH/USDT@sim = -2",
        "  received: position ETH/USDT@sim = -1",
    ]


def test_count_zero_fails_when_a_row_matches(tmp_path: Path) -> None:
    path = _suite(tmp_path, "      orders:\n        - {status: filled, count: 0}\n")
    (result,) = run_file(load_test_file(path))
    (failure,) = result.failures
    assert failure.expected == "no orders matching {status: filled}"
    assert failure.received[0] == "1 matching among 1 order:"


def test_starting_position_counts_for_strategy_and_risk(tmp_path: Path) -> None:
    """Trend following targets +0.05 BTC on a rising tape (EMA(50) ready at the 50th trade).
    Starting at -0.05 the instance buys 0.1 (target − position), and ends at +0.05."""
    text = f"""\
pipeline: {TREND}
start: 2024-01-01T00:00:00Z
tests:
  - name: from short to long
    positions: {{BTC/USDT@sim: -0.05}}
    tape:
      BTC/USDT@sim:
        - {{t: 0s, price: 42000, repeat: 60, every: 1s, step: 10}}
    expect:
      orders:
        - {{side: buy, type: market, qty: 0.1, at: 49s, count: 1}}
      positions: {{BTC/USDT@sim: 0.05}}
"""
    (result,) = run_file(load_test_file(_suite(tmp_path, "", text)))
    assert result.passed, [f.lines() for f in result.failures]


def test_a_bad_set_points_at_the_test_file(tmp_path: Path) -> None:
    text = ONE_SLICE.replace("strategies.sell_eth.slices", "strategies.sell_eht.slices")
    path = _suite(tmp_path, "      positions: {ETH/USDT@sim: -1}\n", text)
    with pytest.raises(ConfigError) as raised:
        run_file(load_test_file(path))
    (d,) = raised.value.diagnostics
    assert d.code == codes.OVERRIDE_PATH
    assert (d.span.file, d.span.line, d.span.col) == (str(path), 5, 55)


def test_unknown_instrument_is_a_reference_error(tmp_path: Path) -> None:
    text = ONE_SLICE.replace("      ETH/USDT@sim:", "      ETH/USDC@sim:")
    path = _suite(tmp_path, "      positions: {ETH/USDT@sim: -1}\n", text)
    with pytest.raises(ConfigError) as raised:
        run_file(load_test_file(path))
    (d,) = {(d.code, d.message, d.hint) for d in raised.value.diagnostics}
    assert d == (
        codes.UNKNOWN_REFERENCE,
        "unknown instrument 'ETH/USDC@sim' in pipeline 'twap-execution'",
        "did you mean 'ETH/USDT@sim'?",
    )


def test_discover_files_pipelines_and_folders(tmp_path: Path) -> None:
    found = discover([ROOT / "pipelines", ROOT / "examples" / "quickstart.yaml"])
    names = [p.name for p in found]
    assert {"twap_execution_test.yaml", "trend_following_test.yaml"} <= set(names)
    assert names[-1] == "quickstart_test.yaml"
    assert discover([TWAP, TWAP.with_name("twap_execution_test.yaml")]) == [
        TWAP.with_name("twap_execution_test.yaml")
    ]
    lonely = tmp_path / "lonely.yaml"
    lonely.write_text("orderloom: 1\n")
    with pytest.raises(ConfigError) as raised:
        discover([lonely])
    assert raised.value.diagnostics[0].message == (
        f"pipeline '{lonely}' has no test file 'lonely_test.yaml' beside it"
    )
