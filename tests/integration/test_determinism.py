"""Determinism: the same pipeline and data give identical analytics rows for one worker,
two worker threads, and two bytewax processes on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.conftest import ANALYTICS, cli, table_csv

pytestmark = pytest.mark.slow

PIPELINE = """\
orderloom: 1
name: determinism
description: Three instruments, one signal strategy each, synthetic seeded markets.
instruments:
  AAA/USD@sim: {tick_size: 0.01, lot_size: 0.001}
  BBB/USD@sim: {tick_size: 0.01, lot_size: 0.001}
  CCC/USD@sim: {tick_size: 0.01, lot_size: 0.001}
venues:
  sim: {kind: simulated, latency: 5ms, fees: {maker: 1bps, taker: 5bps}}
feeds:
  a: {kind: synthetic, model: gbm, instrument: AAA/USD@sim, seed: 1, s0: 100, mu: 0, sigma: 0.8,
      dt: 10ms, start: 2024-01-01T00:00:00Z, count: 30000, schema: trades}
  b: {kind: synthetic, model: gbm, instrument: BBB/USD@sim, seed: 2, s0: 50, mu: 0, sigma: 0.8,
      dt: 10ms, start: 2024-01-01T00:00:00Z, count: 30000, schema: trades}
  c: {kind: synthetic, model: gbm, instrument: CCC/USD@sim, seed: 3, s0: 20, mu: 0, sigma: 0.8,
      dt: 10ms, start: 2024-01-01T00:00:00Z, count: 30000, schema: trades}
strategies:
  trend:
    kind: signal
    for_each: {instrument: [AAA/USD@sim, BBB/USD@sim, CCC/USD@sim]}
    instrument: ${each.instrument}
    target: "if ema(last, 10) > ema(last, 50) then 0.5 else -0.5"
risk:
  max_position: {AAA/USD@sim: 5, BBB/USD@sim: 5, CCC/USD@sim: 5}
routing:
  default: sim
sinks:
  analytics: {kind: clickhouse}
"""


def test_rows_identical_for_workers_and_processes(tmp_path: Path) -> None:
    pipeline = tmp_path / "determinism.yaml"
    pipeline.write_text(PIPELINE)
    sink = f"chdb://{tmp_path / 'ch'}"
    runs = {"w1": ["--workers", "1"], "w2": ["--workers", "2"], "p2": ["--processes", "2"]}
    for run_id, flags in runs.items():
        cli("deploy", str(pipeline), "--sink", sink, "--run-id", run_id, "--no-progress", *flags)
    for table in (*ANALYTICS, "market_trades"):
        base = table_csv(sink, table, "w1")
        if table in ("orders", "fills", "positions", "pnl", "market_trades"):
            assert base, f"{table} is empty: the scenario does not exercise it"
        for run_id in ("w2", "p2"):
            assert table_csv(sink, table, run_id) == base, f"{table} differs in run {run_id}"
