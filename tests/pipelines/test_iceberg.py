"""pipelines/iceberg_execution.yaml backtests: 1 BTC bought 0.1 at a time, one child
visible at a time, every fill resting (maker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, cli


@pytest.mark.slow
def test_iceberg_execution_shows_one_small_child_at_a_time(tmp_path: Path) -> None:
    """10 children of 0.1 BTC; each is sent at the time the one before it filled (so at most
    one is visible); all fills are maker at the child's limit; the parent is complete."""
    sink = f"chdb://{tmp_path / 'ch'}"
    cli("deploy", str(ROOT / "pipelines/iceberg_execution.yaml"), "--sink", sink, "--run-id",
        "i", "--no-progress")  # fmt: skip
    out = cli(
        "sql",
        "SELECT order_id, toFloat64(qty), minIf(ts_ns, status = 'new'), "
        "maxIf(ts_ns, status = 'filled'), countIf(status = 'filled') FROM orders FINAL "
        "WHERE run_id = 'i' GROUP BY order_id, qty ORDER BY order_id "
        "UNION ALL SELECT 'fills', round(sum(toFloat64(qty)), 6), count(), "
        "countIf(liquidity = 'maker'), 0 FROM fills WHERE run_id = 'i'",
        "--sink", sink, "--format", "csv",
    ).stdout  # fmt: skip
    rows = [line.replace('"', "").split(",") for line in out.strip().splitlines()[1:]]
    fills = next(r for r in rows if r[0] == "fills")
    children = sorted((r for r in rows if r[0] != "fills"), key=lambda r: r[0])
    assert [float(qty) for _, qty, _, _, _ in children] == [0.1] * 10
    assert all(done == "1" for *_, done in children)  # every child filled
    sent = [int(new) for _, _, new, _, _ in children]
    filled_at = [int(at) for _, _, _, at, _ in children]
    assert sent[1:] == filled_at[:-1]
    assert float(fills[1]) == 1.0 and fills[2] == fills[3]  # 1 BTC, all maker
