"""pipelines/vwap_execution.yaml backtests on the sample tape: its children follow the
volume profile learned from the half hour before, recomputed here from the CSV."""

from __future__ import annotations

import csv
import gzip
import math
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, cli

MINUTE = 60_000_000_000
MIDNIGHT = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z
LOT = 0.0001  # BTC/USDT@sim in pipelines/shared/sim.yaml


def learned_volumes() -> list[float]:
    """Volume of the tape in [00:00 + 5m·i, +5m), i = 0..5: the pipeline's profile."""
    volumes = [0.0] * 6
    with gzip.open(ROOT / "examples/data/btc_trades.csv.gz", "rt") as fh:
        for row in csv.DictReader(fh):
            bucket = (int(row["ts_ns"]) - MIDNIGHT) // (5 * MINUTE)
            if 0 <= bucket < 6:
                volumes[bucket] += float(row["qty"])
    return volumes


@pytest.mark.slow
def test_vwap_execution_follows_the_learned_profile(tmp_path: Path) -> None:
    """Buy 3 BTC (30_000 lots) from 00:30 in six 5-minute buckets. With every child filled
    before the next bucket (limits 10 bps through the last trade fill at once), bucket i
    sends floor(unsent · v_i / (v_i + … + v_5)) lots, v_i the volume of [00:00 + 5m·i, +5m),
    and the last one the rest."""
    sink = f"chdb://{tmp_path / 'ch'}"
    cli("deploy", str(ROOT / "pipelines/vwap_execution.yaml"), "--sink", sink, "--run-id", "v",
        "--no-progress")  # fmt: skip
    out = cli(
        "sql",
        "SELECT ts_ns, toFloat64(qty), (SELECT round(sum(toFloat64(qty)), 6) FROM fills "
        "WHERE run_id = 'v') FROM orders FINAL WHERE run_id = 'v' AND status = 'new' "
        "ORDER BY ts_ns",
        "--sink", sink, "--format", "csv",
    ).stdout  # fmt: skip
    rows = [line.split(",") for line in out.strip().splitlines()[1:]]

    volumes = learned_volumes()
    unsent, expected = 30_000, []
    for i in range(6):
        lots = unsent if i == 5 else math.floor(unsent * volumes[i] / sum(volumes[i:]))
        expected.append((MIDNIGHT + (30 + 5 * i) * MINUTE, lots))
        unsent -= lots
    assert [(int(ts), round(float(qty) / LOT)) for ts, qty, _ in rows] == expected
    assert {float(filled) for _, _, filled in rows} == {3.0}
