"""The `intensity` fill model: Poisson fills of resting quotes for market-making research on
synthetic mid-price paths (Avellaneda & Stoikov 2008, section 4).

Assumptions:
- The instrument's quotes feed carries the mid price (bid = ask = mid for a zero-spread
  synthetic stream; otherwise the mid is (bid + ask) / 2). Trades are not used.
- A resting limit order at distance δ from the mid (buy: mid - price, sell: price - mid)
  meets market orders at rate λ(δ) = A·exp(-k·δ) per second of event time. Between two quote
  events t0 < t1 it fills completely, at its limit price, as maker, with probability
  1 - exp(-λ(δ)·(t1 - max(t0, arrival))), δ measured from the mid at t0 (the mid the quote
  was set against); then the mid moves. A δ below zero (a quote through the mid) is not
  crossed against the book: it only fills faster (λ > A), as in the paper.
- At most one draw per order per quote event, in book order (buys best first, then sells),
  from a generator seeded by `seed` on its own stream, so the same seed gives the same fills
  and the draws never coincide with a synthetic feed's draws under the same seed.
"""

from __future__ import annotations

import math

import numpy as np

from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.runtime.engine.oms import Order

_NAN = math.nan
_DRAW_BLOCK = 4096
# Mixed into the seed so a fill model and a synthetic feed given the same seed draw
# independent streams.
_STREAM = 0x1F111


class IntensityFills:
    """Per-slot mid memory and the seeded draws; the venue asks it which orders fill."""

    __slots__ = ("_draws", "_next", "_rng", "a", "arrival_ns", "k", "mid", "mid_ns")

    def __init__(self, params: SimulatedVenueParams, slots: int) -> None:
        self.a = float(params.intensity_a)
        self.k = float(params.intensity_k)
        self._rng = np.random.default_rng((int(params.seed), _STREAM))
        self._draws: list[float] = []
        self._next = 0
        self.mid = [_NAN] * slots  # mid at the previous quote event
        self.mid_ns = [0] * slots
        self.arrival_ns: dict[Order, int] = {}  # resting orders: when they reached the book

    def filled(self, orders: list[Order], side: int, slot: int, ts_ns: int) -> list[Order]:
        """The open orders of one side that fill over (previous quote, ts_ns]."""
        mid = self.mid[slot]
        if mid != mid or not orders:
            return []
        since = self.mid_ns[slot]
        arrival = self.arrival_ns
        a, k = self.a, self.k
        out = []
        for order in orders:
            if not order.is_open:
                continue
            dt_s = (ts_ns - max(since, arrival.get(order, since))) / 1e9
            if dt_s <= 0.0:
                continue
            delta = mid - order.price if side > 0 else order.price - mid
            probability = -math.expm1(-a * math.exp(-k * delta) * dt_s)
            if self._uniform() < probability:
                out.append(order)
        return out

    def moved(self, slot: int, ts_ns: int, mid: float) -> None:
        self.mid[slot] = mid
        self.mid_ns[slot] = ts_ns

    def _uniform(self) -> float:
        # Drawn in blocks: one numpy call per few thousand fill tests, same sequence.
        if self._next == len(self._draws):
            self._draws = self._rng.random(_DRAW_BLOCK).tolist()
            self._next = 0
        value = self._draws[self._next]
        self._next += 1
        return value
