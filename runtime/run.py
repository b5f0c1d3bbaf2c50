"""Runs a Plan as a backtest: in this process (1..N worker threads) or as a cluster of
bytewax processes on loopback, then writes the `runs` row and returns the summary.

In a cluster this process is process 0 (cluster.py starts the others). Headline numbers
are read back from ClickHouse, so the summary is what the analytics say, however many
processes wrote them.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bytewax.testing import cluster_main, run_main

from orderloom.dsl.errors import RunFailed, RunInterrupted, interrupted
from orderloom.dsl.plan import Plan
from orderloom.runtime.build import build_dataflow
from orderloom.runtime.cluster import Cluster
from orderloom.runtime.feeds import open_feed
from orderloom.runtime.panics import native_stderr_captured
from orderloom.runtime.placement import place
from orderloom.runtime.sinks.base import AnalyticsStore, open_store
from orderloom.runtime.sinks.spool import SpoolLoader
from orderloom.runtime.sinks.writer import BatchWriter

ProgressCallback = Callable[[int, int | None], None]  # (events so far, total if known)


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
    total = _total_events(plan)  # opens every feed first: bad data paths fail fast
    store = open_store(url, database)
    try:
        return _deploy(plan, options, store, total, on_progress)
    finally:
        store.close()


def _deploy(
    plan: Plan,
    options: DeployOptions,
    store: AnalyticsStore,
    total: int | None,
    on_progress: ProgressCallback | None,
) -> RunSummary:
    store.ensure_schema()
    started_ns = time.time_ns()
    t0 = time.perf_counter()
    first = _run_in_process(plan, options, store, total, on_progress)
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
                plan.redacted().dumps(),
            )
        ],
    )
    return summary


def _run_in_process(
    plan: Plan,
    options: DeployOptions,
    store: AnalyticsStore,
    total: int | None,
    on_progress: ProgressCallback | None,
) -> float | None:
    """All workers in this process; or, in a cluster, this process is process 0 and loads
    the other processes' spooled analytics from a background thread."""
    # Few large inserts: each chDB insert costs ~20 ms whatever its size (one part each).
    # But not too large: while a big insert runs the engine step stalls (measured with
    # bench/kill_switch_latency.py: 500k-row inserts put the kill's tail at ~300 ms, 100k at
    # ~100 ms, with equal backtest throughput).
    writer = BatchWriter(
        store, max_pending_rows=2_000_000, flush_rows=100_000, flush_interval_ms=2000
    )
    progress = _Progress(on_progress, total)
    placement = place(plan, options.workers * options.processes)
    flow = build_dataflow(
        plan, options.run_id, lambda _worker: writer, progress.feed, placement=placement
    )
    cluster = (
        Cluster(
            plan,
            options.run_id,
            options.workers,
            options.processes,
            SpoolLoader(store, Path(tempfile.mkdtemp(prefix="orderloom-spool-"))),
            progress.spooled,
            placement,
        )
        if options.processes > 1
        else None
    )
    try:
        with native_stderr_captured():
            if cluster is not None:
                cluster.start()
                cluster_main(flow, cluster.addresses, 0, worker_count_per_proc=options.workers)
                cluster.finish()
            elif options.workers <= 1:
                run_main(flow)
            else:
                cluster_main(flow, [], 0, worker_count_per_proc=options.workers)
    except BaseException as exc:
        if cluster is not None:
            cluster.abort()  # a peer that died makes this process panic: report the peer
        if interrupted(exc):
            writer.close()  # what was processed stays in the store
            raise RunInterrupted(
                f"interrupted; rows written so far are in {store.url} under run '{options.run_id}'"
            ) from None
        raise
    finally:
        writer.close()
    return progress.first


class _Progress:
    """Events read so far, from this process's sources and other processes' spools; called
    once per batch or spool file, never per event."""

    def __init__(self, callback: ProgressCallback | None, total: int | None) -> None:
        self.callback = callback
        self.total = total
        self.first: float | None = None
        self.local: dict[str, int] = {}
        self.remote = 0
        self.lock = threading.Lock()

    def feed(self, feed: str, rows: int) -> None:
        with self.lock:
            self.local[feed] = rows
            self._report()

    def spooled(self, market_rows: int) -> None:
        with self.lock:
            self.remote = market_rows
            self._report()

    def _report(self) -> None:
        if self.first is None:
            self.first = time.perf_counter()
        if self.callback is not None:
            self.callback(sum(self.local.values()) + self.remote, self.total)


def _total_events(plan: Plan) -> int | None:
    """Opens every feed once before the run, so a missing file or column is reported with
    its feed and fix before any worker starts; returns the rows the feeds will deliver when
    every feed knows it cheaply (Parquet, synthetic)."""
    total: int | None = 0
    for feed in plan.feeds:
        with open_feed(feed) as reader:
            hint = reader.total_hint
        total = None if hint is None or total is None else total + hint
    return total


def _summarise(
    store: AnalyticsStore, run_id: str, wall_s: float, first_event_s: float | None
) -> RunSummary:
    rid = "'" + run_id.replace("\\", "\\\\").replace("'", "\\'") + "'"
    result = store.query(
        f"""SELECT
          (SELECT count() FROM market_trades WHERE run_id = {rid})
            + (SELECT count() FROM market_quotes WHERE run_id = {rid})
            + (SELECT count() FROM market_book WHERE run_id = {rid}),
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
