"""pipelines/fixed_spread_mm.yaml backtests on the sample tape with the default `trades` fill
model: it trades both ways, the running position summed here from the fills never passes
max_inventory (0.03 BTC) but does reach it within one quote, and a quote is sent only on a
minority of prints (the 3 bps requote threshold)."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, cli

MAX_INVENTORY = 0.03
QUANTITY = 0.01


@pytest.mark.slow
def test_inventory_stays_within_max_inventory(tmp_path: Path) -> None:
    sink = f"chdb://{tmp_path / 'ch'}"
    cli("deploy", str(ROOT / "pipelines/fixed_spread_mm.yaml"), "--sink", sink, "--run-id", "f",
        "--no-progress")  # fmt: skip
    out = cli(
        "sql",
        "SELECT ts_ns, side, toFloat64(qty) FROM fills WHERE run_id = 'f' ORDER BY ts_ns, fill_id",
        "--sink", sink, "--format", "csv",
    ).stdout  # fmt: skip
    fills = [line.split(",") for line in out.strip().splitlines()[1:]]
    position, highest, lowest = 0.0, 0.0, 0.0
    for _, side, qty in fills:
        position += int(side) * float(qty)
        highest, lowest = max(highest, position), min(lowest, position)
    assert len(fills) > 100 and {int(side) for _, side, _ in fills} == {1, -1}
    assert highest <= MAX_INVENTORY + 1e-9 and lowest >= -MAX_INVENTORY - 1e-9
    assert max(highest, -lowest) > MAX_INVENTORY - QUANTITY  # the limit binds
    with gzip.open(ROOT / "examples/data/btc_trades.csv.gz", "rt") as fh:
        prints = sum(1 for _ in csv.DictReader(fh))
    new = cli(
        "sql", "SELECT uniqExact(order_id) FROM orders WHERE run_id = 'f'", "--sink", sink,
        "--format", "csv",
    ).stdout  # fmt: skip
    assert int(new.strip().splitlines()[1]) < prints / 2
