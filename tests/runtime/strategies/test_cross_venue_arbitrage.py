"""Cross-venue arbitrage on scripted two-venue quote tapes: the edge after both venues' taker
fees decides whether both legs go out, their sizes and prices are worked out by hand in each
test, and a leg the market runs away from (it moves during the venue's latency) is hedged on
its venue or unwound on the other, with the expected quantities and prices.

Venues: binance charges 10 bps taker and has 20 ms latency; okx 8 bps and 30 ms. Lots 0.0001.
"""

from __future__ import annotations

import dataclasses

import pytest
from engine_builders import MS, SECOND, run
from multi_venue_builders import (
    BINANCE,
    OKX,
    arbitrage_strategy,
    leg_quotes,
    multi_venue_plan,
    venue,
)

from orderloom.dsl.kinds.cross_venue_arbitrage import CrossVenueArbitrageParams
from orderloom.dsl.plan import RiskLimits
from orderloom.runtime.strategies.cross_venue_arbitrage import CrossVenueArbitrageStrategy

T0 = 1_700_000_000 * SECOND
FEE = {BINANCE: 0.0010, OKX: 0.0008}
VENUES = (venue("binance", taker_bps=10, latency_ms=20), venue("okx", taker_bps=8, latency_ms=30))
PARAMS = CrossVenueArbitrageParams(
    legs=(BINANCE, OKX),
    min_edge_bps=3.0,
    max_quantity=0.5,
    max_position=1.0,
    leg_timeout_ns=200 * MS,
    leg_risk="hedge",
    slippage_bps=1.0,
    max_hedge_slippage_bps=30.0,
    cooldown_ns=0,
)
FLAT = (42000.0, 1.0, 42001.0, 1.0)  # bid, bid size, ask, ask size: no edge either way


def edge_bps(buy_ask: float, buy_fee: float, sell_bid: float, sell_fee: float) -> float:
    return (sell_bid * (1 - sell_fee) - buy_ask * (1 + buy_fee)) / buy_ask * 1e4


def tape(binance: list[tuple], okx: list[tuple]) -> list[list]:
    rows = [(T0 + t, *q) for t, q in binance], [(T0 + t, *q) for t, q in okx]
    return [[leg_quotes(BINANCE, rows[0]), leg_quotes(OKX, rows[1])]]


def arbitrage(params: CrossVenueArbitrageParams, calls: list[list], risk: RiskLimits | None = None):
    plan = multi_venue_plan(arbitrage_strategy(params), VENUES, risk=risk)
    engine, out = run(plan, "arb", calls)
    return engine, out


def firsts(out) -> list[dict]:
    """Each order as first sent (seq 1), in order id order."""
    return sorted(out.where("orders", seq=1), key=lambda r: r["order_id"])


def finals(out) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    for r in out.dicts("orders"):
        rows[r["order_id"]] = r  # rows come in seq order per order
    return rows


def final_positions(out) -> dict[str, float]:
    rows = sorted(out.dicts("positions"), key=lambda r: r["seq"])
    return {r["instrument"]: r["position"] for r in rows}


# okx's bid jumps 100 at 1 s for 0.3 BTC; binance's ask stays 42001 with 0.25 BTC shown.
JUMP = (42100.0, 0.3, 42101.0, 0.3)
BINANCE_TOUCH = (42000.0, 1.0, 42001.0, 0.25)


