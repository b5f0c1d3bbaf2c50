"""Order entry latency of the simulated venue: fixed, or drawn per message from a seeded
distribution, plus the market-data latency; messages of one session arrive in send order.

A decision made on an event at time t reaches the venue at
t + market_data_latency + entry_latency. Draws below zero count as zero, and a message never
overtakes an earlier one of the same instance on the same venue (one session, FIFO), so a
draw that would land before the previous arrival waits for it.
"""

from __future__ import annotations

import math

import numpy as np

from orderloom.dsl.kinds.simulated import SimulatedVenueParams

_DRAW_BLOCK = 1024
# Mixed into the seed so latency draws never coincide with fill-model or feed draws.
_STREAM = 0x1A7E


class EntryLatency:
    """When each message (new order or cancel) sent at `now_ns` reaches the venue."""

    __slots__ = ("_draws", "_next", "_rng", "a", "b", "dist", "fixed_ns", "last_ns", "md_ns")

    def __init__(self, params: SimulatedVenueParams) -> None:
        self.dist = params.latency_dist
        self.fixed_ns = int(params.latency_ns)
        self.md_ns = int(params.md_latency_ns)
        self.a = float(params.latency_a_ns)
        self.b = float(params.latency_b)
        self._rng = (
            None
            if self.dist == "fixed"
            else np.random.default_rng((int(params.latency_seed), _STREAM))
        )
        self._draws: list[int] = []
        self._next = 0
        self.last_ns = -(2**62)

    def arrival_ns(self, now_ns: int) -> int:
        latency = self.fixed_ns if self._rng is None else self._draw()
        arrival = now_ns + self.md_ns + latency
        if arrival < self.last_ns:  # FIFO: never ahead of an earlier message
            arrival = self.last_ns
        self.last_ns = arrival
        return arrival

    def _draw(self) -> int:
        if self._next == len(self._draws):
            self._draws = self.sample(_DRAW_BLOCK)
            self._next = 0
        value = self._draws[self._next]
        self._next += 1
        return value

    def sample(self, n: int) -> list[int]:
        """The next `n` latencies in ns (consumes the generator)."""
        rng = self._rng
        assert rng is not None
        a, b, dist = self.a, self.b, self.dist
        if dist == "uniform":
            values = rng.uniform(a, b, n)
        elif dist == "normal":
            values = rng.normal(a, b, n)
        elif dist == "lognormal":
            values = rng.lognormal(math.log(a), b, n)
        elif dist == "exponential":
            values = rng.exponential(a, n)
        else:
            raise ValueError(f"unknown latency distribution '{dist}'")
        return np.maximum(np.rint(values), 0.0).astype(np.int64).tolist()
