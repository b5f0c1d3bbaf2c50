"""Feed kind `synthetic`: a seeded random market (geometric Brownian motion) for tests,
research and capacity planning."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SyntheticParams:
    model: str  # "gbm"
    seed: int
    s0: float  # starting price
    mu: float  # drift per year
    sigma: float  # volatility per sqrt(year)
    dt_ns: int  # event spacing
    start_ns: int  # first event time (UTC ns)
    count: int  # number of events (horizon / dt when a horizon is given)
    qty_mean: float = 0.1  # mean trade size (exponential)
    spread_bps: float = 2.0  # quotes: full spread around the path
    batch_size: int = 10_000
