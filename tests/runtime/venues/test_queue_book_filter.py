"""The L2 book loop hands a delta to a `trades`-model venue only when it can move a queue: a
change of size at a level one of our orders rests at, or a change at the far end of that
side's depth (which decides whether an order's price is in view). These tests pin both
paths with cases that fill only if the update was heard, and compare a market maker on a
random book with and without the shortcut. Instrument: tick 0.01, lot 1; latency 0."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from engine_builders import BTC, SECOND, instrument, make_plan, run, scripted_strategy, trades
from engine_builders import trade_feed as trades_feed
from venue_builders import Send, fills_of, script

from orderloom.dsl.kinds.market_maker import MarketMakerParams
from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import Feed, Plan, Strategy
from orderloom.runtime.engine.instance import StrategyEngine
from orderloom.runtime.events import BOOK_DELTA, BOOK_LEVEL, BOOK_SNAPSHOT, BookBatch

BIDS = [(99.99, 4.0), (99.98, 6.0), (99.97, 8.0)]
ASKS = [(100.0, 2.0), (100.01, 3.0), (100.02, 5.0)]
Row = tuple[int, int, int, int, float, float]  # ts_ns, seq, action, side, price, qty


def book_batch(rows: Sequence[Row]) -> BookBatch:
    ts, seq, action, side, price, qty = (list(c) for c in zip(*rows, strict=True))
    return BookBatch(
        "book", BTC, 0,
        np.array(ts, np.int64), np.array(seq, np.int64), np.array(action, np.int8),
        np.array(side, np.int8), np.array(price, np.float64), np.array(qty, np.float64),
    )  # fmt: skip


def snapshot(ts: int) -> list[Row]:
    levels = [(1, p, q) for p, q in BIDS] + [(-1, p, q) for p, q in ASKS]
    return [
        (ts, 1, BOOK_SNAPSHOT if k == 0 else BOOK_LEVEL, side, price, qty)
        for k, (side, price, qty) in enumerate(levels)
    ]


def deltas(*changes: tuple[int, int, float, float]) -> list[Row]:
    """(ts_ns, side, price, qty) changes numbered on from the snapshot's seq 1."""
    return [(ts, 2 + k, BOOK_DELTA, side, p, q) for k, (ts, side, p, q) in enumerate(changes)]


def scripted_plan() -> Plan:
    return make_plan(
        [scripted_strategy()],
        instruments=[instrument(BTC, 0.01, 1.0)],
        feeds=[Feed("book", "synthetic", BTC, "book", None), trades_feed()],
        venue=SimulatedVenueParams(fill_model="trades"),
    )


def test_a_size_decrease_at_the_orders_level_advances_its_queue_with_the_touch_unchanged():
    """Buy 1 @ 99.98 joins behind the 6 shown there, between the touch (99.99) and the last
    level (99.97). The level drops to 2 while both ends of the bids stay put (queue 2); the
    touch's size then changes (no effect on the queue). Prints at 99.98 of 1 then 2: 3
    printed against a queue of 2 fills the order on the second print (with a queue of 6 it
    would not fill)."""
    updates = book_batch(
        [*snapshot(1 * SECOND), *deltas((2 * SECOND, 1, 99.98, 2.0), (3 * SECOND, 1, 99.99, 1.0))]
    )
    tape = trades([4 * SECOND, 5 * SECOND], [99.98, 99.98], [1.0, 2.0])
    engine, out = run(
        scripted_plan(), "script", [[updates, tape]], factory=script([Send(0, 1, 1, 99.98)])
    )
    assert fills_of(out) == [(5 * SECOND, 99.98, 1.0, "maker")]
    assert engine.venue.watched_levels(0) == (set(), set())  # filled: nothing listens


def test_an_order_behind_the_depth_comes_into_view_when_a_level_is_added_past_it():
    """Buy 1 @ 99.95 lies beyond the bids shown (99.99 to 99.97): its queue is unknown and
    only prints through it could fill it. A bid level at 99.94 (a price no order rests at)
    moves the far end of the depth past 99.95, an empty level in view: nothing ahead, so the
    next print at 99.95 fills it. The sell 1 @ 100.04 beyond the asks does the same on that side
    when 100.05 appears."""
    updates = book_batch(
        [
            *snapshot(1 * SECOND),
            *deltas((2 * SECOND, 1, 99.94, 3.0), (3 * SECOND, -1, 100.05, 3.0)),
        ]
    )
    tape = trades([4 * SECOND, 5 * SECOND], [99.95, 100.04], [1.0, 1.0])
    _, out = run(
        scripted_plan(),
        "script",
        [[updates, tape]],
        factory=script([Send(0, 1, 1, 99.95), Send(0, -1, 1, 100.04)]),
    )
    assert fills_of(out) == [(4 * SECOND, 99.95, 1.0, "maker"), (5 * SECOND, 100.04, 1.0, "maker")]


