"""The `sweep:` section: points in the order written (last path fastest), run ids, every
point compiled like a `--set` override, problems reported at their place in the sweep."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderloom.cli.main import main
from orderloom.dsl.compiler import compile_file, compile_sweep
from orderloom.dsl.errors import ConfigError, Diagnostic
from orderloom.dsl.sweep import point_run_id
from orderloom.runtime.replications import replication_run_id
from tests.integration.conftest import ROOT

BASE = (ROOT / "pipelines/research/avellaneda_stoikov.yaml").read_text()
BASE_LINES = BASE.count("\n")


def _write(tmp_path: Path, sweep: str) -> Path:
    path = tmp_path / "as.yaml"
    path.write_text(BASE + "\n" + sweep)
    return path


def _errors(path: Path, overrides: tuple[str, ...] = ()) -> list[Diagnostic]:
    with pytest.raises(ConfigError) as raised:
        compile_sweep(path, overrides)
    return list(raised.value.diagnostics)


def test_points_follow_the_grid_in_the_order_written(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "sweep:\n"
        "  grid:\n"
        "    strategies.inventory.gamma: [0.01, 0.1, 0.5]\n"
        "    venues.sim.fill_model.k: [1.0, 1.5]\n"
        "  metric: sharpe\n",
    )
    sweep = compile_sweep(path)
    got = [
        (p.index, p.plan.strategies[0].params.gamma, p.plan.venues[0].params.intensity_k)
        for p in sweep.points
    ]
    gammas, ks = (0.01, 0.1, 0.5), (1.0, 1.5)
    assert got == [(i, g, k) for i, (g, k) in enumerate((g, k) for g in gammas for k in ks)]
    assert sweep.points[3].values == (
        ("strategies.inventory.gamma", 0.1),
        ("venues.sim.fill_model.k", 1.5),
    )
    assert sweep.points[3].texts == ("0.1", "1.5")
    assert (sweep.metric, sweep.best, sweep.sizes) == ("sharpe", "highest", (3, 2))
    assert sweep.labels == ("gamma", "k")
    # A venue changes: every strategy is affected, so every strategy is ranked.
    assert sweep.swept == ("inventory", "symmetric")
    assert sweep.describe() == "6 points (gamma × k: 3 × 2), ranked by sharpe (highest first)"
    # The base is the file as written.
    assert sweep.base.strategies[0].params.gamma == 0.1
    assert sweep.base == compile_file(path)


def test_only_the_strategies_the_grid_changes_are_ranked(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "sweep:\n  grid: {strategies.inventory.gamma: [0.05, 0.2]}\n  best: lowest\n"
    )
    sweep = compile_sweep(path)
    assert sweep.swept == ("inventory",)
    assert (sweep.metric, sweep.best) == ("pnl_mean", "lowest")


def test_run_ids() -> None:
    assert point_run_id("as", 3, 6) == "as-p003"
    assert point_run_id("as", 3, 1000) == "as-p003"
    assert point_run_id("as", 3, 1001) == "as-p0003"
    assert replication_run_id(point_run_id("as", 3, 6), 1) == "as-p003-r0001"


def test_without_a_sweep_nothing_changes() -> None:
    path = ROOT / "examples/quickstart.yaml"
    sweep = compile_sweep(path)
    assert sweep.points == () and sweep.base == compile_file(path)
    assert sweep.describe() == "no sweep"


def test_bad_path_points_at_its_part_with_did_you_mean(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "sweep:\n  grid:\n    strategies.inventory.gamma: [0.05]\n    strategies.inventry.k: [1]\n",
    )
    (error,) = _errors(path)
    line = BASE_LINES + 5
    assert (error.code, error.message) == ("E0501", "no 'inventry' in `strategies`")
    assert (error.span.file, error.span.line, error.span.col) == (str(path), line, 16)
    assert (error.span.end_line, error.span.end_col) == (line, 24)
    assert error.hint == "did you mean 'inventory'?"


def test_bad_values_are_reported_at_their_place_in_the_sweep(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "sweep:\n  grid:\n    strategies.inventory.gamma: [0.05, -1, abc, 0.05]\n",
    )
    line = BASE_LINES + 4
    got = sorted((d.code, d.span.line, d.span.col, d.message) for d in _errors(path))
    assert got == [
        (
            "E0203",
            line,
            44,
            "'gamma' of strategy 'inventory' must be a number, found 'abc'",
        ),
        ("E0204", line, 40, "'gamma' of strategy 'inventory' must be more than 0, found -1"),
        (
            "E0204",
            line,
            49,
            "sweep value 0.05 is listed twice for `strategies.inventory.gamma`",
        ),
    ]


def test_sweep_shape_is_checked(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "sweep:\n  grid: {strategies.inventory.gamma: 0.1}\n  metric: sharp\n  metrc: 1\n",
    )
    got = {(d.code, d.message, d.hint) for d in _errors(path)}
    assert ("E0202", "unknown key 'metrc' in `sweep`", "did you mean 'metric'?") in got
    assert (
        "E0203",
        "`sweep.grid.strategies.inventory.gamma` must be a list, found 0.1",
        None,
    ) in got
    assert any(m.startswith("'sharp' is not allowed") and h == "did you mean 'sharpe'?"
               for _, m, h in got)  # fmt: skip


def test_overrides_apply_to_every_point_and_to_the_sweep(tmp_path: Path) -> None:
    path = _write(tmp_path, "sweep:\n  grid: {strategies.inventory.gamma: [0.05, 0.2]}\n")
    sweep = compile_sweep(path, ("strategies.inventory.quantity=2", "sweep.metric=fills_mean"))
    assert [p.plan.strategies[0].params.quantity for p in sweep.points] == [2.0, 2.0]
    assert [p.plan.strategies[0].params.gamma for p in sweep.points] == [0.05, 0.2]
    assert (sweep.metric, sweep.best) == ("fills_mean", "highest")


def test_validate_and_plan_show_the_grid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path, "sweep:\n  grid: {strategies.inventory.gamma: [0.05, 0.2], sweep_k: [1]}\n"
    )
    assert main(["validate", str(path)]) == 1
    assert "error[E0202]: unknown key 'sweep_k' in the pipeline" in capsys.readouterr().err
    path.write_text(path.read_text().replace("sweep_k", "strategies.symmetric.k"))
    assert main(["validate", str(path)]) == 0
    assert (
        capsys.readouterr()
        .out.strip()
        .endswith("; sweep: 2 points (gamma × k: 2 × 1), ranked by pnl_mean (highest first)")
    )
    assert main(["plan", str(path)]) == 0
    assert "sweep: 2 points (gamma × k: 2 × 1)" in capsys.readouterr().out
    assert main(["plan", str(path), "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "sweep: 2 points" in captured.err and captured.out.lstrip().startswith("{")


def test_doc_sweeps_compile_every_point(tmp_path: Path) -> None:
    from tests.docs.test_doc_examples import EXAMPLES, _completed

    sweeps = [text for _, text in EXAMPLES if "\nsweep:" in "\n" + text]
    assert sweeps
    for n, text in enumerate(sweeps):
        folder = tmp_path / str(n)
        folder.mkdir()
        assert compile_sweep(_completed(text, folder)).points
