"""`fill_model: trades` queue position: a resting buy joins behind the displayed bid size at
its price; prints at its price consume that queue first; book updates showing less size
advance it (cancellations ahead); prints through its price fill it up to the printed size;
a price behind the displayed depth has an unknown queue until the level comes into view.
Instrument: tick 0.01, lot 1; latency 0 (an order arrives at the event it was sent on)."""

from __future__ import annotations

from engine_builders import SECOND, run, trades
from venue_builders import Send, book, fills_of, script, venue_plan

from orderloom.dsl.kinds.simulated import SimulatedVenueParams

TRADES_MODEL = SimulatedVenueParams(fill_model="trades")


def fills_behind_queue(queue: float, prints: list[float], qty: float) -> list[tuple[int, float]]:
    """Independent expectation: the order is filled by the cumulative volume printed at its
    price beyond the queue that was ahead of it: (print index, lots filled by that print)."""
    out = []
    done = 0.0
    volume = 0.0
    for k, size in enumerate(prints):
        volume += size
        now = min(qty, max(0.0, volume - queue))
        if now > done:
            out.append((k, now - done))
            done = now
    return out


def test_fills_after_the_queue_ahead_is_consumed():
    """5 lots displayed at 100.00 when a buy of 2 @ 100.00 arrives; prints at 100.00 of
    2, 2, 2, 1: the queue (5) is gone after 5 lots, so the third print fills 1 and the fourth
    the last 1."""
    quotes = book([1 * SECOND], [100.0], [5.0], [100.02], [5.0])
    prints = [2.0, 2.0, 2.0, 1.0]
    tape = trades([2 * SECOND, 3 * SECOND, 4 * SECOND, 5 * SECOND], [100.0] * 4, prints)
    _, out = run(
        venue_plan(TRADES_MODEL), "script", [[quotes, tape]], factory=script([Send(0, 1, 2, 100.0)])
    )
    expected = [
        ((2 + k) * SECOND, 100.0, lots, "maker") for k, lots in fills_behind_queue(5.0, prints, 2)
    ]
    assert expected == [(4 * SECOND, 100.0, 1.0, "maker"), (5 * SECOND, 100.0, 1.0, "maker")]
    assert fills_of(out) == expected


def test_cancellations_ahead_advance_the_queue():
    """Queue 5 at arrival; the bid size drops to 1 (4 lots cancelled ahead): queue 1; it
    grows to 10 (joined behind us): still 1. A print of 2 fills 1 lot of the buy of 2."""
    quotes = book(
        [1 * SECOND, 2 * SECOND, 3 * SECOND],
        [100.0, 100.0, 100.0],
        [5.0, 1.0, 10.0],
        [100.02] * 3,
        [5.0] * 3,
    )
    tape = trades([4 * SECOND], [100.0], [2.0])
    _, out = run(
        venue_plan(TRADES_MODEL), "script", [[quotes, tape]], factory=script([Send(0, 1, 2, 100.0)])
    )
    assert fills_of(out) == [(4 * SECOND, 100.0, 1.0, "maker")]
    # Without the cancellations the same print would not reach it (queue 5 > 2).
    quotes_kept = book([1 * SECOND], [100.0], [5.0], [100.02], [5.0])
    _, kept = run(
        venue_plan(TRADES_MODEL),
        "script",
        [[quotes_kept, tape]],
        factory=script([Send(0, 1, 2, 100.0)]),
    )
    assert fills_of(kept) == []


def test_prints_through_the_price_fill_up_to_the_printed_size():
    """Queue 5 at 100.00; a print at 99.99 of 1 goes through the level (it was cleared): 1
    lot fills at the order's price; a print at 99.98 of 5 fills the last lot."""
    quotes = book([1 * SECOND], [100.0], [5.0], [100.02], [5.0])
    tape = trades([2 * SECOND, 3 * SECOND], [99.99, 99.98], [1.0, 5.0])
    _, out = run(
        venue_plan(TRADES_MODEL), "script", [[quotes, tape]], factory=script([Send(0, 1, 2, 100.0)])
    )
    assert fills_of(out) == [(2 * SECOND, 100.0, 1.0, "maker"), (3 * SECOND, 100.0, 1.0, "maker")]


