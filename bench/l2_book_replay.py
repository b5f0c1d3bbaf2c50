"""L2 book replay: 1M book deltas (after one 20-level-a-side snapshot) through
StrategyEngine.on_batches in 10k-row batches with a fixed_spread market maker quoting on the
book's touch (the engine alone, no dataflow); then the same rows read from a CSV file through
the replay reader and its book sanity stage; then the memory of 1,000 books of 20 levels a
side (tracemalloc). Prints events/s (wall and per CPU second), rows/s and bytes per book.

    .venv/bin/python bench/l2_book_replay.py [--events N] [--batch N] [--repeat N] [--no-file]
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from orderloom.dsl.kinds.market_maker import MarketMakerParams
from orderloom.dsl.kinds.replay import ReplayParams
from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import Feed, Instrument, Plan, Strategy, Venue
from orderloom.runtime.books.l2 import L2Book
from orderloom.runtime.engine.instance import StrategyEngine
from orderloom.runtime.events import BOOK_DELTA, BOOK_LEVEL, BOOK_SNAPSHOT, BookBatch
from orderloom.runtime.feeds.kinds import open_feed

INSTRUMENT = "BTC/USDT@sim"
LEVELS = 20
TICK = 0.1
MID = 40_000.0
FIELDS = ("ts_ns", "seq", "action", "side", "price", "qty")


def build_plan(feed: Feed) -> Plan:
    params = MarketMakerParams(
        instrument=INSTRUMENT, model="fixed_spread", gamma=0.0, k=0.0, sigma=0.0, horizon_ns=0,
        quantity=0.01, max_inventory=0.05, spread_bps=2.0, skew_bps=10.0, requote_bps=None,
    )  # fmt: skip
    return Plan(
        name="bench",
        description="",
        source="<bench>",
        instruments=(Instrument(INSTRUMENT, "BTC/USDT", "BTC", "USDT", "sim", TICK, 0.001),),
        venues=(Venue("sim", "simulated", SimulatedVenueParams(5_000_000, 1.0, 5.0)),),
        feeds=(feed,),
        signals=(),
        strategies=(Strategy("mm", "mm", "market_maker", (INSTRUMENT,), "sim", params),),
    )


def columns(events: int, seed: int = 11) -> dict[str, np.ndarray]:
    """A snapshot, then `events` deltas that resize, remove and re-add levels inside fixed
    bands (bids under the mid, asks over it), so the touch moves but never crosses."""
    rng = np.random.default_rng(seed)
    offsets = np.arange(1, LEVELS + 1)
    snap_side = np.repeat(np.array([1, -1], np.int8), LEVELS)
    snap_price = np.concatenate([MID - offsets * TICK, MID + offsets * TICK])
    snap_qty = np.round(rng.exponential(0.5, 2 * LEVELS) + 0.01, 4)
    side = rng.choice(np.array([1, -1], np.int8), events)
    level = rng.integers(1, LEVELS + 1, events)
    price = np.round(MID - side * level * TICK, 1)
    qty = np.where(rng.random(events) < 0.15, 0.0, np.round(rng.exponential(0.5, events), 4))
    n = events + 2 * LEVELS
    action = np.full(n, BOOK_DELTA, np.int8)
    action[0] = BOOK_SNAPSHOT
    action[1 : 2 * LEVELS] = BOOK_LEVEL
    ts = np.full(n, 1_700_000_000_000_000_000, np.int64)
    ts[2 * LEVELS :] += np.arange(1, events + 1, dtype=np.int64) * 1_000_000  # 1 ms apart
    return {
        "ts_ns": ts,
        "seq": np.concatenate([np.zeros(2 * LEVELS, np.int64), np.arange(1, events + 1)]),
        "action": action,
        "side": np.concatenate([snap_side, side]),
        "price": np.concatenate([snap_price, price]),
        "qty": np.concatenate([snap_qty, qty]),
    }


def batches(data: dict[str, np.ndarray], batch: int) -> list[BookBatch]:
    n = len(data["ts_ns"])
    cuts = [0, 2 * LEVELS, *range(2 * LEVELS + batch, n, batch), n]  # snapshot on its own
    return [
        BookBatch("book", INSTRUMENT, lo, *(data[k][lo:hi] for k in FIELDS))
        for lo, hi in itertools.pairwise(cuts)
        if hi > lo
    ]


def engine_figure(data: dict[str, np.ndarray], batch: int, repeat: int) -> None:
    plan = build_plan(Feed("book", "synthetic", INSTRUMENT, "book", None))
    work = batches(data, batch)
    best = best_cpu = 0.0
    for _ in range(repeat):
        engine = StrategyEngine(plan, "mm", "bench")
        started, cpu_started = time.perf_counter(), time.process_time()
        for b in work:
            engine.on_batches([b])
        engine.on_eof()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        events = engine.stats.events
        best = max(best, events / wall)
        best_cpu = max(best_cpu, events / cpu)
    print(
        f"engine: {events:,} book events (1 snapshot + deltas), market_maker fixed_spread: "
        f"{best:,.0f} events/s wall, {best_cpu:,.0f} events/s per CPU second; "
        f"orders {engine.stats.orders:,}, fills {engine.stats.fills:,}"
    )


def file_figure(data: dict[str, np.ndarray]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "book.csv"
        action = np.where(data["action"] == BOOK_DELTA, "delta", "snapshot")
        side = np.where(data["side"] > 0, "bid", "ask")
        with path.open("w") as fh:
            fh.write("ts_ns,seq,action,side,price,qty\n")
            for row in zip(data["ts_ns"].tolist(), data["seq"].tolist(), action.tolist(),
                           side.tolist(), data["price"].tolist(), data["qty"].tolist(),
                           strict=True):  # fmt: skip
                fh.write(",".join(map(str, row)) + "\n")
        feed = Feed("book", "replay", INSTRUMENT, "book",
                    ReplayParams(str(path), "csv", (), "ns", 10_000))  # fmt: skip
        started = time.perf_counter()
        rows = dead = 0
        with open_feed(feed) as reader:
            for batch, letters in reader:
                rows += len(batch) if batch is not None else 0
                dead += len(letters)
        wall = time.perf_counter() - started
    print(
        f"replay reader + book sanity (CSV): {rows:,} rows, {dead} dead, {rows / wall:,.0f} rows/s"
    )


def memory_figure(books: int = 1_000, seed: int = 3) -> None:
    rng = np.random.default_rng(seed)
    sizes = np.round(rng.exponential(0.5, (books, 2 * LEVELS)) + 0.01, 4).tolist()
    mids = (rng.uniform(10, 50_000, books).round(1)).tolist()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    held = []
    for k in range(books):
        book = L2Book()
        mid, q = mids[k], sizes[k]
        book.snapshot(
            1,
            [(round(mid - (i + 1) * TICK, 1), q[i]) for i in range(LEVELS)],
            [(round(mid + (i + 1) * TICK, 1), q[LEVELS + i]) for i in range(LEVELS)],
        )
        held.append(book)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    used = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    print(
        f"memory: {books:,} books of {LEVELS} levels a side: {used / books:,.0f} bytes per "
        f"instrument ({used / 1e6:.1f} MB in all)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-file", action="store_true", help="skip the CSV reader figure")
    args = parser.parse_args()
    data = columns(args.events)
    engine_figure(data, args.batch, args.repeat)
    if not args.no_file:
        file_figure(data)
    memory_figure()


if __name__ == "__main__":
    main()
