"""pipelines/pairs_trading.yaml backtests, and its orders are the ones an independent replay
of the pairs rules gives on the trades the run recorded: the two feeds merged by time, the
rolling OLS hedge ratio and the z-score computed here with windowed prefix sums (not the
strategy's incremental windows), entries, exits and stops by the documented thresholds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.integration.conftest import ROOT, cli

ETH, BTC = "ETH/USDT@sim", "BTC/USDT@sim"
MINUTE = 60_000_000_000
# The pipeline's parameters.
OLS_NS, Z_NS, ENTRY, EXIT, STOP, QTY, BTC_LOT = 60 * MINUTE, 20 * MINUTE, 2.0, 0.5, 3.5, 2, 1e-4


def _rows(sink: str, sql: str) -> list[list[str]]:
    out = cli("sql", sql, "--sink", sink, "--format", "csv").stdout
    return [line.replace('"', "").split(",") for line in out.strip().splitlines()[1:]]


def window_sums(ts: np.ndarray, values: list[np.ndarray], window_ns: int):
    """Per sample i: the count and the sums of each value over the samples with
    ts > ts[i] − window (ts sorted), from prefix sums of centred values."""
    lo = np.searchsorted(ts, ts - window_ns, side="right")
    hi = np.arange(1, len(ts) + 1)
    sums = []
    for v in values:
        prefix = np.concatenate([[0.0], np.cumsum(v)])
        sums.append(prefix[hi] - prefix[lo])
    return hi - lo, sums


def replay(ts: np.ndarray, a: np.ndarray, b: np.ndarray):
    """(ts, z, β, ready) per sample, where the spread series starts once the OLS window is
    covered, and z once the z window is covered since that start."""
    x, y = b - b.mean(), a - a.mean()
    n, (sx, sy, sxx, sxy) = window_sums(ts, [x, y, x * x, x * y], OLS_NS)
    with np.errstate(invalid="ignore", divide="ignore"):  # one-sample windows: not ready
        beta = (sxy / n - sx * sy / n**2) / (sxx / n - (sx / n) ** 2)
    ready = ts - ts[0] >= OLS_NS
    ts, a, b, beta = ts[ready], a[ready], b[ready], beta[ready]
    spread = a - beta * b
    d = spread - spread.mean()
    m, (s1, s2) = window_sums(ts, [d, d * d], Z_NS)
    mean = s1 / m
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (d - mean) / np.sqrt(s2 / m - mean**2)
    z[ts - ts[0] < Z_NS] = np.nan
    return ts, z, beta


def expected_orders(ts, z, beta) -> list[tuple[int, str, int, float]]:
    out, state, held = [], "flat", None
    for i, v in enumerate(z):
        if v != v:
            continue
        action = None
        if state == "flat" and ENTRY <= abs(v) < STOP:
            side = -1 if v > 0 else 1
            lots = round(beta[i] * QTY / BTC_LOT)
            held, state = (side, lots), ("short" if side < 0 else "long")
            out += [(ts[i], ETH, side, QTY), (ts[i], BTC, -side * np.sign(lots), abs(lots))]
        elif state in ("short", "long"):
            side = -1 if state == "short" else 1
            if -side * v >= STOP:
                action, state = "close", "stopped"
            elif -side * v <= EXIT:
                action, state = "close", "flat"
        elif state == "stopped" and abs(v) <= EXIT:
            state = "flat"
        if action == "close":
            assert held is not None
            side, lots = held
            out += [(ts[i], ETH, -side, QTY), (ts[i], BTC, side * np.sign(lots), abs(lots))]
    return [
        (int(t), inst, int(s), round(q * (1 if inst == ETH else BTC_LOT), 4))
        for t, inst, s, q in out
    ]


@pytest.mark.slow
def test_pairs_trading_orders_match_an_independent_replay(tmp_path: Path) -> None:
    sink = f"chdb://{tmp_path / 'ch'}"
    cli("deploy", str(ROOT / "pipelines/pairs_trading.yaml"), "--sink", sink, "--run-id",
        "pairs", "--no-progress")  # fmt: skip
    tape = _rows(
        sink,
        "SELECT feed, ts_ns, price FROM market_trades WHERE run_id = 'pairs' ORDER BY ts_ns",
    )
    # Leg b prints on whole seconds and leg a half a second later: no two events share a time.
    ts_all = np.array([int(t) for _, t, _ in tape])
    assert len(np.unique(ts_all)) == len(ts_all)
    latest = {"eth": np.nan, "btc": np.nan}
    rows = []
    for feed, t, p in tape:
        latest[feed] = float(p)
        if latest["eth"] == latest["eth"] and latest["btc"] == latest["btc"]:
            rows.append((int(t), latest["eth"], latest["btc"]))
    ts, a, b = (np.array(c) for c in zip(*rows, strict=True))
    ts, z, beta = replay(ts, a, b)
    known = ~np.isnan(z)
    assert np.min(np.abs(np.abs(z[known])[:, None] - [ENTRY, EXIT, STOP])) > 1e-6

    orders = _rows(
        sink,
        "SELECT ts_ns, instrument, side, qty FROM orders WHERE run_id = 'pairs' AND seq = 1 "
        "ORDER BY order_id",
    )
    got = [(int(t), inst, int(side), round(float(q), 4)) for t, inst, side, q in orders]
    want = expected_orders(ts, z, beta)
    assert len(want) >= 20
    assert got == want
    statuses = _rows(sink, "SELECT DISTINCT status FROM orders WHERE run_id = 'pairs'")
    assert sorted(s for (s,) in statuses) == ["accepted", "filled", "new"]  # none refused
