"""Pairs on constructed two-instrument tapes whose legs arrive interleaved: the z-score path,
its crossings and the orders of both legs are computed independently here (numpy windows,
np.polyfit for the rolling hedge ratio) and compared with the engine's order log."""

from __future__ import annotations

import math
from bisect import bisect_left

import numpy as np
import pytest
from engine_builders import (
    BTC,
    ETH,
    MS,
    SECOND,
    instrument,
    make_plan,
    run,
    split,
    trade_feed,
    trades,
)

from orderloom.dsl.kinds.pairs import PairsParams
from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import RiskLimits, Strategy

T0 = 1_700_000_000 * SECOND
LOT = 0.001  # both legs (engine_builders.instrument default)
LATENCY = 5 * MS
ENTRY, EXIT, STOP = 2.0, 0.5, 3.5
# Leg a = ETH (the strategy's instrument), leg b = BTC. Leg b prints on whole seconds, leg a
# half a second later, so every event changes one leg and the next sample sees the other's
# last print: the interleaving the engine's feed merge produces.


def tape(n: int, spread: np.ndarray, beta: np.ndarray | float, b_drift: float = 0.0):
    k = np.arange(n)
    b = 100 + 2 * np.sin(k / 100) + b_drift * k
    a = beta * b + 10 + spread
    return T0 + k * SECOND + 500 * MS, a, T0 + k * SECOND, b


def designed_spread(n: int, bumps: list[tuple[int, float, float]]) -> np.ndarray:
    """A bounded periodic wobble (its z never reaches 2) plus Gaussian bumps."""
    k = np.arange(n)
    spread = 0.1 * np.sin(2 * np.pi * k / 37)
    for center, height, width in bumps:
        spread += height * np.exp(-0.5 * ((k - center) / width) ** 2)
    return spread


def legs(ta, a, tb, b) -> list:
    return [
        trades(ta, a, feed="eth", instrument_id=ETH),
        trades(tb, b, feed="btc", instrument_id=BTC),
    ]


def samples(ta, a, tb, b) -> list[tuple[int, float, float]]:
    """(ts, latest a, latest b) at every event once both legs have printed."""
    events = sorted(
        [(t, 0, p) for t, p in zip(ta, a, strict=True)]
        + [(t, 1, p) for t, p in zip(tb, b, strict=True)]
    )
    latest = [math.nan, math.nan]
    out = []
    for ts, leg, price in events:
        latest[leg] = price
        if latest[0] == latest[0] and latest[1] == latest[1]:
            out.append((int(ts), latest[0], latest[1]))
    return out


def zscores_by_count(spreads: np.ndarray, n: int) -> np.ndarray:
    z = np.full(len(spreads), np.nan)
    for i in range(n - 1, len(spreads)):
        window = spreads[i - n + 1 : i + 1]
        std = window.std()
        z[i] = (spreads[i] - window.mean()) / std if std > 0 else 0.0
    return z


def crossings(z: np.ndarray) -> list[tuple[int, str]]:
    """The documented rules, sample by sample: (index, short|long|exit|stop|unstop)."""
    state, out = "flat", []
    for i, v in enumerate(z):
        if v != v:
            continue
        if state == "flat":
            if ENTRY <= v < STOP:
                state = "short"
                out.append((i, "short"))
            elif -STOP < v <= -ENTRY:
                state = "long"
                out.append((i, "long"))
        elif (state == "short" and v >= STOP) or (state == "long" and v <= -STOP):
            state = "stopped"
            out.append((i, "stop"))
        elif (state == "short" and v <= EXIT) or (state == "long" and v >= -EXIT):
            state = "flat"
            out.append((i, "exit"))
        elif state == "stopped" and -EXIT <= v <= EXIT:
            state = "flat"
            out.append((i, "unstop"))
    return out


def expected_orders(events, ts, hedge_lots, qty_lots):
    """(ts, instrument, side, lots) of every order: an entry sends a then b; an exit or a
    stop reverses the open entry, a first."""
    out, held = [], None
    for i, what in events:
        if what in ("short", "long"):
            side = -1 if what == "short" else 1
            lots_b = hedge_lots(i)
            out += [(ts[i], ETH, side, qty_lots), (ts[i], BTC, -side, lots_b)]
            held = (side, lots_b)
        elif what in ("exit", "stop"):
            assert held is not None
            side, lots_b = held
            out += [(ts[i], ETH, -side, qty_lots), (ts[i], BTC, side, lots_b)]
            held = None
    return out


def pairs_plan(params: PairsParams, risk: RiskLimits | None = None):
    strategy = Strategy("pair", "pair", "pairs", (ETH, BTC), "sim", params)
    return make_plan(
        [strategy],
        instruments=[instrument(ETH), instrument(BTC)],
        feeds=[trade_feed("eth", ETH), trade_feed("btc", BTC)],
        venue=SimulatedVenueParams(latency_ns=LATENCY),
        risk=risk,
    )


