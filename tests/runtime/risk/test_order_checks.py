"""Checks of the order itself — quantity, notional (scoped to an instrument), price band,
validity — each accepting an order just under its limit and refusing one just over it, with a
`risk_events` row naming the check, the limit, the value and the order, and `on_reject`."""

from __future__ import annotations

import pytest
from engine_builders import (
    BTC,
    ETH,
    SECOND,
    Act,
    instrument,
    quote_feed,
    quotes,
    trade_feed,
    trades,
)
from risk_builders import TAPE, check, events, outcome, rejected, sent

from orderloom.dsl.kinds.max_order_notional import MaxOrderNotionalParams
from orderloom.dsl.kinds.risk_order_qty import MaxOrderQtyParams
from orderloom.dsl.kinds.risk_order_validity import OrderValidityParams
from orderloom.dsl.kinds.risk_price_band import PriceBandParams
from orderloom.dsl.plan import Instrument


def test_max_order_qty_row_and_callback() -> None:
    """Limit 2 BTC (lot 0.001): 2.0 passes, 2.001 is refused; the refusal is one `rejected`
    orders row, one risk event and one on_reject, all naming script-000002."""
    qty_check = check("max_order_qty", MaxOrderQtyParams(2.0))
    engine, out = outcome([qty_check], [Act(1, 1, 2.0, 90.0), Act(1, 1, 2.001, 90.0)])
    assert (sent(out), rejected(out)) == (["script-000001"], ["script-000002"])
    (event,) = out.dicts("risk_events")
    assert event == {
        "run_id": "run-1",
        "event_id": "script-000002-max_order_qty",
        "ts_ns": SECOND,
        "strategy": "script",
        "order_id": "script-000002",
        "check": "max_order_qty",
        "limit_value": 2.0,
        "value": 2.001,
        "action": "reject",
        "message": "order script-000002: quantity 2.001 exceeds max_order_qty 2 (account)",
    }
    assert engine.strategy.rejects == [("script-000002", event["message"])]
    assert out.where("orders", order_id="script-000002")[0]["reason"] == event["message"]


def test_max_order_notional_scoped_to_one_instrument() -> None:
    """A 1000 USDT limit scoped to ETH: an ETH order of 10 x 100 = 1000 passes, 10.001 x 100
    = 1000.1 is refused, and a BTC order worth 1,000,000 is not checked at all."""
    both = [instrument(BTC), instrument(ETH)]
    feeds = [trade_feed("btc", BTC), trade_feed("eth", ETH)]
    tape = [
        trades([0, SECOND], [100.0, 100.0], 50.0, feed="btc", instrument_id=BTC),
        trades([0, SECOND], [100.0, 100.0], 50.0, feed="eth", instrument_id=ETH),
    ]
    notional = check("max_order_notional", MaxOrderNotionalParams(1000.0), [ETH])
    acts = [Act(0, 1, 10.0, 100.0, slot=1), Act(0, 1, 10.001, 100.0, slot=1), Act(0, 1, 10_000.0)]
    _, out = outcome([notional], acts, tape, instruments=both, feeds=feeds)
    assert events(out) == [("script-000002", "max_order_notional", 1000.0, pytest.approx(1000.1))]


@pytest.mark.parametrize(
    ("side", "price", "accepted"),
    [
        (1, 100.50, True),  # exactly 50bps above last 100
        (1, 100.51, False),  # 51bps
        (-1, 99.50, True),
        (-1, 99.49, False),
    ],
)
def test_price_band_against_last(side: int, price: float, accepted: bool) -> None:
    band = check("price_band", PriceBandParams(50.0, "last"))
    _, out = outcome([band], [Act(1, side, 1.0, price)])
    if accepted:
        assert not events(out)
        return
    deviation_bps = abs(price - 100.0) / 100.0 * 10_000
    assert events(out) == [("script-000001", "price_band", 50.0, pytest.approx(deviation_bps))]
    message = out.dicts("risk_events")[0]["message"]
    assert message.startswith(f"order script-000001: limit price {price:g} is 51bps from the last")


