"""The execution-algorithm kinds (vwap, pov, iceberg, implementation_shortfall) compile to
their params, and each bad value gets its exact message, at its place."""

from __future__ import annotations

import pytest

from orderloom.dsl.compiler import compile_text
from orderloom.dsl.errors import ConfigError
from orderloom.dsl.kinds.iceberg import IcebergParams
from orderloom.dsl.kinds.implementation_shortfall import ImplementationShortfallParams
from orderloom.dsl.kinds.pov import PovParams
from orderloom.dsl.kinds.vwap import DAY_NS, VwapParams
from orderloom.dsl.plan import Plan
from tests.dsl.pipelines import BASE

JAN1 = 1_704_067_200_000_000_000
HOUR = 3_600_000_000_000

HEAD = "strategies:\n  s:\n    instrument: BTC/USDT@sim\n"  # lines 9-11; keys from line 12
VWAP = HEAD + "    kind: vwap\n    side: buy\n    quantity: 2\n    start: 2024-01-01\n"
VWAP += "    duration: 1h\n"  # lines 12-16
POV = HEAD + "    kind: pov\n    side: sell\n    quantity: 2\n    start: 2024-01-01\n"
ICE = HEAD + "    kind: iceberg\n    side: buy\n    quantity: 2\n    price: 99.5\n"
IS = HEAD + (
    "    kind: implementation_shortfall\n    side: sell\n    quantity: 10\n"
    "    start: 2024-01-01\n    duration: 1h\n    risk_aversion: 1e-5\n    volatility: 4\n"
)  # lines 12-18


def params(text: str):
    plan = compile_text(BASE + text, "p.yaml", env={})
    assert Plan.from_json(plan.to_json()) == plan  # the params round-trip through JSON
    return plan.strategies[0].params


def errors(text: str) -> list[tuple[str, str, int, int]]:
    with pytest.raises(ConfigError) as caught:
        compile_text(BASE + text, "p.yaml", env={})
    return [(d.code, d.message, d.span.line, d.span.col) for d in caught.value.diagnostics]


def test_vwap_params() -> None:
    weights = params(VWAP + "    profile: [1, 2, 0, 1]\n")
    assert weights == VwapParams(
        "BTC/USDT@sim", "buy", 2.0, JAN1, HOUR, 4, "weights", (1.0, 2.0, 0.0, 1.0), DAY_NS
    )
    learned = params(VWAP + "    slices: 6\n    profile: learned\n    profile_lag: 2h\n")
    assert (learned.slices, learned.profile, learned.weights) == (6, "learned", ())
    assert learned.profile_lag_ns == 2 * HOUR
    uniform = params(VWAP + "    slices: 3\n    limit_price: last * (1 + 5bps)\n")
    assert (uniform.profile, uniform.slices, uniform.limit_price.type) == ("uniform", 3, "price")


def test_pov_params() -> None:
    assert params(POV + "    rate: 12.5%\n    max_order: 0.1\n") == PovParams(
        "BTC/USDT@sim", "sell", 2.0, 0.125, JAN1, None, 0.0, 0.1
    )
    assert params(POV + "    rate: 1\n    end: 2024-01-01T01:00:00Z\n").end_ns == JAN1 + HOUR


def test_iceberg_params() -> None:
    p = params(ICE + "    display_quantity: 0.5\n    end: 2024-01-02\n")
    assert isinstance(p, IcebergParams)
    assert (p.quantity, p.display_quantity, p.start_ns, p.end_ns) == (
        2.0,
        0.5,
        None,
        JAN1 + 24 * HOUR,
    )
    assert p.price.source == "99.5" and p.price.type == "price"


def test_implementation_shortfall_params() -> None:
    p = params(IS + "    slices: 12\n    temporary_impact: 200\n    permanent_impact: 0.5\n")
    assert p == ImplementationShortfallParams(
        "BTC/USDT@sim", "sell", 10.0, JAN1, HOUR, 12, 1e-5, 4.0, 200.0, 0.5
    )


