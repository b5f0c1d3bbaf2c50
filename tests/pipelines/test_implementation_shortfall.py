"""pipelines/implementation_shortfall.yaml backtests: the twelve children are the
Almgren–Chriss trajectory's trades, computed here from the closed form."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, cli

LOT = 0.001  # ETH/USDT@sim in pipelines/shared/sim.yaml


@pytest.mark.slow
def test_implementation_shortfall_sells_along_the_trajectory(tmp_path: Path) -> None:
    """X = 50 ETH, T = 3600 s, N = 12 (τ = 300 s), λ = 2e-4, σ = 0.25, η = 25, γ = 0.01:
    η̃ = η − γτ/2 = 23.5, cosh(κτ) = 1 + λσ²τ²/(2η̃), x_j = X sinh(κ(T − t_j))/sinh(κT).
    Every market child fills before the next slice, so slice j sends
    floor(unsent · (x_(j−1) − x_j) / x_(j−1)) lots and the last the rest: front-loaded."""
    tau, n = 300.0, 12
    kappa = math.acosh(1 + 2e-4 * 0.25**2 * tau**2 / (2 * (25 - 0.01 * tau / 2))) / tau
    x = [50_000 * math.sinh(kappa * tau * (n - j)) / math.sinh(kappa * tau * n) for j in range(13)]
    unsent, expected = 50_000, []
    for j in range(1, 13):
        lots = unsent if j == 12 else math.floor(unsent * (x[j - 1] - x[j]) / x[j - 1])
        expected.append(lots)
        unsent -= lots
    assert expected == sorted(expected, reverse=True) and expected[0] > 2 * expected[-1]

    sink = f"chdb://{tmp_path / 'ch'}"
    cli("deploy", str(ROOT / "pipelines/implementation_shortfall.yaml"), "--sink", sink,
        "--run-id", "is", "--no-progress")  # fmt: skip
    out = cli(
        "sql",
        "SELECT toFloat64(qty), side, (SELECT round(sum(toFloat64(qty)), 6) FROM fills "
        "WHERE run_id = 'is') FROM orders FINAL WHERE run_id = 'is' AND status = 'new' "
        "ORDER BY ts_ns",
        "--sink", sink, "--format", "csv",
    ).stdout  # fmt: skip
    rows = [line.split(",") for line in out.strip().splitlines()[1:]]
    assert [round(float(qty) / LOT) for qty, _, _ in rows] == expected
    assert {(side, float(filled)) for _, side, filled in rows} == {("-1", 50.0)}
