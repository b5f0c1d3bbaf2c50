"""The CLI as a user runs it: exit codes, messages, and never a traceback for a mistake."""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.process_clock import wait_cpu

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "examples" / "quickstart.yaml"


def orderloom(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orderloom.cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_validate_ok_prints_summary() -> None:
    res = orderloom("validate", str(QUICKSTART))
    assert res.returncode == 0, res.stderr
    assert "ok" in res.stdout
    assert "1 feed(s), 1 strategy" in res.stdout


def test_validate_reports_every_problem_with_place_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = QUICKSTART.read_text()
    text = text.replace("default: sim", "default: simm").replace(
        'limit_price: "last * (1 + 10bps)"', 'limit_price: "last * (1 + 10bps"'
    )
    bad.write_text(text)
    res = orderloom("validate", str(bad))
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ": error[" in ln]
    assert len(lines) == 2, res.stderr
    # Sorted by place: the expression (line 28) before the route (line 35).
    assert lines[0].startswith(f"{bad}:28:")
    assert lines[1].startswith(f"{bad}:35:")
    assert "did you mean 'sim'" in res.stderr


def test_set_override_is_checked_like_the_file() -> None:
    res = orderloom("validate", str(QUICKSTART), "--set", "strategies.buy_twap.slices=many")
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert "error[" in res.stderr
    res = orderloom(
        "plan", str(QUICKSTART), "--format", "json", "--set", "strategies.buy_twap.quantity=3"
    )
    assert res.returncode == 0, res.stderr
    plan = json.loads(res.stdout)
    twap = plan["strategies"][0]["params"]
    assert twap["quantity"] == 3


def test_plan_formats() -> None:
    dot = orderloom("plan", str(QUICKSTART), "--format", "dot")
    assert dot.returncode == 0, dot.stderr
    assert dot.stdout.lstrip().startswith("digraph")
    assert "btc_trades" in dot.stdout and "buy_twap" in dot.stdout
    text = orderloom("plan", str(QUICKSTART))
    assert text.returncode == 0 and "buy_twap" in text.stdout


def test_kinds_lists_the_registry() -> None:
    res = orderloom("kinds")
    assert res.returncode == 0, res.stderr
    for kind in ("replay", "synthetic", "simulated", "twap", "signal", "clickhouse"):
        assert kind in res.stdout
    one = orderloom("kinds", "twap")
    assert one.returncode == 0 and "slices" in one.stdout


def test_sql_error_is_one_clear_line(tmp_path: Path) -> None:
    res = orderloom("sql", "SELECT * FROM no_such_table", "--sink", f"chdb://{tmp_path / 'ch'}")
    assert res.returncode == 4
    assert "Traceback" not in res.stderr
    err_lines = [ln for ln in res.stderr.strip().splitlines() if ln.strip()]
    assert len(err_lines) == 1, res.stderr
    assert "no_such_table" in err_lines[0]


def test_missing_file_is_a_clear_error() -> None:
    res = orderloom("validate", "does/not/exist.yaml")
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert "does/not/exist.yaml" in res.stderr


@pytest.mark.slow
def test_deploy_then_sql_round_trip(tmp_path: Path) -> None:
    sink = f"chdb://{tmp_path / 'ch'}"
    res = orderloom(
        "deploy", str(QUICKSTART), "--sink", sink, "--run-id", "cli-run", "--no-progress"
    )
    assert res.returncode == 0, res.stderr
    assert "events/s" in res.stdout
    out = orderloom(
        "sql",
        "SELECT count() AS n, uniqExact(order_id) AS orders FROM orders WHERE run_id = 'cli-run'",
        "--sink",
        sink,
        "--format",
        "csv",
    )
    assert out.returncode == 0, out.stderr
    body = out.stdout.strip().splitlines()
    assert body[0].replace('"', "") == "n,orders"
    assert int(body[1].split(",")[1]) == 60


def _pipeline_with_data(tmp_path: Path, data_name: str) -> Path:
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(
        QUICKSTART.read_text().replace("data/btc_trades.csv.gz", f"data/{data_name}")
    )
    (tmp_path / "data").mkdir(exist_ok=True)
    return pipeline


def test_deploy_missing_data_file_is_one_line(tmp_path: Path) -> None:
    pipeline = _pipeline_with_data(tmp_path, "missing.csv.gz")
    res = orderloom("deploy", str(pipeline), "--sink", f"chdb://{tmp_path / 'ch'}")
    assert res.returncode == 3
    assert "Traceback" not in res.stderr and "panicked" not in res.stderr
    assert res.stderr.strip().splitlines()[-1] == (
        f"error: feed 'btc_trades': file not found: {tmp_path}/data/missing.csv.gz; "
        "fix `path:` in the feed (a relative path is resolved against the pipeline file's folder)"
    )


def test_deploy_data_broken_mid_run_is_one_line(tmp_path: Path) -> None:
    """A gzip file cut short fails only after the replay started, inside bytewax: still one
    line, no Python traceback and no Rust panic text."""
    pipeline = _pipeline_with_data(tmp_path, "cut.csv.gz")
    whole = gzip.compress((ROOT / "examples/data/btc_trades.csv.gz").read_bytes())
    data = gzip.decompress((ROOT / "examples/data/btc_trades.csv.gz").read_bytes())
    (tmp_path / "data" / "cut.csv.gz").write_bytes(gzip.compress(data)[: len(whole) // 3])
    res = orderloom("deploy", str(pipeline), "--sink", f"chdb://{tmp_path / 'ch'}")
    assert res.returncode == 3, res.stderr
    assert "Traceback" not in res.stderr and "panicked" not in res.stderr
    assert (
        res.stderr.strip()
        .splitlines()[-1]
        .startswith(f"error: feed 'btc_trades': cannot read {tmp_path}/data/cut.csv.gz")
    )


BIG = """\
orderloom: 1
name: long-run
instruments:
  BTC/USDT@sim: {tick_size: 0.01, lot_size: 0.0001}
venues:
  sim: {kind: simulated, latency: 5ms}
feeds:
  syn: {kind: synthetic, model: gbm, instrument: BTC/USDT@sim, seed: 1, s0: 40000, mu: 0,
        sigma: 0.5, dt: 10ms, start: 2024-01-01T00:00:00Z, count: 50000000, schema: trades}
strategies:
  cross: {kind: signal, instrument: BTC/USDT@sim,
          target: "if ema(last, 10) > ema(last, 50) then 0.01 else -0.01"}
routing: {default: sim}
"""


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_keeps_what_was_processed(tmp_path: Path) -> None:
    pipeline = tmp_path / "long.yaml"
    pipeline.write_text(BIG)
    sink = f"chdb://{tmp_path / 'ch'}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "orderloom.cli.main", "deploy", str(pipeline), "--sink", sink,
         "--run-id", "cut"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        wait_cpu(proc.pid, 4.0)  # imports, then a few seconds of a run that would take minutes
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "panicked" not in err
    assert err.strip().splitlines()[-1] == (
        f"error: interrupted; rows written so far are in {sink} under run 'cut'"
    )
    res = orderloom(
        "sql", "SELECT count() FROM market_trades WHERE run_id = 'cut'", "--sink", sink,
        "--format", "csv",
    )  # fmt: skip
    assert int(res.stdout.split()[1]) > 0  # flushed, not lost
