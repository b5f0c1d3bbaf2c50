"""Signal strategy: with target `if ema(last,10) > ema(last,50) then 0.01 else -0.01` it
sends one order when the EMAs are warm and one per crossing after that — counted here with a
plain loop over the tape."""

from __future__ import annotations

import random
from itertools import pairwise

import pytest
from engine_builders import (
    BTC,
    MS,
    make_plan,
    run,
    signal_strategy,
    split,
    trades,
)

from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import RiskLimits


def random_walk(n: int, seed: int):
    rng = random.Random(seed)
    price, prices = 100.0, []
    for _ in range(n):
        price = round(price + rng.gauss(0, 0.05), 2)
        prices.append(price)
    return [1_700_000_000_000_000_000 + i * 10 * MS for i in range(n)], prices


def ema_regimes(prices: list[float]) -> list[bool]:
    """ema10 > ema50 at every print from the 50th on (alpha = 2/(N+1), seeded with the
    first price; both EMAs are warm after 50 prints)."""
    fast = slow = prices[0]
    regimes = []
    for i, p in enumerate(prices):
        if i:
            fast += 2 / 11 * (p - fast)
            slow += 2 / 51 * (p - slow)
        if i >= 49:
            regimes.append(fast > slow)
    return regimes


@pytest.mark.parametrize(("latency_ms", "seed"), [(0, 1), (5, 2), (25, 3)])
def test_orders_are_one_plus_crossings(latency_ms, seed):
    times, prices = random_walk(6000, seed)
    regimes = ema_regimes(prices)
    crossings = sum(a != b for a, b in pairwise(regimes))
    plan = make_plan([signal_strategy()], venue=SimulatedVenueParams(latency_ns=latency_ms * MS))
    batches = split(trades(times, prices, 1.0), 777)
    engine, out = run(plan, "sig", [[b] for b in batches])
    assert crossings > 50
    assert engine.stats.orders == 1 + crossings
    sent = out.where("orders", status="new")
    assert len(sent) == 1 + crossings
    first = 1 if regimes[0] else -1
    assert (sent[0]["side"], sent[0]["qty"], sent[0]["ts_ns"]) == (first, 0.01, times[49])
    assert all(r["qty"] == 0.02 for r in sent[1:])
    assert [r["side"] for r in sent] == [first * (-1) ** i for i in range(len(sent))]
    # position + whatever the end of input cancelled = the last target
    unfilled = sum(
        r["side"] * (r["qty"] - r["filled_qty"])
        for r in out.where("orders", status="cancelled", reason="end of replay")
    )
    final = 0.01 if regimes[-1] else -0.01
    assert engine.ctx.position(0) + unfilled == pytest.approx(final)


def test_min_trade_qty_and_refused_target_not_retried():
    """Target 0.5 with max_position 0.3: the first order is refused once (one risk event),
    not on every print; with min_trade_qty 0.01 a target of 0.005 never trades."""
    times, prices = random_walk(300, 4)
    plan = make_plan([signal_strategy(target="0.5")], risk=RiskLimits(max_position=((BTC, 0.3),)))
    engine, out = run(plan, "sig", [[trades(times, prices)]])
    assert len(out.rows["risk_events"]) == 1
    assert engine.stats.rejects == 1

    plan = make_plan([signal_strategy(target="0.005", min_trade_qty=0.01)])
    engine, out = run(plan, "sig", [[trades(times, prices)]])
    assert engine.stats.orders == 0
