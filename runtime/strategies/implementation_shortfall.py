"""Implementation shortfall: the schedule of `schedule.py` along the Almgren–Chriss (2000)
discrete optimal trajectory, computed once from the kind's parameters (time in seconds)."""

from __future__ import annotations

import math

from orderloom.dsl.kinds.implementation_shortfall import NS_PER_S, ImplementationShortfallParams
from orderloom.runtime.strategies.base import StrategySetup
from orderloom.runtime.strategies.schedule import ScheduledExecution


def ac_kappa(
    risk_aversion: float,
    volatility: float,
    temporary_impact: float,
    permanent_impact: float,
    tau_s: float,
) -> float:
    """κ (per second) solving cosh(κτ) = 1 + λσ²τ²/(2η̃), η̃ = η − γτ/2."""
    eta_tilde = temporary_impact - permanent_impact * tau_s / 2
    if not eta_tilde > 0:
        raise ValueError(f"η̃ = η − γτ/2 must be positive, got {eta_tilde}")
    a = risk_aversion * volatility**2 * tau_s**2 / (2 * eta_tilde)
    # acosh(1 + a) = log1p(a + sqrt(a(a + 2))): exact for tiny a, where 1 + a rounds to 1.
    return math.log1p(a + math.sqrt(a * (a + 2))) / tau_s


def ac_holdings(kappa: float, duration_s: float, slices: int) -> list[float]:
    """Holdings x_j / X = sinh(κ(T − t_j)) / sinh(κT) at t_j = jT/N, j = 0..N (1 … 0)."""
    if kappa * duration_s < 1e-12:  # the limit κ → 0: the straight line of TWAP
        return [(slices - j) / slices for j in range(slices + 1)]
    # sinh(a)/sinh(b) = e^(a−b) (1 − e^(−2a)) / (1 − e^(−2b)): no overflow for large κT.
    big = -math.expm1(-2 * kappa * duration_s)
    out = []
    for j in range(slices + 1):
        left = kappa * duration_s * (slices - j) / slices
        out.append(math.exp(left - kappa * duration_s) * -math.expm1(-2 * left) / big)
    return out


class ImplementationShortfallStrategy(ScheduledExecution):
    kind = "implementation_shortfall"

    def __init__(self, setup: StrategySetup) -> None:
        super().__init__(setup)
        params: ImplementationShortfallParams = setup.node.params
        duration_s = params.duration_ns / NS_PER_S
        tau_s = duration_s / params.slices
        self.kappa = ac_kappa(
            params.risk_aversion,
            params.volatility,
            params.temporary_impact,
            params.permanent_impact,
            tau_s,
        )
        self.holdings = ac_holdings(self.kappa, duration_s, params.slices)
        # Child j trades x_(j−1) − x_j: slice index i sends the weight of j = i + 1.
        self.weights = [self.holdings[i] - self.holdings[i + 1] for i in range(params.slices)]
