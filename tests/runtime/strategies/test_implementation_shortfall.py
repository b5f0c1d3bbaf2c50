"""Implementation shortfall: children along the Almgren–Chriss trajectory, checked against
the closed form computed here with math.sinh / math.acosh; λ = 0 is TWAP."""

from __future__ import annotations

import itertools
import math

import pytest
from engine_builders import BTC, MS, SECOND, expr, make_plan, run, trades, twap_strategy

from orderloom.dsl.kinds.implementation_shortfall import ImplementationShortfallParams
from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.plan import Strategy
from orderloom.runtime.strategies.implementation_shortfall import ac_holdings, ac_kappa

T0 = 1_700_000_040 * SECOND
LOT = 0.001


def is_strategy(
    *,
    quantity: float,
    start_ns: int,
    duration_ns: int,
    slices: int,
    risk_aversion: float,
    volatility: float = 4.0,
    temporary_impact: float = 200.0,
    permanent_impact: float = 0.0,
    side: str = "sell",
    limit_price: str | None = None,
) -> Strategy:
    limit = expr(limit_price, [BTC], "price") if limit_price else None
    params = ImplementationShortfallParams(
        BTC,
        side,
        quantity,
        start_ns,
        duration_ns,
        slices,
        risk_aversion,
        volatility,
        temporary_impact,
        permanent_impact,
        limit,
    )
    return Strategy("is", "is", "implementation_shortfall", (BTC,), "sim", params)


