"""Market maker quotes against the Avellaneda–Stoikov closed form, computed here on its own:
spread = γσ²τ + (2/γ)·ln(1 + γ/k), reservation r = s - q·γσ²·τ, quotes r ± spread/2 (the
symmetric model centres on s), τ = T - t in seconds. Fills come from prints through the
resting quotes (default `trades` venue model) so the inventory q changes during the run."""

from __future__ import annotations

import math

import pytest
from engine_builders import (
    MS,
    instrument,
    make_plan,
    quote_feed,
    quotes,
    run,
    trade_feed,
    trades,
)

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.kinds.market_maker import MarketMakerParams
from orderloom.dsl.plan import Strategy

XYZ = "XYZ/USD@sim"
TICK = 0.0001
GAMMA, SIGMA, K = 0.1, 2.0, 1.5
HORIZON_NS = 1_000 * MS


def maker(model: str, max_inventory: float | None = None) -> Strategy:
    params = MarketMakerParams(XYZ, model, GAMMA, K, SIGMA, HORIZON_NS, 1.0, max_inventory)
    return Strategy("mm", "mm", "market_maker", (XYZ,), "sim", params)


def closed_form(model: str, s: float, q: float, t_s: float) -> tuple[float, float]:
    tau = 1.0 - t_s
    spread = GAMMA * SIGMA**2 * tau + 2 / GAMMA * math.log(1 + GAMMA / K)
    r = s - q * GAMMA * SIGMA**2 * tau if model == "avellaneda_stoikov" else s
    return r - spread / 2, r + spread / 2


def test_hand_numbers_at_the_start() -> None:
    """s = 100, q = 0, t = 0: spread = 0.4 + 20·ln(16/15) = 1.690770…, quotes 100 ∓ 0.845385."""
    bid, ask = closed_form("avellaneda_stoikov", 100.0, 0.0, 0.0)
    assert bid == pytest.approx(99.154615, abs=1e-6) and ask == pytest.approx(100.845385, abs=1e-6)


def _scenario(model: str, max_inventory: float | None = None):  # type: ignore[no-untyped-def]
    """Mid 100 from t=0, 101 from 300 ms. Prints at 1.0 (through any bid) at 100 and 200 ms
    buy one unit each (q = 1, then 2); a print at 1000.0 at 400 ms sells one (q = 1). The
    strategy re-quotes at every event: quote events every 50 ms and the prints."""
    plan = make_plan(
        [maker(model, max_inventory)],
        instruments=[instrument(XYZ, tick_size=TICK, lot_size=1.0)],
        feeds=[quote_feed(instrument_id=XYZ), trade_feed(instrument_id=XYZ)],
    )
    ts = [i * 50 * MS for i in range(12)]
    mids = [100.0 if t < 300 * MS else 101.0 for t in ts]
    tape_q = quotes(ts, mids, mids, instrument_id=XYZ)
    tape_t = trades(
        [100 * MS + 1, 200 * MS + 1, 400 * MS + 1], [1.0, 1.0, 1000.0], 1.0, instrument_id=XYZ
    )
    _, out = run(plan, "mm", [[tape_q, tape_t]])
    return out


@pytest.mark.parametrize("model", ["avellaneda_stoikov", "symmetric"])
def test_every_quote_matches_the_closed_form(model: str) -> None:
    out = _scenario(model)
    fills = [(f["ts_ns"], f["side"]) for f in out.dicts("fills")]
    assert [side for _, side in fills] == [1, 1, -1]
    quote_times = [i * 50 * MS for i in range(12)]
    mids = {t: 100.0 if t < 300 * MS else 101.0 for t in quote_times}
    new = [o for o in out.dicts("orders") if o["status"] == "new"]
    placed_at = sorted({o["ts_ns"] for o in new})
    assert set(quote_times) <= set(placed_at)
    checked = 0
    for ts in placed_at:
        q = sum(side for f_ts, side in fills if f_ts <= ts)
        s = mids[max(t for t in quote_times if t <= ts)]
        bid, ask = closed_form(model, s, q, ts / 1e9)
        sides = {o["side"]: o["price"] for o in new if o["ts_ns"] == ts}
        # Ticks: bids round down, asks up.
        assert bid - TICK - 1e-9 < sides[1] <= bid + 1e-9
        assert ask - 1e-9 <= sides[-1] < ask + TICK + 1e-9
        checked += 1
    assert checked == 15  # 12 quote events + 3 prints
    # Inventory skew is the only difference between the models: at q = 2 (after 200 ms)
    # A-S quotes sit 2·γσ²τ lower than symmetric ones.
    if model == "avellaneda_stoikov":
        at = 250 * MS
        bid_as, _ = closed_form(model, 100.0, 2.0, at / 1e9)
        bid_sym, _ = closed_form("symmetric", 100.0, 2.0, at / 1e9)
        assert bid_sym - bid_as == pytest.approx(2 * GAMMA * SIGMA**2 * 0.75)


def test_inventory_limit_stops_the_side_that_would_pass_it() -> None:
    """max_inventory 1: after the first buy (q = 1) no more bids until q drops; the second
    print at 200 ms finds no bid, so the 1000.0 print sells back to q = 0."""
    out = _scenario("avellaneda_stoikov", max_inventory=1.0)
    assert [f["side"] for f in out.dicts("fills")] == [1, -1]
    new = [o for o in out.dicts("orders") if o["status"] == "new"]
    buys_while_long = [o for o in new if o["side"] == 1 and 100 * MS < o["ts_ns"] <= 400 * MS]
    assert buys_while_long == []


def test_no_quotes_after_the_horizon() -> None:
    """T = 1 s from the first event: events at 1.0 s and later cancel and send nothing."""
    plan = make_plan(
        [maker("symmetric")],
        instruments=[instrument(XYZ, tick_size=TICK, lot_size=1.0)],
        feeds=[quote_feed(instrument_id=XYZ)],
    )
    ts = [i * 250 * MS for i in range(7)]
    _, out = run(plan, "mm", [[quotes(ts, [100.0] * 7, [100.0] * 7, instrument_id=XYZ)]])
    new = [o for o in out.dicts("orders") if o["status"] == "new"]
    assert sorted({o["ts_ns"] for o in new}) == ts[:4]
    final = {}
    for o in out.dicts("orders"):
        final[o["order_id"]] = o["status"]
    assert set(final.values()) == {"cancelled"}


def test_yaml_compiles_the_issue_shape() -> None:
    plan = compile_text(
        """\
orderloom: 1
name: t
instruments:
  XYZ/USD@sim: {tick_size: 0.0001, lot_size: 1}
venues:
  sim: {kind: simulated, fill_model: {kind: intensity, A: 140, k: 1.5}}
feeds:
  mid: {kind: synthetic, model: brownian, instrument: XYZ/USD@sim, schema: quotes, s0: 100,
        sigma: 2, dt: 5ms, horizon: 1s}
strategies:
  mm:
    kind: market_maker
    model: symmetric
    instrument: XYZ/USD@sim
    gamma: 0.1
    k: 1.5
    sigma: 2
    horizon: 1s
    quantity: 1
    max_inventory: 5
""",
        "<test>",
    )
    (strategy,) = plan.strategies
    assert strategy.params == MarketMakerParams(XYZ, "symmetric", 0.1, 1.5, 2.0, 10**9, 1.0, 5.0)
