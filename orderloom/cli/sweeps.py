"""`orderloom deploy` of a pipeline with a `sweep:` grid: runs every point (runtime/sweeps.py)
with a progress bar and prints the ranking, one table per strategy."""

from __future__ import annotations

import argparse
import math

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from orderloom.dsl.errors import RunFailed
from orderloom.dsl.sweep import Sweep, point_run_id


def deploy_sweep(
    args: argparse.Namespace, sweep: Sweep, run_id: str, out: Console, err: Console
) -> int:
    from orderloom.runtime.run import sink_url_for
    from orderloom.runtime.sweeps import check_sweep, run_sweep

    if args.mode != "backtest":
        raise RunFailed("a sweep runs in --mode backtest only")
    runs: int | None = getattr(args, "runs", None)
    check_sweep(sweep, runs)
    url, database = sink_url_for(sweep.base, args.sink)
    n = len(sweep.points)
    each = (
        f", {runs} replications each (seeds {args.seed} … {args.seed + runs - 1})" if runs else ""
    )
    err.print(
        f"deploying [bold]{escape(sweep.base.name)}[/] sweep as runs "
        f"[bold]{escape(point_run_id(run_id, 0, n))}[/] … "
        f"[bold]{escape(point_run_id(run_id, n - 1, n))}[/]: {escape(sweep.describe())}{each}"
    )
    show = not args.no_progress and err.is_terminal
    progress = Progress(
        TextColumn("sweep"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f} runs"),
        TimeElapsedColumn(),
        console=err,
        disable=not show,
    )
    task = progress.add_task("sweep", total=n * (runs or 1))

    def on_progress(done: int, total: int) -> None:
        progress.update(task, completed=done)

    with progress:
        summary = run_sweep(sweep, run_id, runs, args.seed, url, database, on_progress)
    strategies = list(dict.fromkeys(r.summary.strategy for r in summary.ranked))
    for strategy in strategies:
        table = Table(
            title=f"sweep {run_id}: {escape(strategy)} ranked by {summary.metric} "
            f"({summary.best} first)",
            title_justify="left",
        )
        table.add_column("rank", justify="right")
        table.add_column("point")
        for label in sweep.labels:
            table.add_column(escape(label), justify="right")
        replicated = summary.runs is not None
        names = ("pnl mean", "pnl std", "sharpe", "final q std", "fills")
        for name in names if replicated else ("pnl", "final q", "fills"):
            table.add_column(name, justify="right")
        for r in summary.ranked:
            if r.summary.strategy != strategy:
                continue
            s = r.summary
            sharpe = s.pnl_mean / s.pnl_std if s.pnl_std > 0 else math.nan
            numbers = (
                (
                    f"{s.pnl_mean:,.2f}",
                    f"{s.pnl_std:,.2f}",
                    "—" if math.isnan(sharpe) else f"{sharpe:,.3f}",
                    f"{s.position_std:,.2f}",
                    f"{s.fills_mean:,.1f}",
                )
                if replicated
                else (f"{s.pnl_mean:,.2f}", f"{s.position_mean:,.4g}", f"{s.fills_mean:,.0f}")
            )
            table.add_row(
                str(r.rank),
                escape(r.run_id.rsplit("-", 1)[-1]),
                *(escape(t) for t in r.point.texts),
                *numbers,
            )
        out.print(table)
    out.print(
        f"wall time {summary.wall_s:.2f} s; sink {escape(summary.sink)} "
        f"(tables sweep_points, research_runs, runs, orders, fills, positions, pnl)"
    )
    return 0
