"""pipelines/bar_breakout.yaml deployed to chDB: the `bars` table holds the bars of the trades
in `market_trades` (recomputed here in plain python), identical for one worker, two workers
and two processes; the `bar_*` expressions agree with that table at every trade; and the
strategy's orders are exactly the target changes the table implies."""

from __future__ import annotations

import math

import pytest

from orderloom.dsl.errors import Span
from orderloom.dsl.expr import ExprCompiler, Scope, check, parse, to_json
from tests.integration.conftest import ROOT, cli

pytestmark = pytest.mark.slow

BTC = "BTC/USDT@sim"
SECOND = 1_000_000_000
BAR_COLUMNS = "interval_s, start_ns, end_ns, open, high, low, close, volume, vwap, trades"


def query(sink: str, sql: str) -> list[list[str]]:
    out = cli("sql", sql, "--sink", sink, "--format", "csv").stdout
    return [line.replace('"', "").split(",") for line in out.strip().splitlines()[1:]]


def bars_of(sink: str, run_id: str) -> list[tuple]:
    rows = query(
        sink,
        f"SELECT {BAR_COLUMNS}, first_offset, last_offset FROM bars FINAL "
        f"WHERE run_id = '{run_id}' AND instrument = '{BTC}' ORDER BY interval_s, start_ns",
    )
    return [
        (int(r[0]), int(r[1]), int(r[2]), *map(float, r[3:9]), int(r[9]), int(r[10]), int(r[11]))
        for r in rows
    ]


def by_hand(trades: list[tuple[int, int, float, float]], interval_s: int) -> list[tuple]:
    interval = interval_s * SECOND
    out: dict[int, list] = {}
    for offset, ts, price, qty in trades:
        start = ts // interval * interval
        b = out.setdefault(start, [price, price, price, price, 0.0, 0.0, 0, offset, offset])
        b[1], b[2], b[3] = max(b[1], price), min(b[2], price), price
        b[4] += qty
        b[5] += price * qty
        b[6] += 1
        b[8] = offset
    return [
        (interval_s, s, s + interval, b[0], b[1], b[2], b[3], b[4], b[5] / b[4], b[6], b[7], b[8])
        for s, b in sorted(out.items())
    ]


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> str:
    sink = f"chdb://{tmp_path_factory.mktemp('bars') / 'ch'}"
    pipeline = str(ROOT / "pipelines/bar_breakout.yaml")
    runs = {"w1": ["--workers", "1"], "w2": ["--workers", "2"], "p2": ["--processes", "2"]}
    for run_id, flags in runs.items():
        cli("deploy", pipeline, "--sink", sink, "--run-id", run_id, "--no-progress", *flags)
    return sink


@pytest.fixture(scope="module")
def trades(deployed: str) -> list[tuple[int, int, float, float]]:
    rows = query(
        deployed,
        "SELECT offset, ts_ns, price, qty FROM market_trades FINAL WHERE run_id = 'w1' "
        "ORDER BY offset",
    )
    return [(int(r[0]), int(r[1]), float(r[2]), float(r[3])) for r in rows]


def test_bars_table_holds_the_bars_of_the_trades(deployed: str, trades: list) -> None:
    got = bars_of(deployed, "w1")
    want = by_hand(trades, 60) + by_hand(trades, 300)
    assert len(trades) == 20_000 and len(got) == len(want) == 84 + 17
    for g, w in zip(got, want, strict=True):
        assert g[:7] + g[9:] == w[:7] + w[9:]  # windows, open/high/low/close, counts, offsets
        assert g[7] == pytest.approx(w[7], rel=1e-12) and g[8] == pytest.approx(w[8], rel=1e-12)
    assert got[83][9] == 20_000 - 83 * 240  # the last, partial minute closed at the end


def test_bars_identical_for_workers_and_processes(deployed: str) -> None:
    base = bars_of(deployed, "w1")
    assert bars_of(deployed, "w2") == base
    assert bars_of(deployed, "p2") == base


def _values(trades: list, texts: list[str]) -> list[list[float]]:
    """The engine's per-trade protocol over the replayed trades."""
    compiler = ExprCompiler([BTC])
    scope = Scope(frozenset({BTC}), BTC)
    fns = [
        compiler.compile(
            to_json(check(parse(t, lambda a, b: Span("x", 1, a + 1, 1, b + 1)), scope))
        ).fn
        for t in texts
    ]
    state = compiler.new_state()
    updates = compiler.indicators_for(0)
    out = []
    for _offset, ts, price, qty in trades:
        state.ts_ns, state.last[0], state.last_qty[0] = ts, price, qty
        state.trades[0] += 1
        for indicator in updates:
            indicator.update(state)
        out.append([fn(state) for fn in fns])
    return out


def _last_completed(bars: list[tuple], ts: int) -> tuple | None:
    done = [b for b in bars if b[2] <= ts]
    return done[-1] if done else None


@pytest.mark.parametrize("interval_s", [60, 300])
def test_bar_expressions_agree_with_the_bars_table(
    deployed: str, trades: list, interval_s: int
) -> None:
    bars = [b for b in bars_of(deployed, "w1") if b[0] == interval_s]
    label = f"{interval_s // 60}m"
    names = ["open", "high", "low", "close", "volume", "vwap", "trades"]
    values = _values(trades, [f"bar_{n}({BTC}, {label})" for n in names])
    for (_, ts, _, _), got in zip(trades, values, strict=True):
        bar = _last_completed(bars, ts)
        if bar is None:
            assert all(math.isnan(v) for v in got)
            continue
        assert got[:4] == list(bar[3:7])
        assert got[4] == pytest.approx(bar[7], rel=1e-12)
        assert got[5] == pytest.approx(bar[8], rel=1e-12)
        assert got[6] == bar[9]


def test_orders_are_the_target_changes_the_bars_imply(deployed: str, trades: list) -> None:
    """target = 0.05 above the last 1m bar's high, -0.05 below its low, else 0; the signal
    strategy starts once a bar has closed and orders on every change of target."""
    bars = [b for b in bars_of(deployed, "w1") if b[0] == 60]
    expected, target = [], 0.0
    for _, ts, price, _ in trades:
        bar = _last_completed(bars, ts)
        if bar is None:
            continue
        new = 0.05 if price > bar[4] else -0.05 if price < bar[5] else 0.0
        if new != target:
            expected.append((ts, 1 if new > target else -1))
            target = new
    orders = query(
        deployed,
        "SELECT ts_ns, side FROM orders FINAL WHERE run_id = 'w1' AND status = 'new' "
        "ORDER BY ts_ns, order_id",
    )
    assert [(int(ts), int(side)) for ts, side in orders] == expected
    assert len(expected) > 100