def test_edge_after_fees_above_the_threshold_sends_both_legs_at_the_touches():
    """buy binance at 42001, sell okx at 42100: 42100·0.9992 − 42001·1.001 = 23.319 USDT,
    5.55 bps of 42001, less 1 bps slippage = 4.55 > 3 bps. Size: min(0.5 max, 0.25 shown on
    binance's ask, 0.3 on okx's bid, 1.0 of room) = 0.25 BTC. The buy fills at 20 ms, the
    sell at 30 ms, each at its touch, paying its venue's taker fee."""
    edge = edge_bps(42001.0, FEE[BINANCE], 42100.0, FEE[OKX]) - 1.0
    assert edge == pytest.approx(4.552, abs=1e-3) and edge > 3.0
    _, out = arbitrage(
        PARAMS,
        tape(
            [(0, BINANCE_TOUCH), (2 * SECOND, BINANCE_TOUCH)],
            [(0, FLAT), (SECOND, JUMP), (SECOND + 500 * MS, FLAT)],
        ),
    )
    sent = firsts(out)
    assert [(o["instrument"], o["side"], o["qty"], o["price"], o["ts_ns"]) for o in sent] == [
        (BINANCE, 1, 0.25, 42001.0, T0 + SECOND),
        (OKX, -1, 0.25, 42100.0, T0 + SECOND),
    ]
    fills = sorted(out.dicts("fills"), key=lambda f: f["ts_ns"])
    assert [(f["venue"], f["side"], f["qty"], f["price"], f["ts_ns"]) for f in fills] == [
        ("binance", 1, 0.25, 42001.0, T0 + SECOND + 20 * MS),
        ("okx", -1, 0.25, 42100.0, T0 + SECOND + 30 * MS),
    ]
    assert fills[0]["fee"] == pytest.approx(42001 * 0.25 * 0.0010)
    assert fills[1]["fee"] == pytest.approx(42100 * 0.25 * 0.0008)
    positions = final_positions(out)
    assert positions == {BINANCE: pytest.approx(0.25), OKX: pytest.approx(-0.25)}


def test_gross_edge_eaten_by_fees_sends_nothing():
    """okx's bid 42080 is 79 USDT (18.8 bps) over binance's ask, but after fees
    42080·0.9992 − 42001·1.001 = 3.335 USDT, 0.79 bps, less 1 bps slippage: under 3 bps."""
    assert edge_bps(42001.0, FEE[BINANCE], 42080.0, FEE[OKX]) - 1.0 < 3.0
    assert (42080 - 42001) / 42001 * 1e4 > 18.0
    _, out = arbitrage(
        PARAMS,
        tape(
            [(0, BINANCE_TOUCH), (2 * SECOND, BINANCE_TOUCH)],
            [(0, FLAT), (SECOND, (42080.0, 1.0, 42081.0, 1.0)), (2 * SECOND, FLAT)],
        ),
    )
    assert out.rows["orders"] == []


def test_the_better_direction_is_chosen_and_limited_by_max_quantity():
    """binance's bid jumps to 42150 while okx's ask is 42001: sell binance, buy okx.
    42150·0.999 − 42001·1.0008 = 73.2492 USDT, 17.4 bps; the reverse direction is negative.
    Sizes shown are 1 BTC: max_quantity 0.4 decides."""
    params = dataclasses.replace(PARAMS, max_quantity=0.4)
    _, out = arbitrage(
        params,
        tape(
            [(0, FLAT), (SECOND, (42150.0, 1.0, 42151.0, 1.0)), (2 * SECOND, FLAT)],
            [(0, FLAT), (2 * SECOND, FLAT)],
        ),
    )
    sent = firsts(out)
    assert [(o["instrument"], o["side"], o["qty"], o["price"]) for o in sent[:2]] == [
        (OKX, 1, 0.4, 42001.0),
        (BINANCE, -1, 0.4, 42150.0),
    ]


def test_inventory_limit_per_venue_caps_the_size():
    """max_position 0.3: after a first 0.25 attempt, binance holds +0.25 and okx −0.25, so the
    same edge a second later can only add 0.05 (the room on both legs)."""
    params = dataclasses.replace(PARAMS, max_position=0.3)
    _, out = arbitrage(
        params,
        tape(
            [(0, BINANCE_TOUCH), (2 * SECOND, BINANCE_TOUCH), (3 * SECOND, BINANCE_TOUCH)],
            [(0, FLAT), (SECOND, JUMP), (2 * SECOND, JUMP), (3 * SECOND, JUMP)],
        ),
    )
    sent = firsts(out)
    assert [(o["instrument"], o["side"], o["qty"]) for o in sent] == [
        (BINANCE, 1, 0.25),
        (OKX, -1, 0.25),
        (BINANCE, 1, 0.05),
        (OKX, -1, 0.05),
    ]
    positions = final_positions(out)
    assert positions == {BINANCE: pytest.approx(0.3), OKX: pytest.approx(-0.3)}


