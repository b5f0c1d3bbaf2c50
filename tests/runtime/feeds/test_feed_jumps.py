"""Synthetic jumps: `model: jump_diffusion` (Merton 1976: gbm plus compound-Poisson jumps of
log price, rate per year) and jumps on `model: brownian` (additive, rate per second).

Expectations are closed forms for a step of length dt with jump rate λ, jump size N(m, s²):
jumps per run ~ Poisson(λ·T); a jump_diffusion log return has mean (μ - σ²/2)·dt + λ·dt·m and
variance σ²·dt + λ·dt·(s² + m²); its third and fourth cumulants, λ·dt·(m³ + 3ms²) and
λ·dt·(m⁴ + 6m²s² + 3s⁴), give the standard error of a sample variance. Jumps draw on their own
random stream, so a jump feed shares every other draw with its jump-free model."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from orderloom.dsl.compiler import compile_file, compile_text
from orderloom.dsl.errors import ConfigError, DataError
from orderloom.dsl.plan import Plan
from orderloom.runtime.feeds import open_feed
from orderloom.runtime.replications import replicate, seeded, summarise
from tests.integration.conftest import ROOT, cli

YEAR_NS = 365 * 24 * 3600 * 10**9
HOUR_NS = 3600 * 10**9
PER_SECOND_0_1 = 0.1 * YEAR_NS / 10**9  # jumps per year: 0.1 per one-second step


def _jumps(kit: Any, schema: str = "trades", **params: Any) -> Any:
    values = {"model": "jump_diffusion", "jump_rate": 50.0, "jump_mean": -0.01, "jump_std": 0.03}
    values.update(params)
    return kit.synthetic(schema, **values)


def _log_returns(kit: Any, feed: Any) -> tuple[np.ndarray, Any]:
    reader = open_feed(feed)
    batches, _ = kit.read_all(reader)
    return np.diff(np.log(kit.column(batches, "price"))), reader


def test_jump_count_is_poisson_lambda_t(kit: Any) -> None:
    """λ = 50 a year, hourly steps, 200,000 steps (T ≈ 22.8 years): λT ≈ 1141.6 jumps, std
    sqrt(λT) ≈ 33.8. Independently of the reader's count, the path minus the gbm path of the
    same seed moves only at steps with a jump: n·(1 - exp(-λ·dt)) of them on average."""
    n = 200_000
    feed = _jumps(kit, dt_ns=HOUR_NS, count=n + 1, batch_size=50_000, seed=11)
    jump_returns, reader = _log_returns(kit, feed)
    gbm_returns, _ = _log_returns(kit, dataclasses.replace(feed, params=_gbm_of(feed.params)))
    lam_t = 50.0 * n * HOUR_NS / YEAR_NS
    assert abs(reader.jump_count - lam_t) < 4 * math.sqrt(lam_t)
    jump_steps = int(np.count_nonzero(np.abs(jump_returns - gbm_returns) > 1e-12))
    p = 1 - math.exp(-50.0 * HOUR_NS / YEAR_NS)
    assert abs(jump_steps - n * p) < 4 * math.sqrt(n * p * (1 - p))
    # Two jumps in one hour are rare (about n·p²/2 ≈ 3 steps), never more steps than jumps.
    assert jump_steps <= reader.jump_count <= jump_steps + 15


def _gbm_of(params: Any) -> Any:
    return dataclasses.replace(params, model="gbm", jump_rate=0.0, jump_mean=0.0, jump_std=0.0)


def test_log_returns_match_the_merton_closed_form(kit: Any) -> None:
    """μ = 0.5, σ = 0.8 per year, λ = 876 a year (0.1 per hourly step), m = -0.01, s = 0.02:
    mean κ1 = 0.18/8760 - 0.001 ≈ -9.79e-4 (without the jumps it would be +2.05e-5, 40
    standard errors away), variance κ2 = 0.64/8760 + 0.1·5e-4 ≈ 1.23e-4. Over n = 200k steps
    the sample mean has standard error sqrt(κ2/n) and the sample variance sqrt((κ4 + 2κ2²)/n);
    both must be within 4 of those."""
    n, dt = 200_000, HOUR_NS / YEAR_NS
    mu, sigma, lam, m, s = 0.5, 0.8, 876.0, -0.01, 0.02
    feed = _jumps(
        kit, mu=mu, sigma=sigma, jump_rate=lam, jump_mean=m, jump_std=s,
        dt_ns=HOUR_NS, count=n + 1, batch_size=40_000, seed=3,
    )  # fmt: skip
    returns, _ = _log_returns(kit, feed)
    k1 = (mu - sigma**2 / 2) * dt + lam * dt * m
    k2 = sigma**2 * dt + lam * dt * (s**2 + m**2)
    k4 = lam * dt * (m**4 + 6 * m**2 * s**2 + 3 * s**4)
    assert len(returns) == n
    assert abs(returns.mean() - k1) < 4 * math.sqrt(k2 / n)
    assert abs(returns.var(ddof=1) - k2) < 4 * math.sqrt((k4 + 2 * k2**2) / n)


def test_brownian_jumps_add_normal_moves_in_price(kit: Any) -> None:
    """Brownian walk σ = 2 per sqrt(second), 5 ms steps, λ = 40 jumps a second (0.2 a step)
    of N(0.5, 0.3²) in price: a step has mean λ·dt·m = 0.1 and variance
    σ²·dt + λ·dt·(s² + m²) = 0.02 + 0.068 = 0.088."""
    n, dt = 200_000, 0.005
    sigma, lam, m, s = 2.0, 40.0, 0.5, 0.3
    feed = kit.synthetic(
        "quotes", model="brownian", mu=0.0, sigma=sigma, jump_rate=lam, jump_mean=m,
        jump_std=s, spread_bps=0.0, dt_ns=5_000_000, count=n + 1, batch_size=30_000, seed=9,
    )  # fmt: skip
    reader = open_feed(feed)
    batches, _ = kit.read_all(reader)
    moves = np.diff(kit.column(batches, "bid_price"))
    k1 = lam * dt * m
    k2 = sigma**2 * dt + lam * dt * (s**2 + m**2)
    k4 = lam * dt * (m**4 + 6 * m**2 * s**2 + 3 * s**4) - 2 * (sigma**2 * dt) ** 2  # coin: -2σ⁴dt²
    assert abs(moves.mean() - k1) < 4 * math.sqrt(k2 / n)
    assert abs(moves.var(ddof=1) - k2) < 4 * math.sqrt((k4 + 2 * k2**2) / n)
    assert abs(reader.jump_count - lam * dt * n) < 4 * math.sqrt(lam * dt * n)


@pytest.mark.parametrize("schema", ["trades", "quotes"])
def test_zero_jump_rate_is_the_gbm_path(kit: Any, schema: str) -> None:
    gbm, _ = kit.read_all(open_feed(kit.synthetic(schema, seed=21)))
    flat, _ = kit.read_all(open_feed(_jumps(kit, schema, jump_rate=0.0, seed=21)))
    names = ["price", "qty", "side"] if schema == "trades" else ["bid_price", "ask_price"]
    for a, b in zip(gbm, flat, strict=True):
        assert (a.offset, len(a)) == (b.offset, len(b))
        for name in ["ts_ns", *names]:
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_jumps_change_only_the_price(kit: Any) -> None:
    """Same seed: sizes and sides are the gbm feed's; the price ratio to the gbm path is a
    step function that changes exactly where a jump happened."""
    gbm, _ = kit.read_all(open_feed(kit.synthetic(seed=4)))
    jump_reader = open_feed(_jumps(kit, jump_rate=PER_SECOND_0_1, seed=4))
    jumps, _ = kit.read_all(jump_reader)
    for name in ("qty", "side", "ts_ns"):
        np.testing.assert_array_equal(kit.column(gbm, name), kit.column(jumps, name))
    gap = np.diff(np.log(kit.column(jumps, "price")) - np.log(kit.column(gbm, "price")))
    changed = int(np.count_nonzero(np.abs(gap) > 1e-12))
    assert 0 < changed <= jump_reader.jump_count
    assert kit.column(jumps, "price")[0] == 100.0  # no jump before the first event


def test_brownian_without_jumps_is_unchanged(kit: Any) -> None:
    plain = dict(model="brownian", sigma=2.0, dt_ns=5_000_000, mu=0.0, seed=5)
    a, _ = kit.read_all(open_feed(kit.synthetic("quotes", **plain)))
    b, _ = kit.read_all(open_feed(kit.synthetic("quotes", jump_rate=0.0, jump_std=1.0, **plain)))
    np.testing.assert_array_equal(kit.column(a, "bid_price"), kit.column(b, "bid_price"))


def test_same_seed_same_batches_and_resume(kit: Any) -> None:
    """Jumps keep the batching contract: offsets and sizes of the gbm feed, identical batches
    per seed, a resume inside a batch replays the uninterrupted path, another seed differs."""
    reader = open_feed(_jumps(kit, jump_rate=PER_SECOND_0_1, seed=42))
    first, _ = kit.read_all(reader)
    assert reader.jump_count > 100  # about 250
    second, _ = kit.read_all(open_feed(_jumps(kit, jump_rate=PER_SECOND_0_1, seed=42)))
    resumed, _ = kit.read_all(open_feed(_jumps(kit, jump_rate=PER_SECOND_0_1, seed=42), 1500))
    other, _ = kit.read_all(open_feed(_jumps(kit, jump_rate=PER_SECOND_0_1, seed=43)))
    assert [(b.offset, len(b)) for b in first] == [(0, 1000), (1000, 1000), (2000, 500)]
    assert [(b.offset, len(b)) for b in resumed] == [(1500, 500), (2000, 500)]
    for a, b in zip(first, second, strict=True):
        for name in ("ts_ns", "price", "qty", "side"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    price = kit.column(first, "price")
    np.testing.assert_array_equal(kit.column(resumed, "price"), price[1500:])
    assert not np.array_equal(kit.column(other, "price"), price)


@pytest.mark.parametrize(
    "params,reason",
    [
        ({"jump_rate": -1.0}, "jump_rate must be 0 or more, got -1.0"),
        ({"jump_std": -0.5}, "jump_std must be 0 or more, got -0.5"),
        ({"jump_mean": math.inf}, "jump_rate and jump_mean must be finite, got 50.0, inf"),
        (
            {"model": "gbm"},
            "model gbm has no jumps; use `model: jump_diffusion` for jump_rate > 0",
        ),
    ],
)
def test_reader_rejects_bad_jump_params(kit: Any, params: dict[str, Any], reason: str) -> None:
    with pytest.raises(DataError) as caught:
        open_feed(_jumps(kit, **params))
    assert caught.value.feed == "gbm" and caught.value.reason == reason


PIPELINE = """\
orderloom: 1
name: t
instruments:
  BTC/USDT@sim: {{tick_size: 0.01, lot_size: 0.0001}}
