"""The simulated venue's YAML: every option compiles to its params, and each mistake gets
its own message at its place."""

from __future__ import annotations

import pytest

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.kinds.simulated import SimulatedVenueParams

PIPELINE = """\
orderloom: 1
name: t
instruments:
  BTC/USDT@sim: {{tick_size: 0.01, lot_size: 0.001}}
venues:
  sim: {venue}
feeds:
  btc: {{kind: synthetic, instrument: BTC/USDT@sim, s0: 100, sigma: 0.5, dt: 1s, count: 10}}
"""


def params(venue: str) -> SimulatedVenueParams:
    return compile_text(PIPELINE.format(venue=venue), "<test>").venues[0].params


@pytest.mark.parametrize(
    ("venue", "expected"),
    [
        ("{kind: simulated}", SimulatedVenueParams()),
        (
            "{kind: simulated, latency: 5ms, market_data_latency: 1ms, min_notional: 10 USDT}",
            SimulatedVenueParams(latency_ns=5_000_000, md_latency_ns=1_000_000, min_notional=10.0),
        ),
        (
            "{kind: simulated, latency: {dist: uniform, min: 1ms, max: 3ms, seed: 4}}",
            SimulatedVenueParams(
                latency_dist="uniform", latency_a_ns=1e6, latency_b=3e6, latency_seed=4
            ),
        ),
        (
            "{kind: simulated, latency: {dist: normal, mean: 5ms, std: 500us}}",
            SimulatedVenueParams(latency_dist="normal", latency_a_ns=5e6, latency_b=5e5),
        ),
        (
            "{kind: simulated, latency: {dist: lognormal, median: 2ms, sigma: 0.5}}",
            SimulatedVenueParams(latency_dist="lognormal", latency_a_ns=2e6, latency_b=0.5),
        ),
        (
            "{kind: simulated, latency: {dist: exponential, mean: 4ms}}",
            SimulatedVenueParams(latency_dist="exponential", latency_a_ns=4e6),
        ),
        (
            "{kind: simulated, fill_model: {kind: touch}, self_trade: cancel_oldest, "
            "post_only: reprice}",
            SimulatedVenueParams(
                fill_model="touch", self_trade="cancel_oldest", post_only="reprice"
            ),
        ),
        (
            "{kind: simulated, fill_model: {kind: trades, queue: false}}",
            SimulatedVenueParams(queue_position=False),
        ),
    ],
)
def test_options_compile(venue: str, expected: SimulatedVenueParams) -> None:
    assert params(venue) == expected


# (venue, the text the message points at, message); the column is computed from the text:
# the venue mapping starts at column 8 of line 6 ("  sim: ").
@pytest.mark.parametrize(
    ("venue", "at", "message"),
    [
        (
            "{kind: simulated, latency: {dist: normal, mean: 5ms}}",
            "latency",
            "missing key 'std' in 'latency' of venue 'sim'",
        ),
        (
            "{kind: simulated, latency: {dist: gamma, mean: 5ms}}",
            "gamma",
            "'gamma' is not allowed for 'latency.dist' of venue 'sim': expected "
            "uniform, normal, lognormal, exponential",
        ),
        (
            "{kind: simulated, latency: {dist: uniform, min: 5ms, max: 1ms}}",
            "1ms",
            "uniform latency: max is below min",
        ),
        (
            "{kind: simulated, latency: {dist: exponential, mean: 4ms, std: 1ms}}",
            "1ms",
            "'std' does not apply to latency dist 'exponential'",
        ),
        (
            "{kind: simulated, latency: {dist: exponential, mean: 0ms}}",
            "0ms",
            "exponential mean must be more than 0",
        ),
        ("{kind: simulated, latency: 5}", "5", "'5' has no unit; a duration needs one"),
        (
            "{kind: simulated, market_data_latency: 2bps}",
            "2bps",
            "expected a duration (like 5ms or 1h), found a ratio '2bps'",
        ),
        (
            "{kind: simulated, self_trade: sometimes}",
            "sometimes",
            "'sometimes' is not allowed for 'self_trade' of venue 'sim': expected "
            "none, cancel_newest, cancel_oldest, cancel_both",
        ),
        (
            "{kind: simulated, fill_model: {kind: queue}}",
            "queue",
            "'queue' is not allowed for 'fill_model.kind' of venue 'sim': expected "
            "trades, touch, intensity",
        ),
        ("{kind: simulated, min_notional: -5}", "-5", "min_notional cannot be negative"),
        (
            "{kind: simulated, fill_model: {kind: touch, queue: true}}",
            "true",
            "'queue' applies to fill_model 'trades', not 'touch'",
        ),
    ],
)
def test_mistakes_are_reported_at_their_place(venue: str, at: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        params(venue)
    assert f"<test>:6:{8 + venue.index(at)}: {message}" in str(raised.value)


def test_a_yaml_pipeline_on_the_touch_model_runs_deterministically() -> None:
    """TWAP buying 0.5 BTC in 10 slices over 5 s on synthetic quotes, venue `touch` with
    lognormal latency and 1 ms market-data latency: two runs give identical rows; every
    order is accepted at least 1 ms after it was sent; fills are taker fills, and with mean
    displayed size 0.03 < one slice (0.05) some slices fill in several parts."""
    plan = compile_text(
        """\
orderloom: 1
name: t
instruments:
  BTC/USDT@sim: {tick_size: 0.01, lot_size: 0.001}
venues:
  sim:
    kind: simulated
    fill_model: {kind: touch}
    latency: {dist: lognormal, median: 2ms, sigma: 0.5, seed: 7}
    market_data_latency: 1ms
    fees: {taker: 5bps}
feeds:
  btc: {kind: synthetic, model: gbm, instrument: BTC/USDT@sim, schema: quotes, seed: 1,
        s0: 42000, sigma: 0.5, dt: 100ms, start: 2024-01-01T00:00:00Z, horizon: 8s,
        qty_mean: 0.03}
strategies:
  buy:
    kind: twap
    instrument: BTC/USDT@sim
    side: buy
    quantity: 0.5
    start: 2024-01-01T00:00:00Z
    duration: 5s
    slices: 10
""",
        "<test>",
    )
    from orderloom.runtime.replications import replicate

    _, first = replicate(plan, "r", None)
    _, second = replicate(plan, "r", None)
    assert first == second
    orders = first["orders"]
    sent = {r[1]: r[3] for r in orders if r[11] == "new"}
    accepted = {r[1]: r[3] for r in orders if r[11] == "accepted"}
    assert accepted and all(accepted[o] - sent[o] >= 1_000_000 for o in accepted)
    fills = first["fills"]
    assert fills and {f[12] for f in fills} == {"taker"}
    assert len(fills) > len({f[2] for f in fills})  # more fills than orders filled
