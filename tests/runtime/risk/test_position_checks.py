"""Position limits with open orders counted as filled: `position_limit` net and gross over a
base asset traded on two instruments, per instrument, and `max_position` scaled to a budget."""

from __future__ import annotations

import pytest
from engine_builders import BTC, SECOND, Act, instrument, trade_feed, trades
from risk_builders import check, events, outcome, sent

from orderloom.dsl.kinds.max_position import MaxPositionParams
from orderloom.dsl.kinds.risk_position_limit import PositionLimitParams

BTC_EUR = "BTC/EUR@sim"
BOTH = [instrument(BTC), instrument(BTC_EUR)]
FEEDS = [trade_feed("usdt", BTC), trade_feed("eur", BTC_EUR)]
TAPE = [
    trades([0, SECOND, 2 * SECOND], [100.0] * 3, 50.0, feed="usdt", instrument_id=BTC),
    trades([0, SECOND, 2 * SECOND], [90.0] * 3, 50.0, feed="eur", instrument_id=BTC_EUR),
]


def test_asset_net_and_gross_across_two_instruments() -> None:
    """BTC limits net 1.0, gross 1.5 over BTC/USDT (slot 0) and BTC/EUR (slot 1).
    Event 0: market buy 0.6 BTC/USDT (fills at the next USDT print: position 0.6).
    Event 2: resting sell 0.5 BTC/EUR @ 200; resting buy 0.4 BTC/USDT @ 50.
      long side  = (0.6 + 0.4) + (0 + 0)       = 1.0  <= net 1.0     -> passes
      gross      = max(1.0, 0.6) + max(0, 0.5) = 1.5  <= gross 1.5   -> passes
    then buy 0.001 BTC/USDT @ 50: long side 1.001 > 1.0                -> net refuses
    then sell 0.001 BTC/EUR @ 200: short side 0.6 - 0.501 = 0.099 (net fine), gross
      1.0 + 0.501 = 1.501 > 1.5                                         -> gross refuses
    then sell 0.1 BTC/USDT @ 200: short side 0.5 - 0.5 = 0.0; gross max(1.0, 0.5) + 0.5 = 1.5
      (the USDT slot's worst case is still the long 1.0)                -> passes."""
    limit = check("position_limit", PositionLimitParams(asset="BTC", net=1.0, gross=1.5))
    acts = [
        Act(0, 1, 0.6),
        Act(4, -1, 0.5, 200.0, slot=1),
        Act(4, 1, 0.4, 50.0),
        Act(4, 1, 0.001, 50.0),
        Act(4, -1, 0.001, 200.0, slot=1),
        Act(4, -1, 0.1, 200.0),
    ]
    engine, out = outcome([limit], acts, TAPE, instruments=BOTH, feeds=FEEDS)
    assert engine.ctx.position(0) == 0.6
    assert events(out) == [
        ("script-000004", "position_limit", 1.0, pytest.approx(1.001)),
        ("script-000005", "position_limit", 1.5, pytest.approx(1.501)),
    ]
    messages = [e["message"] for e in out.dicts("risk_events")]
    assert "net position in BTC would reach 1.001" in messages[0]
    assert "gross position in BTC would reach 1.501" in messages[1]
    assert sent(out) == ["script-000001", "script-000002", "script-000003", "script-000006"]


def test_instrument_limit_ignores_other_instruments_and_lets_reductions_pass() -> None:
    """Net 0.5 on BTC/USDT only: a sell of 0.5 USDT passes (-0.5), 0.001 more is refused; a
    buy of 1 BTC/EUR is not checked; a buy of 1.0 BTC/USDT leaves the long side at
    0 + 1.0 = 1.0 > 0.5, refused, but a buy of 0.5 (long side 0.5) passes."""
    limit = check("position_limit", PositionLimitParams(instrument=BTC, net=0.5), [BTC])
    acts = [
        Act(0, -1, 0.5, 200.0),
        Act(0, -1, 0.001, 200.0),
        Act(0, 1, 1.0, 50.0, slot=1),
        Act(0, 1, 1.0, 50.0),
        Act(0, 1, 0.5, 50.0),
    ]
    _, out = outcome([limit], acts, TAPE, instruments=BOTH, feeds=FEEDS)
    assert [(e[0], e[3]) for e in events(out)] == [
        ("script-000002", pytest.approx(0.501)),
        ("script-000004", pytest.approx(1.0)),
    ]


def test_max_position_budget_share() -> None:
    """max_position 10 BTC split between two instances: this one checks 5.0; 5 passes,
    0.001 more is refused with the budget as the limit."""
    budget = check("max_position", MaxPositionParams(((BTC, 10.0),)).scaled(0.5), [BTC])
    _, out = outcome([budget], [Act(1, 1, 5.0, 90.0), Act(1, 1, 0.001, 90.0)])
    assert events(out) == [("script-000002", "max_position", 5.0, 5.001)]
