"""Avellaneda–Stoikov with venue latency: a re-quote cancels the previous quotes, but a
cancel takes effect only after the latency, so those quotes may still fill. The inventory
limit must count them, or the position runs past max_inventory."""

from __future__ import annotations

import random

import pytest
from engine_builders import MS, instrument, make_plan, quote_feed, quotes, run

from orderloom.dsl.kinds.market_maker import MarketMakerParams
from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import Strategy

XYZ = "XYZ/USD@sim"


@pytest.mark.parametrize("latency_ms", [0, 7, 12])
def test_inventory_never_passes_max_inventory(latency_ms: int) -> None:
    """A seeded ±0.05 random walk of mids every 5 ms, Poisson fills (A 140, k 1.5), A–S
    quotes of 1 unit re-sent every step with max_inventory 2: the position summed from the
    fills reaches 2 and never passes it, whatever the latency (a latency of exactly one step
    would cancel every quote before it could fill: 7 and 12 ms leave quotes resting)."""
    rng = random.Random(11)
    ts, mids, s = [], [], 100.0
    for i in range(2000):
        ts.append(i * 5 * MS)
        mids.append(round(s, 2))
        s += 0.05 if rng.random() < 0.5 else -0.05
    params = MarketMakerParams(
        XYZ, "avellaneda_stoikov", 0.1, 1.5, 2.0, 10_000 * MS, 1.0, 2.0, 0.0, 0.0, None
    )
    strategy = Strategy("mm", "mm", "market_maker", (XYZ,), "sim", params)
    venue = SimulatedVenueParams(
        latency_ns=latency_ms * MS, fill_model="intensity", intensity_a=140.0, intensity_k=1.5
    )
    plan = make_plan(
        [strategy],
        instruments=[instrument(XYZ, 0.01, 1.0)],
        feeds=[quote_feed(instrument_id=XYZ)],
        venue=venue,
    )
    _, out = run(plan, "mm", [[quotes(ts, mids, mids, instrument_id=XYZ)]])
    position, extreme = 0.0, 0.0
    for fill in sorted(out.dicts("fills"), key=lambda f: (f["ts_ns"], f["fill_id"])):
        position += fill["side"] * fill["qty"]
        extreme = max(extreme, abs(position))
    assert len(out.dicts("fills")) > 50
    assert extreme == pytest.approx(2.0)
