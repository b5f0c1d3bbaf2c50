"""`orderloom kill --account NAME` / `resume --account NAME` end to end: a deployment of account
`desk` runs in a subprocess; the CLI writes the account's shared control file, every instance
of the deployment stops sending orders and resumes on the resume. The account file also
stops the next deployment before its start, and stays as it was after that run."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orderloom.runtime.control_state import CONTROL_DIR_ENV, account_control_path, read_state
from tests.process_clock import cpu_s, wait_cpu

ROOT = Path(__file__).resolve().parents[2]
PIPELINE = """\
orderloom: 1
name: account-kill
account: desk
include: [{root}/pipelines/shared/sim.yaml]
feeds:
  btc: {{kind: synthetic, model: gbm, instrument: BTC/USDT@sim, seed: 3, s0: 40000,
         sigma: 0.5, dt: 20ms, start: 2024-01-01T00:00:00Z, horizon: {horizon},
         qty_mean: 0.5, schema: trades}}
strategies:
  fast:
    kind: signal
    instrument: BTC/USDT@sim
    target: "if ema(last, 10) > ema(last, 50) then 0.01 else -0.01"
  slow:
    kind: signal
    instrument: BTC/USDT@sim
    target: "if ema(last, 20) > ema(last, 100) then 0.01 else -0.01"
"""


def _cli(env: dict[str, str], *args: str) -> str:
    res = subprocess.run(
        [sys.executable, "-m", "orderloom.cli.main", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    return res.stdout


def _rows(env: dict[str, str], sink: str, sql: str) -> list[list[str]]:
    out = _cli(env, "sql", sql, "--sink", sink, "--format", "csv")
    return [row for row in csv.reader(io.StringIO(out)) if row][1:]


def _setup(tmp_path: Path, horizon: str) -> tuple[Path, dict[str, str], Path]:
    pipeline = tmp_path / "account-kill.yaml"
    pipeline.write_text(PIPELINE.format(root=ROOT, horizon=horizon))
    control = tmp_path / "control"
    env = {**os.environ, CONTROL_DIR_ENV: str(control)}
    return pipeline, env, account_control_path("desk", control)


@pytest.mark.slow
def test_kill_and_resume_account_on_a_running_deployment(tmp_path: Path) -> None:
    """Mid-run `kill --account desk`: both instances cancel and stop (a kill_switch row each,
    no order between it and the resume); `resume --account desk` restores both flows."""
    pipeline, env, account_file = _setup(tmp_path, "6h")  # ~4 s of CPU after the start-up
    sink = f"chdb://{tmp_path / 'ch'}"
    deploy = subprocess.Popen(
        [sys.executable, "-m", "orderloom.cli.main", "deploy", str(pipeline), "--sink", sink,
         "--run-id", "live", "--no-progress"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_cpu(deploy.pid, 2.5)  # start-up (~1.7 s of CPU) and the first part of the run
        out = _cli(env, "kill", "--account", "desk")
        assert f"killed every strategy of account 'desk': command 1 in {account_file}" in out
        wait_cpu(deploy.pid, cpu_s(deploy.pid) + 0.5)
        _cli(env, "resume", "--account", "desk", str(pipeline))  # FILE may name it too
        _out, err = deploy.communicate(timeout=300)
    finally:
        deploy.kill()
    assert deploy.returncode == 0, err
    assert not read_state(account_file).account.killed
    for name in ("fast", "slow"):
        events = _rows(
            env,
            sink,
            f"SELECT ts_ns, action FROM risk_events WHERE run_id = 'live' AND strategy = "
            f"'{name}' AND check = 'kill_switch' ORDER BY ts_ns",
        )
        assert [a for _, a in events] == ["kill", "resume"], f"{name}: the run ended early"
        killed_at, resumed_at = int(events[0][0]), int(events[1][0])
        [[before, during, after]] = _rows(
            env,
            sink,
            f"SELECT countIf(ts_ns <= {killed_at}), countIf(ts_ns > {killed_at} AND ts_ns < "
            f"{resumed_at}), countIf(ts_ns >= {resumed_at}) FROM orders WHERE run_id = 'live' "
            f"AND status = 'new' AND strategy = '{name}'",
        )
        assert (int(before) > 0, int(during), int(after) > 0) == (True, 0, True)


def test_an_account_kill_stops_the_next_deployment_before_its_start(tmp_path: Path) -> None:
    pipeline, env, account_file = _setup(tmp_path, "5m")
    sink = f"chdb://{tmp_path / 'ch'}"
    _cli(env, "kill", "--account", "desk", "--flatten")
    assert read_state(account_file).account.flatten
    _cli(env, "deploy", str(pipeline), "--sink", sink, "--run-id", "k", "--no-progress")
    assert _rows(env, sink, "SELECT count() FROM orders WHERE run_id = 'k'") == [["0"]]
    assert _rows(
        env, sink, "SELECT strategy, ts_ns, action FROM risk_events WHERE run_id = 'k' ORDER BY 1"
    ) == [["fast", "0", "kill"], ["slow", "0", "kill"]]
    # the kill switch is persisted: the run neither consumed nor changed it
    state = read_state(account_file)
    assert (state.seq, state.account.killed, state.account.flatten) == (1, True, True)
    assert not (account_file.parent.parent / "runs").exists()


def test_a_pipeline_of_another_account_is_refused(tmp_path: Path) -> None:
    pipeline, env, account_file = _setup(tmp_path, "1m")
    res = subprocess.run(
        [sys.executable, "-m", "orderloom.cli.main", "kill", str(pipeline), "--account", "ops"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert res.returncode == 2
    assert "pipeline 'account-kill' belongs to account 'desk', not 'ops'" in res.stderr
    assert not account_file.exists()
    assert not account_control_path("ops", account_file.parent.parent).exists()