CASES = [
    (
        "vwap-weights-vs-slices",
        VWAP + "    slices: 3\n    profile: [1, 2]\n",
        [("E0204", "profile has 2 weights but slices is 3", 18, 14)],
    ),
    (
        "vwap-negative-weight",
        VWAP + "    profile: [1, -2]\n",
        [("E0204", "'profile.1' of strategy 's' must be at least 0, found -2", 17, 18)],
    ),
    (
        "vwap-all-zero",
        VWAP + "    profile: [0, 0]\n",
        [("E0204", "profile weights are all 0", 17, 14)],
    ),
    (
        "vwap-unknown-profile",
        VWAP + "    slices: 3\n    profile: learnt\n",
        [
            (
                "E0204",
                "'learnt' is not a profile: expected uniform, learned or a list of weights",
                18,
                14,
            )
        ],
    ),
    (
        "vwap-no-slices",
        VWAP + "    profile: uniform\n",
        [("E0201", "missing key 'slices' (needed with profile 'uniform')", 17, 14)],
    ),
    (
        "vwap-neither-profile-nor-slices",
        VWAP,
        [("E0201", "missing key 'slices' (needed with profile 'uniform')", 10, 3)],
    ),
    (
        "vwap-profile-not-a-list",
        VWAP + "    profile: 3\n",
        [("E0203", "'profile' of strategy 's' must be text or a list, found 3", 17, 14)],
    ),
    (
        "vwap-short-lag",
        VWAP + "    slices: 4\n    profile: learned\n    profile_lag: 30m\n",
        [
            (
                "E0204",
                "profile_lag must be at least the duration, so the volume it learns from has "
                "traded before the first slice",
                19,
                18,
            )
        ],
    ),
    (
        "pov-rate-too-high",
        POV + "    rate: 150%\n",
        [("E0204", "rate must be more than 0% and at most 100%, found 150%", 16, 11)],
    ),
    (
        "pov-rate-zero",
        POV + "    rate: 0\n",
        [("E0204", "rate must be more than 0% and at most 100%, found 0%", 16, 11)],
    ),
    (
        "pov-rate-not-a-ratio",
        POV + "    rate: 5m\n",
        [("E0306", "expected a ratio (like 5bps, 0.2% or 0.0005), found a duration '5m'", 16, 11)],
    ),
    (
        "pov-end-before-start",
        POV + "    rate: 10%\n    end: 2023-12-31\n",
        [("E0204", "end must be after start", 17, 10)],
    ),
    (
        "pov-min-above-max",
        POV + "    rate: 10%\n    min_order: 0.5\n    max_order: 0.2\n",
        [("E0204", "min_order (0.5) is more than max_order (0.2)", 17, 16)],
    ),
    (
        "iceberg-display-above-quantity",
        ICE + "    display_quantity: 3\n",
        [("E0204", "display_quantity (3) is more than quantity (2)", 16, 23)],
    ),
    (
        "iceberg-price-not-a-price",
        ICE.replace("price: 99.5", "price: 5m") + "    display_quantity: 1\n",
        [("E0303", "expected a price, found a duration", 15, 12)],
    ),
    (
        "is-impact-too-small",
        IS + "    slices: 12\n    temporary_impact: 100\n    permanent_impact: 1\n",
        [
            (
                "E0204",
                "temporary_impact (100) must be more than permanent_impact × τ / 2 (150, with "
                "τ = duration / slices = 300 s)",
                20,
                23,
            )
        ],
    ),
    (
        "is-missing-impact",
        IS + "    slices: 12\n",
        [("E0201", "missing key 'temporary_impact' in strategy 's'", 10, 3)],
    ),
    (
        "is-negative-risk-aversion",
        IS.replace("risk_aversion: 1e-5", "risk_aversion: -1")
        + "    slices: 4\n    temporary_impact: 10\n",
        [("E0204", "'risk_aversion' of strategy 's' must be at least 0, found -1", 17, 20)],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_values_are_reported_at_their_place(
    text: str, expected: list[tuple[str, str, int, int]]
) -> None:
    assert errors(text) == expected
