"""Kill-switch latency: a long synthetic backtest deploys in a subprocess while `orderloom
kill` / `orderloom resume` run against it; prints, per command, the time from starting the
CLI to the engine acting, split into the CLI's own run (Python start-up, compiling the
pipeline, writing the control file) and the file → engine delay the engine records in its
risk_events message (the control input polls every 20 ms).

With `--account` it measures the account monitor instead: two instances of one account, an
account limit their sum crosses (gross exposure), and the delay in event time from the
monitor's trip to each engine acting (0 in a backtest: the account's instances run as one
group that applies the action at the trip, runtime/account/group.py).

    .venv/bin/python bench/kill_switch_latency.py [--pairs N] [--horizon 40h] [--account]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = """\
orderloom: 1
name: kill-latency
include: [{root}/pipelines/shared/sim.yaml]
feeds:
  btc: {{kind: synthetic, model: gbm, instrument: BTC/USDT@sim, seed: 3, s0: 40000,
         sigma: 0.5, dt: 20ms, start: 2024-01-01T00:00:00Z, horizon: {horizon},
         qty_mean: 0.5, schema: trades, batch_size: {batch}}}
strategies:
  trend:
    kind: signal
    instrument: BTC/USDT@sim
    target: "if ema(last, 10) > ema(last, 50) then 0.01 else -0.01"
"""
ACCOUNT_RISK = """\
account: bench
risk:
  account: {max_gross_exposure: 600 USDT, every: 1m}  # each instance alone: ~400 USDT
"""
SECOND_STRATEGY = """\
  trend2:
    kind: signal
    instrument: BTC/USDT@sim
    target: "if ema(last, 20) > ema(last, 100) then 0.01 else -0.01"
"""
# The console script, as a user runs it; `--module` runs `python -m orderloom.cli.main`.
SCRIPT = Path(sys.executable).with_name("orderloom")
CLI = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "orderloom.cli.main"]
APPLIED = re.compile(r"command (\d+)(?: \(account\))?, applied ([0-9.]+) ms after it was written")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=5, help="kill/resume pairs")
    ap.add_argument("--horizon", default="60h", help="event time of the synthetic feed")
    ap.add_argument(
        "--batch",
        type=int,
        default=10_000,
        help="feed batch size: the engine sees a command between batches",
    )
    ap.add_argument("--account", action="store_true", help="the account monitor's trip delay")
    ap.add_argument("--module", action="store_true", help="python -m, not the console script")
    args = ap.parse_args()
    if args.module:
        CLI[:] = [sys.executable, "-m", "orderloom.cli.main"]
    if args.account:
        account_latency(args.horizon)
        return
    with tempfile.TemporaryDirectory() as tmp:
        pipeline = Path(tmp) / "kill.yaml"
        pipeline.write_text(PIPELINE.format(root=ROOT, horizon=args.horizon, batch=args.batch))
        env = {**os.environ, "ORDERLOOM_CONTROL_DIR": str(Path(tmp) / "control")}
        sink = f"chdb://{tmp}/ch"
        deploy = subprocess.Popen(
            [*CLI, "deploy", str(pipeline), "--sink", sink, "--run-id", "bench", "--no-progress"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        starts: dict[int, int] = {}  # command seq -> wall time the CLI was started
        cli_ms: list[float] = []
        write_ms: list[float] = []  # CLI start -> control file written
        control = Path(tmp) / "control" / "kill-latency.json"
        try:
            time.sleep(3.0)  # imports and the start of the run
            for seq in range(1, 2 * args.pairs + 1):
                verb = "kill" if seq % 2 else "resume"
                starts[seq] = time.time_ns()
                subprocess.run(
                    [*CLI, verb, str(pipeline), "--strategy", "trend"],
                    cwd=ROOT, env=env, check=True, capture_output=True,
                )  # fmt: skip
                cli_ms.append((time.time_ns() - starts[seq]) / 1e6)
                written = json.loads(control.read_text())["written_ns"]
                write_ms.append((written - starts[seq]) / 1e6)
                time.sleep(0.3)
            _out, err = deploy.communicate(timeout=600)
        finally:
            deploy.kill()
        if deploy.returncode != 0:
            raise SystemExit(f"deploy failed:\n{err}")
        sql = "SELECT message FROM risk_events WHERE run_id = 'bench' AND check = 'kill_switch'"
        out = subprocess.run(
            [*CLI, "sql", sql, "--sink", sink, "--format", "csv"],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
    applied = {}
    for row in list(csv.reader(io.StringIO(out)))[1:]:
        match = APPLIED.search(row[0]) if row else None
        if match:
            applied[int(match.group(1))] = float(match.group(2))
    if len(applied) < len(starts):
        print(f"warning: {len(starts) - len(applied)} commands arrived after the run ended")
    engine_ms = sorted(applied.values())
    print(f"commands: {len(applied)} of {len(starts)} applied during the run")
    print(
        f"file -> engine acting: median {statistics.median(engine_ms):.1f} ms, "
        f"max {max(engine_ms):.1f} ms"
    )
    print(
        f"orderloom kill/resume CLI process (start to exit): median "
        f"{statistics.median(cli_ms):.1f} ms"
    )
    print(f"CLI start -> control file written: median {statistics.median(write_ms):.1f} ms")
    total = [write_ms[seq - 1] + ms for seq, ms in applied.items()]
    print(
        f"CLI start -> engine acting: median {statistics.median(total):.1f} ms, "
        f"max {max(total):.1f} ms"
    )


def account_latency(horizon: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pipeline = Path(tmp) / "account.yaml"
        text = PIPELINE.format(root=ROOT, horizon=horizon, batch=10_000) + SECOND_STRATEGY
        text += ACCOUNT_RISK
        pipeline.write_text(text)
        env = {**os.environ, "ORDERLOOM_CONTROL_DIR": str(Path(tmp) / "control")}
        sink = f"chdb://{tmp}/ch"
        started = time.monotonic()
        subprocess.run(
            [*CLI, "deploy", str(pipeline), "--sink", sink, "--run-id", "acct", "--no-progress"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        wall_s = time.monotonic() - started
        sql = (
            "SELECT strategy, ts_ns, check, message FROM risk_events WHERE run_id = 'acct' "
            "ORDER BY ts_ns, strategy"
        )
        out = subprocess.run(
            [*CLI, "sql", sql, "--sink", sink, "--format", "csv"],
            cwd=ROOT, env=env, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
    rows = list(csv.reader(io.StringIO(out)))[1:]
    trips = [r for r in rows if r and r[0].startswith("account:")]
    if not trips:
        raise SystemExit("the account limit did not trip")
    trip_ns = int(trips[0][1])
    print(f"account trip at event time {trip_ns} ({trips[0][2]}); run took {wall_s:.1f} s wall")
    acted = [r for r in rows if r and r[2] == "account" and not r[0].startswith("account:")]
    if not acted:
        raise SystemExit("no engine acted on the account trip")
    for row in acted:
        event_ms = (int(row[1]) - trip_ns) / 1e6
        print(f"  {row[0]}: acted {event_ms:,.3f} ms of event time after the trip")


if __name__ == "__main__":
    main()
