"""The engine on L2 book feeds: the touch written as a quote after every update, book
functions in expressions, Book.levels / displayed_qty from the full book, dead letters for a
crossing update, and a signal that trades on order-book imbalance. Expected values come from
a plain dict model of the book kept in the test."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
from engine_builders import (
    BTC,
    MS,
    expr,
    make_plan,
    run,
    scripted_strategy,
    signal_strategy,
    trade_feed,
    trades,
)

from orderloom.dsl.plan import Feed
from orderloom.runtime.events import BOOK_DELTA, BOOK_LEVEL, BOOK_SNAPSHOT, BookBatch
from orderloom.runtime.strategies.base import Strategy, StrategyContext, StrategySetup

Row = tuple[int, int, int, int, float, float]  # ts, seq, action, side, price, qty


def book_feed(name: str = "book") -> Feed:
    return Feed(name, "synthetic", BTC, "book", None)


def book_batch(rows: Sequence[Row], feed: str = "book", offset: int = 0) -> BookBatch:
    ts, seq, action, side, price, qty = (list(c) for c in zip(*rows, strict=True))
    return BookBatch(
        feed, BTC, offset,
        np.array(ts, np.int64), np.array(seq, np.int64), np.array(action, np.int8),
        np.array(side, np.int8), np.array(price, np.float64), np.array(qty, np.float64),
    )  # fmt: skip


def snapshot(ts: int, seq: int, bids: Sequence[tuple], asks: Sequence[tuple]) -> list[Row]:
    levels = [(1, p, q) for p, q in bids] + [(-1, p, q) for p, q in asks]
    return [
        (ts, seq, BOOK_SNAPSHOT if k == 0 else BOOK_LEVEL, side, price, qty)
        for k, (side, price, qty) in enumerate(levels)
    ]


EXPRESSIONS = (
    "microprice",
    f"imbalance({BTC}, 2)",
    f"bid({BTC}, 2)",
    f"ask_qty({BTC}, 3)",
    f"depth({BTC}, ask, 20bps)",
    "mid",
)


class Recorder(Strategy):
    """Evaluates EXPRESSIONS and reads the engine's Book on every market event."""

    def __init__(self, setup: StrategySetup) -> None:
        super().__init__(setup)
        self.fns = [setup.compiler.compile(expr(e, [BTC]).ast).fn for e in EXPRESSIONS]
        self.seen: list[tuple[int, list[float], list, float]] = []

    def on_market(self, ctx: StrategyContext, slot: int) -> None:
        state = ctx.state
        book = ctx.book  # type: ignore[attr-defined]
        values = [fn(state) for fn in self.fns]
        self.seen.append((ctx.now_ns, values, book.levels(0, -1), book.displayed_qty(0, 1, 98.0)))


def model_values(bids: dict[float, float], asks: dict[float, float]) -> list[float]:
    """The EXPRESSIONS computed straight from the definitions."""
    b = sorted(bids.items(), reverse=True)
    a = sorted(asks.items())
    (bp, bq), (ap, aq) = b[0], a[0]
    micro = (bp * aq + ap * bq) / (bq + aq)
    top_b = sum(q for _, q in b[:2])
    top_a = sum(q for _, q in a[:2])
    mid = (bp + ap) / 2
    return [
        micro,
        (top_b - top_a) / (top_b + top_a),
        b[1][0] if len(b) > 1 else math.nan,
        a[2][1] if len(a) > 2 else math.nan,
        sum(q for p, q in a if p <= mid * 1.002),
        mid,
    ]


def test_book_functions_follow_the_book_through_snapshot_and_deltas() -> None:
    plan = make_plan([scripted_strategy("rec")], feeds=[book_feed()])
    rows = snapshot(1 * MS, 10, [(99.0, 1.0), (98.0, 2.0), (97.0, 3.0)],
                    [(101.0, 4.0), (102.0, 5.0), (103.0, 6.0)])  # fmt: skip
    rows += [
        (2 * MS, 11, BOOK_DELTA, 1, 99.5, 3.0),  # new best bid
        (3 * MS, 12, BOOK_DELTA, -1, 101.0, 0.0),  # best ask leaves
        (4 * MS, 13, BOOK_DELTA, -1, 99.0, 1.0),  # would cross: dropped, dead letter
        (5 * MS, 14, BOOK_DELTA, 1, 98.0, 7.5),  # size change below the touch
    ]
    engine, out = run(plan, "rec", [[book_batch(rows)]], factory=Recorder)
    recorder = engine.strategy
    assert isinstance(recorder, Recorder)
    bids = {99.0: 1.0, 98.0: 2.0, 97.0: 3.0}
    asks = {101.0: 4.0, 102.0: 5.0, 103.0: 6.0}
    expected = [(1 * MS, model_values(bids, asks), sorted(asks.items()), bids[98.0])]
    bids[99.5] = 3.0
    expected.append((2 * MS, model_values(bids, asks), sorted(asks.items()), bids[98.0]))
    del asks[101.0]
    expected.append((3 * MS, model_values(bids, asks), sorted(asks.items()), bids[98.0]))
    bids[98.0] = 7.5
    expected.append((5 * MS, model_values(bids, asks), sorted(asks.items()), bids[98.0]))
    # one market event per snapshot (not per level) and none for the dropped delta
    assert [s[0] for s in recorder.seen] == [e[0] for e in expected]
    for (ts, values, levels, shown), (_, want, want_levels, want_shown) in zip(
        recorder.seen, expected, strict=True
    ):
        assert values == pytest.approx(want, nan_ok=True), ts
        assert levels == want_levels and shown == want_shown
    state = engine.state
    assert (state.bid[0], state.bid_qty[0], state.ask[0], state.ask_qty[0]) == (99.5, 3, 102, 5)
    assert engine.book.has_quotes == [True]
    assert engine.stats.events == len(rows)
    dead = out.dicts("dead_letters")
    assert [(d["feed"], d["offset"], d["ts_ns"]) for d in dead] == [("book", 8, 4 * MS)]
    assert "cross" in dead[0]["reason"] and "best_ask=102.0" in dead[0]["record"]


