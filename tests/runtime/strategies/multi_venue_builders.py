"""Test builders for one asset on several venues: Plans with a simulated venue per leg (own
fees and latency), a quotes feed per leg, and quote batches with separate bid and ask sizes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from engine_builders import instrument

from orderloom.dsl.kinds.cross_venue_arbitrage import CrossVenueArbitrageParams
from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import Feed, Plan, RiskLimits, Strategy, Venue
from orderloom.runtime.events import QuoteBatch

BINANCE = "BTC/USDT@binance"
OKX = "BTC/USDT@okx"
MS = 1_000_000


def venue(
    name: str, taker_bps: float = 0.0, latency_ms: float = 0.0, maker_bps: float = 0.0
) -> Venue:
    params = SimulatedVenueParams(
        latency_ns=int(latency_ms * MS), maker_fee_bps=maker_bps, taker_fee_bps=taker_bps
    )
    return Venue(name, "simulated", params)


def feed_name(instrument_id: str) -> str:
    """The quotes feed of a leg: named after its venue."""
    return instrument_id.rsplit("@", 1)[1]


def multi_venue_plan(
    strategy: Strategy,
    venues: Sequence[Venue],
    legs: Sequence[str] = (BINANCE, OKX),
    lot_size: float = 0.0001,
    risk: RiskLimits | None = None,
) -> Plan:
    return Plan(
        name="test",
        description="",
        source="<test>",
        instruments=tuple(instrument(leg, 0.01, lot_size) for leg in legs),
        venues=tuple(venues),
        feeds=tuple(Feed(feed_name(leg), "synthetic", leg, "quotes", None) for leg in legs),
        signals=(),
        strategies=(strategy,),
        risk=risk or RiskLimits(),
    )


def arbitrage_strategy(params: CrossVenueArbitrageParams, name: str = "arb") -> Strategy:
    """The instance as the compiler makes it: the first leg traded (slot 0, routed to its own
    venue), the other legs sorted after it."""
    first, *others = params.legs
    venue_name = first.rsplit("@", 1)[1]
    return Strategy(
        name, name, "cross_venue_arbitrage", (first, *sorted(others)), venue_name, params
    )


def leg_quotes(
    instrument_id: str,
    rows: Sequence[tuple[int, float, float, float, float]],
    offset: int = 0,
) -> QuoteBatch:
    """Quotes of one leg from (ts_ns, bid, bid_qty, ask, ask_qty) rows."""
    ts, bid, bid_qty, ask, ask_qty = (list(c) for c in zip(*rows, strict=True))
    return QuoteBatch(
        feed_name(instrument_id),
        instrument_id,
        offset,
        np.asarray(ts, dtype=np.int64),
        np.asarray(bid, dtype=np.float64),
        np.asarray(bid_qty, dtype=np.float64),
        np.asarray(ask, dtype=np.float64),
        np.asarray(ask_qty, dtype=np.float64),
    )
