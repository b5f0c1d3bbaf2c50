"""Resuming a feed from an offset gives exactly the records from that offset on: the same
values, the same offsets, the same dead letters, for CSV, gzip CSV, Parquet and synthetic."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from orderloom.dsl.plan import Feed
from orderloom.runtime.feeds import open_feed

T0 = 1_704_067_200_000_000_000
N = 1_000
BATCH = 64


def records(feed: Feed, start: int, kit: Any) -> list[tuple[int, str]]:
    """Every record from `start` as (offset, text of its values or its dead-letter reason)."""
    batches, dead = kit.read_all(open_feed(feed, start))
    out = [
        (offset, f"{ts} {price!r}")
        for batch in batches
        for offset, ts, price in zip(
            kit.row_offsets([batch]), batch.ts_ns.tolist(), batch.price.tolist(), strict=True
        )
    ]
    out.extend((d.offset, d.reason) for d in dead)
    return sorted(out)


def tape_table() -> pa.Table:
    rng = np.random.default_rng(11)
    ts = T0 + np.cumsum(rng.integers(1, 1_000, N))
    price = np.round(100 + rng.random(N), 3)
    price[::97] = -1.0  # some dead letters along the way
    return pa.table({"ts_ns": ts, "price": price, "qty": np.ones(N), "side": ["buy"] * N})


@pytest.fixture(params=["csv", "csv.gz", "parquet"])
def tape_feed(request: pytest.FixtureRequest, kit: Any) -> Feed:
    table = tape_table()
    if request.param == "parquet":
        path = kit.folder / "tape.parquet"
        pq.write_table(table, path, row_group_size=300)
    else:
        path = kit.folder / "tape.csv"
        pcsv.write_csv(table, path)
        if request.param == "csv.gz":
            path = kit.csv(path.read_text(), "tape.csv.gz")
    return kit.replay(path, format=request.param, batch_size=BATCH)


@pytest.mark.parametrize("start", [0, 1, BATCH - 1, BATCH, BATCH + 1, 299, 300, 301, 777, N - 1])
def test_replay_resume_gives_exactly_the_remaining_records(
    tape_feed: Feed, kit: Any, start: int
) -> None:
    full = records(tape_feed, 0, kit)
    assert [offset for offset, _ in full] == list(range(N))
    assert records(tape_feed, start, kit) == [r for r in full if r[0] >= start]


def test_resume_offset_moves_batch_by_batch(tape_feed: Feed) -> None:
    reader = open_feed(tape_feed, 100)
    assert reader.offset == 100
    batch, _ = reader.next_batch()
    assert batch is not None and batch.offset == 100
    assert reader.offset == 100 + BATCH


def test_resume_past_the_end_is_empty(tape_feed: Feed) -> None:
    reader = open_feed(tape_feed, N + 5)
    with pytest.raises(StopIteration):
        reader.next_batch()


def test_malformed_rows_keep_their_record_numbers_across_csv_blocks(kit: Any) -> None:
    # ~3.5 MB of CSV: several 1 MB parse blocks (read ahead of the batches returned), with
    # malformed rows in each; every record keeps its number, on a full read and on resume.
    n = 120_000
    malformed = list(range(500, n, 7_919))
    lines = [f"{T0 + i},{i + 1}" if i in malformed else f"{T0 + i},{i + 1},1,buy" for i in range(n)]
    path = kit.csv("ts_ns,price,qty,side\n" + "\n".join(lines))
    feed = kit.replay(path, batch_size=5_000)
    for start in (0, malformed[0], malformed[0] + 1, 40_000, 40_001, n - 1):
        batches, dead = kit.read_all(open_feed(feed, start))
        good = [i for i in range(start, n) if i not in malformed]
        assert kit.row_offsets(batches) == good
        assert kit.column(batches, "price").tolist() == [i + 1 for i in good]  # i + 1 at i
        assert [d.offset for d in dead] == [i for i in malformed if i >= start]
        assert all(d.record == f"{T0 + d.offset},{d.offset + 1}" for d in dead)


@pytest.mark.parametrize("schema", ["trades", "quotes"])
@pytest.mark.parametrize("start", [0, 1, 999, 1_000, 1_001, 2_499, 2_500])
def test_synthetic_resume_gives_exactly_the_remaining_records(
    kit: Any, schema: str, start: int
) -> None:
    feed = kit.synthetic(schema)
    full, _ = kit.read_all(open_feed(feed))
    rest, _ = kit.read_all(open_feed(feed, start))
    names = ["ts_ns", "price", "qty", "side"] if schema == "trades" else ["ts_ns", "bid_price"]
    if start >= 2_500:
        assert rest == []
        return
    assert rest[0].offset == start
    assert kit.row_offsets(rest) == list(range(start, 2_500))
    for name in names:
        np.testing.assert_array_equal(kit.column(rest, name), kit.column(full, name)[start:])
