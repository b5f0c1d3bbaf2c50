"""Several feeds per instance: events are processed in (ts, feed position in the plan,
offset) order and only below the feeds' common watermark, so the engine's output is the same
whatever the batch sizes and the interleaving of feeds."""

from __future__ import annotations

import random

from engine_builders import (
    BTC,
    ETH,
    MS,
    Act,
    instrument,
    make_plan,
    quote_feed,
    quotes,
    run,
    scripted,
    scripted_strategy,
    split,
    trade_feed,
    trades,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.runtime.engine.merge import FeedMerger


def test_merger_holds_back_until_every_feed_has_passed():
    merger = FeedMerger([2, 2])
    merger.push(0, [[1, 5, 9], ["a1", "a5", "a9"]])
    assert merger.drain() == []  # feed 1 has said nothing yet
    merger.push(1, [[5, 6], ["b5", "b6"]])
    # watermark 6 (feed 1): a1, then a5 before b5 (feed 0 first on equal time), b5; b6 is
    # feed 1's own last event: nothing can come before it from feed 0 (already at 9).
    assert merger.drain() == [(0, [[1, 5], ["a1", "a5"]]), (1, [[5, 6], ["b5", "b6"]])]
    merger.push(1, [[9], ["b9"]])
    # both at 9: feed 0 could still send another event at 9, which would sort before b9
    assert merger.drain() == [(0, [[9], ["a9"]])]
    assert merger.buffered() == 1
    assert merger.drain(final=True) == [(1, [[9], ["b9"]])]


def test_merger_equal_watermark_respects_feed_order():
    """Both feeds at 5: feed 0's event at 5 is safe, feed 1's must wait (feed 0 may send more
    at 5, which sorts first)."""
    merger = FeedMerger([1, 1])
    merger.push(1, [[5]])
    merger.push(0, [[5]])
    assert merger.drain() == [(0, [[5]])]
    assert merger.drain(final=True) == [(1, [[5]])]


@settings(max_examples=150, deadline=None)
@given(
    feeds=st.lists(
        st.lists(st.integers(0, 30), min_size=0, max_size=25).map(sorted), min_size=1, max_size=4
    ),
    seed=st.integers(0, 10_000),
)
def test_merger_output_is_the_global_order(feeds, seed):
    rng = random.Random(seed)
    pushes = []  # (feed, chunk) with each feed's chunks in order, feeds interleaved at random
    queues = []
    for f, times in enumerate(feeds):
        chunks, i = [], 0
        while i < len(times):
            n = rng.randint(1, 6)
            chunks.append(
                [times[i : i + n], [(t, f, i + k) for k, t in enumerate(times[i : i + n])]]
            )
            i += n
        queues.append(chunks)
    while any(queues):
        f = rng.choice([k for k, q in enumerate(queues) if q])
        pushes.append((f, queues[f].pop(0)))
    merger = FeedMerger([2] * len(feeds))
    released = []
    for f, chunk in pushes:
        merger.push(f, chunk)
        for _, columns in merger.drain():
            released.extend(columns[1])
    for _, columns in merger.drain(final=True):
        released.extend(columns[1])
    expected = sorted((t, f, i) for f, times in enumerate(feeds) for i, t in enumerate(times))
    assert released == expected


def _market(seed: int = 3):
    rng = random.Random(seed)
    t_btc = sorted(rng.randrange(0, 2_000) * MS for _ in range(300))
    t_quote = sorted(rng.randrange(0, 2_000) * MS for _ in range(300))
    t_eth = sorted(rng.randrange(0, 2_000) * MS for _ in range(200))
    btc = trades(t_btc, [round(100 + rng.uniform(-1, 1), 2) for _ in t_btc], 0.5, feed="btc")
    mids = [round(100 + rng.uniform(-1, 1), 2) for _ in t_quote]
    book = quotes(t_quote, [m - 0.05 for m in mids], [m + 0.05 for m in mids], feed="btc_book")
    eth = trades(
        t_eth,
        [round(50 + rng.uniform(-1, 1), 2) for _ in t_eth],
        0.3,
        feed="eth",
        instrument_id=ETH,
    )
    return btc, book, eth


def _engine_plan():
    feeds = (trade_feed("btc"), quote_feed("btc_book"), trade_feed("eth", ETH))
    plan = make_plan(
        [scripted_strategy(instruments=(BTC, ETH))],
        instruments=[instrument(BTC), instrument(ETH)],
        feeds=feeds,
        venue=SimulatedVenueParams(latency_ns=3 * MS, maker_fee_bps=1.0, taker_fee_bps=4.0),
    )
    acts = [
        Act(at, side, 0.2, price, slot=slot)
        for at, side, price, slot in [
            (5, 1, None, 0),
            (40, -1, 100.4, 0),
            (60, 1, 49.8, 1),
            (90, -1, None, 1),
            (150, 1, 99.7, 0),
            (300, -1, 50.3, 1),
            (500, 1, None, 0),
        ]
    ]
    acts.append(Act(200, cancel=1))
    return plan, acts


def test_engine_output_independent_of_batching_and_interleaving():
    batches = list(_market())
    plan, acts = _engine_plan()
    reference_engine, reference = run(plan, "script", [batches], factory=scripted(acts))
    seen = reference_engine.strategy.seen
    assert [t for t, _ in seen] == sorted(t for t, _ in seen)
    assert len(seen) == 800
    assert reference.rows["fills"] and reference.rows["orders"]
    for seed in range(6):
        rng = random.Random(seed)
        queues = [split(b, rng.randint(1, 60)) for b in batches]
        calls: list[list] = []
        while any(queues):
            call = []
            for _ in range(rng.randint(1, 4)):
                live = [q for q in queues if q]
                if not live:
                    break
                call.append(rng.choice(live).pop(0))
            calls.append(call)
        engine, out = run(plan, "script", calls, factory=scripted(acts))
        assert engine.strategy.seen == seen
        assert out.rows == reference.rows, f"interleaving {seed} differs"
