"""examples/l2_imbalance.yaml (a `schema: book` replay feed and a signal on imbalance and
microprice) deploys into chDB: every book row lands in market_book, and the orders are
exactly the events where the target flips, found here by replaying the CSV into a plain
dict book and evaluating the target's definition by hand."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, cli

DATA = ROOT / "examples/data/btc_book.csv.gz"


def expected_orders() -> list[tuple[int, int, float]]:
    """(ts_ns, side, touch price taken) each time the target (0.01 long when the top 3
    levels' imbalance > 0.4 and microprice > mid, else flat) changes."""
    bids: dict[float, float] = {}
    asks: dict[float, float] = {}
    with gzip.open(DATA, "rt") as fh:
        rows = list(csv.DictReader(fh))
    out: list[tuple[int, int, float]] = []
    target = 0
    for k, row in enumerate(rows):
        side, price, qty = row["side"], float(row["price"]), float(row["qty"])
        levels = bids if side == "bid" else asks
        if row["action"] == "snapshot":
            if k == 0 or rows[k - 1]["action"] != "snapshot" or rows[k - 1]["seq"] != row["seq"]:
                bids.clear()
                asks.clear()
            levels[price] = qty
            nxt = rows[k + 1] if k + 1 < len(rows) else None
            if nxt is not None and nxt["action"] == "snapshot" and nxt["seq"] == row["seq"]:
                continue  # the snapshot is one event, after its last level
        elif qty == 0:
            levels.pop(price, None)
        else:
            levels[price] = qty
        top_bids = sorted(bids, reverse=True)[:3]
        top_asks = sorted(asks)[:3]
        b = sum(bids[p] for p in top_bids)
        a = sum(asks[p] for p in top_asks)
        bid, ask = top_bids[0], top_asks[0]
        bq, aq = bids[bid], asks[ask]
        micro = (bid * aq + ask * bq) / (bq + aq)
        want = 1 if (b - a) / (b + a) > 0.4 and micro > (bid + ask) * 0.5 else 0
        if want != target:
            out.append((int(row["ts_ns"]), 1 if want > target else -1, ask if want else bid))
            target = want
    return out


@pytest.mark.slow
def test_book_pipeline_backtests_into_chdb(tmp_path: Path) -> None:
    sink = f"chdb://{tmp_path / 'ch'}"
    cli("deploy", str(ROOT / "examples/l2_imbalance.yaml"), "--sink", sink, "--run-id", "b",
        "--no-progress")  # fmt: skip

    def sql(query: str) -> list[list[str]]:
        text = cli("sql", query, "--sink", sink, "--format", "csv").stdout
        return [line.split(",") for line in text.strip().splitlines()[1:]]

    with gzip.open(DATA, "rt") as fh:
        lines = sum(1 for _ in fh) - 1
    assert sql("SELECT count(), uniqExact(offset) FROM market_book WHERE run_id = 'b'") == [
        [str(lines), str(lines)]
    ]
    assert sql("SELECT count() FROM dead_letters WHERE run_id = 'b'") == [["0"]]
    fills = sql(
        "SELECT ts_ns, side, toFloat64(price), toFloat64(qty) FROM fills WHERE run_id = 'b' "
        "ORDER BY ts_ns, fill_id"
    )
    want = expected_orders()
    assert len(want) > 50
    assert [(int(t), int(s), float(p)) for t, s, p, _ in fills] == want
    assert {float(q) for *_, q in fills} == {0.01}