def test_cooldown_spaces_the_attempts():
    """With a 1.5 s cooldown the edge seen on every 1 s quote trades at 1 s (settled at
    1.03 s), not at 2 s (cooling until 2.53 s), and again at 3 s."""
    params = dataclasses.replace(PARAMS, cooldown_ns=1500 * MS, max_quantity=0.1)
    ts = [0, SECOND, 2 * SECOND, 3 * SECOND, 4 * SECOND]
    _, out = arbitrage(
        params,
        tape([(t, BINANCE_TOUCH) for t in ts], [(0, FLAT)] + [(t, JUMP) for t in ts[1:]]),
    )
    times = sorted({o["ts_ns"] - T0 for o in firsts(out)})
    assert times == [SECOND, 3 * SECOND]


# --- leg risk: okx's bid runs away 25 ms after the decision, before the okx leg arrives ----

RUNAWAY_OKX = [(0, FLAT), (SECOND, JUMP), (SECOND + 25 * MS, FLAT), (2 * SECOND, FLAT)]
STILL_BINANCE = [(0, BINANCE_TOUCH), (2 * SECOND, BINANCE_TOUCH)]


def test_failed_leg_is_hedged_on_its_venue_inside_the_band():
    """The buy fills on binance at 1.020 s (42001). The okx sell (limit 42100) arrives at
    1.030 s against a 42000 bid and rests; at the 200 ms leg timeout (1.200 s) it is
    cancelled, confirmed at 1.230 s. The hedge sells the missing 0.25 on okx with a limit at
    42100·(1 − 30 bps) = 41973.7; the bid 42000 is inside the band, so it fills on arrival
    (1.260 s) at 42000. Net position: +0.25 binance, −0.25 okx."""
    _, out = arbitrage(PARAMS, tape(STILL_BINANCE, RUNAWAY_OKX))
    sent = firsts(out)
    final = finals(out)
    assert [(o["instrument"], o["side"], o["qty"], o["price"], o["ts_ns"] - T0) for o in sent] == [
        (BINANCE, 1, 0.25, 42001.0, SECOND),
        (OKX, -1, 0.25, 42100.0, SECOND),
        (OKX, -1, 0.25, pytest.approx(42100 * (1 - 0.003)), SECOND + 230 * MS),
    ]
    assert [final[o["order_id"]]["status"] for o in sent] == ["filled", "cancelled", "filled"]
    fills = sorted(out.dicts("fills"), key=lambda f: f["ts_ns"])
    assert [(f["instrument"], f["side"], f["qty"], f["price"], f["ts_ns"] - T0) for f in fills] == [
        (BINANCE, 1, 0.25, 42001.0, SECOND + 20 * MS),
        (OKX, -1, 0.25, 42000.0, SECOND + 260 * MS),
    ]


