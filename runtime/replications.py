"""Research runs: N seeded Monte-Carlo replications of a backtest on synthetic feeds
(`orderloom deploy --runs N --seed S`), each a run `<run_id>-rNNNN` with its own analytics
rows, plus a per-strategy summary (mean and sample std of PnL and final inventory, mean
fills) written to the `research_runs` table.

Replication i re-seeds every synthetic feed and every simulated venue's fill model and
latency draws with S + i. Each replication drives the strategy engines in this process,
without a dataflow: the engine is the same per-instance step the dataflow runs
(deterministic, event time), and skipping the dataflow and per-run sink round trips keeps a
200-step run to milliseconds.
Market data is not stored (the seed, or the replay file, regenerates it); orders, fills,
positions, PnL, risk events, dead letters and a `runs` row are. `ResearchRows` gathers those
rows for `--runs` and for sweeps (runtime/sweeps.py).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from orderloom.dsl.errors import RunFailed
from orderloom.dsl.kinds.simulated import SimulatedVenueParams
from orderloom.dsl.kinds.synthetic import SyntheticParams
from orderloom.dsl.plan import Plan
from orderloom.runtime.engine.instance import StrategyEngine
from orderloom.runtime.events import MarketBatch
from orderloom.runtime.feeds import open_feed
from orderloom.runtime.sinks.base import AnalyticsStore, open_store

ReplicationProgress = Callable[[int, int], None]  # (replications done, total)


@dataclass(frozen=True)
class Replication:
    """One strategy instance's outcome in one replication."""

    run_id: str
    seed: int
    strategy: str
    pnl: float
    position: float  # final inventory of the traded instrument
    fills: int
    orders: int
    events: int


@dataclass(frozen=True)
class StrategySummary:
    strategy: str
    runs: int
    pnl_mean: float
    pnl_std: float  # sample standard deviation (n - 1)
    position_mean: float
    position_std: float
    fills_mean: float


@dataclass(frozen=True)
class ResearchSummary:
    run_id: str
    seed: int
    runs: int
    sink: str
    wall_s: float
    strategies: tuple[StrategySummary, ...]
    replications: tuple[Replication, ...]


def replication_run_id(run_id: str, index: int) -> str:
    return f"{run_id}-r{index:04d}"


def seeded(plan: Plan, seed: int) -> Plan:
    """The plan with every synthetic feed and every simulated venue's fill and latency draws
    seeded by `seed` (each on its own stream, so they never coincide)."""
    feeds = tuple(
        dataclasses.replace(f, params=dataclasses.replace(f.params, seed=seed))
        if isinstance(f.params, SyntheticParams)
        else f
        for f in plan.feeds
    )
    venues = tuple(
        dataclasses.replace(v, params=dataclasses.replace(v.params, seed=seed, latency_seed=seed))
        if isinstance(v.params, SimulatedVenueParams)
        else v
        for v in plan.venues
    )
    return dataclasses.replace(plan, feeds=feeds, venues=venues)


def replicate(
    plan: Plan, run_id: str, seed: int | None
) -> tuple[list[Replication], dict[str, list]]:
    """Run every strategy of `plan` once, seeded by `seed` (None: the seeds as written): the
    outcomes and the analytics rows by table (dead letters included)."""
    if seed is not None:
        plan = seeded(plan, seed)
    batches: dict[str, list[MarketBatch]] = {}
    rows: dict[str, list] = {}
    for feed in plan.feeds:
        with open_feed(feed) as reader:
            good = batches[feed.name] = []
            for batch, letters in reader:
                if batch is not None:
                    good.append(batch)
                if letters:
                    rows.setdefault("dead_letters", []).extend(
                        (run_id, d.feed, d.offset, d.ts_ns, d.reason, d.record) for d in letters
                    )
    out = []
    for node in plan.strategies:
        engine = StrategyEngine(plan, node.name, run_id)
        mine = [b for f in plan.feeds if f.instrument in node.instruments for b in batches[f.name]]
        for table, table_rows in (*engine.on_batches(mine), *engine.on_eof()):
            rows.setdefault(table, []).extend(table_rows)
        stats = engine.stats
        out.append(
            Replication(
                run_id,
                seed if seed is not None else -1,
                node.name,
                stats.total,
                engine.ctx.position(0),
                stats.fills,
                stats.orders,
                stats.events,
            )
        )
    return out, rows