def test_price_band_against_mid_and_before_any_quote() -> None:
    """Mid = (99 + 101) / 2 = 100, band 1%: a buy at 101 passes, 101.01 is refused. A limit
    sent at the first trade, before any quote, has no mid to compare with: refused. Market
    orders are not price-banded."""
    feeds = [trade_feed(), quote_feed()]
    tape = [trades([0, 2 * SECOND], [100.0, 100.0], 50.0), quotes([SECOND], [99.0], [101.0])]
    band = check("price_band", PriceBandParams(100.0, "mid"))
    acts = [Act(0, 1, 1.0, 100.0), Act(1, 1, 1.0, 101.0), Act(1, 1, 1.0, 101.01), Act(1, 1, 5.0)]
    _, out = outcome([band], acts, tape, feeds=feeds)
    found = events(out)
    assert [(e[0], e[3]) for e in found] == [
        ("script-000001", pytest.approx(float("nan"), nan_ok=True)),
        ("script-000003", pytest.approx(101.0)),  # 1.01 / 100 = 101 bps
    ]
    assert "no mid price yet" in out.dicts("risk_events")[0]["message"]


CHEAP = Instrument(BTC, "BTC/USDT", "BTC", "USDT", "sim", 0.01, 0.001, min_notional=10.0)


@pytest.mark.parametrize(
    ("act", "refusal"),
    [
        (Act(1, 1, 1.0, 50.0), None),  # at min_price
        (Act(1, 1, 1.0, 49.99), ("order_validity", 50.0, 49.99)),
        (Act(1, -1, 1.0, 150.0), None),  # at max_price
        (Act(1, -1, 1.0, 150.01), ("order_validity", 150.0, 150.01)),
        (Act(1, 1, 0.2, 90.0), None),  # at min_qty
        (Act(1, 1, 0.199, 90.0), ("order_validity", 0.2, 0.199)),
        (Act(1, 1, 0.2, 50.0), None),  # value 10: the instrument's min_notional
        (Act(1, 1, 0.2), None),  # market: 0.2 x last 100 = 20
        (Act(1, 1, 0.2, 100.01), None),
        (Act(1, 1, 0.2005, 90.0), ("order_validity", 0.001, 0.2005)),  # off the lot grid
        (Act(1, 1, 0.2, 90.005), ("order_validity", 0.01, 90.005)),  # off the tick grid
    ],
)
def test_order_validity(act: Act, refusal: tuple[str, float, float] | None) -> None:
    params = OrderValidityParams(min_price=50.0, max_price=150.0, min_qty=0.2, on_grid=True)
    _, out = outcome([check("order_validity", params)], [act], instruments=[CHEAP])
    assert [e[1:] for e in events(out)] == ([refusal] if refusal else [])


def test_order_validity_min_notional_from_the_instrument() -> None:
    """Instrument min_notional 10: 0.1 x 100 = 10 passes, 0.099 x 100 = 9.9 is refused;
    without on_grid an off-grid 0.1005 is rounded down to 0.1 and passes."""
    acts = [Act(1, 1, 0.1, 100.0), Act(1, 1, 0.099, 100.0), Act(1, 1, 0.1005, 100.0)]
    _, out = outcome([check("order_validity", OrderValidityParams())], acts, instruments=[CHEAP])
    assert events(out) == [("script-000002", "order_validity", 10.0, pytest.approx(9.9))]


def test_shorthand_plan_without_resolution_still_checks() -> None:
    """A plan built by hand with only the shorthand fields (no per-instance list) applies
    them in full, as before."""
    from engine_builders import make_plan, run, scripted, scripted_strategy

    from orderloom.dsl.plan import RiskLimits

    plan = make_plan([scripted_strategy()], risk=RiskLimits(max_order_notional=1000.0))
    _, out = run(plan, "script", [[TAPE]], factory=scripted([Act(1, 1, 10.001, 100.0)]))
    assert events(out) == [("script-000001", "max_order_notional", 1000.0, pytest.approx(1000.1))]