def test_failed_leg_outside_the_hedge_band_is_unwound_on_the_filled_venue():
    """Same tape, band 10 bps: the hedge limit would be 42100·0.999 = 42057.9, above okx's
    42000 bid, so the filled buy is closed on binance instead: a market sell of 0.25 sent at
    1.230 s fills at 1.250 s at binance's bid, 42000 (a 1 USDT/BTC loss plus fees)."""
    params = dataclasses.replace(PARAMS, max_hedge_slippage_bps=10.0)
    _, out = arbitrage(params, tape(STILL_BINANCE, RUNAWAY_OKX))
    sent = firsts(out)
    assert [(o["instrument"], o["side"], o["order_type"], o["qty"], o["ts_ns"] - T0) for o in sent][
        2:
    ] == [(BINANCE, -1, "market", 0.25, SECOND + 230 * MS)]
    fills = sorted(out.dicts("fills"), key=lambda f: f["ts_ns"])
    assert [(f["instrument"], f["side"], f["price"], f["ts_ns"] - T0) for f in fills] == [
        (BINANCE, 1, 42001.0, SECOND + 20 * MS),
        (BINANCE, -1, 42000.0, SECOND + 250 * MS),
    ]
    positions = final_positions(out)
    assert positions[BINANCE] == pytest.approx(0.0)


def test_leg_risk_unwind_closes_the_filled_leg_without_trying_a_hedge():
    """leg_risk: unwind with the wide 30 bps band that would have allowed a hedge: the filled
    binance buy is sold back at market as soon as the okx leg's cancel is confirmed."""
    params = dataclasses.replace(PARAMS, leg_risk="unwind")
    engine, out = arbitrage(params, tape(STILL_BINANCE, RUNAWAY_OKX))
    sent = firsts(out)
    assert [(o["instrument"], o["side"], o["order_type"], o["ts_ns"] - T0) for o in sent][2:] == [
        (BINANCE, -1, "market", SECOND + 230 * MS)
    ]
    assert not [o for o in sent if o["instrument"] == OKX and o["ts_ns"] > T0 + SECOND]
    strategy = engine.strategy
    assert isinstance(strategy, CrossVenueArbitrageStrategy)
    assert (strategy.attempts, strategy.hedges, strategy.unwinds) == (1, 0, 1)


def test_a_leg_refused_by_risk_unwinds_the_other():
    """max_position 0.2 BTC on okx (risk section): the okx sell of 0.25 is refused before it
    leaves; the binance buy is pulled back, but its cancel arrives after the buy filled (both
    take 20 ms, the buy was first), so the 0.25 bought is hedged — refused again on okx — and
    unwound on binance at market."""
    risk = RiskLimits(max_position=((OKX, 0.2),))
    _, out = arbitrage(
        PARAMS, tape(STILL_BINANCE, [(0, FLAT), (SECOND, JUMP), (2 * SECOND, JUMP)]), risk
    )
    final = finals(out)
    statuses = [
        (r["instrument"], r["side"], r["status"])
        for r in sorted(final.values(), key=lambda r: r["order_id"])
    ]
    assert statuses[:2] == [(BINANCE, 1, "filled"), (OKX, -1, "rejected")]
    assert (BINANCE, -1, "filled") in statuses
    positions = final_positions(out)
    assert positions[BINANCE] == pytest.approx(0.0)


def test_slot_zero_routed_to_another_venue_is_refused_at_build():
    """routing.default (or the strategy's venue) would send binance's leg to okx."""
    node = dataclasses.replace(arbitrage_strategy(PARAMS), venue="okx")
    with pytest.raises(ValueError, match="each leg must trade on its own venue"):
        run(multi_venue_plan(node, VENUES), "arb", [])


def test_lots_that_cannot_trade_equal_quantities_are_refused_at_build():
    plan = multi_venue_plan(arbitrage_strategy(PARAMS), VENUES)
    odd = dataclasses.replace(plan.instruments[1], lot_size=0.00015)
    plan = dataclasses.replace(plan, instruments=(plan.instruments[0], odd))
    with pytest.raises(ValueError, match="not multiples of one another"):
        run(plan, "arb", [])