class ResearchRows:
    """Analytics rows of research runs gathered in memory, then written in one go per table
    (a run is milliseconds; a sink round trip per run would dominate)."""

    def __init__(self, plan_json: str) -> None:
        self.plan_json = plan_json
        self.tables: dict[str, list] = {}

    def run(self, plan: Plan, run_id: str, seed: int | None) -> list[Replication]:
        """One run of `plan` as `run_id`: its rows and its `runs` row; its outcomes."""
        started_ns = time.time_ns()
        outcomes, tables = replicate(plan, run_id, seed)
        for table, table_rows in tables.items():
            self.tables.setdefault(table, []).extend(table_rows)
        dead = len(tables.get("dead_letters", ()))
        self.add(
            "runs",
            [
                (
                    run_id,
                    plan.name,
                    "backtest",
                    started_ns,
                    time.time_ns(),
                    1,
                    1,
                    max((o.events for o in outcomes), default=0) + dead,
                    dead,
                    sum(o.orders for o in outcomes),
                    sum(o.fills for o in outcomes),
                    sum(o.pnl for o in outcomes),
                    self.plan_json,
                )
            ],
        )
        return outcomes

    def add_summary(self, run_id: str, seed: int, strategies: tuple[StrategySummary, ...]) -> None:
        self.add(
            "research_runs",
            [
                (
                    run_id,
                    s.strategy,
                    s.runs,
                    seed,
                    s.pnl_mean,
                    s.pnl_std,
                    s.position_mean,
                    s.position_std,
                    s.fills_mean,
                )
                for s in strategies
            ],
        )

    def add(self, table: str, rows: list) -> None:
        self.tables.setdefault(table, []).extend(rows)

    def flush(self, store: AnalyticsStore) -> None:
        for table, rows in self.tables.items():
            if rows:
                store.insert_rows(table, rows)
        self.tables = {}


def check_replicable(plan: Plan, runs: int) -> None:
    """--runs N re-seeds synthetic feeds; anything else would replay the same data N times."""
    if runs < 1:
        raise RunFailed(f"--runs must be at least 1, got {runs}")
    others = [f.name for f in plan.feeds if not isinstance(f.params, SyntheticParams)]
    if others:
        raise RunFailed(
            f"--runs replicates synthetic feeds only; feed(s) {', '.join(others)} are not "
            "synthetic (use deploy without --runs)"
        )


def summarise(replications: list[Replication]) -> tuple[StrategySummary, ...]:
    by_strategy: dict[str, list[Replication]] = {}
    for r in replications:
        by_strategy.setdefault(r.strategy, []).append(r)
    return tuple(
        StrategySummary(
            name,
            len(rs),
            _mean([r.pnl for r in rs]),
            _std([r.pnl for r in rs]),
            _mean([r.position for r in rs]),
            _std([r.position for r in rs]),
            _mean([float(r.fills) for r in rs]),
        )
        for name, rs in by_strategy.items()
    )


def run_replications(
    plan: Plan,
    run_id: str,
    runs: int,
    seed: int,
    sink_url: str | None = None,
    database: str = "orderloom",
    on_progress: ReplicationProgress | None = None,
) -> ResearchSummary:
    """Run `runs` replications seeded `seed`, `seed + 1`, …, write their rows, a `runs` row
    each and the `research_runs` summary to the sink, and return the summary."""
    check_replicable(plan, runs)
    t0 = time.perf_counter()
    rows = ResearchRows(plan.redacted().dumps())
    replications: list[Replication] = []
    for index in range(runs):
        replications.extend(rows.run(plan, replication_run_id(run_id, index), seed + index))
        if on_progress is not None:
            on_progress(index + 1, runs)
    strategies = summarise(replications)
    rows.add_summary(run_id, seed, strategies)
    store: AnalyticsStore = open_store(sink_url, database)
    try:
        store.ensure_schema()
        rows.flush(store)
        url = store.url
    finally:
        store.close()
    return ResearchSummary(
        run_id, seed, runs, url, time.perf_counter() - t0, strategies, tuple(replications)
    )


def _mean(values: list[float]) -> float:
    return math.fsum(values) / len(values)


def _std(values: list[float]) -> float:
    if len(values) < 2:
        return 0.0
    mean = _mean(values)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))
