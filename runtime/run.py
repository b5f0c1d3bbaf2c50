"""Runs a Plan as a backtest: in this process (1..N worker threads) or as a cluster of
bytewax processes on loopback, then writes the `runs` row and returns the summary.

Worker processes cannot share the embedded store (chDB is one session per process), so in a
cluster they spool analytics batches to files and this process loads them into the sink as
they complete. Headline numbers are read back from ClickHouse, so the summary is what the
analytics say, however many processes wrote them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bytewax.testing import cluster_main, run_main

from orderloom.dsl.errors import OrderloomError
from orderloom.dsl.plan import Plan
from orderloom.runtime.build import build_dataflow
from orderloom.runtime.sinks.base import AnalyticsStore, open_store
from orderloom.runtime.sinks.spool import SpoolLoader
from orderloom.runtime.sinks.writer import BatchWriter

ProgressCallback = Callable[[int, int | None], None]  # (events so far, total if known)


class RunFailed(OrderloomError):
    exit_code = 6


@dataclass(frozen=True)
class DeployOptions:
    run_id: str
    sink_url: str | None = None  # None: the pipeline's sink, else the embedded default
    workers: int = 1  # worker threads per process
    processes: int = 1
    mode: str = "backtest"


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    sink: str
    events: int
    dead_letters: int
    orders: int
    fills: int
    fees: float
    pnl: float
    wall_s: float
    first_event_s: float | None

    @property
    def events_per_s(self) -> float:
        return self.events / self.wall_s if self.wall_s > 0 else 0.0


def sink_url_for(plan: Plan, override: str | None) -> tuple[str | None, str]:
    """(url, database) chosen by --sink, else the pipeline's analytics sink."""
    if override:
        return override, "orderloom"
    for sink in plan.sinks:
        if sink.kind == "clickhouse":
            return sink.url, sink.database
    return None, "orderloom"


def deploy(
    plan: Plan, options: DeployOptions, on_progress: ProgressCallback | None = None
) -> RunSummary:
    if options.mode != "backtest":
        raise RunFailed(f"mode '{options.mode}' is not available yet; use --mode backtest")
    url, database = sink_url_for(plan, options.sink_url)
    store = open_store(url, database)
    store.ensure_schema()
    started_ns = time.time_ns()
    t0 = time.perf_counter()
    if options.processes <= 1:
        first = _run_in_process(plan, options, store, on_progress)
    else:
        first = _run_cluster(plan, options, store, on_progress)
    wall_s = time.perf_counter() - t0
    summary = _summarise(store, options.run_id, wall_s, first - t0 if first else None)
    store.insert_rows(
        "runs",
        [
            (
                options.run_id,
                plan.name,
                options.mode,
                started_ns,
                time.time_ns(),
                options.workers,
                options.processes,
                summary.events,
                summary.dead_letters,
                summary.orders,
                summary.fills,
                summary.pnl,
                plan.dumps(),
            )
        ],
    )
    return summary


def _run_in_process(
    plan: Plan, options: DeployOptions, store: AnalyticsStore, on_progress: ProgressCallback | None
) -> float | None:
    # Few large inserts: each chDB insert costs ~20 ms whatever its size (one part each).
    writer = BatchWriter(
        store, max_pending_rows=2_000_000, flush_rows=500_000, flush_interval_ms=2000
    )
    totals: dict[str, int] = {}
    first: list[float] = []
    lock = threading.Lock()

    def progress(feed: str, rows: int) -> None:
        # Called once per source batch (never per event), possibly from several workers.
        with lock:
            if not first:
                first.append(time.perf_counter())
            totals[feed] = rows
            if on_progress is not None:
                on_progress(sum(totals.values()), None)

    flow = build_dataflow(plan, options.run_id, lambda _worker: writer, progress)
    try:
        if options.workers <= 1:
            run_main(flow)
        else:
            cluster_main(flow, [], 0, worker_count_per_proc=options.workers)
    finally:
        writer.close()
    return first[0] if first else None


def _run_cluster(
    plan: Plan, options: DeployOptions, store: AnalyticsStore, on_progress: ProgressCallback | None
) -> float | None:
    work = Path(tempfile.mkdtemp(prefix=f"orderloom-{options.run_id}-"))
    spool = work / "spool"
    spool.mkdir()
    plan_path = work / "plan.json"
    plan_path.write_text(plan.dumps())
    addresses = ",".join(f"127.0.0.1:{port}" for port in _free_ports(options.processes))
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "orderloom.runtime.worker",
                "--plan",
                str(plan_path),
                "--run-id",
                options.run_id,
                "--spool",
                str(spool),
                "--addresses",
                addresses,
                "--proc-id",
                str(i),
                "--workers",
                str(options.workers),
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(work / f"worker-{i}.log", "wb"),  # noqa: SIM115 - closed with the process
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        for i in range(options.processes)
    ]
    loader = SpoolLoader(store, spool)
    first: float | None = None
    try:
        while True:
            done = all(p.poll() is not None for p in procs)
            failed = [i for i, p in enumerate(procs) if p.returncode not in (None, 0)]
            if failed:
                for p in procs:
                    if p.poll() is None:
                        p.kill()
                log = (work / f"worker-{failed[0]}.log").read_text(errors="replace")
                raise RunFailed(f"worker process {failed[0]} failed:\n{log[-2000:]}")
            loaded = loader.load_ready()
            if loaded and first is None:
                first = time.perf_counter()
            if on_progress is not None and loaded:
                on_progress(loader.market_rows, None)
            if done:
                loader.load_ready()
                break
            time.sleep(0.05)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    shutil.rmtree(work, ignore_errors=True)
    return first


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _summarise(
    store: AnalyticsStore, run_id: str, wall_s: float, first_event_s: float | None
) -> RunSummary:
    rid = "'" + run_id.replace("\\", "\\\\").replace("'", "\\'") + "'"
    result = store.query(
        f"""SELECT
          (SELECT count() FROM market_trades WHERE run_id = {rid})
            + (SELECT count() FROM market_quotes WHERE run_id = {rid}),
          (SELECT count() FROM dead_letters WHERE run_id = {rid}),
          (SELECT uniqExact(order_id) FROM orders WHERE run_id = {rid}),
          (SELECT count() FROM fills WHERE run_id = {rid}),
          (SELECT toFloat64(sum(fee)) FROM fills WHERE run_id = {rid}),
          (SELECT toFloat64(sum(t)) FROM (SELECT argMax(total, seq) AS t FROM pnl
             WHERE run_id = {rid} GROUP BY strategy))"""
    )
    events, dead, orders, fills, fees, pnl = result.rows[0]
    return RunSummary(
        run_id,
        store.url,
        int(events) + int(dead),
        int(dead),
        int(orders),
        int(fills),
        float(fees or 0.0),
        float(pnl or 0.0),
        wall_s,
        first_event_s,
    )
