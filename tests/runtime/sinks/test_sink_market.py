"""Market batches go in columnar: 200k trades and quotes per insert, checked by count and sums
computed here from the same arrays; per-row offsets survive; re-delivery adds nothing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from orderloom.runtime.events import QuoteBatch, TradeBatch
from orderloom.runtime.sinks.base import AnalyticsStore

N = 200_000


def trades(n: int, offset: int = 0, seed: int = 7) -> TradeBatch:
    rng = np.random.default_rng(seed)
    return TradeBatch(
        feed="binance-trades",
        instrument="BTC/USDT",
        offset=offset,
        ts_ns=1_700_000_000_000_000_000 + np.cumsum(rng.integers(1, 5_000_000, n)),
        price=40_000 + rng.standard_normal(n).cumsum(),
        qty=rng.exponential(0.05, n),
        side=rng.choice(np.array([-1, 1], dtype=np.int8), n),
    )


def quotes(n: int, seed: int = 11) -> QuoteBatch:
    rng = np.random.default_rng(seed)
    mid = 2_000 + rng.standard_normal(n).cumsum() * 0.1
    return QuoteBatch(
        feed="okx-book",
        instrument="ETH/USDT",
        offset=1_000,
        ts_ns=np.arange(n, dtype=np.int64) * 100_000_000,
        bid_price=mid - 0.05,
        bid_qty=rng.uniform(0.1, 10, n),
        ask_price=mid + 0.05,
        ask_qty=rng.uniform(0.1, 10, n),
    )


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9)


def test_trade_batch_counts_and_sums(store: AnalyticsStore) -> None:
    batch = trades(N, offset=5)
    store.insert_market("run-m", batch)
    count, off_sum, ts_sum, side_sum, price_sum, notional, first, last = store.query(
        "SELECT count(), sum(offset), sum(ts_ns - 1700000000000000000), sum(side), sum(price), "
        "sum(price * qty), min(offset), max(offset) FROM market_trades FINAL "
        "WHERE run_id = 'run-m'"
    ).rows[0]
    assert count == N
    assert off_sum == sum(range(5, 5 + N))
    # Summed relative to an epoch so neither side overflows Int64.
    assert ts_sum == int((batch.ts_ns - 1_700_000_000_000_000_000).sum())
    assert side_sum == int(batch.side.astype(np.int64).sum())
    assert close(price_sum, math.fsum(batch.price))
    assert close(notional, math.fsum(batch.price * batch.qty))
    assert (first, last) == (5, 5 + N - 1)


def test_quote_batch_counts_and_sums(store: AnalyticsStore) -> None:
    batch = quotes(N)
    store.insert_market("run-q", batch)
    count, spread_sum, ts_max, feed, instrument = store.query(
        "SELECT count(), sum(ask_price - bid_price), max(ts_ns), any(feed), any(instrument) "
        "FROM market_quotes FINAL"
    ).rows[0]
    assert (count, ts_max, feed, instrument) == (N, (N - 1) * 100_000_000, "okx-book", "ETH/USDT")
    assert close(spread_sum, math.fsum(batch.ask_price - batch.bid_price))


def test_rows_dropped_by_sanity_keep_their_offsets(store: AnalyticsStore) -> None:
    batch = TradeBatch(
        "feed 'quoted'", "BTC/USDT", 10,
        np.array([1, 2, 4], dtype=np.int64), np.array([1.5, 2.5, 4.5]), np.ones(3),
        np.array([1, -1, 0], dtype=np.int8), offsets=np.array([10, 11, 13], dtype=np.int64),
    )  # fmt: skip
    store.insert_market("run-o", batch)
    assert store.query(
        "SELECT feed, offset, price FROM market_trades FINAL ORDER BY offset"
    ).rows == [
        ("feed 'quoted'", 10, 1.5),
        ("feed 'quoted'", 11, 2.5),
        ("feed 'quoted'", 13, 4.5),
    ]


def test_market_redelivery_leaves_no_duplicates(store: AnalyticsStore) -> None:
    batch = trades(10_000)
    store.insert_market("run-r", batch)
    store.insert_market("run-r", batch)
    store.insert_market("run-r", trades(0))  # empty batches are a no-op
    assert store.query("SELECT count() FROM market_trades FINAL").rows == [(10_000,)]


@pytest.mark.parametrize("n", [1, 3])
def test_tiny_batches(store: AnalyticsStore, n: int) -> None:
    store.insert_market("run-t", trades(n))
    assert store.query("SELECT count() FROM market_trades FINAL").rows == [(n,)]
