"""BatchWriter: coalesces small puts into large inserts, blocks producers when its buffer is
full (nothing dropped), and raises a writer-thread failure in the producer."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import numpy as np
import pytest

from orderloom.dsl.errors import SinkError
from orderloom.runtime.events import MarketBatch, TradeBatch
from orderloom.runtime.sinks.base import AnalyticsStore
from orderloom.runtime.sinks.writer import BatchWriter


class GatedStore:
    """A real store behind a gate: inserts wait until the gate opens; calls are recorded."""

    def __init__(self, inner: AnalyticsStore, open_gate: bool = True) -> None:
        self.inner = inner
        self.gate = threading.Event()
        if open_gate:
            self.gate.set()
        self.row_inserts: list[tuple[str, int]] = []
        self.market_inserts: list[int] = []

    def insert_rows(self, table: str, rows: Sequence[tuple[object, ...]]) -> None:
        self.gate.wait()
        self.inner.insert_rows(table, rows)
        self.row_inserts.append((table, len(rows)))

    def insert_market(self, run_id: str, batch: MarketBatch) -> None:
        self.gate.wait()
        self.inner.insert_market(run_id, batch)
        self.market_inserts.append(len(batch))


def dead_letters(start: int, n: int) -> list[tuple[object, ...]]:
    return [("run-w", "feed", i, i, "bad", f"record {i}") for i in range(start, start + n)]


def count(store: AnalyticsStore, table: str) -> int:
    return int(str(store.query(f"SELECT count() FROM {table} FINAL").rows[0][0]))


def wait_until(condition: object, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.01)
    return False


def test_small_puts_coalesce_into_one_insert(store: AnalyticsStore) -> None:
    gated = GatedStore(store)
    writer = BatchWriter(gated, flush_rows=1_000, flush_interval_ms=60_000)
    for i in range(50):
        writer.put_rows("dead_letters", dead_letters(2 * i, 2))
    for i in range(5):
        writer.put_market("run-w", TradeBatch(
            "f", "BTC/USDT", 10 * i, np.arange(3, dtype=np.int64) + 10 * i, np.ones(3),
            np.ones(3), np.ones(3, dtype=np.int8),
        ))  # fmt: skip
    writer.flush()
    assert gated.row_inserts == [("dead_letters", 100)]
    assert gated.market_inserts == [15]
    assert count(store, "dead_letters") == 100
    offsets = store.query("SELECT offset FROM market_trades FINAL ORDER BY offset").rows
    assert [o for (o,) in offsets] == [10 * i + k for i in range(5) for k in range(3)]
    writer.close()


def test_old_rows_are_written_without_a_flush(store: AnalyticsStore) -> None:
    writer = BatchWriter(store, flush_rows=1_000_000, flush_interval_ms=50)
    writer.put_rows("dead_letters", dead_letters(0, 1))
    assert wait_until(lambda: writer.rows_written == 1)
    assert count(store, "dead_letters") == 1
    writer.close()


def test_full_buffer_blocks_the_producer_and_drops_nothing(store: AnalyticsStore) -> None:
    """Bound 100 rows, puts of 10: with the store stalled, the producer must stop after at
    most 100 accepted rows, then finish once the store moves again."""
    gated = GatedStore(store, open_gate=False)
    writer = BatchWriter(gated, max_pending_rows=100, flush_rows=10, flush_interval_ms=0)
    put_done = []

    def produce() -> None:
        for i in range(50):
            writer.put_rows("dead_letters", dead_letters(10 * i, 10))
            put_done.append(i)

    producer = threading.Thread(target=produce)
    producer.start()
    assert wait_until(lambda: writer.pending_rows == 100)
    time.sleep(0.3)
    assert producer.is_alive()  # blocked in put: back-pressure
    assert len(put_done) == 10 and writer.pending_rows == 100
    gated.gate.set()
    producer.join(timeout=20)
    assert not producer.is_alive()
    writer.close()
    assert sum(n for _, n in gated.row_inserts) == 500
    assert count(store, "dead_letters") == 500


def test_writer_failure_is_raised_in_the_producer(store: AnalyticsStore) -> None:
    writer = BatchWriter(store, flush_rows=1, flush_interval_ms=0)
    bad = [("run-w", "f-1", "o-1", 1, "s", "BTC/USDT", "v", 1, 1.0, 1.0, 0.0, "USDT", "sideways")]
    writer.put_rows("fills", bad)
    with pytest.raises(SinkError, match="sideways"):
        writer.flush()
    with pytest.raises(SinkError, match="sideways"):
        writer.put_rows("dead_letters", dead_letters(0, 1))
    with pytest.raises(SinkError, match="sideways"):
        writer.close()


def test_failure_wakes_a_blocked_producer(store: AnalyticsStore) -> None:
    class Failing(GatedStore):
        def insert_rows(self, table: str, rows: Sequence[tuple[object, ...]]) -> None:
            self.gate.wait()
            raise SinkError("test://", "Code: 210. connection refused")

    failing = Failing(store, open_gate=False)
    writer = BatchWriter(failing, max_pending_rows=10, flush_rows=10, flush_interval_ms=0)
    writer.put_rows("dead_letters", dead_letters(0, 10))
    raised: list[BaseException] = []

    def produce() -> None:
        try:
            writer.put_rows("dead_letters", dead_letters(10, 10))  # blocks: buffer is full
        except SinkError as exc:
            raised.append(exc)

    producer = threading.Thread(target=produce)
    producer.start()
    time.sleep(0.1)
    assert producer.is_alive()
    failing.gate.set()
    producer.join(timeout=5)
    assert [str(e) for e in raised] == ["test://: Code: 210. connection refused"]
    with pytest.raises(SinkError):
        writer.close()


def test_put_after_close_is_refused(store: AnalyticsStore) -> None:
    writer = BatchWriter(store)
    writer.put_rows("dead_letters", dead_letters(0, 3))
    writer.close()
    assert count(store, "dead_letters") == 3
    with pytest.raises(RuntimeError, match="closed"):
        writer.put_rows("dead_letters", dead_letters(3, 1))
