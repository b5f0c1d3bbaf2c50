"""The venue on an L2 book feed: `touch` walks the ask levels up to the limit and the
remainder takes again after the next update; `trades` queues an order behind the size shown
at a level below the touch (known from the book, not unknown as with top of book), and the
level's updates and prints advance it. Instrument: tick 0.01, lot 1; latency 0."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from engine_builders import BTC, SECOND, instrument, make_plan, run, scripted_strategy, trades
from engine_builders import trade_feed as trades_feed
from venue_builders import Send, fills_of, script

from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import Feed, Plan
from orderloom.runtime.events import BOOK_DELTA, BOOK_LEVEL, BOOK_SNAPSHOT, BookBatch

BIDS = [(99.99, 4.0), (99.98, 6.0)]
ASKS = [(100.0, 2.0), (100.01, 3.0), (100.02, 5.0)]


def book_batch(rows: Sequence[tuple[int, int, int, int, float, float]]) -> BookBatch:
    ts, seq, action, side, price, qty = (list(c) for c in zip(*rows, strict=True))
    return BookBatch(
        "book", BTC, 0,
        np.array(ts, np.int64), np.array(seq, np.int64), np.array(action, np.int8),
        np.array(side, np.int8), np.array(price, np.float64), np.array(qty, np.float64),
    )  # fmt: skip


def snapshot(ts: int) -> list[tuple[int, int, int, int, float, float]]:
    levels = [(1, p, q) for p, q in BIDS] + [(-1, p, q) for p, q in ASKS]
    return [
        (ts, 1, BOOK_SNAPSHOT if k == 0 else BOOK_LEVEL, side, price, qty)
        for k, (side, price, qty) in enumerate(levels)
    ]


def plan(venue: SimulatedVenueParams) -> Plan:
    return make_plan(
        [scripted_strategy()],
        instruments=[instrument(BTC, 0.01, 1.0)],
        feeds=[Feed("book", "synthetic", BTC, "book", None), trades_feed()],
        venue=venue,
    )


def test_touch_walks_levels_up_to_the_limit():
    """Buy 6 @ 100.01 on asks 100.00 x2, 100.01 x3, 100.02 x5: 2 @ 100.00 and 3 @ 100.01 on
    arrival (100.02 is beyond the limit); the update setting 100.01 to 4 lets the last lot
    take 1 @ 100.01."""
    updates = book_batch([*snapshot(1 * SECOND), (2 * SECOND, 2, BOOK_DELTA, -1, 100.01, 4.0)])
    _, out = run(
        plan(SimulatedVenueParams(fill_model="touch")),
        "script",
        [[updates]],
        factory=script([Send(0, 1, 6, 100.01)]),
    )
    expected = []
    want = 6
    for price, size in ASKS:  # the walk, by hand: levels up to the limit
        if price <= 100.01 and want:
            expected.append((1 * SECOND, price, min(want, size), "taker"))
            want -= int(min(want, size))
    expected.append((2 * SECOND, 100.01, float(want), "taker"))
    assert (
        fills_of(out)
        == expected
        == [
            (1 * SECOND, 100.0, 2.0, "taker"),
            (1 * SECOND, 100.01, 3.0, "taker"),
            (2 * SECOND, 100.01, 1.0, "taker"),
        ]
    )


def test_trades_queue_behind_a_level_below_the_touch():
    """Buy 1 @ 99.98 joins behind the 6 shown there (top of book alone would not show it).
    A print of 4 at 99.98 leaves 2 ahead; the level then shows 1 (cancellations): 1 ahead; a
    print of 2 at 99.98 passes the queue by 1 and fills the order."""
    updates = book_batch(
        [
            *snapshot(1 * SECOND),
            (3 * SECOND, 2, BOOK_DELTA, 1, 99.98, 2.0),
            (4 * SECOND, 3, BOOK_DELTA, 1, 99.98, 1.0),
        ]
    )
    tape = trades([2 * SECOND, 5 * SECOND], [99.98, 99.98], [4.0, 2.0])
    _, out = run(
        plan(SimulatedVenueParams()),
        "script",
        [[updates, tape]],
        factory=script([Send(0, 1, 1, 99.98)]),
    )
    assert fills_of(out) == [(5 * SECOND, 99.98, 1.0, "maker")]
