"""L2Book semantics: levels, snapshots, deltas, sequence gaps, crossing, and the derived
values (depth, imbalance, microprice) against numbers worked out by hand here; hypothesis
checks random deltas against a plain dict model of the book."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderloom.runtime.books.l2 import APPLIED, CROSSED, GAP, IGNORED, L2Book


def book() -> L2Book:
    """Bids 99 x1, 98 x2, 97 x3; asks 101 x4, 102 x5, 104 x6 (mid 100)."""
    b = L2Book()
    assert b.snapshot(10, [(99, 1), (97, 3), (98, 2)], [(104, 6), (101, 4), (102, 5)]) == APPLIED
    return b


def test_levels_best_first_and_nan_past_the_last() -> None:
    b = book()
    assert b.best(1) == (99, 1) and b.best(-1) == (101, 4)
    assert [b.level(1, i) for i in range(3)] == [(99, 1), (98, 2), (97, 3)]
    assert [b.level(-1, i) for i in range(3)] == [(101, 4), (102, 5), (104, 6)]
    assert all(math.isnan(x) for x in b.level(1, 3))
    assert b.levels(-1, 2) == [(101, 4), (102, 5)] and b.levels(1) == [(99, 1), (98, 2), (97, 3)]
    assert b.size_at(1, 98) == 2 and b.size_at(1, 100) == 0.0
    assert b.mid() == 100.0 and len(b) == 6


def test_depth_imbalance_microprice_by_hand() -> None:
    b = book()
    # within 1.5% of mid 100: bids >= 98.5 -> 99 (1); asks <= 101.5 -> 101 (4)
    assert b.depth(1, 0.015) == 1 and b.depth(-1, 0.015) == 4
    # within 2%: bids >= 98 -> 1 + 2; asks <= 102 (inclusive) -> 4 + 5
    assert b.depth(1, 0.02) == 3 and b.depth(-1, 0.02) == 9
    # top 2: bids 1 + 2 = 3, asks 4 + 5 = 9 -> (3 - 9) / 12
    assert b.imbalance(2) == pytest.approx(-0.5)
    assert b.imbalance(10) == pytest.approx((6 - 15) / 21)
    # (99 * 4 + 101 * 1) / 5
    assert b.microprice() == pytest.approx(99.4)


def test_delta_sets_removes_and_checks_the_sequence() -> None:
    b = book()
    assert b.delta(11, 1, 99.5, 7) == APPLIED  # a new best bid
    assert b.best(1) == (99.5, 7)
    assert b.delta(12, -1, 101, 0) == APPLIED  # the best ask leaves
    assert b.best(-1) == (102, 5)
    assert b.delta(13, -1, 150, 0) == APPLIED  # removing a level that is not there: no-op
    assert b.seq == 13
    assert b.delta(15, 1, 99.6, 1) == GAP  # 14 is missing
    assert not b.valid and b.gaps == 1
    assert b.delta(16, 1, 99.7, 1) == IGNORED
    assert b.best(1) == (99.5, 7)  # neither delta was applied
    assert b.ignored == 2
    assert b.snapshot(40, [(90, 1)], [(91, 1)]) == APPLIED  # the snapshot recovers it
    assert b.valid and b.levels(1) == [(90, 1)] and b.levels(-1) == [(91, 1)]
    assert b.delta(41, -1, 92, 2) == APPLIED


def test_deltas_before_the_first_snapshot_are_ignored() -> None:
    b = L2Book()
    assert b.delta(1, 1, 10, 1) == IGNORED and len(b) == 0


def test_crossing_or_locking_delta_is_dropped() -> None:
    b = book()
    assert b.delta(11, 1, 101, 1) == CROSSED  # locks: bid = best ask
    assert b.delta(12, -1, 98.5, 1) == CROSSED  # crosses: ask < best bid
    assert b.best(1) == (99, 1) and b.best(-1) == (101, 4) and b.rejected == 2
    assert b.valid and b.seq == 12  # a dropped update does not break the sequence
    assert b.delta(13, -1, 100.5, 1) == APPLIED


def test_crossed_snapshot_leaves_the_book_invalid_until_the_next() -> None:
    b = book()
    assert b.snapshot(20, [(100, 1)], [(100, 1)]) == CROSSED
    assert not b.valid and b.crossed()
    assert b.delta(21, 1, 99, 1) == IGNORED
    assert b.snapshot(30, [(99, 1)], [(100, 1)]) == APPLIED and not b.crossed()


def test_empty_book_reads_nan() -> None:
    b = L2Book()
    b.snapshot(1, [], [])
    assert math.isnan(b.mid()) and math.isnan(b.microprice()) and math.isnan(b.imbalance(3))
    assert math.isnan(b.depth(1, 0.01))


# --- properties -----------------------------------------------------------------------------

prices = st.integers(min_value=1, max_value=40).map(lambda k: k * 0.5)
deltas = st.lists(
    st.tuples(st.sampled_from([1, -1]), prices, st.sampled_from([0.0, 0.0, 1.0, 2.5, 7.0])),
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(deltas)
def test_random_deltas_match_a_dict_model(updates: list[tuple[int, float, float]]) -> None:
    """Apply each delta to a plain {(side, price): size} model only when it leaves the book
    uncrossed (the book's documented rule); the book must equal the model after each one and
    best bid < best ask must hold unless the update was reported CROSSED."""
    b = L2Book()
    b.snapshot(0, [(10.0, 1.0)], [(11.0, 1.0)])
    model = {(1, 10.0): 1.0, (-1, 11.0): 1.0}
    for seq, (side, price, qty) in enumerate(updates, start=1):
        trial = dict(model)
        if qty > 0:
            trial[(side, price)] = qty
        else:
            trial.pop((side, price), None)
        bids = [p for s, p in trial if s == 1]
        asks = [p for s, p in trial if s == -1]
        crosses = bool(bids and asks) and max(bids) >= min(asks)
        result = b.delta(seq, side, price, qty)
        assert result == (CROSSED if crosses else APPLIED)
        if not crosses:
            model = trial
        expected_bids = sorted(((p, q) for (s, p), q in model.items() if s == 1), reverse=True)
        expected_asks = sorted((p, q) for (s, p), q in model.items() if s == -1)
        assert b.levels(1) == expected_bids and b.levels(-1) == expected_asks
        assert not b.crossed()
        assert sorted(b.bids) == b.bid_prices and sorted(b.asks) == b.ask_prices


@settings(max_examples=100, deadline=None)
@given(deltas, st.lists(st.tuples(prices, st.floats(0.1, 5)), max_size=10))
def test_snapshot_resets_whatever_came_before(
    updates: list[tuple[int, float, float]], levels: list[tuple[float, float]]
) -> None:
    b = L2Book()
    b.snapshot(0, [(10.0, 1.0)], [(11.0, 1.0)])
    for seq, (side, price, qty) in enumerate(updates, start=1):
        b.delta(seq + (seq % 7 == 0), side, price, qty)  # some gaps on the way
    bids = {p: q for p, q in levels if p < 10}
    asks = {p: q for p, q in levels if p > 10}
    assert b.snapshot(1000, list(bids.items()), list(asks.items())) == APPLIED
    assert b.valid and b.seq == 1000
    assert b.levels(1) == sorted(bids.items(), reverse=True)
    assert b.levels(-1) == sorted(asks.items())


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=30))
def test_any_sequence_break_gaps_until_a_snapshot(steps: list[int]) -> None:
    """Seqs advance by the given steps; from the first step that is not 1 every delta is
    refused (GAP once, then IGNORED)."""
    b = L2Book()
    b.snapshot(0, [(1.0, 1.0)], [(2.0, 1.0)])
    seq = 0
    broken = False
    for step in steps:
        seq += step
        result = b.delta(seq, 1, 1.0, float(seq))
        if broken:
            assert result == IGNORED
        elif step != 1:
            assert result == GAP
            broken = True
        else:
            assert result == APPLIED
    assert b.valid == (not broken) and b.gaps == int(broken)
