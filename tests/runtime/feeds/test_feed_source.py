"""The bytewax source: one partition per feed, one item per read batch ("market" and "dead"),
every record exactly once through a real dataflow, offsets as resume state."""

from __future__ import annotations

from typing import Any

import bytewax.operators as op
import pytest
from bytewax.dataflow import Dataflow
from bytewax.testing import TestingSink, run_main

from orderloom.runtime.events import DeadLetter, TradeBatch
from orderloom.runtime.feeds.source import FeedSource

T0 = 1_704_067_200_000_000_000


def tape_with_bad_rows(kit: Any) -> Any:
    # 50 trades; every 7th has a negative price, record 30 goes back in time.
    rows = []
    for i in range(50):
        ts = T0 + (i - 5 if i == 30 else i) * 1_000
        rows.append(f"{ts},{-1 if i % 7 == 3 else 100 + i},1,buy")
    path = kit.csv("ts_ns,price,qty,side\n" + "\n".join(rows))
    return kit.replay(path, name="tape", batch_size=8)


def test_every_record_exactly_once_through_a_dataflow(kit: Any) -> None:
    feeds = [tape_with_bad_rows(kit), kit.synthetic(name="gbm", count=1_234, batch_size=500)]
    progress: list[tuple[str, int]] = []
    out: list[Any] = []
    flow = Dataflow("feeds")
    stream = op.input("feeds", flow, FeedSource(feeds, lambda name, n: progress.append((name, n))))
    op.output("out", stream, TestingSink(out))
    run_main(flow)

    seen: dict[str, list[int]] = {"tape": [], "gbm": []}
    dead: list[DeadLetter] = []
    for tag, value in out:
        if tag == "market":
            seen[value.feed].extend(kit.row_offsets([value]))
        else:
            assert tag == "dead" and value and all(isinstance(d, DeadLetter) for d in value)
            dead.extend(value)
            seen["tape"].extend(d.offset for d in value)
    assert sorted(seen["tape"]) == list(range(50))
    assert sorted(seen["gbm"]) == list(range(1_234))
    bad = sorted(d.offset for d in dead)
    assert bad == [3, 10, 17, 24, 30, 31, 38, 45]
    assert len(seen["tape"]) == 50 and len(seen["gbm"]) == 1_234  # no duplicates
    # Progress: once per read batch, records read so far.
    assert [n for name, n in progress if name == "tape"] == [8, 16, 24, 32, 40, 48, 50]
    assert [n for name, n in progress if name == "gbm"] == [500, 1_000, 1_234]


def test_one_item_per_read_batch(kit: Any) -> None:
    source = FeedSource([tape_with_bad_rows(kit)])
    assert source.list_parts() == ["tape"]
    part = source.build_part("feeds", "tape", None)
    items = part.next_batch()
    assert [tag for tag, _ in items] == ["market", "dead"]
    market, dead = items[0][1], items[1][1]
    assert isinstance(market, TradeBatch) and market.offset == 0 and len(market) == 7
    assert [d.offset for d in dead] == [3]
    assert part.snapshot() == 8
    part.close()


def test_partition_resumes_from_its_snapshot(kit: Any) -> None:
    source = FeedSource([kit.synthetic(name="gbm", count=1_000, batch_size=300)])
    first = source.build_part("feeds", "gbm", None)
    first.next_batch()
    state = first.snapshot()
    assert state == 300
    resumed = source.build_part("feeds", "gbm", state)
    (tag, batch), *_ = resumed.next_batch()
    assert tag == "market" and batch.offset == 300
    offsets = [300 + len(batch)]
    while True:
        try:
            items = resumed.next_batch()
        except StopIteration:
            break
        offsets.append(resumed.snapshot())
        assert all(tag == "market" for tag, _ in items)
    assert offsets == [600, 900, 1_000]


def test_feed_names_must_be_unique(kit: Any) -> None:
    with pytest.raises(ValueError, match="feed names must be unique: gbm"):
        FeedSource([kit.synthetic(name="gbm"), kit.synthetic(name="gbm")])