def test_a_hedge_the_market_runs_away_from_is_cancelled_and_the_leg_unwound():
    """okx retreats to 42050 at 1.010 s: the okx sell (42100) rests, is cancelled at 1.200 s
    (confirmed 1.230 s), and the hedge (limit 41973.7, the 42050 bid inside) is sent at
    1.230 s; but okx's bid drops to 41900 at 1.240 s, before it arrives (1.260 s), so it
    rests too. At 1.430 s (its own 200 ms timeout) it is cancelled, confirmed at 1.460 s, and
    the 0.25 bought is sold at market on binance: filled at 1.480 s at 42000."""
    okx = [
        (0, FLAT),
        (SECOND, JUMP),
        (SECOND + 10 * MS, (42050.0, 1.0, 42051.0, 1.0)),
        (SECOND + 240 * MS, (41900.0, 1.0, 41901.0, 1.0)),
        (SECOND + 900 * MS, FLAT),
    ]
    engine, out = arbitrage(PARAMS, tape(STILL_BINANCE, okx))
    sent = firsts(out)
    final = finals(out)
    got = [(o["instrument"], o["side"], o["order_type"], o["ts_ns"] - T0) for o in sent]
    assert got == [
        (BINANCE, 1, "limit", SECOND),
        (OKX, -1, "limit", SECOND),
        (OKX, -1, "limit", SECOND + 230 * MS),
        (BINANCE, -1, "market", SECOND + 460 * MS),
    ]
    assert [final[o["order_id"]]["status"] for o in sent] == [
        "filled",
        "cancelled",
        "cancelled",
        "filled",
    ]
    fills = sorted(out.dicts("fills"), key=lambda f: f["ts_ns"])
    assert (fills[-1]["price"], fills[-1]["ts_ns"] - T0) == (42000.0, SECOND + 480 * MS)
    strategy = engine.strategy
    assert isinstance(strategy, CrossVenueArbitrageStrategy)
    assert (strategy.hedges, strategy.unwinds) == (1, 1)
    assert final_positions(out) == {BINANCE: pytest.approx(0.0)}  # okx never traded


def test_three_venues_trade_the_best_pair():
    """kraken: 5 bps taker, 10 ms. binance asks 42200 until 1 s, so nothing pays while okx
    bids 42100 (0.5 s) and kraken 42120 for 0.1 BTC (0.6 s); kraken's 42050 ask is too dear
    to sell on okx (42050·1.0005 > 42100·0.9992). When binance's ask drops to 42001, selling
    on okx gives 4.55 bps after slippage and on kraken
    (42120·0.9995 − 42001·1.001) / 42001 − 1 bps = 12.32 bps: kraken wins, for 0.1 BTC."""
    kraken = "BTC/USDT@kraken"
    params = dataclasses.replace(PARAMS, legs=(BINANCE, OKX, kraken))
    venues = (*VENUES, venue("kraken", taker_bps=5, latency_ms=10))
    plan = multi_venue_plan(arbitrage_strategy(params), venues, legs=(BINANCE, OKX, kraken))
    assert edge_bps(42001.0, FEE[BINANCE], 42120.0, 0.0005) - 1 == pytest.approx(12.32, abs=0.01)
    assert edge_bps(42050.0, 0.0005, 42100.0, FEE[OKX]) < 0
    dear = (42000.0, 1.0, 42200.0, 1.0)
    calls = [
        [
            leg_quotes(
                BINANCE, [(T0, *dear), (T0 + SECOND, *BINANCE_TOUCH), (T0 + 2 * SECOND, *dear)]
            ),
            leg_quotes(OKX, [(T0, *FLAT), (T0 + SECOND // 2, *JUMP)]),
            leg_quotes(
                kraken,
                [(T0, 41990.0, 1.0, 42050.0, 1.0), (T0 + 600 * MS, 42120.0, 0.1, 42121.0, 1.0)],
            ),
        ]
    ]
    _, out = run(plan, "arb", calls)
    sent = firsts(out)
    assert [(o["instrument"], o["venue"], o["side"], o["qty"], o["price"]) for o in sent] == [
        (BINANCE, "binance", 1, 0.1, 42001.0),
        (kraken, "kraken", -1, 0.1, 42120.0),
    ]
