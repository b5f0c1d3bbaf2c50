"""Replaying L2 book files (CSV, gzip CSV, Parquet) through the book sanity stage: snapshots
become SNAPSHOT + LEVEL rows held together across read batches, and sequence gaps, crossing
updates, crossed snapshots and malformed rows go to dead letters with their feed offsets."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderloom.dsl.errors import DataError
from orderloom.dsl.kinds.replay import ReplayParams
from orderloom.dsl.plan import Feed
from orderloom.runtime.books.l2 import L2Book
from orderloom.runtime.events import BOOK_DELTA, BOOK_LEVEL, BOOK_SNAPSHOT, BookBatch, DeadLetter
from orderloom.runtime.feeds.kinds import open_feed

ROOT = Path(__file__).resolve().parents[3]
HEADER = "ts_ns,seq,action,side,price,qty"

# offset: what the row is
LINES = [
    "1000,10,snapshot,bid,99,1",  # 0  snapshot seq 10
    "1000,10,snapshot,bid,98,2",  # 1
    "1000,10,snapshot,ask,101,4",  # 2
    "1000,10,snapshot,ask,102,5",  # 3
    "2000,11,delta,bid,99.5,3",  # 4  ok
    "3000,12,delta,ask,99.5,1",  # 5  locks the book: dropped
    "4000,13,delta,ask,101,0",  # 6  ok (seq continues past the dropped update)
    "5000,15,delta,bid,99.6,1",  # 7  gap: 14 missing
    "6000,16,delta,bid,99.7,1",  # 8  ignored: gapped
    "7000,20,snapshot,bid,97,1",  # 9  recovery snapshot seq 20
    "7000,20,snapshot,ask,103,2",  # 10
    "8000,21,delta,bid,98,x",  # 11 malformed qty -> the book is lost again
    "9000,22,delta,bid,98,1",  # 12 ignored: waiting for a snapshot
    "9500,30,snapshot,bid,100,1",  # 13 crossed snapshot seq 30
    "9500,30,snapshot,ask,100,1",  # 14
    "9600,31,delta,ask,100.5,1",  # 15 ignored: invalid
    "9700,40,s,b,96,1",  # 16 snapshot seq 40 (short spellings)
    "9800,40,s,a,104,1",  # 17  different ts: takes the snapshot's (9700)
    "9900,41,d,bid,96.5,2",  # 18 ok
    "500,42,d,bid,96.6,2",  # 19 time goes backwards
    "9950,42,delta,up,96.7,2",  # 20 bad side
    "9990,43,delta,bid,96.8,1",  # 21 ignored: 20 was lost
]
EXPECTED_DEAD = {5: "cross", 7: "sequence gap", 8: "waits for a snapshot", 11: "qty",
                 12: "waits", 13: "crossed snapshot", 14: "crossed snapshot", 15: "waits",
                 19: "backwards", 20: "side", 21: "waits"}  # fmt: skip
EXPECTED_GOOD = [0, 1, 2, 3, 4, 6, 9, 10, 16, 17, 18]


def feed(path: Path, fmt: str, batch_size: int = 3) -> Feed:
    return Feed("book", "replay", "BTC/USDT@sim", "book", ReplayParams(str(path), fmt, (), "ns",
                batch_size))  # fmt: skip


def read_all(f: Feed) -> tuple[list[BookBatch], list[DeadLetter]]:
    batches: list[BookBatch] = []
    dead: list[DeadLetter] = []
    with open_feed(f) as reader:
        for batch, letters in reader:
            if batch is not None:
                assert isinstance(batch, BookBatch)
                batches.append(batch)
            dead += letters
    return batches, dead


def write_csv(tmp_path: Path, lines: list[str], gz: bool = False) -> Path:
    text = "\n".join([HEADER, *lines]) + "\n"
    if gz:
        path = tmp_path / "book.csv.gz"
        with gzip.open(path, "wt") as fh:
            fh.write(text)
        return path
    path = tmp_path / "book.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize("batch_size", [1, 3, 5, 100])
def test_rows_split_into_good_and_dead_by_offset(tmp_path: Path, batch_size: int) -> None:
    batches, dead = read_all(feed(write_csv(tmp_path, LINES), "csv", batch_size))
    offsets = np.concatenate([b.offsets for b in batches]).tolist()
    assert offsets == EXPECTED_GOOD
    assert sorted(d.offset for d in dead) == sorted(EXPECTED_DEAD)
    for letter in dead:
        assert EXPECTED_DEAD[letter.offset] in letter.reason, letter
        assert letter.record.startswith("ts_ns=")
    gap = next(d for d in dead if d.offset == 7)
    assert gap.reason == "sequence gap: expected seq 14, got 15" and gap.ts_ns == 5000
    for batch in batches:  # never ends inside a snapshot
        assert (
            batch.action[-1] == BOOK_DELTA
            or batch is batches[-1]
            or (batches[batches.index(batch) + 1].action[0] != BOOK_LEVEL)
        )
    action = np.concatenate([b.action for b in batches]).tolist()
    assert action == [BOOK_SNAPSHOT, BOOK_LEVEL, BOOK_LEVEL, BOOK_LEVEL, BOOK_DELTA, BOOK_DELTA,
                      BOOK_SNAPSHOT, BOOK_LEVEL, BOOK_SNAPSHOT, BOOK_LEVEL, BOOK_DELTA]  # fmt: skip
    ts = np.concatenate([b.ts_ns for b in batches]).tolist()
    assert ts[8:10] == [9700, 9700]  # a snapshot's rows share its first timestamp


def test_output_rebuilds_the_book_a_dict_model_gives(tmp_path: Path) -> None:
    batches, _ = read_all(feed(write_csv(tmp_path, LINES, gz=True), "csv.gz", 4))
    book = L2Book()
    for b in batches:
        for action, seq, side, price, qty in zip(
            b.action.tolist(),
            b.seq.tolist(),
            b.side.tolist(),
            b.price.tolist(),
            b.qty.tolist(),
            strict=True,
        ):
            if action == BOOK_SNAPSHOT:
                book.begin_snapshot(seq)
            if action == BOOK_DELTA:
                book.update(side, price, qty)
            else:
                book.set_level(side, price, qty)
    assert book.levels(1) == [(96.5, 2.0), (96.0, 1.0)] and book.levels(-1) == [(104.0, 1.0)]


def test_parquet_with_integer_sides_and_renamed_columns(tmp_path: Path) -> None:
    table = pa.table({
        "time": pa.array([1, 1, 2, 3], pa.int64()),
        "u": pa.array([5, 5, 6, 8], pa.int64()),
        "type": ["snapshot", "snapshot", "delta", "delta"],
        "side": pa.array([1, -1, 1, -1], pa.int8()),
        "price": [10.0, 11.0, 10.5, 11.5],
        "size": [1.0, 2.0, 3.0, 4.0],
    })  # fmt: skip
    path = tmp_path / "b.parquet"
    pq.write_table(table, path)
    columns = (("ts_ns", "time"), ("seq", "u"), ("action", "type"), ("qty", "size"))
    f = Feed("book", "replay", "X/Y@sim", "book", ReplayParams(str(path), "parquet", columns, "ns"))
    batches, dead = read_all(f)
    assert np.concatenate([b.offsets for b in batches]).tolist() == [0, 1, 2]
    assert [d.offset for d in dead] == [3] and "expected seq 7" in dead[0].reason


def test_missing_column_names_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("ts_ns,sequence,action,side,price,qty\n1,1,snapshot,bid,1,1\n")
    with pytest.raises(DataError, match=r"columns: \{seq: sequence\}"):
        open_feed(feed(path, "csv"))


def test_wrong_field_count_loses_the_book(tmp_path: Path) -> None:
    lines = ["1,1,snapshot,bid,9,1", "1,1,snapshot,ask,11,1", "2,2,delta,bid,9,2",
             "3,3,delta,bid", "4,4,delta,bid,9,5"]  # fmt: skip
    batches, dead = read_all(feed(write_csv(tmp_path, lines), "csv", 10))
    assert np.concatenate([b.offsets for b in batches]).tolist() == [0, 1, 2]
    assert [d.offset for d in dead] == [3, 4] and "unreadable record at offset 3" in dead[1].reason


def test_sample_file_replays_clean() -> None:
    path = ROOT / "examples/data/btc_book.csv.gz"
    batches, dead = read_all(feed(path, "csv.gz", 1000))
    assert dead == [] and sum(len(b) for b in batches) > 10_000
    assert sum(int((b.action == BOOK_SNAPSHOT).sum()) for b in batches) == 5  # one a minute


# --- properties ---------------------------------------------------------------------------

row_kinds = st.one_of(
    st.tuples(st.just("snapshot"), st.lists(st.tuples(st.sampled_from(["bid", "ask"]),
              st.integers(1, 12), st.sampled_from([1, 2, 3])), min_size=1, max_size=5)),
    st.tuples(st.just("delta"), st.tuples(st.sampled_from(["bid", "ask"]), st.integers(1, 12),
              st.sampled_from([0, 1, 4]), st.sampled_from([1, 1, 1, 1, 2, 0]))),
)  # fmt: skip


def reference(events: list) -> tuple[list[str], list[int], dict]:  # type: ignore[type-arg]
    """Lines of a file for `events` and, by the documented rules, the offsets that must come
    out and the book they must build: snapshots replace (refused whole when crossed); a
    delta needs seq + 1 and a valid book; a crossing delta is dropped."""
    lines: list[str] = []
    good: list[int] = []
    book: dict[tuple[str, int], int] = {}
    accepted: dict[tuple[str, int], int] = {}  # the book after the last row that came out
    valid, seq, ts = False, 0, 0

    def crossed(levels: dict[tuple[str, int], int]) -> bool:
        bids = [p for s, p in levels if s == "bid"]
        asks = [p for s, p in levels if s == "ask"]
        return bool(bids and asks) and max(bids) >= min(asks)

    for kind, body in events:
        ts += 1
        if kind == "snapshot":
            seq += 5
            first = len(lines)
            levels: dict[tuple[str, int], int] = {}
            for side, price, qty in body:
                lines.append(f"{ts},{seq},snapshot,{side},{price},{qty}")
                levels[(side, price)] = qty
            valid = not crossed(levels)
            book = levels
            if valid:
                good += range(first, len(lines))
                accepted = dict(book)
            continue
        side, price, qty, step = body
        seq += step
        lines.append(f"{ts},{seq},delta,{side},{price},{qty}")
        if not valid or step != 1:
            valid = False
            continue
        trial = dict(book)
        if qty:
            trial[(side, price)] = qty
        else:
            trial.pop((side, price), None)
        if not crossed(trial):
            book = accepted = trial
            good.append(len(lines) - 1)
    return lines, good, accepted


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(row_kinds, min_size=1, max_size=25), st.integers(1, 7))
def test_random_streams_follow_the_rules_whatever_the_batch_size(
    tmp_path: Path,
    events: list,
    batch_size: int,  # type: ignore[type-arg]
) -> None:
    lines, good, want = reference(events)
    path = tmp_path / f"r{batch_size}.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    batches, dead = read_all(feed(path, "csv", batch_size))
    out = np.concatenate([b.offsets for b in batches]).tolist() if batches else []
    assert out == good
    assert sorted(d.offset for d in dead) == sorted(set(range(len(lines))) - set(good))
    book = L2Book()
    for b in batches:
        for action, seq, side, price, qty in zip(b.action.tolist(), b.seq.tolist(),
                                                 b.side.tolist(), b.price.tolist(),
                                                 b.qty.tolist(), strict=True):  # fmt: skip
            if action == BOOK_SNAPSHOT:
                book.begin_snapshot(seq)
            if action == BOOK_DELTA:
                book.update(side, price, qty)
            else:
                book.set_level(side, price, qty)
    got = {("bid", int(p)): int(q) for p, q in book.levels(1)}
    got |= {("ask", int(p)): int(q) for p, q in book.levels(-1)}
    assert got == want
