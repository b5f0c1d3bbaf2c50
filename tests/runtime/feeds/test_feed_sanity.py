"""Sanity stage: each bad record is dead-lettered once, with its feed offset, its timestamp
(0 when unreadable), the first reason it fails and its raw text; good rows keep their offsets."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from orderloom.runtime.events import DeadLetter
from orderloom.runtime.feeds import open_feed

T0 = 1_704_067_200_000_000_000


@pytest.mark.parametrize(
    ("row", "reason", "ts_ns"),
    [
        ("ts_ns=,price=1.0,qty=1", "ts_ns is missing", 0),
        ("ts_ns=yesterday,price=1.0,qty=1", "ts_ns is not a timestamp: 'yesterday'", 0),
        ("ts_ns=T,price=,qty=1", "price is missing", T0 + 2),
        ("ts_ns=T,price=abc,qty=1", "price is not a number: 'abc'", T0 + 2),
        ("ts_ns=T,price=1.0,qty=", "qty is missing", T0 + 2),
        ("ts_ns=T,price=1.0,qty=1x", "qty is not a number: '1x'", T0 + 2),
        ("ts_ns=T,price=nan,qty=1", "price is not finite: nan", T0 + 2),
        ("ts_ns=T,price=inf,qty=1", "price is not finite: inf", T0 + 2),
        ("ts_ns=T,price=-1.0,qty=1", "price is not positive: -1.0", T0 + 2),
        ("ts_ns=T,price=0,qty=1", "price is not positive: 0.0", T0 + 2),
        ("ts_ns=T,price=1.0,qty=0", "qty is not positive: 0.0", T0 + 2),
        ("ts_ns=T,price=1.0,qty=-inf", "qty is not finite: -inf", T0 + 2),
        ("ts_ns=T,price=1.0,qty=1,side=up", "side is not buy/sell: 'up'", T0 + 2),
        ("ts_ns=T,price=-5,qty=,side=up", "qty is missing", T0 + 2),  # first reason wins
    ],
)
def test_trade_dead_letters(kit: Any, row: str, reason: str, ts_ns: int) -> None:
    values = dict(pair.split("=", 1) for pair in row.replace("T,", f"{T0 + 2},", 1).split(","))
    values.setdefault("side", "buy")
    header = "ts_ns,price,qty,side"
    bad_line = ",".join(values[name] for name in header.split(","))
    path = kit.csv(f"{header}\n{T0},1,1,buy\n{T0 + 1},1,1,sell\n{bad_line}\n{T0 + 3},2,1,buy")
    reader = open_feed(kit.replay(path, batch_size=10))
    batches, dead = kit.read_all(reader)
    record = " ".join(f"{name}={values[name]}" for name in header.split(","))
    assert dead == [DeadLetter("tape", 2, ts_ns, reason, record)]
    (batch,) = batches
    assert batch.offset == 0
    assert batch.offsets is not None and batch.offsets.tolist() == [0, 1, 3]
    assert batch.ts_ns.tolist() == [T0, T0 + 1, T0 + 3]
    assert batch.price.tolist() == [1.0, 1.0, 2.0]
    assert reader.dead_letter_count == 1
    assert reader.offset == 4


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("0,1,101,1", "bid_price is not positive: 0.0"),
        ("100,1,-101,1", "ask_price is not positive: -101.0"),
        ("100,-1,101,1", "bid_qty is negative: -1.0"),
        ("100,1,101,-0.5", "ask_qty is negative: -0.5"),
        ("100,nan,101,1", "bid_qty is not finite: nan"),
        ("101.5,1,101,1", "crossed quote: bid 101.5 > ask 101.0"),
        ("100,1,,1", "ask_price is missing"),
    ],
)
def test_quote_dead_letters(kit: Any, row: str, reason: str) -> None:
    path = kit.csv(
        f"""
        ts_ns,bid_price,bid_qty,ask_price,ask_qty
        {T0},100,1,101,1
        {T0 + 1},{row}
        {T0 + 2},100,0,100,0
        """
    )
    batches, dead = kit.read_all(open_feed(kit.replay(path, schema="quotes")))
    assert [(d.offset, d.ts_ns, d.reason) for d in dead] == [(1, T0 + 1, reason)]
    assert dead[0].record.startswith(f"ts_ns={T0 + 1} bid_price=")
    # A locked book (bid == ask) and empty sizes are not errors.
    assert kit.row_offsets(batches) == [0, 2]


def test_time_going_backwards_across_a_batch_boundary(kit: Any) -> None:
    path = kit.csv(
        f"""
        ts_ns,price,qty
        {T0 + 10},1,1
        {T0 + 20},1,1
        {T0 + 15},1,1
        {T0 + 20},1,1
        {T0 + 30},1,1
        """
    )
    reader = open_feed(kit.replay(path, batch_size=2))
    first, dead = reader.next_batch()
    assert dead == [] and first is not None and first.ts_ns.tolist() == [T0 + 10, T0 + 20]
    second, dead = reader.next_batch()
    assert [(d.offset, d.ts_ns, d.reason) for d in dead] == [
        (2, T0 + 15, f"timestamp goes backwards: {T0 + 15} < {T0 + 20} (last accepted)")
    ]
    assert second is not None
    assert second.offset == 2 and second.offsets is not None
    assert second.offsets.tolist() == [3]  # equal timestamps are not backwards
    third, dead = reader.next_batch()
    assert third is not None and third.offsets is None and third.ts_ns.tolist() == [T0 + 30]
    with pytest.raises(StopIteration):
        reader.next_batch()


def test_a_rejected_record_does_not_become_the_reference(kit: Any) -> None:
    # 30 is accepted; 20 and 25 are behind it (25 is after the rejected 20, still behind 30);
    # a record that fails another check (price -1 at 50) does not move the clock either.
    times = [10, 30, 20, 25, 50, 40, 60]
    prices = [1, 1, 1, 1, -1, 1, 1]
    lines = "\n".join(f"{T0 + t},{p},1" for t, p in zip(times, prices, strict=True))
    path = kit.csv(f"ts_ns,price,qty\n{lines}")
    batches, dead = kit.read_all(open_feed(kit.replay(path)))
    assert [(d.offset, d.reason.split(":")[0]) for d in dead] == [
        (2, "timestamp goes backwards"),
        (3, "timestamp goes backwards"),
        (4, "price is not positive"),
    ]
    assert kit.row_offsets(batches) == [0, 1, 5, 6]
    assert kit.column(batches, "ts_ns").tolist() == [T0 + 10, T0 + 30, T0 + 40, T0 + 60]


def test_rows_with_the_wrong_number_of_fields_are_dead_lettered(kit: Any) -> None:
    path = kit.csv(
        f"""
        ts_ns,price,qty
        {T0},1,1
        {T0 + 1},2
        {T0 + 2},3,1
        {T0 + 3},4,1,extra
        """
    )
    reader = open_feed(kit.replay(path, batch_size=3))
    batches, dead = kit.read_all(reader)
    assert [(d.offset, d.ts_ns, d.reason, d.record) for d in dead] == [
        (1, 0, "malformed CSV row: expected 3 fields, got 2", f"{T0 + 1},2"),
        (3, 0, "malformed CSV row: expected 3 fields, got 4", f"{T0 + 3},4,1,extra"),
    ]
    assert [(b.offset, b.offsets.tolist()) for b in batches] == [(0, [0, 2])]
    assert kit.column(batches, "price").tolist() == [1.0, 3.0]
    assert reader.offset == 4 and reader.dead_letter_count == 2


def test_dead_letters_are_counted_across_batches(kit: Any) -> None:
    rows = [f"{T0 + i},{-1 if i % 3 == 0 else 1},1" for i in range(20)]
    path = kit.csv("ts_ns,price,qty\n" + "\n".join(rows))
    reader = open_feed(kit.replay(path, batch_size=4))
    batches, dead = kit.read_all(reader)
    assert [d.offset for d in dead] == list(range(0, 20, 3))
    assert reader.dead_letter_count == 7
    good = kit.row_offsets(batches)
    assert good == [i for i in range(20) if i % 3]
    assert np.all(kit.column(batches, "price") == 1.0)


def test_a_batch_of_only_bad_records_yields_no_market_batch(kit: Any) -> None:
    path = kit.csv(f"ts_ns,price,qty\n{T0},-1,1\n{T0},0,1\n{T0 + 1},1,1")
    reader = open_feed(kit.replay(path, batch_size=2))
    batch, dead = reader.next_batch()
    assert batch is None and [d.offset for d in dead] == [0, 1]
    batch, dead = reader.next_batch()
    assert batch is not None and batch.offset == 2 and batch.offsets is None and dead == []
