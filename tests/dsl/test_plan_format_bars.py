"""`orderloom plan` shows the time bars a feed declares: on its text line, in the json plan
(`bars_ns`, `bars_wait_ns`) and in its dot node; a feed without bars shows none."""

from __future__ import annotations

import json

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.plan import Plan
from orderloom.dsl.plan_format import format_plan

PIPELINE = """\
orderloom: 1
name: t
instruments:
  BTC/USDT@sim: {tick_size: 0.01, lot_size: 0.0001}
  ETH/USDT@sim: {tick_size: 0.01, lot_size: 0.001}
venues:
  sim: {kind: simulated}
feeds:
  btc: {kind: synthetic, instrument: BTC/USDT@sim, s0: 100, sigma: 0.5, dt: 1s, count: 10,
        bars: {every: [5m, 1m, 90s], wait: 2s}}
  eth: {kind: synthetic, instrument: ETH/USDT@sim, s0: 100, sigma: 0.5, dt: 1s, count: 10,
        bars: [1h]}
  plain: {kind: synthetic, instrument: BTC/USDT@sim, s0: 100, sigma: 0.5, dt: 1s, count: 10}
"""
SECOND = 1_000_000_000


def _plan() -> Plan:
    return compile_text(PIPELINE, "p.yaml", env={})


def test_text_feed_lines_end_with_their_bars() -> None:
    lines = format_plan(_plan(), "text").splitlines()
    feeds = {
        line.split()[0]: line for line in lines if line.startswith("  ") and " synthetic " in line
    }
    assert feeds["btc"].endswith(" bars=1m,90s,5m wait=2s")  # sorted, in their largest unit
    assert feeds["eth"].endswith(" bars=1h")
    assert "bars=" not in feeds["plain"]


def test_json_carries_the_intervals_in_ns() -> None:
    feeds = {f["name"]: f for f in json.loads(format_plan(_plan(), "json"))["feeds"]}
    assert feeds["btc"]["bars_ns"] == [60 * SECOND, 90 * SECOND, 300 * SECOND]
    assert feeds["btc"]["bars_wait_ns"] == 2 * SECOND
    assert feeds["eth"]["bars_ns"] == [3600 * SECOND]
    assert feeds["plain"]["bars_ns"] == []


def test_dot_feed_nodes_name_their_bars() -> None:
    nodes = [line for line in format_plan(_plan(), "dot").splitlines() if "shape=cylinder" in line]
    assert nodes == [
        '  "feed:btc" [label="btc\\nsynthetic trades\\nBTC/USDT@sim\\nbars=1m,90s,5m wait=2s", '
        "shape=cylinder];",
        '  "feed:eth" [label="eth\\nsynthetic trades\\nETH/USDT@sim\\nbars=1h", shape=cylinder];',
        '  "feed:plain" [label="plain\\nsynthetic trades\\nBTC/USDT@sim", shape=cylinder];',
    ]
