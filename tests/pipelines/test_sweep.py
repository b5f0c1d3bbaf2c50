"""`deploy` of a pipeline with a `sweep:` grid: each point is a research run `<id>-pNNN`
whose summary in `research_runs` equals `deploy --runs` of the pipeline with the point's
values set, and `sweep_points` ranks the points as the research_runs rows say they rank.
A replay pipeline sweeps without `--runs`: one run per point, equal to a plain deploy."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pytest

from orderloom.cli.main import main
from orderloom.dsl.compiler import compile_file
from orderloom.dsl.errors import RunFailed
from orderloom.runtime.replications import replicate, summarise
from tests.integration.conftest import ROOT, cli

AS = ROOT / "pipelines/research/avellaneda_stoikov.yaml"
QUICKSTART = ROOT / "examples/quickstart.yaml"


def _sql(sink: str, query: str) -> list[dict[str, str]]:
    out = cli("sql", query, "--sink", sink, "--format", "csv").stdout
    return list(csv.DictReader(io.StringIO(out)))


def test_market_making_sweep_ranks_points_by_their_research_runs(tmp_path: Path) -> None:
    """2 gammas x 3 replications (seeds 5, 6, 7 at both points): gamma is the inventory
    strategy's, so only it is ranked, by sharpe = pnl_mean / pnl_std, highest first."""
    pipeline = tmp_path / "as.yaml"
    pipeline.write_text(
        AS.read_text()
        + "\nsweep:\n  grid:\n    strategies.inventory.gamma: [0.02, 0.5]\n  metric: sharpe\n"
    )
    sink = f"chdb://{tmp_path / 'ch'}"
    res = cli(
        "deploy", str(pipeline), "--runs", "3", "--seed", "5", "--run-id", "sw", "--sink", sink,
        "--no-progress",
    )  # fmt: skip
    runs = [r["run_id"] for r in _sql(sink, "SELECT run_id FROM runs FINAL ORDER BY run_id")]
    assert runs == [f"sw-p00{p}-r000{i}" for p in (0, 1) for i in range(3)]

    research = _sql(
        sink,
        "SELECT run_id, strategy, runs, seed, pnl_mean, pnl_std, fills_mean FROM research_runs "
        "FINAL ORDER BY run_id, strategy",
    )
    assert [(r["run_id"], r["strategy"]) for r in research] == [
        (f"sw-p00{p}", s) for p in (0, 1) for s in ("inventory", "symmetric")
    ]
    # Each point's summary is `--runs 3 --seed 5` of the pipeline with its gamma set.
    for row, gamma in zip(research[::2], (0.02, 0.5), strict=True):
        plan = compile_file(AS, [f"strategies.inventory.gamma={gamma}"])
        outcomes = [o for i in range(3) for o in replicate(plan, f"x-r{i}", 5 + i)[0]]
        want = {s.strategy: s for s in summarise(outcomes)}["inventory"]
        assert (int(row["runs"]), int(row["seed"])) == (3, 5)
        assert math.isclose(float(row["pnl_mean"]), want.pnl_mean, rel_tol=1e-12)
        assert math.isclose(float(row["pnl_std"]), want.pnl_std, rel_tol=1e-12)

    sharpe = {
        r["run_id"]: float(r["pnl_mean"]) / float(r["pnl_std"])
        for r in research
        if r["strategy"] == "inventory"
    }
    expected = sorted(sharpe, key=lambda rid: -sharpe[rid])
    ranked = _sql(
        sink,
        "SELECT point, point_run_id, strategy, params, runs, metric, value, rank "
        "FROM sweep_points FINAL WHERE run_id = 'sw' ORDER BY rank",
    )
    assert [r["point_run_id"] for r in ranked] == expected
    assert {r["strategy"] for r in ranked} == {"inventory"}  # symmetric is not swept
    for r in ranked:
        assert math.isclose(float(r["value"]), sharpe[r["point_run_id"]], rel_tol=1e-12)
        assert (r["runs"], r["metric"]) == ("3", "sharpe")
    assert ranked[0]["params"] == (
        '{"strategies.inventory.gamma": ' + ("0.02" if expected[0] == "sw-p000" else "0.5") + "}"
    )
    # The printed table lists the points best first.
    table = res.stdout
    assert "inventory ranked by sharpe (highest first)" in table
    assert table.index(expected[0][-4:]) < table.index(expected[1][-4:])


def test_replay_sweep_runs_each_point_once(tmp_path: Path) -> None:
    """The quickstart (replayed trades) with slices 30 and 60: two runs, and the point with
    the file's own value (60) has the headline numbers of a plain deploy (the dataflow)."""
    (tmp_path / "data").symlink_to(ROOT / "examples/data")
    pipeline = tmp_path / "quickstart.yaml"
    pipeline.write_text(
        QUICKSTART.read_text() + "\nsweep:\n  grid: {strategies.buy_twap.slices: [30, 60]}\n"
    )
    sink = f"chdb://{tmp_path / 'ch'}"
    cli("deploy", str(pipeline), "--run-id", "q", "--sink", sink, "--no-progress")
    cli("deploy", str(QUICKSTART), "--run-id", "plain", "--sink", sink, "--no-progress")
    runs = {
        r["run_id"]: r
        for r in _sql(sink, "SELECT run_id, events, orders, fills, pnl FROM runs FINAL")
    }
    assert sorted(runs) == ["plain", "q-p000", "q-p001"]
    assert (runs["q-p000"]["orders"], runs["q-p001"]["orders"]) == ("30", "60")
    plain, point = runs["plain"], runs["q-p001"]
    assert (point["events"], point["fills"]) == (plain["events"], plain["fills"])
    assert math.isclose(float(point["pnl"]), float(plain["pnl"]), rel_tol=1e-9)

    research = {
        r["run_id"]: r
        for r in _sql(sink, "SELECT run_id, runs, seed, pnl_mean FROM research_runs FINAL")
    }
    assert {(k, v["runs"], v["seed"]) for k, v in research.items()} == {
        ("q-p000", "1", "-1"),
        ("q-p001", "1", "-1"),
    }
    best = max(research, key=lambda rid: float(research[rid]["pnl_mean"]))
    ranked = _sql(sink, "SELECT point_run_id, rank FROM sweep_points FINAL ORDER BY rank")
    assert ranked[0]["point_run_id"] == best
    assert [r["rank"] for r in ranked] == ["1", "2"]


def test_spread_metric_needs_replications(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = tmp_path / "as.yaml"
    pipeline.write_text(
        AS.read_text() + "\nsweep:\n  grid: {strategies.inventory.gamma: [0.1]}\n"
        "  metric: pnl_std\n"
    )
    code = main(["deploy", str(pipeline), "--sink", f"chdb://{tmp_path / 'ch'}", "--no-progress"])
    assert code == RunFailed.exit_code
    assert "metric pnl_std compares replications; deploy with --runs N" in capsys.readouterr().err
    assert not (tmp_path / "ch").exists()
