"""The reference pipelines under pipelines/ compile, and backtest to the numbers their
descriptions promise."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderloom.dsl.compiler import compile_file
from tests.integration.conftest import ROOT, cli

# `*_test.yaml` files beside the pipelines are pipeline tests (`orderloom test`), not pipelines.
PIPELINES = sorted(
    p for p in (ROOT / "pipelines").glob("*.yaml") if not p.name.endswith("_test.yaml")
)


def test_there_are_reference_pipelines() -> None:
    assert {p.name for p in PIPELINES} >= {"twap_execution.yaml", "trend_following.yaml"}


@pytest.mark.parametrize("path", PIPELINES, ids=[p.name for p in PIPELINES])
def test_compiles(path: Path) -> None:
    plan = compile_file(path, env={})
    assert plan.strategies and plan.feeds


def _csv(sink: str, sql: str) -> list[str]:
    out = cli("sql", sql, "--sink", sink, "--format", "csv").stdout
    return [line.replace('"', "") for line in out.strip().splitlines()[1:]]


@pytest.mark.slow
def test_twap_execution_sells_the_whole_parent(tmp_path: Path) -> None:
    sink = f"chdb://{tmp_path / 'ch'}"
    cli("deploy", str(ROOT / "pipelines/twap_execution.yaml"), "--sink", sink, "--run-id", "t",
        "--no-progress")  # fmt: skip
    rows = _csv(
        sink,
        "SELECT uniqExact(order_id), round(sum(toFloat64(qty)), 6), min(side), max(side) "
        "FROM fills WHERE run_id = 't'",
    )
    assert rows == ["30,20.0,-1,-1"]  # 30 slices, 20 ETH sold, sells only


@pytest.mark.slow
def test_trend_following_runs_one_instance_per_instrument(tmp_path: Path) -> None:
    sink = f"chdb://{tmp_path / 'ch'}"
    cli("deploy", str(ROOT / "pipelines/trend_following.yaml"), "--sink", sink, "--run-id",
        "tf", "--no-progress")  # fmt: skip
    rows = _csv(
        sink,
        "SELECT strategy, instrument, max(abs(toFloat64(position))) FROM positions "
        "WHERE run_id = 'tf' GROUP BY strategy, instrument ORDER BY strategy",
    )
    # Each instance trades only its own instrument and holds at most SIZE (0.05) either way.
    assert rows == [
        "trend[BTC/USDT@sim],BTC/USDT@sim,0.05",
        "trend[ETH/USDT@sim],ETH/USDT@sim,0.05",
    ]
