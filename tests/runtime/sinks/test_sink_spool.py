"""The spool: a worker process writes Arrow files, the store's process loads them in order and
deletes them; loading again (after a crash before the delete) adds no duplicates."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from orderloom.runtime.events import QuoteBatch, TradeBatch
from orderloom.runtime.sinks.base import AnalyticsStore
from orderloom.runtime.sinks.spool import SpoolLoader, SpoolWriter

WORKER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from orderloom.runtime.events import TradeBatch
    from orderloom.runtime.sinks.spool import SpoolWriter

    with SpoolWriter(sys.argv[1], "p1w0", flush_rows=1_000) as spool:
        for i in range(5_000):
            spool.put_rows("dead_letters", [("run-s", "w", i, i, "bad", "r" + str(i))])
        spool.put_market("run-s", TradeBatch(
            "w", "BTC/USDT", 0, np.arange(20_000, dtype=np.int64), np.full(20_000, 0.5),
            np.full(20_000, 2.0), np.ones(20_000, dtype=np.int8)))
    """
)


def test_worker_process_spool_is_loaded_in_full(store: AnalyticsStore, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    subprocess.run([sys.executable, "-c", WORKER, str(spool)], check=True, timeout=120)
    files = sorted(p.name for p in spool.iterdir())
    assert {name.split(".")[1] for name in files} == {"dead_letters", "market_trades"}
    assert all(not name.startswith(".") for name in files)  # no partial files left behind
    loaded = SpoolLoader(store, spool).load_ready()
    assert (loaded.files, loaded.rows) == (len(files), 25_000)
    assert list(spool.iterdir()) == []
    assert store.query(
        "SELECT count(), sum(offset), uniqExact(record) FROM dead_letters FINAL"
    ).rows == [(5_000, sum(range(5_000)), 5_000)]
    assert store.query(
        "SELECT count(), sum(price * qty), max(offset) FROM market_trades FINAL"
    ).rows == [(20_000, 20_000.0, 19_999)]


def test_loading_twice_adds_no_duplicates(
    store: AnalyticsStore, tmp_path: Path, sample_rows: dict[str, list[tuple[object, ...]]]
) -> None:
    spool, saved = tmp_path / "spool", tmp_path / "saved"
    with SpoolWriter(spool, durable=False) as writer:
        for name, rows in sample_rows.items():
            writer.put_rows(name, rows)
        writer.put_market("run-2", QuoteBatch(
            "q", "ETH/USDT", 3, np.arange(4, dtype=np.int64), np.ones(4), np.ones(4),
            np.full(4, 2.0), np.ones(4), offsets=np.array([3, 5, 8, 9], dtype=np.int64),
        ))  # fmt: skip
    shutil.copytree(spool, saved)
    SpoolLoader(store, spool).load_ready()
    for path in saved.iterdir():  # as if the loader crashed before deleting them
        shutil.copy(path, spool / path.name)
    again = SpoolLoader(store, spool).load_ready()
    assert again.files == len(list(saved.iterdir()))
    for name, rows in sample_rows.items():
        if name != "market_quotes":
            assert store.query(f"SELECT count() FROM {name} FINAL").rows == [(len(rows),)]
    assert store.query("SELECT count() FROM market_quotes FINAL").rows == [
        (len(sample_rows["market_quotes"]) + 4,)
    ]
    assert store.query(
        "SELECT offset FROM market_quotes FINAL WHERE feed = 'q' ORDER BY offset"
    ).rows == [(3,), (5,), (8,), (9,)]
    assert store.query("SELECT price, qty, fee FROM fills FINAL ORDER BY fill_id").rows[1] == (
        Decimal("12345678901234.123456789012"),
        Decimal("0.000000000001"),
        Decimal(0),
    )


def test_partial_files_are_left_alone(store: AnalyticsStore, tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    partial = spool / ".00000000000000000001-00000001-000000000.dead_letters.arrow.tmp"
    partial.write_bytes(b"half a file")
    assert SpoolLoader(store, spool).load_ready().files == 0
    assert partial.exists()
    with pytest.raises(ValueError, match="spool writer name"):
        SpoolWriter(spool, "p0/w0")
    assert SpoolLoader(store, tmp_path / "missing").load_ready().files == 0


def test_files_load_in_write_order(store: AnalyticsStore, tmp_path: Path) -> None:
    """Two versions of one order row (same key): FINAL keeps the one loaded last."""
    spool = tmp_path / "spool"
    row = ("run-o", "o-1", 0, 1, "s", "BTC/USDT", "v", 1, "limit", 1.0, 1.0, "new", 0.0, 0.0)
    with SpoolWriter(spool, durable=False, flush_rows=1) as writer:
        writer.put_rows("orders", [(*row, "first")])
        writer.flush()
        writer.put_rows("orders", [(*row, "second")])
    SpoolLoader(store, spool).load_ready()
    assert store.query("SELECT reason FROM orders FINAL").rows == [("second",)]


def test_trade_batches_round_trip_through_the_spool(store: AnalyticsStore, tmp_path: Path) -> None:
    batch = TradeBatch(
        "f", "BTC/USDT", 7, np.array([5, 6], dtype=np.int64), np.array([0.1, 0.2]),
        np.array([3.0, 4.0]), np.array([1, -1], dtype=np.int8),
    )  # fmt: skip
    with SpoolWriter(tmp_path / "s", durable=False) as writer:
        writer.put_market("run-t", batch)
    SpoolLoader(store, tmp_path / "s").load_ready()
    assert store.query("SELECT * FROM market_trades FINAL ORDER BY offset").rows == [
        ("run-t", "f", "BTC/USDT", 7, 5, 0.1, 3.0, 1),
        ("run-t", "f", "BTC/USDT", 8, 6, 0.2, 4.0, -1),
    ]