def steady_tape(seconds: int, step_ms: int = 250):
    """A print every step with a small deterministic wiggle, 0.5 each."""
    times = [T0 + i * step_ms * MS for i in range(seconds * 1000 // step_ms)]
    prices = [40_000.0 + (i % 7) * 0.5 for i in range(len(times))]
    return times, prices, [0.5] * len(times)


def sent(out) -> list[tuple[int, int, int]]:
    return [
        (r["ts_ns"], round(r["qty"] / LOT), r["side"]) for r in out.where("orders", status="new")
    ]


def test_children_follow_the_almgren_chriss_closed_form():
    """Sell X = 10 (10_000 lots) over T = 1 h in N = 12 slices (τ = 300 s), λ = 2e-5 per USDT,
    σ = 4 USDT/√s, η = 200 USDT/(BTC/s), γ = 0.5 USDT/BTC; market children, all filled
    before the next slice.

    Closed form (AC 2000): η̃ = η − γτ/2 = 200 − 75 = 125, cosh(κτ) = 1 + λσ²τ²/(2η̃) =
    1.1152, holdings x_j = X·sinh(κ(T − t_j))/sinh(κT), child j (1-based) trades
    n_j = x_(j−1) − x_j. In lots, with everything filled, slice j sends
    floor(unsent·n_j/x_(j−1)) (the remaining n add up to x_(j−1)), unsent being X minus what
    the earlier children filled, and the last slice the rest: each child is within one lot
    of n_j, except the last, which also takes the rounding remainders (< N lots)."""
    lam, sigma, eta, gamma = 2e-5, 4.0, 200.0, 0.5
    n_slices, tau = 12, 300.0
    big_t = n_slices * tau
    eta_tilde = eta - gamma * tau / 2
    assert eta_tilde == 125.0
    kappa = math.acosh(1 + lam * sigma**2 * tau**2 / (2 * eta_tilde)) / tau
    assert lam * sigma**2 * tau**2 / (2 * eta_tilde) == pytest.approx(0.1152)
    x_lots = 10_000
    x = [
        x_lots * math.sinh(kappa * (big_t - j * tau)) / math.sinh(kappa * big_t) for j in range(13)
    ]
    ideal = [x[j - 1] - x[j] for j in range(1, 13)]

    unsent, expected = x_lots, []
    for j in range(1, 13):
        lots = unsent if j == 12 else math.floor(unsent * ideal[j - 1] / x[j - 1])
        expected.append(lots)
        unsent -= lots
    assert all(abs(lots - n) < 1 for lots, n in zip(expected[:-1], ideal, strict=False))
    assert 0 <= expected[-1] - ideal[-1] < n_slices
    assert sum(expected) == x_lots
    assert expected[0] > 2 * expected[-1]  # risk aversion front-loads

    times, prices, sizes = steady_tape(3700)
    start = T0 + 10 * SECOND
    plan = make_plan(
        [
            is_strategy(
                quantity=10.0,
                start_ns=start,
                duration_ns=3600 * SECOND,
                slices=n_slices,
                risk_aversion=lam,
                volatility=sigma,
                temporary_impact=eta,
                permanent_impact=gamma,
            )
        ],
        venue=SimulatedVenueParams(latency_ns=5 * MS),
    )
    engine, out = run(plan, "is", [[trades(times, prices, sizes)]])

    assert engine.strategy.kappa == pytest.approx(kappa, rel=1e-12)
    assert sent(out) == [(start + j * 300 * SECOND, lots, -1) for j, lots in enumerate(expected)]
    assert sum(round(f["qty"] / LOT) for f in out.dicts("fills")) == x_lots
    assert engine.ctx.position(0) == -10.0


def test_zero_risk_aversion_trades_exactly_like_twap():
    """λ = 0 makes κ = 0 and the trajectory the straight line x_j = X(1 − j/N): the same
    orders and fills as `twap` on the same tape (here with resting limit children that
    roll over)."""
    times, prices, sizes = steady_tape(1900)
    prices = [p + 3.0 * math.sin(i / 40) for i, p in enumerate(prices)]
    sizes = [0.01 + (i % 5) * 0.02 for i in range(len(times))]
    batch = trades(times, prices, sizes)
    venue = SimulatedVenueParams(latency_ns=MS)
    kwargs = {
        "quantity": 2.5,
        "start_ns": T0 + 7 * SECOND,
        "duration_ns": 1800 * SECOND,
        "slices": 30,
        "limit_price": "last * (1 - 2bps)",
    }

    def rows(strategy: Strategy, name: str):
        _, out = run(make_plan([strategy], venue=venue), name, [[batch]])
        drop = {"order_id", "strategy", "fill_id"}
        return [
            [{k: v for k, v in r.items() if k not in drop} for r in out.dicts(table)]
            for table in ("orders", "fills")
        ]

    ac = rows(is_strategy(risk_aversion=0.0, side="buy", **kwargs), "is")
    twap = rows(twap_strategy(**kwargs), "twap")
    assert ac == twap
    assert any(r["status"] == "cancelled" and r["filled_qty"] > 0 for r in ac[0])


def test_tiny_risk_aversion_gives_equal_slices():
    """λ → 0 (1e-15): κT ≈ 0, so X = 6 splits into 12 equal children of 500 lots."""
    times, prices, sizes = steady_tape(800)
    plan = make_plan(
        [
            is_strategy(
                quantity=6.0,
                start_ns=T0 + SECOND,
                duration_ns=720 * SECOND,
                slices=12,
                risk_aversion=1e-15,
            )
        ]
    )
    engine, out = run(plan, "is", [[trades(times, prices, sizes)]])
    assert 0 < engine.strategy.kappa * 720 < 1e-5
    assert [lots for _, lots, _ in sent(out)] == [500] * 12


def test_trajectory_math_matches_sinh_and_survives_large_kappa():
    """ac_holdings equals sinh(κ(T − t_j))/sinh(κT) where sinh is finite, and stays finite,
    decreasing from 1 to 0, where it is not (κT = 2000: sinh overflows a double)."""
    kappa = ac_kappa(1e-4, 3.0, 100.0, 0.0, 60.0)
    assert math.cosh(kappa * 60.0) == pytest.approx(1 + 1e-4 * 9 * 3600 / 200)
    holdings = ac_holdings(kappa, 600.0, 10)
    closed = [math.sinh(kappa * (600 - 60 * j)) / math.sinh(kappa * 600) for j in range(11)]
    assert holdings == pytest.approx(closed, rel=1e-12, abs=1e-15)

    steep = ac_holdings(2.0, 1000.0, 50)
    assert steep[0] == 1.0 and steep[-1] == 0.0
    assert all(math.isfinite(h) for h in steep)
    assert all(a > b for a, b in itertools.pairwise(steep) if a > 0)
    assert steep[1] == pytest.approx(math.exp(-2.0 * 20), rel=1e-9)  # e^(−κτ) after 1 slice
