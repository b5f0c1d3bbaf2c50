"""best_price over full L2 books (Book.levels gives every level when an instrument has a
`schema: book` feed): the sweep interleaves the venues' levels by fee-adjusted price."""

from __future__ import annotations

import json

import numpy as np
import pytest
from engine_builders import Act, ScriptedStrategy, run
from routing_scenario import HEADER, plan

from orderloom.runtime.events import BOOK_LEVEL, BOOK_SNAPSHOT, BookBatch

# venue: asks (price, size), best first; taker fees a 10, b 2, c 20 bps
ASKS = {
    "a": [(100.00, 1.0), (100.10, 1.0)],
    "b": [(100.05, 0.5), (100.08, 1.0)],
    "c": [(99.90, 1.0), (99.95, 2.0)],
}
BIDS = {"a": [(99.80, 1.0)], "b": [(99.85, 1.0)], "c": [(99.70, 1.0)]}


def snapshot(venue: str, ts: int) -> BookBatch:
    levels = [(1, p, q) for p, q in BIDS[venue]] + [(-1, p, q) for p, q in ASKS[venue]]
    n = len(levels)
    return BookBatch(
        f"q{venue}", f"BTC/USDT@{venue}", 0,
        np.full(n, ts, np.int64), np.full(n, 1, np.int64),
        np.array([BOOK_SNAPSHOT] + [BOOK_LEVEL] * (n - 1), np.int8),
        np.array([s for s, _, _ in levels], np.int8),
        np.array([p for _, p, _ in levels], np.float64),
        np.array([q for _, _, q in levels], np.float64),
    )  # fmt: skip


def test_best_price_interleaves_levels_across_venues() -> None:
    """Fee-adjusted asks: b 100.05·1.0002 = 100.0700, c 99.90·1.002 = 100.0998,
    a 100.00·1.001 = 100.1000, b 100.08·1.0002 = 100.1000 (100.10002), c 99.95·1.002 =
    100.1499, a 100.10·1.001 = 100.2001. Buying 3.0 takes b 0.5, c 1.0, a 1.0, then 0.5 of
    b's second level: b 1.0 at (0.5·100.05 + 0.5·100.08) = 100.065, c 1.0 at 99.90, a 1.0 at
    100.00; average (100.065 + 99.90 + 100.00)/3 = 99.98833…"""
    compiled = plan(
        "routing:\n  routers:\n    sweep: {kind: best_price, venues: [a, b, c]}\n"
        "  default: sweep\n",
        HEADER.replace("schema: quotes", "schema: book"),
    )
    acts = [Act(2, 1, 3.0)]
    _, out = run(
        compiled,
        "s",
        [[snapshot(v, 1 + k) for k, v in enumerate("abc")]],
        factory=lambda setup: ScriptedStrategy(setup, acts),
    )
    (row,) = out.dicts("routing_decisions")
    children = [(c["venue"], c["qty"], c["price"]) for c in json.loads(row["children"])]
    assert children == [("a", 1.0, 100.00), ("b", 1.0, pytest.approx(100.065)), ("c", 1.0, 99.90)]
    assert row["expected_price"] == pytest.approx((100.065 + 99.90 + 100.00) / 3)
    seen = json.loads(row["books"])
    assert seen == {v: [list(level) for level in ASKS[v]] for v in "abc"}