def test_crossed_snapshot_invalidates_until_the_next_snapshot() -> None:
    plan = make_plan([scripted_strategy("rec")], feeds=[book_feed()])
    rows = snapshot(1 * MS, 1, [(99.0, 1.0)], [(101.0, 1.0)])
    rows += snapshot(2 * MS, 2, [(100.0, 1.0)], [(100.0, 1.0)])  # locked
    rows += [(3 * MS, 3, BOOK_DELTA, 1, 99.0, 5.0)]  # ignored: book invalid
    rows += snapshot(4 * MS, 9, [(98.0, 2.0), (97.0, 1.0)], [(99.0, 3.0)])
    engine, out = run(plan, "rec", [[book_batch(rows[:4])], [book_batch(rows[4:], offset=4)]],
                      factory=Recorder)  # fmt: skip
    recorder = engine.strategy
    assert isinstance(recorder, Recorder)
    assert [s[0] for s in recorder.seen] == [1 * MS, 4 * MS]
    assert recorder.seen[1][1][0] == pytest.approx((98 * 3 + 99 * 2) / 5)  # microprice
    assert engine.state.books[0].ignored == 1
    assert [(d["offset"], d["reason"]) for d in out.dicts("dead_letters")] == [
        (3, "crossed or locked snapshot")
    ]


def test_signal_trades_on_imbalance() -> None:
    """Target 1 when imbalance over 2 levels exceeds 0.3, else 0. Balanced book (1+1 vs
    1+1) -> 0; at 3 ms the best bid grows to 5: (6 - 2) / 8 = 0.5 -> buy 1; at 6 ms it
    shrinks to 1 again -> imbalance 0 -> sell 1. Market orders fill at the touch."""
    target = f"if imbalance({BTC}, 2) > 0.3 then 1 else 0"
    plan = make_plan([signal_strategy("sig", target=target)], feeds=[book_feed()])
    rows = snapshot(1 * MS, 1, [(99.0, 1.0), (98.0, 1.0)], [(101.0, 1.0), (102.0, 1.0)])
    rows += [
        (2 * MS, 2, BOOK_DELTA, -1, 103.0, 9.0),  # third level: outside the top 2
        (3 * MS, 3, BOOK_DELTA, 1, 99.0, 5.0),
        (4 * MS, 4, BOOK_DELTA, -1, 101.0, 2.0),  # (6 - 3) / 9 = 0.33 -> still long
        (6 * MS, 5, BOOK_DELTA, 1, 99.0, 1.0),  # (2 - 3) / 5 -> flat
        (9 * MS, 6, BOOK_DELTA, -1, 103.0, 0.0),
    ]
    engine, out = run(plan, "sig", [[book_batch(rows)]])
    orders = out.dicts("orders")
    sides = {}
    for o in orders:
        sides.setdefault(o["order_id"], o["side"])
    assert list(sides.values()) == [1, -1]
    fills = out.dicts("fills")
    assert [(f["side"], f["price"]) for f in fills] == [(1, 101.0), (-1, 99.0)]
    assert engine.ctx.position_lots[0] == 0


def test_book_and_trades_feeds_merge_in_time_order() -> None:
    plan = make_plan([scripted_strategy("rec")], feeds=[book_feed(), trade_feed()])
    rows = snapshot(1 * MS, 1, [(99.0, 1.0)], [(101.0, 1.0)])
    rows += [(3 * MS, 2, BOOK_DELTA, 1, 100.0, 2.0), (5 * MS, 3, BOOK_DELTA, -1, 100.5, 1.0)]
    tape = trades([2 * MS, 4 * MS], [100.0, 100.2])
    engine, _ = run(plan, "rec", [[tape, book_batch(rows)]], factory=Recorder)
    recorder = engine.strategy
    assert isinstance(recorder, Recorder)
    assert [s[0] for s in recorder.seen] == [1 * MS, 2 * MS, 3 * MS, 4 * MS, 5 * MS]
    assert [s[1][0] for s in recorder.seen] == pytest.approx(
        [100.0, 100.0, (100 * 1 + 101 * 2) / 3, (100 * 1 + 101 * 2) / 3, (100 + 100.5 * 2) / 3]
    )
