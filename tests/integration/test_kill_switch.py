"""The kill switch against real deployments: `orderloom kill`/`resume` write the pipeline's
control file, which a deployment reads at its start (killed: nothing trades) and polls while
it runs (kill stops the order flow, resume restores it)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from orderloom.runtime.control_state import CONTROL_DIR_ENV, control_path, read_state
from tests.integration.conftest import ROOT, cli
from tests.process_clock import cpu_s, wait_cpu

PIPELINE = """\
orderloom: 1
name: kill-switch
include: [{root}/pipelines/shared/sim.yaml]
feeds:
  btc:
    kind: synthetic
    model: gbm
    instrument: BTC/USDT@sim
    seed: 3
    s0: 40000
    sigma: 0.5
    dt: 20ms
    start: 2024-01-01T00:00:00Z
    horizon: {horizon}
    qty_mean: 0.5
    schema: trades
strategies:
  trend:
    kind: signal
    instrument: BTC/USDT@sim
    target: "if ema(last, 10) > ema(last, 50) then 0.01 else -0.01"
"""


def _pipeline(tmp_path: Path, horizon: str) -> Path:
    path = tmp_path / "kill.yaml"
    path.write_text(PIPELINE.format(root=ROOT, horizon=horizon))
    return path


def _rows(sink: str, sql: str) -> list[list[str]]:
    out = cli("sql", sql, "--sink", sink, "--format", "csv").stdout
    return [row for row in csv.reader(io.StringIO(out)) if row][1:]


def _control(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    directory = tmp_path / "control"
    monkeypatch.setenv(CONTROL_DIR_ENV, str(directory))
    return control_path("kill-switch", directory)


def test_a_pipeline_killed_before_its_start_never_trades_until_resumed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    control = _control(monkeypatch, tmp_path)
    pipeline = _pipeline(tmp_path, "10m")
    sink = f"chdb://{tmp_path / 'ch'}"
    out = cli("kill", str(pipeline), "--account").stdout
    assert "killed every strategy of 'kill-switch': command 1" in out
    assert read_state(control).account.killed
    cli("deploy", str(pipeline), "--sink", sink, "--run-id", "killed", "--no-progress")
    orders = _rows(sink, "SELECT count() FROM orders WHERE run_id = 'killed'")
    assert orders == [["0"]]
    events = _rows(
        sink,
        "SELECT ts_ns, check, action FROM risk_events WHERE run_id = 'killed' ORDER BY ts_ns",
    )
    assert events == [["0", "kill_switch", "kill"]]  # before the first event

    cli("resume", str(pipeline), "--account")
    cli("deploy", str(pipeline), "--sink", sink, "--run-id", "resumed", "--no-progress")
    [[sent]] = _rows(sink, "SELECT count() FROM orders WHERE run_id = 'resumed'")
    assert int(sent) > 0
    assert _rows(sink, "SELECT count() FROM risk_events WHERE run_id = 'resumed'") == [["0"]]


def test_unknown_strategy_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _control(monkeypatch, tmp_path)
    res = subprocess.run(
        [sys.executable, "-m", "orderloom.cli.main", "kill", str(_pipeline(tmp_path, "1m")),
         "--strategy", "trnd"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert res.returncode == 2
    assert "no strategy 'trnd' in pipeline 'kill-switch' (instances and templates: trend)" in (
        res.stderr
    )


@pytest.mark.slow
def test_kill_during_a_run_stops_the_order_flow_and_resume_restores_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signal strategy trading ~10k orders per wall second. `orderloom kill --strategy
    trend` mid-run: the engine cancels and stops calling the strategy, so no order is sent
    between the kill and the resume (none in flight: sending is synchronous in the engine
    step); `orderloom resume` restores the flow."""
    _control(monkeypatch, tmp_path)
    pipeline = _pipeline(tmp_path, "16h")  # ~3M events: several seconds of backtest
    sink = f"chdb://{tmp_path / 'ch'}"
    deploy = subprocess.Popen(
        [sys.executable, "-m", "orderloom.cli.main", "deploy", str(pipeline), "--sink", sink,
         "--run-id", "live", "--no-progress"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_cpu(deploy.pid, 2.5)  # start-up (~1.7 s of CPU) and the first part of the run
        cli("kill", str(pipeline), "--strategy", "trend")
        wait_cpu(deploy.pid, cpu_s(deploy.pid) + 0.5)
        cli("resume", str(pipeline), "--strategy", "trend")
        _out, err = deploy.communicate(timeout=300)
    finally:
        deploy.kill()
    assert deploy.returncode == 0, err
    events = _rows(
        sink,
        "SELECT ts_ns, action FROM risk_events WHERE run_id = 'live' AND check = 'kill_switch' "
        "ORDER BY ts_ns",
    )
    assert [a for _, a in events] == ["kill", "resume"], "the run ended before the resume"
    killed_at, resumed_at = int(events[0][0]), int(events[1][0])
    assert resumed_at > killed_at
    counts = _rows(
        sink,
        f"SELECT countIf(ts_ns <= {killed_at}), countIf(ts_ns > {killed_at} AND ts_ns < "
        f"{resumed_at}), countIf(ts_ns >= {resumed_at}) FROM orders "
        "WHERE run_id = 'live' AND status = 'new'",
    )
    before, during, after = (int(v) for v in counts[0])
    assert during == 0
    assert after > 0
    assert before > 0
