"""market_maker `model: fixed_spread` against its closed form, computed here on its own: with
mid s (the last trade on a trades-only feed) and inventory q, bid = s·(1 - skew·q - spread/2)
and ask = s·(1 - skew·q + spread/2), bids rounded down and asks up to the tick. A quote is
replaced only when its target moves by the requote threshold; no side is quoted that could
take |q| past max_inventory."""

from __future__ import annotations

import math
import random

import pytest
from engine_builders import MS, instrument, make_plan, quote_feed, quotes, run, trade_feed, trades

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.kinds.market_maker import MarketMakerParams
from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import Strategy

XYZ = "XYZ/USD@sim"
TICK = 0.01
SPREAD_BPS, SKEW_BPS = 20.0, 10.0  # 0.2% wide, centre 0.1% lower per unit held


def quoter(
    quantity: float = 1.0, max_inventory: float | None = None, requote_bps: float | None = None
) -> Strategy:
    params = MarketMakerParams(
        XYZ, "fixed_spread", 0.0, 0.0, 0.0, 0, quantity, max_inventory,
        SPREAD_BPS, SKEW_BPS, requote_bps,
    )  # fmt: skip
    return Strategy("mm", "mm", "market_maker", (XYZ,), "sim", params)


def closed_form(s: float, q: float) -> tuple[float, float]:
    centre = s - s * SKEW_BPS / 10_000 * q
    half = s * SPREAD_BPS / 10_000 / 2
    return centre - half, centre + half


def _plan(strategy: Strategy, feed: str = "trades", venue: SimulatedVenueParams | None = None):  # type: ignore[no-untyped-def]
    feeds = [trade_feed(instrument_id=XYZ) if feed == "trades" else quote_feed(instrument_id=XYZ)]
    return make_plan(
        [strategy], instruments=[instrument(XYZ, TICK, 0.001)], feeds=feeds, venue=venue
    )


def _new(out) -> list[dict]:  # type: ignore[no-untyped-def]
    return [o for o in out.dicts("orders") if o["status"] == "new"]


def test_hand_numbers() -> None:
    """s = 100, q = 2: centre 100·(1 - 0.002) = 99.8, half spread 0.1: 99.7 / 99.9."""
    bid, ask = closed_form(100.0, 2.0)
    assert bid == pytest.approx(99.7) and ask == pytest.approx(99.9)


def test_quotes_match_the_closed_form_on_a_trades_tape() -> None:
    """Prints 100 (q = 0: 99.90 / 100.10), 99.5 through the bid (buy 1, q = 1: 99.301 →
    99.30 / 99.5), 101 through that ask (sell 1, q = 0: 100.899 → 100.89 / 101.101 →
    101.11), 101.2 through that ask (sell, q = -1: 101.2 / 101.4024 → 101.41), 100.8
    through that bid (buy, q = 0). The mid is the last print (no quotes on the feed)."""
    ts = [0, 10 * MS, 20 * MS, 30 * MS, 40 * MS]
    prices = [100.0, 99.5, 101.0, 101.2, 100.8]
    _, out = run(_plan(quoter()), "mm", [[trades(ts, prices, 5.0, instrument_id=XYZ)]])
    fills = [(f["ts_ns"], f["side"], f["qty"]) for f in out.dicts("fills")]
    assert [(t, side) for t, side, _ in fills] == [
        (10 * MS, 1),
        (20 * MS, -1),
        (30 * MS, -1),
        (40 * MS, 1),
    ]
    new = _new(out)
    assert sorted({o["ts_ns"] for o in new}) == ts  # every print moves the targets ≥ 1 tick
    for t, s in zip(ts, prices, strict=True):
        q = sum(side * qty for f_ts, side, qty in fills if f_ts <= t)
        bid, ask = closed_form(s, q)
        sides = {o["side"]: o["price"] for o in new if o["ts_ns"] == t}
        assert set(sides) == {1, -1}
        assert math.floor(bid / TICK + 1e-9) * TICK == pytest.approx(sides[1])
        assert math.ceil(ask / TICK - 1e-9) * TICK == pytest.approx(sides[-1])
    assert {o["price"] for o in new if o["ts_ns"] == 10 * MS} == {99.3, 99.5}


def test_requote_threshold_keeps_quotes_for_small_moves() -> None:
    """requote_threshold 5bps (5 ticks at 100): from 99.90 / 100.10 at mid 100, mids 100.02
    (targets 99.91 / 100.13) and 100.03 (99.92 / 100.14) move the targets at most 4 ticks, so
    the first quotes stay; at 100.10 (99.99 / 100.21) both moved 9 and 11 ticks: one cancel
    and one new order per side. A last event at 40 ms lets those cancels arrive."""
    ts = [0, 10 * MS, 20 * MS, 30 * MS, 40 * MS]
    mids = [100.0, 100.02, 100.03, 100.10, 100.10]
    plan = _plan(quoter(requote_bps=5.0), feed="quotes")
    _, out = run(plan, "mm", [[quotes(ts, mids, mids, instrument_id=XYZ)]])
    new = _new(out)
    assert sorted(o["ts_ns"] for o in new) == [0, 0, 30 * MS, 30 * MS]
    cancelled = [o for o in out.dicts("orders") if o["status"] == "cancelled"]
    first = {o["order_id"] for o in new if o["ts_ns"] == 0}
    # The replaced pair is cancelled by the strategy; the last pair at the end of the replay.
    by_strategy = {o["order_id"] for o in cancelled if "end of replay" not in o["reason"]}
    assert by_strategy == first and len(cancelled) == 4
    bid, ask = closed_form(100.10, 0.0)
    assert {o["side"]: o["price"] for o in new if o["ts_ns"] == 30 * MS} == {
        1: pytest.approx(math.floor(bid / TICK + 1e-9) * TICK),
        -1: pytest.approx(math.ceil(ask / TICK - 1e-9) * TICK),
    }


