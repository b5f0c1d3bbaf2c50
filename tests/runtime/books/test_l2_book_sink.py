"""Book batches in the analytics path: the Arrow form the spool writes reads back as the same
batch, concat keeps per-row offsets, and a chDB store inserts them into market_book."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from orderloom.runtime.events import BookBatch
from orderloom.runtime.sinks.arrow import market_from_arrow, market_to_arrow
from orderloom.runtime.sinks.base import open_store
from orderloom.runtime.sinks.writer import concat_market


def batch(offset: int, n: int) -> BookBatch:
    k = np.arange(n)
    return BookBatch(
        "book", "BTC/USDT@sim", offset,
        (1000 + k).astype(np.int64), (10 + k).astype(np.int64), (k % 3).astype(np.int8),
        np.where(k % 2 == 0, 1, -1).astype(np.int8), 100.0 + k * 0.5, k * 0.25,
    )  # fmt: skip


def same(a: BookBatch, b: BookBatch) -> bool:
    return all(
        np.array_equal(getattr(a, name), getattr(b, name))
        for name in ("ts_ns", "seq", "action", "side", "price", "qty")
    ) and (a.feed, a.instrument, a.kind) == (b.feed, b.instrument, b.kind)


def test_arrow_round_trip() -> None:
    original = batch(7, 5)
    run_id, back = market_from_arrow(market_to_arrow("r", original))
    assert run_id == "r" and isinstance(back, BookBatch) and same(original, back)
    assert back.offsets is not None and back.offsets.tolist() == [7, 8, 9, 10, 11]


def test_concat_keeps_offsets() -> None:
    joined = concat_market([batch(0, 2), batch(5, 3)])
    assert isinstance(joined, BookBatch)
    assert joined.offsets is not None and joined.offsets.tolist() == [0, 1, 5, 6, 7]
    assert joined.seq.tolist() == [10, 11, 10, 11, 12]


def test_chdb_store_writes_market_book(tmp_path: Path) -> None:
    with open_store(f"chdb://{tmp_path / 'ch'}") as store:
        store.ensure_schema()
        store.insert_market("r", batch(3, 4))
        rows = store.query(
            "SELECT offset, seq, action, side, price, qty FROM market_book WHERE run_id = 'r' "
            "ORDER BY offset"
        ).rows
    assert [tuple(r) for r in rows] == [
        (3, 10, 0, 1, 100.0, 0.0), (4, 11, 1, -1, 100.5, 0.25),
        (5, 12, 2, 1, 101.0, 0.5), (6, 13, 0, -1, 101.5, 0.75),
    ]  # fmt: skip
