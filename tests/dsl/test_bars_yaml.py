"""`bars:` on a feed: a list of intervals or {every, wait}, carried on the Plan's Feed as
`bars_ns` / `bars_wait_ns`; bad intervals, quotes feeds and two bar feeds of one instrument are
errors at their place."""

from __future__ import annotations

import pytest

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.plan import Plan

HEAD = """\
orderloom: 1
name: t
instruments:
  BTC/USDT@sim: {tick_size: 0.01, lot_size: 0.0001}
venues:
  sim: {kind: simulated}
feeds:
"""
FEED = "kind: synthetic, instrument: BTC/USDT@sim, s0: 100, sigma: 0.5, dt: 1s, count: 10"
SECOND = 1_000_000_000


def compiled(feeds: str) -> Plan:
    return compile_text(HEAD + feeds, "p.yaml", env={})


def errors(feeds: str) -> list[tuple[int, int, str]]:
    with pytest.raises(ConfigError) as caught:
        compiled(feeds)
    return [(d.span.line, d.span.col, d.message) for d in caught.value.diagnostics]


def test_a_list_of_intervals_is_sorted_in_ns() -> None:
    plan = compiled(f"  btc: {{{FEED}, bars: [1m, 1s, 1h]}}\n")
    (feed,) = plan.feeds
    assert feed.bars_ns == (SECOND, 60 * SECOND, 3600 * SECOND)
    assert feed.bars_wait_ns == 0
    assert Plan.from_json(plan.to_json()) == plan


def test_the_mapping_form_carries_the_watermark_wait() -> None:
    plan = compiled(f"  btc: {{{FEED}, bars: {{every: [5m, 1d], wait: 2s}}}}\n")
    (feed,) = plan.feeds
    assert feed.bars_ns == (300 * SECOND, 86_400 * SECOND)
    assert feed.bars_wait_ns == 2 * SECOND


def test_no_bars_by_default() -> None:
    (feed,) = compiled(f"  btc: {{{FEED}}}\n").feeds
    assert feed.bars_ns == () and feed.bars_wait_ns == 0


LINE = f"  btc: {{{FEED}, bars: "
COL = len(LINE) + 2  # 1-based column of the first interval inside `[`


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("500ms", "a bar interval must be at least 1s, found '500ms'"),
        ("2d", "a bar interval must be at most 1d, found '2d'"),
        ("1500ms", "a bar interval must be a whole number of seconds, found '1500ms'"),
        (
            "7s",
            "a bar interval must divide a day (e.g. 1s, 5s, 15s, 1m, 5m, 15m, 1h, 4h, 1d), "
            "found '7s'",
        ),
        ("5 USDT", "expected a duration (like 5ms or 1h), found an amount '5 USDT'"),
    ],
)
def test_bad_intervals_are_errors_at_the_interval(value: str, message: str) -> None:
    assert errors(f"{LINE}[{value}]}}\n") == [(8, COL, message)]


def test_an_interval_listed_twice() -> None:
    assert errors(f"{LINE}[1m, 60s]}}\n") == [(8, COL + 4, "bar interval '60s' is listed twice")]


def test_bars_on_a_quotes_feed() -> None:
    ((line, _, message),) = errors(f"  q: {{{FEED}, schema: quotes, bars: [1m]}}\n")
    assert line == 8 and message == "bars are built from trades; this feed has quotes"


def test_two_feeds_of_one_instrument_cannot_both_declare_bars() -> None:
    feeds = f"  a: {{{FEED}, bars: [1m]}}\n  b: {{{FEED}, bars: [1s]}}\n"
    assert errors(feeds) == [(9, 3, "feeds 'a' and 'b' both declare bars for BTC/USDT@sim")]


def test_the_schema_rejects_an_empty_list_and_unknown_keys() -> None:
    assert errors(f"{LINE}[]}}\n")
    assert errors(f"{LINE}{{every: [1m], delay: 1s}}}}\n")
