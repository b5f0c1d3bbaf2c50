"""Position and PnL accounting: average price, realized PnL through reductions and flips,
the `positions` rows, and the 60 s event-time `pnl` marks plus the one at end of input."""

from __future__ import annotations

import pytest
from engine_builders import (
    BTC,
    SECOND,
    Act,
    make_plan,
    quote_feed,
    quotes,
    run,
    scripted,
    scripted_strategy,
    trade_feed,
    trades,
)

from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.runtime.engine.lots import LotSpec
from orderloom.runtime.engine.positions import PositionLedger


def test_average_price_realized_and_flip():
    """buy 1 @ 100, buy 1 @ 110 → 2 @ 105; sell 1.5 @ 120 → realized 1.5 × 15 = 22.5, 0.5 @ 105;
    sell 1 @ 100 → closes 0.5 (−2.5, realized 20.0) and opens −0.5 @ 100; buy 0.5 @ 90 →
    realized += 0.5 × 10 = 25.0, flat with avg 0."""
    ledger = PositionLedger("r", "s", [BTC], [LotSpec(0.001, 0.01)])
    ledger.apply_fill(0, 1, 1, 1000, 100.0, 0.1)
    ledger.apply_fill(0, 2, 1, 1000, 110.0, 0.1)
    assert (ledger.position(0), ledger.avg_price[0]) == (2.0, 105.0)
    ledger.apply_fill(0, 3, -1, 1500, 120.0, 0.1)
    assert ledger.position(0) == 0.5 and ledger.realized[0] == pytest.approx(22.5)
    ledger.apply_fill(0, 4, -1, 1000, 100.0, 0.1)
    assert ledger.position(0) == -0.5 and ledger.avg_price[0] == 100.0
    assert ledger.realized[0] == pytest.approx(20.0)
    ledger.apply_fill(0, 5, 1, 500, 90.0, 0.1)
    assert (ledger.position(0), ledger.avg_price[0]) == (0.0, 0.0)
    assert ledger.realized[0] == pytest.approx(25.0)
    assert ledger.fees == pytest.approx(0.5)
    assert [r[3:6] for r in ledger.position_rows] == [
        (1, 1, 1.0),
        (2, 2, 2.0),
        (3, 3, 0.5),
        (4, 4, -0.5),
        (5, 5, 0.0),
    ]


def test_pnl_marks_every_minute_and_at_end():
    """Prints every 10 s from 0 to 200 s, price 100 + t/10 s (100, 101, ...). A market buy of
    2.0 sent at the first print fills at the second (101, taker fee 1 bps = 0.0202). Marks at
    60, 120, 180 s see the last print before them (50 s → 105, 110 s → 111, 170 s → 117);
    unrealized = 2 × (mark − 101). The last mark at 200 s (price 120) also gets a final
    positions row."""
    venue = SimulatedVenueParams(taker_fee_bps=1.0)
    plan = make_plan([scripted_strategy()], venue=venue)
    times = [i * 10 * SECOND for i in range(21)]
    tape = trades(times, [100.0 + i for i in range(21)], 5.0)
    engine, out = run(plan, "script", [[tape]], factory=scripted([Act(0, 1, 2.0)]))
    marks = out.dicts("pnl")
    assert [(m["seq"], m["ts_ns"], m["mark_price"]) for m in marks] == [
        (1, 60 * SECOND, 105.0),
        (2, 120 * SECOND, 111.0),
        (3, 180 * SECOND, 117.0),
        (4, 200 * SECOND, 120.0),
    ]
    for m in marks:
        assert m["position"] == 2.0
        assert m["unrealized"] == pytest.approx(2 * (m["mark_price"] - 101.0))
        assert m["fees"] == pytest.approx(0.0202)
        assert m["realized"] == 0.0
        assert m["total"] == pytest.approx(m["unrealized"] - 0.0202)
    positions = out.dicts("positions")
    assert [(p["seq"], p["ts_ns"], p["position"], p["avg_price"]) for p in positions] == [
        (1, 10 * SECOND, 2.0, 101.0),
        (2, 200 * SECOND, 2.0, 101.0),
    ]
    assert engine.stats.total == pytest.approx(2 * 19.0 - 0.0202)
    assert engine.state.pnl == pytest.approx(engine.stats.total)


def test_mark_uses_mid_when_quoted():
    plan = make_plan([scripted_strategy()], feeds=(trade_feed(), quote_feed()))
    batches = [trades([0], [100.0]), quotes([SECOND], [101.0], [103.0])]
    _, out = run(plan, "script", [batches], factory=scripted([]))
    assert [m["mark_price"] for m in out.dicts("pnl")] == [102.0]