def params(**overrides) -> PairsParams:
    base = dict(
        leg_a=ETH,
        leg_b=BTC,
        quantity=2.0,
        window=200,
        window_by_count=True,
        entry_z=ENTRY,
        exit_z=EXIT,
        stop_z=STOP,
        hedge_ratio=1.5,
    )
    base.update(overrides)
    return PairsParams(**base)


def sent(out) -> list[tuple[int, str, int, int]]:
    return [
        (r["ts_ns"], r["instrument"], r["side"], round(r["qty"] / LOT))
        for r in out.where("orders", status="new")
    ]


def assert_clear_of_thresholds(z: np.ndarray) -> None:
    """No z within rounding of a threshold, so the crossings cannot depend on the order in
    which the engine and numpy add floats."""
    zs = np.abs(z[~np.isnan(z)])
    assert min(np.min(np.abs(zs - t)) for t in (ENTRY, EXIT, STOP)) > 1e-7


BUMPS = [(300, 0.2, 4), (450, -0.35, 5), (650, 1.0, 12), (850, 0.25, 4)]


def test_fixed_hedge_ratio_entries_exits_and_stop():
    """β = 1.5, z over the last 200 samples, entry 2, exit 0.5, stop 3.5, quantity 2.

    The designed spread short-enters and exits on the first bump, goes long and exits on
    the second, short-enters and is stopped on the third, then spends samples with
    z in [2, 3.5) while stopped (no entry), comes back inside 0.5 and enters again on the
    fourth. Each entry sells (buys) 2 of a and buys (sells) round(1.5 × 2 / lot) of b at
    the crossing sample's time; exits and the stop reverse both legs at theirs."""
    n = 1000
    ta, a, tb, b = tape(n, designed_spread(n, BUMPS), 1.5)
    s = samples(ta, a, tb, b)
    ts = [t for t, _, _ in s]
    spreads = np.array([pa - 1.5 * pb for _, pa, pb in s])
    z = zscores_by_count(spreads, 200)
    assert_clear_of_thresholds(z)
    events = crossings(z)
    kinds = [what for _, what in events]
    assert kinds == ["short", "exit", "long", "exit", "short", "stop", "unstop", "short", "exit"]
    stop_at, unstop_at = events[5][0], events[6][0]
    assert sum(ENTRY <= v < STOP for v in z[stop_at + 1 : unstop_at]) >= 10  # would re-enter

    engine, out = run(
        pairs_plan(params()),
        "pair",
        [legs(ta, a, tb, b)],
    )
    expected = expected_orders(events, ts, lambda i: round(1.5 * 2 / LOT), 2000)
    assert sent(out) == expected
    assert len(expected) == 16

    # Market orders fill whole at the leg's first print at or after send + latency.
    times = {ETH: list(ta), BTC: list(tb)}
    prices = {ETH: list(a), BTC: list(b)}
    fills = [(f["ts_ns"], f["instrument"], f["price"]) for f in out.dicts("fills")]
    want = []
    for t, inst, _, _ in expected:
        k = bisect_left(times[inst], t + LATENCY)
        want.append((int(times[inst][k]), inst, prices[inst][k]))
    assert sorted(fills) == sorted(want)
    assert engine.ctx.position(0) == 0 and engine.ctx.position(1) == 0
    assert engine.strategy.z == pytest.approx(z[-1], abs=1e-9)


