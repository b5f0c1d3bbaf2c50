"""Synthetic `model: brownian`: the arithmetic ±sigma·sqrt(dt) walk of Avellaneda & Stoikov
(dt in seconds), deterministic per seed, exact across batch boundaries and resumes, and a
zero-spread mid stream by default when compiled from YAML."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from orderloom.dsl.compiler import compile_text
from orderloom.runtime.events import QuoteBatch
from orderloom.runtime.feeds import open_feed

DT_NS = 5_000_000  # 5 ms


def _brownian(kit: Any, **params: Any) -> Any:
    values = {"model": "brownian", "sigma": 2.0, "dt_ns": DT_NS, "count": 200, "mu": 0.0}
    values.update(params)
    return kit.synthetic("quotes", spread_bps=0.0, **values)


def test_each_step_moves_plus_or_minus_sigma_sqrt_dt(kit: Any) -> None:
    (batch,), _ = kit.read_all(open_feed(_brownian(kit, batch_size=200)))
    assert isinstance(batch, QuoteBatch)
    mid = batch.bid_price
    np.testing.assert_array_equal(batch.bid_price, batch.ask_price)  # zero spread: the mid
    assert mid[0] == 100.0
    step = 2.0 * math.sqrt(0.005)  # 0.1414…
    moves = np.diff(mid)
    np.testing.assert_allclose(np.abs(moves), step, rtol=1e-9)
    ups = int((moves > 0).sum())
    # A fair coin over 199 steps: within 4 standard deviations of half.
    assert abs(ups - 199 / 2) < 4 * math.sqrt(199) / 2


def test_walk_continues_across_batches_and_resumes(kit: Any) -> None:
    """Same seed and batch size: a resume inside a batch replays the uninterrupted path."""
    whole, _ = kit.read_all(open_feed(_brownian(kit, batch_size=64)))
    resumed, _ = kit.read_all(open_feed(_brownian(kit, batch_size=64), 100))
    full = kit.column(whole, "bid_price")
    assert [len(b) for b in whole] == [64, 64, 64, 8]
    np.testing.assert_allclose(np.abs(np.diff(full)), 2.0 * math.sqrt(0.005), rtol=1e-9)
    np.testing.assert_array_equal(kit.column(resumed, "bid_price"), full[100:])


def test_variance_grows_as_sigma_squared_t(kit: Any) -> None:
    """Var(S_T - s0) = sigma²·T: over 20,000 one-second paths of 200 steps, checked on the
    pooled terminal values of many seeds (standard error of a variance ≈ var·sqrt(2/n))."""
    finals = []
    for seed in range(300):
        (batch,), _ = kit.read_all(open_feed(_brownian(kit, seed=seed, batch_size=200)))
        finals.append(batch.bid_price[-1] - 100.0)
    var = float(np.var(finals))
    expected = 4.0 * 199 * 0.005
    assert abs(var - expected) < 5 * expected * math.sqrt(2 / 300)


def test_yaml_horizon_and_default_zero_spread() -> None:
    plan = compile_text(
        """\
orderloom: 1
name: t
instruments:
  XYZ/USD@sim: {tick_size: 0.0001, lot_size: 1}
venues:
  sim: {kind: simulated}
feeds:
  mid:
    kind: synthetic
    model: brownian
    instrument: XYZ/USD@sim
    schema: quotes
    s0: 100
    sigma: 2
    dt: 5ms
    horizon: 1s
""",
        "<test>",
    )
    (feed,) = plan.feeds
    assert feed.params.model == "brownian"
    assert feed.params.count == 200 and feed.params.dt_ns == DT_NS
    assert feed.params.spread_bps == 0.0
