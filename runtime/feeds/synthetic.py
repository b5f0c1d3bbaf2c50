"""The synthetic feed: a seeded price path sampled every `dt_ns`, as trades (path price,
exponential sizes, random sides) or quotes (a fixed spread around the path).

`gbm`, exact steps: S(t+dt) = S(t) · exp((mu - sigma²/2)·dt + sigma·sqrt(dt)·Z), dt in years of
365 days. `jump_diffusion` (Merton 1976): the gbm step plus the sum of N ~ Poisson(jump_rate·dt)
jumps of log price, each N(jump_mean, jump_std²); a sum of N such normals is drawn exactly as
N·jump_mean + jump_std·sqrt(N)·Z', one draw per step that has jumps. `brownian` (Avellaneda &
Stoikov 2008, section 4): S(t+dt) = S(t) ± sigma·sqrt(dt) with equal probability, dt in
seconds, plus the same compound-Poisson sum in price units when it has a jump rate. The first
event is at `start_ns` with price `s0`.
Batches are drawn in order from one numpy Generator (jumps from a second one on their own
stream, so a jump model shares every diffusion, size and side draw with its jump-free model),
so the same seed and batch_size give the same batches, and resuming replays the draws before
the resume point (exact, and cheap next to downstream work).
"""

from __future__ import annotations

import math

import numpy as np

from orderloom.dsl.errors import DataError
from orderloom.dsl.kinds.synthetic import MODELS, SyntheticParams
from orderloom.dsl.plan import Feed
from orderloom.runtime.events import MarketBatch, QuoteBatch, TradeBatch
from orderloom.runtime.feeds.reader import FeedReader, ReadBatch

YEAR_NS = 365 * 24 * 3600e9
# Mixed into the seed of the jump draws, so they never coincide with the path's own stream
# (or with a fill model or latency stream given the same seed).
_JUMP_STREAM = 0x1A3B


class SyntheticReader(FeedReader):
    def __init__(self, feed: Feed, start_offset: int = 0) -> None:
        super().__init__(feed, start_offset)
        params: SyntheticParams = feed.params
        _check(feed, params)
        self.params = params
        self.total_hint = params.count
        self._rng = np.random.default_rng(params.seed)
        self._brownian = params.model == "brownian"
        dt_years = params.dt_ns / YEAR_NS
        self._drift = (params.mu - 0.5 * params.sigma**2) * dt_years
        self._vol = params.sigma * math.sqrt(dt_years)
        self._step = params.sigma * math.sqrt(params.dt_ns / 1e9)  # brownian: ± per step
        # The walk so far at the last event drawn: log(S/s0) (gbm, jump_diffusion) or S - s0.
        self._walked = 0.0
        self._half_spread = params.spread_bps / 2 / 1e4
        # Jumps: the expected count per step (rate in years for jump_diffusion, seconds for
        # brownian, like sigma) and their own generator; jump-free models never touch it.
        self._jumps = params.jump_rate > 0 and params.model != "gbm"
        self._jumps_per_step = params.jump_rate * (
            params.dt_ns / 1e9 if self._brownian else dt_years
        )
        self._jump_rng = (
            np.random.default_rng((int(params.seed), _JUMP_STREAM)) if self._jumps else None
        )
        self.jump_count = 0  # jumps in the events generated so far (from offset 0)
        self._drawn = 0  # events generated so far (batch-aligned from 0)
        # Regenerate (and drop) the batches before the resume point so every later draw is
        # the one the uninterrupted run made.
        self._pending: MarketBatch | None = None
        if start_offset >= params.count:
            self._drawn = params.count
            return
        while self._drawn + params.batch_size <= start_offset:
            self._generate()
        if self._drawn < start_offset:
            batch = self._generate()
            self._pending = _tail(batch, start_offset - batch.offset)

    def next_batch(self) -> ReadBatch:
        if self._pending is not None:
            batch, self._pending = self._pending, None
        elif self._drawn < self.params.count:
            batch = self._generate()
        else:
            raise StopIteration
        self.offset = batch.offset + len(batch)
        return batch, []

    def _generate(self) -> MarketBatch:
        params = self.params
        rng = self._rng
        start = self._drawn
        n = min(params.batch_size, params.count - start)
        if self._brownian:
            steps = np.where(rng.random(n) < 0.5, self._step, -self._step)
        else:
            steps = self._drift + self._vol * rng.standard_normal(n)
        if start == 0:
            steps[0] = 0.0  # the first event is s0 itself
        if self._jumps:
            self._add_jumps(steps, start == 0)
        walked = self._walked + np.cumsum(steps)
        self._walked = float(walked[-1])
        self._drawn = start + n
        path = params.s0 + walked if self._brownian else params.s0 * np.exp(walked)
        ts_ns = params.start_ns + np.arange(start, start + n, dtype=np.int64) * params.dt_ns
        name, instrument = self.feed.name, self.feed.instrument
        if self.feed.schema == "trades":
            qty = rng.exponential(params.qty_mean, n)
            side = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
            return TradeBatch(name, instrument, start, ts_ns, path, qty, side)
        bid_qty = rng.exponential(params.qty_mean, n)
        ask_qty = rng.exponential(params.qty_mean, n)
        return QuoteBatch(
            name,
            instrument,
            start,
            ts_ns,
            path * (1 - self._half_spread),
            bid_qty,
            path * (1 + self._half_spread),
            ask_qty,
        )

    def _add_jumps(self, steps: np.ndarray, first: bool) -> None:
        """Add each step's compound-Poisson jump sum to `steps` in place (none before s0)."""
        params, jump_rng = self.params, self._jump_rng
        assert jump_rng is not None  # only called when the model has jumps
        counts = jump_rng.poisson(self._jumps_per_step, len(steps))
        if first:
            counts[0] = 0
        hit = np.flatnonzero(counts)
        if len(hit) == 0:
            return
        k = counts[hit]
        self.jump_count += int(k.sum())
        sizes = params.jump_mean * k
        if params.jump_std > 0:
            sizes = sizes + params.jump_std * np.sqrt(k) * jump_rng.standard_normal(len(hit))
        steps[hit] += sizes