def test_same_orders_however_the_legs_are_batched():
    """The engine merges the legs by event time: small batches that straddle each other
    give the same orders as one batch per leg."""
    n = 1000
    ta, a, tb, b = tape(n, designed_spread(n, BUMPS), 1.5)
    eth, btc = legs(ta, a, tb, b)
    _, whole = run(pairs_plan(params()), "pair", [[eth, btc]])
    pieces_a, pieces_b = split(eth, 37), split(btc, 91)
    calls = [[*pieces_a[i : i + 2], *pieces_b[i // 2 : i // 2 + 1]] for i in range(0, 28, 2)]
    assert sum(len(p) for call in calls for p in call) == 2 * n
    _, chunked = run(pairs_plan(params()), "pair", calls)
    assert sent(chunked) == sent(whole) and len(sent(whole)) == 16


def rolling_betas(s, window_ns: int) -> np.ndarray:
    """OLS slope of a on b over the samples in (ts − window, ts], once the window has been
    covered since the first sample (NaN before)."""
    ts = np.array([t for t, _, _ in s])
    pa = np.array([x for _, x, _ in s])
    pb = np.array([y for _, _, y in s])
    betas = np.full(len(s), np.nan)
    for i in range(len(s)):
        if ts[i] - ts[0] < window_ns:
            continue
        lo = bisect_left(ts.tolist(), ts[i] - window_ns + 1)
        betas[i] = np.polyfit(pb[lo : i + 1], pa[lo : i + 1], 1)[0]
    return betas


def zscores_by_time(ts: np.ndarray, spreads: np.ndarray, window_ns: int) -> np.ndarray:
    z = np.full(len(spreads), np.nan)
    for i in range(len(spreads)):
        if ts[i] - ts[0] < window_ns:
            continue
        lo = bisect_left(ts.tolist(), ts[i] - window_ns + 1)
        window = spreads[lo : i + 1]
        std = window.std()
        z[i] = (spreads[i] - window.mean()) / std if std > 0 else 0.0
    return z


def test_rolling_ols_hedge_ratio_matches_polyfit():
    """β = OLS slope of a on b over the last 60 s of samples (polyfit on the same window),
    spread a − β·b with the β of each sample, z over the last 90 s of spreads; the true β
    drifts from 1.5 to 1.3, so the hedge sizes differ from trade to trade. Each entry
    hedges round(β × 2 / lot) lots of b, β being the one at the entry sample."""
    n = 1000
    beta = np.linspace(1.5, 1.3, n)
    bumps = [(300, 0.25, 4), (500, -0.3, 4), (700, 0.3, 4), (900, -0.3, 4)]
    ta, a, tb, b = tape(n, designed_spread(n, bumps), beta, b_drift=0.01)
    s = samples(ta, a, tb, b)
    betas = rolling_betas(s, 60 * SECOND)
    ready = ~np.isnan(betas)
    ts = np.array([t for t, _, _ in s])[ready]
    spreads = np.array([pa - bt * pb for (_, pa, pb), bt in zip(s, betas, strict=True)])[ready]
    z = zscores_by_time(ts, spreads, 90 * SECOND)
    assert_clear_of_thresholds(z)
    events = crossings(z)
    entries = [i for i, what in events if what in ("short", "long")]
    assert len(entries) >= 3
    hedge = betas[ready] * 2 / LOT
    assert all(abs(hedge[i] % 1 - 0.5) > 1e-6 for i in entries)  # no rounding tie

    plan = pairs_plan(
        params(
            window=90 * SECOND,
            window_by_count=False,
            hedge_ratio=None,
            ols_window=60 * SECOND,
            ols_by_count=False,
        )
    )
    engine, out = run(
        plan,
        "pair",
        [legs(ta, a, tb, b)],
    )
    expected = expected_orders(events, ts.tolist(), lambda i: round(hedge[i]), 2000)
    assert sent(out) == expected
    assert len({lots for _, inst, _, lots in expected if inst == BTC}) > 1
    assert engine.strategy.beta == pytest.approx(betas[-1], rel=1e-9)


def test_log_spread_hedges_beta_times_the_notional_of_leg_a():
    """spread: log — s = ln a − β ln b with β = 1, z over 200 samples; an entry hedges
    round(β × 2 × a / b / lot) of b, prices of the entry sample."""
    n = 1000
    ta, a, tb, b = tape(n, designed_spread(n, BUMPS), 1.5)
    s = samples(ta, a, tb, b)
    ts = [t for t, _, _ in s]
    spreads = np.array([math.log(pa) - math.log(pb) for _, pa, pb in s])
    z = zscores_by_count(spreads, 200)
    assert_clear_of_thresholds(z)
    events = crossings(z)
    assert sum(what in ("short", "long") for _, what in events) >= 2

    def hedge(i: int) -> int:
        return round(2 * s[i][1] / s[i][2] / LOT)

    _, out = run(
        pairs_plan(params(hedge_ratio=1.0, spread="log")),
        "pair",
        [legs(ta, a, tb, b)],
    )
    assert sent(out) == expected_orders(events, ts, hedge, 2000)


def test_refused_hedge_leg_unwinds_leg_a_and_stays_out():
    """max_position 1 on b: the first entry's b leg (3 lots of 1.0 = 3 > 1) is refused, so
    the a leg just sent is bought back at the same time, and the strategy waits for |z| to
    come back inside exit before the next entry (which is refused and unwound again)."""
    n = 1000
    ta, a, tb, b = tape(n, designed_spread(n, BUMPS), 1.5)
    s = samples(ta, a, tb, b)
    ts = [t for t, _, _ in s]
    z = zscores_by_count(np.array([pa - 1.5 * pb for _, pa, pb in s]), 200)
    first_entry = crossings(z)[0][0]
    _, out = run(
        pairs_plan(params(), RiskLimits(max_position=((BTC, 1.0),))),
        "pair",
        [legs(ta, a, tb, b)],
    )
    rows = out.dicts("orders")
    at = ts[first_entry]
    first = [(r["instrument"], r["side"], r["status"]) for r in rows if r["ts_ns"] == at]
    assert first == [(ETH, -1, "new"), (BTC, 1, "rejected"), (ETH, 1, "new")]
    assert out.rows["risk_events"]
    # Every refused entry is unwound: leg a ends flat and leg b was never traded.
    fills = out.dicts("fills")
    assert sum(f["side"] * f["qty"] for f in fills if f["instrument"] == ETH) == pytest.approx(0)
    assert not [f for f in fills if f["instrument"] == BTC]
