"""pipelines/pov_execution.yaml backtests on the sample tape: it finishes exactly when 2% of
the volume printed since 00:05, computed here from the CSV, reaches the 3 BTC parent."""

from __future__ import annotations

import csv
import gzip
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, cli

START = 1_704_067_500_000_000_000  # 2024-01-01T00:05:00Z
END = START + 40 * 60_000_000_000
LOT = Decimal("0.0001")


@pytest.mark.slow
def test_pov_execution_completes_when_its_share_reaches_the_parent(tmp_path: Path) -> None:
    """The target after each print is floor(2% × volume since 00:05) in lots, capped at the
    parent; the last child goes out at the first print where that target reaches 30_000
    lots (every earlier child is a market order that fills at the next print, so the
    shortfall there is positive). Children are 0.002 to 0.05 BTC (but the
    parent's last remainder) and all 3 BTC are bought."""
    target_print = None
    volume = Decimal(0)
    with gzip.open(ROOT / "examples/data/btc_trades.csv.gz", "rt") as fh:
        for row in csv.DictReader(fh):
            ts = int(row["ts_ns"])
            if START <= ts < END:
                volume += Decimal(row["qty"])
                if (volume * Decimal("0.02") / LOT).to_integral_value(ROUND_FLOOR) >= 30_000:
                    target_print = ts
                    break
    assert target_print is not None  # the window prints enough volume

    sink = f"chdb://{tmp_path / 'ch'}"
    cli("deploy", str(ROOT / "pipelines/pov_execution.yaml"), "--sink", sink, "--run-id", "p",
        "--no-progress")  # fmt: skip
    out = cli(
        "sql",
        "SELECT min(ts_ns), max(ts_ns), max(toFloat64(qty)), countIf(qty < 0.002), "
        "(SELECT round(sum(toFloat64(qty)), 6) FROM fills WHERE run_id = 'p') "
        "FROM orders FINAL WHERE run_id = 'p' AND status = 'new'",
        "--sink", sink, "--format", "csv",
    ).stdout  # fmt: skip
    first, last, largest, small, filled = out.strip().splitlines()[1].split(",")
    assert int(first) >= START and int(last) == target_print
    assert float(largest) <= 0.05 and int(small) <= 1  # only the last may be < min_order
    assert float(filled) == 3.0