def _tail(batch: MarketBatch, skip: int) -> MarketBatch:
    """The batch without its first `skip` rows (a resume point inside a batch)."""
    offset = batch.offset + skip
    if isinstance(batch, TradeBatch):
        return TradeBatch(
            batch.feed,
            batch.instrument,
            offset,
            batch.ts_ns[skip:],
            batch.price[skip:],
            batch.qty[skip:],
            batch.side[skip:],
        )
    return QuoteBatch(
        batch.feed,
        batch.instrument,
        offset,
        batch.ts_ns[skip:],
        batch.bid_price[skip:],
        batch.bid_qty[skip:],
        batch.ask_price[skip:],
        batch.ask_qty[skip:],
    )


def _check(feed: Feed, params: SyntheticParams) -> None:
    problems = []
    if params.model not in MODELS:
        problems.append(
            f"unknown model '{params.model}'; use `model: gbm`, `model: jump_diffusion` or "
            "`model: brownian`"
        )
    if params.s0 <= 0:
        problems.append(f"s0 must be positive, got {params.s0}")
    if params.sigma < 0:
        problems.append(f"sigma must not be negative, got {params.sigma}")
    if params.dt_ns <= 0:
        problems.append(f"dt_ns must be positive, got {params.dt_ns}")
    if not params.jump_rate >= 0:  # also NaN
        problems.append(f"jump_rate must be 0 or more, got {params.jump_rate}")
    if not params.jump_std >= 0:
        problems.append(f"jump_std must be 0 or more, got {params.jump_std}")
    if not math.isfinite(params.jump_rate) or not math.isfinite(params.jump_mean):
        problems.append(
            f"jump_rate and jump_mean must be finite, got {params.jump_rate}, {params.jump_mean}"
        )
    if params.model == "gbm" and params.jump_rate > 0:
        problems.append("model gbm has no jumps; use `model: jump_diffusion` for jump_rate > 0")
    if params.count < 0:
        problems.append(f"count must not be negative, got {params.count}")
    if params.batch_size <= 0:
        problems.append(f"batch_size must be positive, got {params.batch_size}")
    if feed.schema not in ("trades", "quotes"):
        problems.append(f"unknown schema '{feed.schema}'; use trades or quotes")
    if problems:
        raise DataError(feed.name, None, "; ".join(problems))
