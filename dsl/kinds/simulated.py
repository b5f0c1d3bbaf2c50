"""Venue kind `simulated`: the backtest/paper venue that fills orders against market data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SimulatedVenueParams:
    latency_ns: int = 0  # order entry latency
    maker_fee_bps: float = 0.0
    taker_fee_bps: float = 0.0