def test_a_level_that_left_the_view_returns_when_the_depth_grows_past_it():
    """Buy 1 @ 99.97 joins behind 8 at the last bid level. The level is removed: 99.97 is
    now beyond the depth and keeps its queue of 8. A bid at 99.96 (no order there) brings
    99.97 back into view, empty: the queue is gone, and a print of 1 at 99.97 fills it."""
    updates = book_batch(
        [
            *snapshot(1 * SECOND),
            *deltas((2 * SECOND, 1, 99.97, 0.0), (3 * SECOND, 1, 99.96, 2.0)),
        ]
    )
    tape = trades([4 * SECOND], [99.97], [1.0])
    _, out = run(
        scripted_plan(), "script", [[updates, tape]], factory=script([Send(0, 1, 1, 99.97)])
    )
    assert fills_of(out) == [(4 * SECOND, 99.97, 1.0, "maker")]


# --- the market maker on a random book, with and without the shortcut ----------------------


class _HearEverything(list):
    """Stands in for venue.queue_only: never queue-only, so every update reaches on_quote."""

    def __getitem__(self, slot):  # type: ignore[override]
        return False

    def __setitem__(self, slot, value):  # type: ignore[override]
        pass


def random_book(events: int, levels: int, seed: int) -> list[list]:
    """A snapshot of `levels` a side around 100, then deltas at random levels of a wandering
    centre (sizes changed, levels removed and re-added, the far end moving), and prints of
    random size near the centre: batches of both, as one on_batches call each."""
    rng = np.random.default_rng(seed)
    centre = 100.0 + np.cumsum(rng.integers(-1, 2, events)) * 0.01
    side = rng.choice(np.array([1, -1], np.int8), events)
    level = rng.integers(1, levels + 1, events)
    price = np.round(centre - side * level * 0.01, 2)
    qty = np.where(rng.random(events) < 0.25, 0.0, np.round(rng.exponential(3.0, events), 0))
    ts = SECOND + np.arange(1, events + 1, dtype=np.int64) * 1_000_000
    rows = [
        (SECOND, 1, BOOK_SNAPSHOT if k == 0 else BOOK_LEVEL, s, round(100.0 - s * i * 0.01, 2), 5.0)
        for k, (s, i) in enumerate((s, i) for s in (1, -1) for i in range(1, levels + 1))
    ]
    rows += [
        (int(t), 2 + k, BOOK_DELTA, int(s), float(p), float(q))
        for k, (t, s, p, q) in enumerate(zip(ts, side, price, qty, strict=True))
    ]
    prints = np.sort(rng.choice(events, events // 4, replace=False))
    print_ts = (ts[prints] + 500_000).tolist()
    print_price = np.round(
        centre[prints] + rng.integers(-levels, levels + 1, len(prints)) * 0.01, 2
    )
    print_qty = np.round(rng.exponential(2.0, len(prints)) + 1.0, 0)
    calls = []
    for lo in range(0, len(rows), 500):
        chunk = rows[lo : lo + 500]
        first, last = chunk[0][0], chunk[-1][0]
        keep = [k for k, t in enumerate(print_ts) if first <= t <= last]
        tape = trades([print_ts[k] for k in keep], print_price[keep], print_qty[keep])
        calls.append([book_batch(chunk), tape] if keep else [book_batch(chunk)])
    return calls


def market_maker_plan(venue: SimulatedVenueParams) -> Plan:
    params = MarketMakerParams(
        BTC, "fixed_spread", 0.0, 0.0, 0.0, 0, 2.0, 6.0, 4.0, 20.0, None,
    )  # fmt: skip
    return make_plan(
        [Strategy("mm", "mm", "market_maker", (BTC,), "sim", params)],
        instruments=[instrument(BTC, 0.01, 1.0)],
        feeds=[Feed("book", "synthetic", BTC, "book", None), trades_feed()],
        venue=venue,
    )


def replay(plan: Plan, calls: list, *, hear_everything: bool) -> tuple[list, int]:
    """All rows (orders, fills, positions, pnl...) in order, and the on_quote calls."""
    engine = StrategyEngine(plan, "mm", "run-1")
    venue = engine.venue
    heard = [0]
    on_quote = venue.on_quote

    def counting(slot: int, ts_ns: int) -> None:
        heard[0] += 1
        on_quote(slot, ts_ns)

    venue.on_quote = counting  # type: ignore[method-assign]
    if hear_everything:
        venue.queue_only = _HearEverything()
    rows = []
    for batches in calls:
        rows += engine.on_batches(batches)
    rows += engine.on_eof()
    return rows, heard[0]


def test_the_market_maker_fills_alike_with_and_without_skipping_updates():
    """A fixed_spread maker quoting 4 bps wide on a 4-level book whose centre wanders (so its
    quotes move in and out of view) with prints near the centre: every row is the same
    whether every book update reaches the venue or only those that can move a queue, and
    the shortcut does skip most of them."""
    calls = random_book(6_000, 4, seed=7)
    for venue in (
        SimulatedVenueParams(fill_model="trades"),
        SimulatedVenueParams(fill_model="trades", latency_ns=3_000_000),
    ):
        plan = market_maker_plan(venue)
        skipping, heard_some = replay(plan, calls, hear_everything=False)
        every, heard_all = replay(plan, calls, hear_everything=True)
        fills = sum(len(rows) for table, rows in every if table == "fills")
        assert fills > 100  # queues decided real fills
        assert skipping == every
        assert heard_some < heard_all / 2
