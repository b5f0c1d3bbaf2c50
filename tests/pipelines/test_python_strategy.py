"""examples/python_strategy.yaml backtests the example user strategy
(examples/strategies/mean_reversion.py, imported by `orderloom deploy` from the pipeline's
folder), and its orders are the ones an independent numpy replay of its rules gives on the
trades the run recorded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.integration.conftest import ROOT, cli

WINDOW, BAND, SIZE, COOLDOWN_NS = 200, 2.0, 0.01, 30_000_000_000  # the pipeline's params


def _rows(sink: str, sql: str) -> list[list[str]]:
    out = cli("sql", sql, "--sink", sink, "--format", "csv").stdout
    return [line.replace('"', "").split(",") for line in out.strip().splitlines()[1:]]


def expected_orders(ts: np.ndarray, price: np.ndarray) -> list[tuple[int, int]]:
    """(ts, side) of every order, by the rules in the strategy's docstring: bands from the
    mean and population std of the last WINDOW prices (current included); an entry when
    flat and not cooling down; a close at the mean; no entry for COOLDOWN_NS after a close
    (the timer fires before an event at exactly its time)."""
    windows = np.lib.stride_tricks.sliding_window_view(price, WINDOW)
    mean, std = windows.mean(axis=1), windows.std(axis=1)
    out, target, cool_until = [], 0, -1
    for i in range(WINDOW - 1, len(price)):
        m, s, p, t = mean[i - WINDOW + 1], std[i - WINDOW + 1], price[i], int(ts[i])
        if target == 0:
            if t < cool_until:
                continue
            if p < m - BAND * s:
                target = 1
                out.append((t, 1))
            elif p > m + BAND * s:
                target = -1
                out.append((t, -1))
        elif (target > 0 and p >= m) or (target < 0 and p <= m):
            out.append((t, -target))
            target, cool_until = 0, t + COOLDOWN_NS
    return out


@pytest.mark.slow
def test_example_user_strategy_orders_match_an_independent_replay(tmp_path: Path) -> None:
    sink = f"chdb://{tmp_path / 'ch'}"
    cli("deploy", str(ROOT / "examples/python_strategy.yaml"), "--sink", sink, "--run-id",
        "py", "--no-progress")  # fmt: skip
    tape = _rows(sink, "SELECT ts_ns, price FROM market_trades WHERE run_id = 'py' ORDER BY offset")
    ts = np.array([int(t) for t, _ in tape])
    price = np.array([float(p) for _, p in tape])
    orders = _rows(
        sink,
        "SELECT ts_ns, side, qty, order_type FROM orders WHERE run_id = 'py' AND seq = 1 "
        "ORDER BY order_id",
    )
    got = [(int(t), int(side)) for t, side, _, _ in orders]
    want = expected_orders(ts, price)
    assert len(want) > 20
    assert got == want
    assert {(float(q), kind) for _, _, q, kind in orders} == {(SIZE, "market")}
    statuses = _rows(sink, "SELECT DISTINCT status FROM orders WHERE run_id = 'py'")
    assert sorted(s for (s,) in statuses) == ["accepted", "filled", "new"]  # none refused
