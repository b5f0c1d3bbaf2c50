"""Self-trade prevention within one instance: an order that would cross the instance's own
open order on the same instrument is refused; orders that do not cross pass."""

from __future__ import annotations

from engine_builders import BTC, ETH, Act, instrument, trade_feed, trades
from risk_builders import check, events, outcome

from orderloom.dsl.kinds.risk_self_trade import SelfTradeParams


def test_self_trade_refuses_crossing_own_orders() -> None:
    """Resting sell @ 101 and buy @ 99 (last 100). A buy @ 100.99 does not reach the sell
    and passes; a buy @ 101 would trade with it; a market buy would too. A sell @ 101 stays
    above the best own buy (100.99) and passes; a sell @ 100.99 crosses it. The same buy @ 101
    on another instrument passes."""
    both = [instrument(BTC), instrument(ETH)]
    feeds = [trade_feed("btc", BTC), trade_feed("eth", ETH)]
    tape = [
        trades([0], [100.0], 1.0, feed="btc", instrument_id=BTC),
        trades([0], [100.0], 1.0, feed="eth", instrument_id=ETH),
    ]
    acts = [
        Act(0, -1, 1.0, 101.0),
        Act(0, 1, 1.0, 99.0),
        Act(0, 1, 1.0, 100.99),
        Act(0, 1, 1.0, 101.0),
        Act(0, 1, 1.0),
        Act(0, -1, 1.0, 101.0),
        Act(0, -1, 1.0, 100.99),
        Act(0, 1, 1.0, 101.0, slot=1),
    ]
    _, out = outcome([check("self_trade", SelfTradeParams())], acts, tape, instruments=both,
                     feeds=feeds)  # fmt: skip
    found = events(out)
    assert [(e[0], e[2], e[3]) for e in found[:1]] == [("script-000004", 101.0, 101.0)]
    assert [e[0] for e in found] == ["script-000004", "script-000005", "script-000007"]
    assert out.dicts("risk_events")[0]["message"] == (
        "order script-000004: buy @ 101 would trade against own open order script-000001 "
        "@ 101 (self_trade; account)"
    )
    assert "own open order script-000003 @ 100.99" in out.dicts("risk_events")[2]["message"]
