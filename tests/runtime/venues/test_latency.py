"""Entry and market-data latency: a fixed latency plus the market-data latency delays an
order's arrival by their sum; drawn latencies follow their distribution, are never negative,
repeat exactly under the same seed, and messages of one instance arrive in send order."""

from __future__ import annotations

import math

import numpy as np
import pytest
from engine_builders import MS, SECOND, run
from venue_builders import Send, book, path, script, venue_plan

from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.runtime.venues.latency import EntryLatency


def drawn(dist: str, a: float, b: float = 0.0, seed: int = 1, md_ns: int = 0) -> EntryLatency:
    return EntryLatency(
        SimulatedVenueParams(
            latency_dist=dist, latency_a_ns=a, latency_b=b, latency_seed=seed, md_latency_ns=md_ns
        )
    )


def test_fixed_plus_market_data_latency():
    """latency 5 ms, market_data_latency 3 ms: an order sent on the 1 s event is accepted at
    1 s + 8 ms; its cancel, sent on the 2 s event, lands at 2 s + 8 ms."""
    venue = SimulatedVenueParams(latency_ns=5 * MS, md_latency_ns=3 * MS)
    quotes = book(
        [1 * SECOND, 2 * SECOND, 3 * SECOND], [99.98] * 3, [5.0] * 3, [100.0] * 3, [5.0] * 3
    )
    sends = [Send(0, 1, 1.0, 99.0), Send(1, cancel=0)]
    _, out = run(venue_plan(venue), "script", [[quotes]], factory=script(sends))
    assert path(out, "script-000001") == [
        ("new", 1 * SECOND, ""),
        ("accepted", 1 * SECOND + 8 * MS, ""),
        ("cancelled", 2 * SECOND + 8 * MS, "cancelled"),
    ]


@pytest.mark.parametrize(
    ("dist", "a", "b", "mean", "std"),
    [
        ("uniform", 2e6, 6e6, 4e6, 4e6 / math.sqrt(12)),
        ("normal", 5e6, 1e6, 5e6, 1e6),
        (
            "lognormal",
            3e6,
            0.5,
            3e6 * math.exp(0.125),
            3e6 * math.sqrt((math.e**0.25 - 1) * math.e**0.25),
        ),
        ("exponential", 4e6, 0.0, 4e6, 4e6),
    ],
)
def test_distribution_moments(dist, a, b, mean, std):
    """20,000 draws: sample mean within 4 standard errors of the closed-form mean, sample
    standard deviation within 5%; all non-negative whole nanoseconds."""
    n = 20_000
    values = np.asarray(drawn(dist, a, b).sample(n), dtype=float)
    assert values.min() >= 0
    assert abs(values.mean() - mean) < 4 * std / math.sqrt(n)
    assert values.std() == pytest.approx(std, rel=0.05)
    if dist == "uniform":
        assert a <= values.min() and values.max() <= b


def test_negative_draws_count_as_zero():
    """normal(mean 1 ms, std 5 ms): P(draw < 0) = Φ(-0.2) ≈ 0.4207 of the draws become 0."""
    values = np.asarray(drawn("normal", 1e6, 5e6).sample(20_000))
    phi = 0.5 * math.erfc(0.2 / math.sqrt(2))
    assert values.min() == 0
    assert (values == 0).mean() == pytest.approx(phi, abs=0.015)


def test_same_seed_same_draws_other_seed_other_draws():
    assert drawn("exponential", 4e6, seed=3).sample(50) == drawn("exponential", 4e6, seed=3).sample(
        50
    )
    assert drawn("exponential", 4e6, seed=3).sample(50) != drawn("exponential", 4e6, seed=4).sample(
        50
    )


def test_messages_arrive_in_send_order():
    """uniform 0–100 ms draws, one message per ms: no arrival is earlier than the previous
    one (FIFO), none earlier than its send time + market-data latency + its own draw."""
    latency = drawn("uniform", 0.0, 100e6, md_ns=2 * MS)
    draws = drawn("uniform", 0.0, 100e6).sample(500)
    arrivals = [latency.arrival_ns(k * MS) for k in range(500)]
    assert arrivals == sorted(arrivals)
    assert all(
        t >= k * MS + 2 * MS + d for k, (t, d) in enumerate(zip(arrivals, draws, strict=True))
    )
    # FIFO only ever delays: each arrival is the max of its own and the previous one.
    expected = []
    last = -1
    for k, d in enumerate(draws):
        last = max(last, k * MS + 2 * MS + d)
        expected.append(last)
    assert arrivals == expected


def test_drawn_latency_in_the_engine_is_deterministic():
    """Two runs with the same seed accept every order at the same times, in id order."""
    venue = SimulatedVenueParams(latency_dist="exponential", latency_a_ns=20e6, latency_seed=5)
    n = 20
    quotes = book(
        [k * 10 * MS + SECOND for k in range(n)], [99.98] * n, [5.0] * n, [100.0] * n, [5.0] * n
    )
    sends = [Send(k, 1, 1.0, 99.0) for k in range(n - 1)]
    times = []
    for _ in range(2):
        _, out = run(venue_plan(venue), "script", [[quotes]], factory=script(sends))
        times.append([r["ts_ns"] for r in out.where("orders", status="accepted")])
    assert times[0] == times[1]
    assert times[0] == sorted(times[0])
    assert len(times[0]) > 5
