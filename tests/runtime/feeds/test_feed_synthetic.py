"""Synthetic GBM feed: deterministic per seed, spaced dt_ns from start_ns, and statistically a
geometric Brownian motion (log returns ~ N((mu - sigma²/2)·dt, sigma²·dt), dt in years)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from orderloom.runtime.events import QuoteBatch, TradeBatch
from orderloom.runtime.feeds import open_feed

YEAR_NS = 365 * 24 * 3600 * 10**9


@pytest.mark.parametrize("schema", ["trades", "quotes"])
def test_same_seed_same_batches(kit: Any, schema: str) -> None:
    first, _ = kit.read_all(open_feed(kit.synthetic(schema, seed=42)))
    second, _ = kit.read_all(open_feed(kit.synthetic(schema, seed=42)))
    assert [(b.offset, len(b)) for b in first] == [(0, 1000), (1000, 1000), (2000, 500)]
    assert [(b.offset, len(b)) for b in second] == [(b.offset, len(b)) for b in first]
    names = ["price", "qty", "side"] if schema == "trades" else ["bid_price", "ask_qty"]
    for a, b in zip(first, second, strict=True):
        for name in ["ts_ns", *names]:
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_different_seed_different_path(kit: Any) -> None:
    a, _ = kit.read_all(open_feed(kit.synthetic(seed=1)))
    b, _ = kit.read_all(open_feed(kit.synthetic(seed=2)))
    pa_, pb = kit.column(a, "price"), kit.column(b, "price")
    assert pa_[0] == pb[0] == 100.0  # both start at s0
    assert not np.any(pa_[1:] == pb[1:])
    assert not np.array_equal(kit.column(a, "qty"), kit.column(b, "qty"))


def test_trades_shape(kit: Any) -> None:
    feed = kit.synthetic(count=2_000, dt_ns=250_000_000, qty_mean=0.5, batch_size=2_000)
    reader = open_feed(feed)
    assert reader.total_hint == 2_000
    batches, dead = kit.read_all(reader)
    assert dead == [] and reader.offset == 2_000 and reader.dead_letter_count == 0
    (batch,) = batches
    assert isinstance(batch, TradeBatch) and batch.offsets is None
    assert batch.feed == "gbm" and batch.instrument == "ETH/USDT@sim"
    expected_ts = kit.start_ns + np.arange(2_000, dtype=np.int64) * 250_000_000
    np.testing.assert_array_equal(batch.ts_ns, expected_ts)
    assert batch.ts_ns.dtype == np.int64 and batch.side.dtype == np.int8
    assert set(batch.side.tolist()) == {-1, 1}
    assert np.all(batch.qty > 0) and np.all(batch.price > 0)
    # Exponential sizes: mean qty_mean, standard error qty_mean / sqrt(n).
    assert abs(batch.qty.mean() - 0.5) < 4 * 0.5 / math.sqrt(2_000)


def test_quotes_spread_around_the_path(kit: Any) -> None:
    feed = kit.synthetic("quotes", spread_bps=4.0, count=500, batch_size=500)
    (batch,), _ = kit.read_all(open_feed(feed))
    assert isinstance(batch, QuoteBatch)
    mid = (batch.bid_price + batch.ask_price) / 2
    assert mid[0] == pytest.approx(100.0, rel=1e-12)
    # bid = S(1 - 2bps), ask = S(1 + 2bps): full spread 4 bps of the path price.
    np.testing.assert_allclose((batch.ask_price - batch.bid_price) / mid, 4e-4, rtol=1e-9)
    assert np.all(batch.bid_qty > 0) and np.all(batch.ask_qty > 0)


def test_gbm_log_returns_match_the_closed_form(kit: Any) -> None:
    """mu = 0.5, sigma = 0.8 per year, daily steps: each log return is normal with mean
    (0.5 - 0.32)/365 ≈ 4.93e-4 and std 0.8/sqrt(365) ≈ 0.0419. Over n = 200k steps the
    sample mean has standard error 0.0419/sqrt(n) ≈ 9.4e-5 (the -sigma²/2 term is ~9 of
    them) and the sample std ≈ 0.0419/sqrt(2n) ≈ 6.6e-5; both must be within 4 of those."""
    n = 200_000
    day_ns = 24 * 3600 * 10**9
    feed = kit.synthetic(mu=0.5, sigma=0.8, dt_ns=day_ns, count=n + 1, batch_size=50_000, seed=5)
    batches, _ = kit.read_all(open_feed(feed))
    returns = np.diff(np.log(kit.column(batches, "price")))
    dt = day_ns / YEAR_NS
    mean, std = (0.5 - 0.8**2 / 2) * dt, 0.8 * math.sqrt(dt)
    assert len(returns) == n
    assert abs(returns.mean() - mean) < 4 * std / math.sqrt(n)
    assert abs(returns.std(ddof=1) - std) < 4 * std / math.sqrt(2 * n)


def test_zero_volatility_is_pure_drift(kit: Any) -> None:
    """sigma = 0: S(t) = s0 · exp(mu·t) exactly, t in years."""
    feed = kit.synthetic(mu=0.2, sigma=0.0, dt_ns=3600 * 10**9, count=24 * 365 + 1)
    batches, _ = kit.read_all(open_feed(feed))
    price = kit.column(batches, "price")
    assert price[-1] == pytest.approx(100.0 * math.exp(0.2), rel=1e-9)


def test_empty_feed(kit: Any) -> None:
    reader = open_feed(kit.synthetic(count=0))
    with pytest.raises(StopIteration):
        reader.next_batch()