def test_default_threshold_is_one_tick() -> None:
    """Without requote_threshold: mid 100.005 quotes 99.905005 → 99.90 / 100.105005 →
    100.11; mid 100.008 (99.908 / 100.108) leaves both on the same ticks and sends nothing;
    mid 100.02 (99.91998 → 99.91 / 100.12002 → 100.13) moves both and re-quotes."""
    ts = [0, 10 * MS, 20 * MS]
    mids = [100.005, 100.008, 100.02]
    _, out = run(
        _plan(quoter(), feed="quotes"), "mm", [[quotes(ts, mids, mids, instrument_id=XYZ)]]
    )
    assert sorted(o["ts_ns"] for o in _new(out)) == [0, 0, 20 * MS, 20 * MS]


def test_max_inventory_stops_the_bid() -> None:
    """Prints falling 1% each go through every resting bid; with quantity 1 and
    max_inventory 2 only two bids are ever placed and filled, then the quoter offers only."""
    ts = [i * 10 * MS for i in range(6)]
    prices = [100.0 - i for i in range(6)]
    _, out = run(
        _plan(quoter(max_inventory=2.0)), "mm", [[trades(ts, prices, 5.0, instrument_id=XYZ)]]
    )
    assert [(f["ts_ns"], f["side"]) for f in out.dicts("fills")] == [(10 * MS, 1), (20 * MS, 1)]
    bids = [o for o in _new(out) if o["side"] == 1]
    assert [o["ts_ns"] for o in bids] == [0, 10 * MS]
    asks_after = {o["ts_ns"] for o in _new(out) if o["side"] == -1}
    assert asks_after >= {20 * MS, 30 * MS, 40 * MS, 50 * MS}


@pytest.mark.parametrize("latency_ms", [0, 5])
def test_inventory_stays_within_the_limit_under_the_intensity_model(latency_ms: int) -> None:
    """A seeded random walk of mids (±0.05 every 5 ms) with Poisson fills (A 140, k 1.5 per
    price unit), quotes 0.2 wide re-quoted on 10bps moves: many fills both ways, and the
    running position, summed here from the fills, reaches max_inventory 3 but never passes
    it — also with 5 ms latency, where a cancelled bid may still fill before its cancel
    arrives."""
    rng = random.Random(3)
    ts, mids, s = [], [], 100.0
    for i in range(400):
        ts.append(i * 5 * MS)
        mids.append(round(s, 2))
        s += 0.05 if rng.random() < 0.5 else -0.05
    venue = SimulatedVenueParams(
        latency_ns=latency_ms * MS, fill_model="intensity", intensity_a=140.0, intensity_k=1.5
    )
    plan = _plan(quoter(max_inventory=3.0, requote_bps=10.0), feed="quotes", venue=venue)
    _, out = run(plan, "mm", [[quotes(ts, mids, mids, instrument_id=XYZ)]])
    position, extreme = 0.0, 0.0
    sides = set()
    fills = sorted(out.dicts("fills"), key=lambda f: f["ts_ns"])
    for f in fills:
        position += f["side"] * f["qty"]
        extreme = max(extreme, abs(position))
        sides.add(f["side"])
    assert len(fills) > 20 and sides == {1, -1}
    assert extreme == pytest.approx(3.0)  # and never above it


def test_yaml_compiles_fixed_spread() -> None:
    plan = compile_text(_YAML.format(extra="spread: 10bps\n    skew: 2bps\n    "
                                     "requote_threshold: 0.5bps"), "<test>")  # fmt: skip
    (strategy,) = plan.strategies
    assert strategy.params == MarketMakerParams(
        XYZ, "fixed_spread", 0.0, 0.0, 0.0, 0, 1.0, 5.0, 10.0, 2.0, 0.5
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("skew: 2bps", "missing key 'spread' (needed with model 'fixed_spread')"),
        ("spread: -1bps", "spread cannot be negative"),
        ("spread: 1bps\n    requote_threshold: 5ms", "expected a ratio"),
    ],
)
def test_yaml_errors(extra: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        compile_text(_YAML.format(extra=extra), "<test>")
    assert any(message in d.message for d in error.value.diagnostics)


def test_other_models_still_need_their_parameters() -> None:
    with pytest.raises(ConfigError) as error:
        compile_text(_YAML.format(extra="spread: 1bps").replace("fixed_spread", "symmetric"), "<t>")
    missing = sorted(d.message for d in error.value.diagnostics if d.code == "E0201")
    assert missing == [
        f"missing key '{key}' (needed with model 'symmetric')"
        for key in ("gamma", "horizon", "k", "sigma")
    ]


_YAML = """\
orderloom: 1
name: t
instruments:
  XYZ/USD@sim: {{tick_size: 0.01, lot_size: 1}}
venues:
  sim: {{kind: simulated}}
feeds:
  px: {{kind: synthetic, model: brownian, instrument: XYZ/USD@sim, schema: trades, s0: 100,
        sigma: 2, dt: 5ms, horizon: 1s}}
strategies:
  mm:
    kind: market_maker
    model: fixed_spread
    instrument: XYZ/USD@sim
    quantity: 1
    max_inventory: 5
    {extra}
"""
