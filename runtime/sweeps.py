"""Deploying a `sweep:` grid: every point is a research run `<run_id>-pNNN` (one run with the
seeds as written, or `--runs N` seeded replications `-pNNN-rNNNN`, the same seeds at every
point so points differ only by their parameters), summarised in `research_runs` like
`deploy --runs`, and ranked per strategy by the sweep's metric in `sweep_points` (only the
strategies the grid changes; the others' numbers are the same at every point).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from orderloom.dsl.errors import RunFailed
from orderloom.dsl.sweep import SPREAD_METRICS, Sweep, SweepPoint, point_run_id
from orderloom.runtime.replications import (
    Replication,
    ResearchRows,
    StrategySummary,
    check_replicable,
    replication_run_id,
    summarise,
)
from orderloom.runtime.sinks.base import open_store

SweepProgress = Callable[[int, int], None]  # (runs done, total runs)


@dataclass(frozen=True)
class RankedPoint:
    """One point's summary for one strategy, and its place in the ranking."""

    point: SweepPoint
    run_id: str  # the point's run: `<run_id>-pNNN`
    summary: StrategySummary
    value: float  # the metric
    rank: int  # 1 = best, among this strategy's points


@dataclass(frozen=True)
class SweepSummary:
    run_id: str
    metric: str
    best: str
    runs: int | None  # replications per point; None: one run, seeds as written
    seed: int
    sink: str
    wall_s: float
    ranked: tuple[RankedPoint, ...]  # by strategy (as declared), then rank


def metric_value(summary: StrategySummary, metric: str) -> float:
    """The metric of one point's summary; sharpe (mean / std of PnL) is NaN when the PnL
    did not vary."""
    if metric == "sharpe":
        return summary.pnl_mean / summary.pnl_std if summary.pnl_std > 0 else math.nan
    value: float = getattr(summary, metric)
    return value


def rank(values: list[float], best: str) -> list[int]:
    """Ranks (1 = best) of `values`; ties keep grid order, NaN ranks last."""
    sign = -1.0 if best == "highest" else 1.0
    order = sorted(
        range(len(values)),
        key=lambda i: (math.isnan(values[i]), sign * values[i] if not math.isnan(values[i]) else 0),
    )
    ranks = [0] * len(values)
    for place, i in enumerate(order, start=1):
        ranks[i] = place
    return ranks


def check_sweep(sweep: Sweep, runs: int | None) -> None:
    """Refuse what cannot run: replications of non-synthetic feeds, a spread metric
    (pnl_std, sharpe, position_std) without 2+ replications per point."""
    if runs is not None:
        for point in sweep.points:
            check_replicable(point.plan, runs)
    if sweep.metric in SPREAD_METRICS and (runs or 1) < 2:
        raise RunFailed(
            f"the sweep's metric {sweep.metric} compares replications; deploy with --runs N "
            "(N ≥ 2) or rank by pnl_mean or fills_mean"
        )


def run_sweep(
    sweep: Sweep,
    run_id: str,
    runs: int | None = None,
    seed: int = 0,
    sink_url: str | None = None,
    database: str = "orderloom",
    on_progress: SweepProgress | None = None,
) -> SweepSummary:
    """Run every point of `sweep`, write each point's runs and summary as it finishes, then
    the ranking; return the ranking."""
    check_sweep(sweep, runs)
    t0 = time.perf_counter()
    total = len(sweep.points) * (runs or 1)
    done = 0
    summaries: list[tuple[SweepPoint, str, tuple[StrategySummary, ...]]] = []
    store = open_store(sink_url, database)
    try:
        store.ensure_schema()
        for point in sweep.points:
            rid = point_run_id(run_id, point.index, len(sweep.points))
            rows = ResearchRows(point.plan.redacted().dumps())
            outcomes: list[Replication] = []
            if runs is None:
                outcomes.extend(rows.run(point.plan, rid, None))
                done += 1
            else:
                for index in range(runs):
                    rep = replication_run_id(rid, index)
                    outcomes.extend(rows.run(point.plan, rep, seed + index))
                    done += 1
                    if on_progress is not None:
                        on_progress(done, total)
            strategies = summarise(outcomes)
            rows.add_summary(rid, seed if runs is not None else -1, strategies)
            rows.flush(store)
            summaries.append((point, rid, strategies))
            if on_progress is not None and runs is None:
                on_progress(done, total)
        ranked = _ranked(summaries, sweep.metric, sweep.best, sweep.swept)
        store.insert_rows(
            "sweep_points",
            [
                (
                    run_id,
                    r.point.index,
                    r.run_id,
                    r.summary.strategy,
                    r.point.params_json,
                    r.summary.runs,
                    sweep.metric,
                    r.value,
                    r.rank,
                )
                for r in ranked
            ],
        )
        url = store.url
    finally:
        store.close()
    return SweepSummary(
        run_id, sweep.metric, sweep.best, runs, seed, url, time.perf_counter() - t0, ranked
    )


def _ranked(
    summaries: list[tuple[SweepPoint, str, tuple[StrategySummary, ...]]],
    metric: str,
    best: str,
    swept: tuple[str, ...],
) -> tuple[RankedPoint, ...]:
    by_strategy: dict[str, list[tuple[SweepPoint, str, StrategySummary]]] = {}
    for point, rid, strategies in summaries:
        for s in strategies:
            if s.strategy in swept:
                by_strategy.setdefault(s.strategy, []).append((point, rid, s))
    out: list[RankedPoint] = []
    for entries in by_strategy.values():
        values = [metric_value(s, metric) for _, _, s in entries]
        ranks = rank(values, best)
        ranked = [
            RankedPoint(point, rid, s, value, place)
            for (point, rid, s), value, place in zip(entries, values, ranks, strict=True)
        ]
        out.extend(sorted(ranked, key=lambda r: r.rank))
    return tuple(out)