def test_unknown_queue_behind_the_touch_joins_when_the_level_shows():
    """A buy at 99.50 while the bid is 100.00: its level is not displayed, so a print of 10 at
    99.50 does not fill it (only prints through would). The bid drops to 99.50 with 3 shown:
    it joins behind 3; a print of 3 exhausts the queue; the next print of 1 fills it."""
    quotes = book([1 * SECOND, 3 * SECOND], [100.0, 99.5], [5.0, 3.0], [100.02, 99.52], [5.0, 5.0])
    tape = trades([2 * SECOND, 4 * SECOND, 5 * SECOND], [99.5, 99.5, 99.5], [10.0, 3.0, 1.0])
    _, out = run(
        venue_plan(TRADES_MODEL), "script", [[quotes, tape]], factory=script([Send(0, 1, 1, 99.5)])
    )
    assert fills_of(out) == [(5 * SECOND, 99.5, 1.0, "maker")]


def test_a_new_level_inside_the_spread_has_no_queue():
    """A buy at 100.01 improves the 100.00 bid: nobody is ahead, the first print at 100.01
    fills it."""
    quotes = book([1 * SECOND], [100.0], [5.0], [100.03], [5.0])
    tape = trades([2 * SECOND], [100.01], [1.0])
    _, out = run(
        venue_plan(TRADES_MODEL),
        "script",
        [[quotes, tape]],
        factory=script([Send(0, 1, 1, 100.01)]),
    )
    assert fills_of(out) == [(2 * SECOND, 100.01, 1.0, "maker")]


def test_two_own_orders_at_one_level_keep_time_priority():
    """A (1 lot) joins behind 4; the bid grows to 6 and B (2 lots) joins behind 6 (A is not
    in the displayed size, so 7 are really ahead of B). Prints of 7 then 2: A fills on the
    first (7 > 4); B needs 7 + 2 = 9 printed: both its lots fill on the second."""
    quotes = book([1 * SECOND, 2 * SECOND], [100.0, 100.0], [4.0, 6.0], [100.02] * 2, [5.0] * 2)
    tape = trades([3 * SECOND, 4 * SECOND], [100.0, 100.0], [7.0, 2.0])
    sends = [Send(0, 1, 1, 100.0), Send(1, 1, 2, 100.0)]
    _, out = run(venue_plan(TRADES_MODEL), "script", [[quotes, tape]], factory=script(sends))
    queue_b = 6.0 + 1.0
    expected_b = [
        ((3 + k) * SECOND, 100.0, lots, "maker")
        for k, lots in fills_behind_queue(queue_b, [7.0, 2.0], 2)
    ]
    assert fills_of(out, "script-000001") == [(3 * SECOND, 100.0, 1.0, "maker")]
    assert fills_of(out, "script-000002") == expected_b == [(4 * SECOND, 100.0, 2.0, "maker")]


def test_without_a_quotes_feed_prints_at_the_price_never_fill():
    """No book, no known queue: the classic rule — only prints strictly through fill."""
    tape = trades([1 * SECOND, 2 * SECOND, 3 * SECOND], [100.5, 100.0, 99.9], [1.0, 50.0, 1.0])
    _, out = run(
        venue_plan(TRADES_MODEL, quotes=False),
        "script",
        [[tape]],
        factory=script([Send(0, 1, 1, 100.0)]),
    )
    assert fills_of(out) == [(3 * SECOND, 100.0, 1.0, "maker")]


def test_queue_off_keeps_the_classic_through_rule():
    """`fill_model: {kind: trades, queue: false}`: with the same book and prints as the first
    test (queue 5, prints of 2, 2, 2, 1 at the price) nothing fills; a print through does."""
    venue = SimulatedVenueParams(queue_position=False)
    quotes = book([1 * SECOND], [100.0], [5.0], [100.02], [5.0])
    tape = trades(
        [2 * SECOND, 3 * SECOND, 4 * SECOND, 5 * SECOND, 6 * SECOND],
        [100.0, 100.0, 100.0, 100.0, 99.99],
        [2.0, 2.0, 2.0, 1.0, 5.0],
    )
    engine, out = run(
        venue_plan(venue), "script", [[quotes, tape]], factory=script([Send(0, 1, 2, 100.0)])
    )
    assert fills_of(out) == [(6 * SECOND, 100.0, 2.0, "maker")]
    assert engine.venue.quote_waiting == [0]  # book updates are not even delivered