venues:
  sim: {{kind: simulated}}
feeds:
  f:
    kind: synthetic
    instrument: BTC/USDT@sim
    s0: 100
    sigma: 0.5
    dt: 1s
    count: 10
{extra}"""


@pytest.mark.parametrize(
    "extra,code,message,line",
    [
        (
            "    model: jump_diffusion\n    jump_rate: -1\n    jump_std: 0.1\n",
            "E0204",
            "'jump_rate' of feed 'f' must be at least 0, found -1",
            16,
        ),
        (
            "    model: jump_diffusion\n    jump_rate: 2\n    jump_std: -0.1\n",
            "E0204",
            "'jump_std' of feed 'f' must be at least 0, found -0.1",
            17,
        ),
        (
            "    model: jump_diffusion\n    jump_std: 0.1\n",
            "E0201",
            "model jump_diffusion needs `jump_rate` (mean jumps per year)",
            15,
        ),
        (
            "    model: jump_diffusion\n    jump_rate: 3\n",
            "E0204",
            "jumps of size zero: give `jump_mean` or `jump_std`",
            16,
        ),
        (
            "    jump_rate: 3\n    jump_std: 0.1\n",
            "E0206",
            "`jump_rate` needs a model with jumps; model gbm has none",
            15,
        ),
        (
            "    model: brownian\n    jump_std: 0.1\n",
            "E0201",
            "`jump_std` without `jump_rate`: how often do jumps happen?",
            16,
        ),
    ],
)
def test_compile_errors(extra: str, code: str, message: str, line: int) -> None:
    with pytest.raises(ConfigError) as caught:
        compile_text(PIPELINE.format(extra=extra), "<test>")
    (diag,) = caught.value.diagnostics
    assert (diag.code, diag.message, diag.span.line) == (code, message, line)


def test_compiled_jump_params_survive_the_plan_json() -> None:
    extra = (
        "    model: jump_diffusion\n    jump_rate: 12\n    jump_mean: -0.02\n    jump_std: 0.05\n"
    )
    plan = compile_text(PIPELINE.format(extra=extra), "<test>")
    params = plan.feeds[0].params
    assert (params.model, params.jump_rate, params.jump_mean, params.jump_std) == (
        "jump_diffusion", 12.0, -0.02, 0.05,
    )  # fmt: skip
    assert params.spread_bps == 2.0  # quotes around a geometric path, like gbm
    assert Plan.from_json(plan.to_json()).feeds[0].params == params


# --- research runs over the guide's jump-diffusion example --------------------------------


def _guide_pipeline(tmp_path: Path) -> Path:
    """docs/guide.md's jump feed under the quickstart's TWAP (as the docs test completes a
    fragment), over 2 hours instead of a day to keep the runs short."""
    guide = (ROOT / "docs" / "guide.md").read_text()
    section = guide[guide.index("### Synthetic markets") :]
    block = re.search(r"^```yaml\n(.*?)^```", section, re.S | re.M)
    assert block is not None
    feeds = block.group(1).replace("horizon: 1d", "horizon: 2h")
    quickstart = (ROOT / "examples" / "quickstart.yaml").read_text()
    head, rest = quickstart.split("\nfeeds:\n", 1)
    tail = rest[rest.index("\nstrategies:") :]
    path = tmp_path / "jumps.yaml"
    path.write_text(head + "\n" + feeds + tail)
    return path


def test_runs_give_different_jump_paths_and_a_summary(tmp_path: Path) -> None:
    """`deploy --runs 3 --seed 7`: replication i re-seeds the jump feed with 7 + i (three
    different paths, each with jumps), writes runs jd-r0000 … jd-r0002 and a research_runs
    summary equal to summarising the three in-process replications."""
    plan = compile_file(_guide_pipeline(tmp_path))
    (feed,) = plan.feeds
    assert (feed.params.model, feed.params.count) == ("jump_diffusion", 7200)
    paths = []
    for i in range(3):
        reader = open_feed(seeded(plan, 7 + i).feeds[0])
        batches = [b for b, _ in reader if b is not None]
        paths.append(np.concatenate([b.price for b in batches]))
    for a, b in ((0, 1), (0, 2), (1, 2)):
        assert not np.array_equal(paths[a], paths[b])
    expected = summarise([o for i in range(3) for o in replicate(plan, f"x{i}", 7 + i)[0]])
    (want,) = expected
    sink = f"chdb://{tmp_path / 'ch'}"
    res = cli(
        "deploy", str(tmp_path / "jumps.yaml"), "--mode", "backtest", "--runs", "3",
        "--seed", "7", "--run-id", "jd", "--sink", sink, "--no-progress",
    )  # fmt: skip
    assert "buy_twap" in res.stdout
    row = cli(
        "sql", "SELECT strategy, runs, seed, pnl_mean, pnl_std, fills_mean FROM research_runs "
        "FINAL WHERE run_id = 'jd'", "--sink", sink, "--format", "csv",
    ).stdout.strip().splitlines()[1:]  # fmt: skip
    (line,) = row
    name, runs, seed, pnl_mean, pnl_std, fills_mean = line.replace('"', "").split(",")
    assert (name, int(runs), int(seed)) == ("buy_twap", 3, 7)
    assert math.isclose(float(pnl_mean), want.pnl_mean, rel_tol=1e-12)
    assert math.isclose(float(pnl_std), want.pnl_std, rel_tol=1e-12)
    assert float(pnl_std) > 0  # three different paths, three different PnLs
    assert math.isclose(float(fills_mean), want.fills_mean, rel_tol=1e-12)
    run_ids = cli(
        "sql", "SELECT run_id FROM runs FINAL ORDER BY run_id", "--sink", sink, "--format", "csv"
    ).stdout.split()[1:]
    assert [r.strip('"') for r in run_ids] == ["jd-r0000", "jd-r0001", "jd-r0002"]
