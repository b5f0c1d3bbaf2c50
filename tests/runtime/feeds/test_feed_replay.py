"""Replay reader: CSV, gzip CSV and Parquet round trips, `columns:` mapping, side spellings and
every timestamp encoding, read back in batches of `batch_size` records."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orderloom.runtime.events import QuoteBatch, TradeBatch
from orderloom.runtime.feeds import open_feed

T0 = 1_704_067_200_000_000_000  # 2024-01-01T00:00:00Z in ns

TRADES_CSV = f"""
    ts_ns,price,qty,side
    {T0},42000.5,0.25,buy
    {T0 + 1},42001.0,1.5,sell
    {T0 + 1},41999.75,0.001,buy
    {T0 + 5_000},42010.0,3,sell
    {T0 + 9_999_999},42000.0,0.5,buy
"""
EXPECTED_TS = [T0, T0 + 1, T0 + 1, T0 + 5_000, T0 + 9_999_999]
EXPECTED_PRICE = [42000.5, 42001.0, 41999.75, 42010.0, 42000.0]
EXPECTED_QTY = [0.25, 1.5, 0.001, 3.0, 0.5]
EXPECTED_SIDE = [1, -1, 1, -1, 1]


@pytest.mark.parametrize("name", ["tape.csv", "tape.csv.gz"])
def test_csv_round_trip_in_batches(kit: Any, name: str) -> None:
    path = kit.csv(TRADES_CSV, name)
    fmt = "csv.gz" if name.endswith(".gz") else "csv"
    reader = open_feed(kit.replay(path, format=fmt, batch_size=2))
    assert reader.total_hint is None
    batches, dead = kit.read_all(reader)
    assert dead == []
    assert [(b.offset, len(b)) for b in batches] == [(0, 2), (2, 2), (4, 1)]
    assert all(isinstance(b, TradeBatch) and b.offsets is None for b in batches)
    assert all(b.feed == "tape" and b.instrument == "BTC/USDT@sim" for b in batches)
    assert kit.column(batches, "ts_ns").tolist() == EXPECTED_TS
    assert kit.column(batches, "price").tolist() == EXPECTED_PRICE
    assert kit.column(batches, "qty").tolist() == EXPECTED_QTY
    assert kit.column(batches, "side").tolist() == EXPECTED_SIDE
    assert kit.column(batches, "ts_ns").dtype == np.int64
    assert kit.column(batches, "side").dtype == np.int8
    assert reader.offset == 5


def test_gzip_is_recognised_by_its_bytes_not_its_format(kit: Any) -> None:
    path = kit.csv(TRADES_CSV, "tape.csv.gz")
    batches, _ = kit.read_all(open_feed(kit.replay(path, format="csv")))
    assert kit.column(batches, "price").tolist() == EXPECTED_PRICE


def test_parquet_round_trip_with_row_groups(kit: Any) -> None:
    n = 2_345
    rng = np.random.default_rng(3)
    ts = T0 + np.cumsum(rng.integers(0, 1_000_000, n))
    price = np.round(100 + rng.random(n), 2)
    qty = rng.exponential(1.0, n) + 0.01
    side = np.where(rng.random(n) < 0.5, "B", "S")
    table = pa.table({"ts_ns": ts, "price": price, "qty": qty, "side": side})
    path = kit.folder / "tape.parquet"
    pq.write_table(table, path, row_group_size=500)
    reader = open_feed(kit.replay(path, batch_size=300))
    assert reader.total_hint == n
    batches, dead = kit.read_all(reader)
    assert dead == []
    assert [len(b) for b in batches] == [300] * 7 + [245]  # batches cross row groups
    assert [b.offset for b in batches] == list(range(0, n, 300))
    np.testing.assert_array_equal(kit.column(batches, "ts_ns"), ts)
    np.testing.assert_array_equal(kit.column(batches, "price"), price)
    np.testing.assert_array_equal(kit.column(batches, "qty"), qty)
    np.testing.assert_array_equal(kit.column(batches, "side"), np.where(side == "B", 1, -1))


def test_parquet_typed_timestamps_and_integer_sides(kit: Any) -> None:
    table = pa.table(
        {
            "time": pa.array([T0 // 1000, T0 // 1000 + 7], pa.timestamp("us", tz="UTC")),
            "price": pa.array([10, 11], pa.int32()),
            "qty": pa.array([1.0, 2.0], pa.float32()),
            "side": pa.array([-1, 1], pa.int8()),
        }
    )
    path = kit.folder / "typed.parquet"
    pq.write_table(table, path)
    feed = kit.replay(path, columns=(("ts_ns", "time"),), ts_unit="ms")  # unit: from the type
    batches, dead = kit.read_all(open_feed(feed))
    assert dead == []
    assert kit.column(batches, "ts_ns").tolist() == [T0, T0 + 7_000]
    assert kit.column(batches, "price").tolist() == [10.0, 11.0]
    assert kit.column(batches, "side").tolist() == [-1, 1]


def test_quotes_round_trip(kit: Any) -> None:
    path = kit.csv(
        f"""
        ts_ns,bid_price,bid_qty,ask_price,ask_qty
        {T0},99.5,2,100.5,3
        {T0 + 10},99.75,0,100.25,1.25
        """
    )
    batches, dead = kit.read_all(open_feed(kit.replay(path, schema="quotes")))
    assert dead == []
    (batch,) = batches
    assert isinstance(batch, QuoteBatch)
    assert batch.ts_ns.tolist() == [T0, T0 + 10]
    assert batch.bid_price.tolist() == [99.5, 99.75]
    assert batch.bid_qty.tolist() == [2.0, 0.0]  # an empty side of the book is a quote
    assert batch.ask_price.tolist() == [100.5, 100.25]
    assert batch.ask_qty.tolist() == [3.0, 1.25]


@pytest.mark.parametrize(
    ("header", "columns"),
    [
        ("ts_ns,bid,bid_qty,ask,ask_qty", ()),  # the short names the pipeline docs use
        ("ts_ns,b,bid_qty,a,ask_qty", (("bid", "b"), ("ask", "a"))),
        ("ts_ns,b,bid_qty,a,ask_qty", (("bid_price", "b"), ("ask_price", "a"))),
    ],
)
def test_quote_price_column_spellings(kit: Any, header: str, columns: tuple[Any, ...]) -> None:
    path = kit.csv(f"{header}\n{T0},99.5,2,100.5,3")
    batches, dead = kit.read_all(open_feed(kit.replay(path, schema="quotes", columns=columns)))
    assert dead == []
    assert (batches[0].bid_price.tolist(), batches[0].ask_price.tolist()) == ([99.5], [100.5])


def test_columns_mapping_renames_file_columns(kit: Any) -> None:
    path = kit.csv(
        """
        timestamp,px,size,extra,aggressor
        1704067200000,42000.5,0.25,x,B
        1704067200001,42001.0,1.5,y,S
        """
    )
    feed = kit.replay(
        path,
        columns=(("ts_ns", "timestamp"), ("price", "px"), ("qty", "size"), ("side", "aggressor")),
    )
    batches, dead = kit.read_all(open_feed(feed))
    assert dead == []
    assert kit.column(batches, "ts_ns").tolist() == [T0, T0 + 1_000_000]  # ms, inferred
    assert kit.column(batches, "price").tolist() == [42000.5, 42001.0]
    assert kit.column(batches, "qty").tolist() == [0.25, 1.5]
    assert kit.column(batches, "side").tolist() == [1, -1]


@pytest.mark.parametrize(
    ("spelling", "side"),
    [
        ("buy", 1),
        ("sell", -1),
        ("b", 1),
        ("s", -1),
        ("B", 1),
        ("S", -1),
        ("BUY", 1),
        ("SELL", -1),
        ("Buy", 1),
        ("1", 1),
        ("-1", -1),
        ("", 0),
    ],
)
def test_side_spellings(kit: Any, spelling: str, side: int) -> None:
    path = kit.csv(f"ts_ns,price,qty,side\n{T0},1.0,1.0,{spelling}")
    batches, dead = kit.read_all(open_feed(kit.replay(path)))
    assert dead == []
    assert batches[0].side.tolist() == [side]


def test_missing_side_column_means_unknown_aggressor(kit: Any) -> None:
    path = kit.csv(f"ts_ns,price,qty\n{T0},1.0,1.0\n{T0 + 1},2.0,1.0")
    batches, _ = kit.read_all(open_feed(kit.replay(path)))
    assert batches[0].side.tolist() == [0, 0]
    assert batches[0].side.dtype == np.int8


@pytest.mark.parametrize(
    ("unit", "values", "expected"),
    [
        ("ns", ["1704067200123456789"], [1_704_067_200_123_456_789]),
        ("us", ["1704067200123456"], [1_704_067_200_123_456_000]),
        ("ms", ["1704067200123"], [1_704_067_200_123_000_000]),
        ("s", ["1704067200"], [T0]),
        ("s", ["1704067200.25"], [T0 + 250_000_000]),  # decimal epoch seconds
        ("auto", ["1704067200123456789"], [1_704_067_200_123_456_789]),
        ("auto", ["1704067200123456"], [1_704_067_200_123_456_000]),
        ("auto", ["1704067200123"], [1_704_067_200_123_000_000]),
        ("auto", ["1704067200", "1704067201"], [T0, T0 + 1_000_000_000]),
        ("iso", ["2024-01-01T00:00:00.123Z"], [T0 + 123_000_000]),
        ("iso", ["2024-01-01T01:00:00+01:00"], [T0]),
        ("iso", ["2024-01-01 00:00:00.000000001"], [T0 + 1]),  # no zone: already UTC
        (
            "auto",
            ["2024-01-01T00:00:00.123Z", "2024-01-01T00:00:01Z"],
            [T0 + 123_000_000, T0 + 10**9],
        ),
        ("auto", ["2024-01-01T00:00:00Z", "2024-01-01T00:00:00.5"], [T0, T0 + 500_000_000]),
    ],
)
def test_timestamp_units(kit: Any, unit: str, values: list[str], expected: list[int]) -> None:
    rows = "\n".join(f"{value},1.0,1.0,buy" for value in values)
    path = kit.csv(f"ts_ns,price,qty,side\n{rows}")
    batches, dead = kit.read_all(open_feed(kit.replay(path, ts_unit=unit)))
    assert dead == []
    assert kit.column(batches, "ts_ns").tolist() == expected


@pytest.mark.parametrize(("unit", "scale"), [("s", 10**9), ("ms", 10**6), ("us", 10**3), ("ns", 1)])
def test_auto_unit_on_integer_parquet_columns(kit: Any, unit: str, scale: int) -> None:
    seconds = np.array([1_704_067_200, 1_704_067_260], dtype=np.int64)
    path = kit.folder / f"{unit}.parquet"
    table = pa.table({"ts_ns": seconds * (10**9 // scale), "price": [1.0, 2.0], "qty": [1, 1]})
    pq.write_table(table, path)
    batches, _ = kit.read_all(open_feed(kit.replay(path)))
    assert kit.column(batches, "ts_ns").tolist() == (seconds * 10**9).tolist()


def test_auto_unit_is_inferred_once_per_feed(kit: Any) -> None:
    # The first readable value (row 1) says seconds; a millisecond value later is not
    # re-inferred: as seconds it overflows int64 nanoseconds and is dead-lettered.
    path = kit.csv("ts_ns,price,qty\n,1,1\n1704067200,1,1\n1704067200123,1,1\n1704067201,1,1")
    batches, dead = kit.read_all(open_feed(kit.replay(path, batch_size=1)))
    assert [(d.offset, d.reason) for d in dead] == [
        (0, "ts_ns is missing"),
        (2, "ts_ns is not a timestamp: '1704067200123'"),
    ]
    assert kit.column(batches, "ts_ns").tolist() == [T0, T0 + 1_000_000_000]


@pytest.mark.parametrize(
    ("unit", "text", "expected"),
    [
        ("s", "1704067200.123456789", T0 + 123_456_789),
        ("s", "1704067200.5", T0 + 500_000_000),
        ("s", "1704067200.", T0),
        ("ms", "1704067200000.25", T0 + 250_000),
        ("us", "1704067200000000.9", T0 + 900),
        ("ns", "1704067200000000000.7", T0),  # below a nanosecond: dropped
        ("s", "1.7040672e9", T0),  # exponent form: through float64
    ],
)
def test_decimal_epochs_are_exact(kit: Any, unit: str, text: str, expected: int) -> None:
    path = kit.csv(f"ts_ns,price,qty\n{text},1,1")
    batches, dead = kit.read_all(open_feed(kit.replay(path, ts_unit=unit)))
    assert dead == []
    assert batches[0].ts_ns.tolist() == [expected]


def test_values_padded_with_spaces(kit: Any) -> None:
    path = kit.csv(f"ts_ns,price,qty,side\n{T0}, 42000.5 ,1, sell\n{T0 + 1},1, 2,buy")
    batches, dead = kit.read_all(open_feed(kit.replay(path)))
    assert dead == []
    assert kit.column(batches, "price").tolist() == [42000.5, 1.0]
    assert kit.column(batches, "qty").tolist() == [1.0, 2.0]
    assert kit.column(batches, "side").tolist() == [-1, 1]


def test_iso_timestamps_padded_with_spaces(kit: Any) -> None:
    path = kit.csv("ts_ns,price,qty\n2024-01-01T00:00:01Z ,1,1\n2024-01-01T00:00:02+00:00,1,1")
    batches, dead = kit.read_all(open_feed(kit.replay(path, ts_unit="iso")))
    assert dead == []
    assert kit.column(batches, "ts_ns").tolist() == [T0 + 10**9, T0 + 2 * 10**9]
