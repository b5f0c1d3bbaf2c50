"""One function per CLI command; each returns the exit status."""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from orderloom.dsl.errors import ConfigError, Diagnostic


def cmd_validate(args: argparse.Namespace, out: Console, err: Console) -> int:
    from orderloom.dsl.compiler import compile_file

    problems: list[Diagnostic] = []
    for file in args.files:
        try:
            plan = compile_file(file, args.overrides)
        except ConfigError as exc:
            problems.extend(exc.diagnostics)
            continue
        out.print(
            f"{escape(file)}: ok — {len(plan.feeds)} feed(s), {len(plan.strategies)} "
            f"strateg{'y' if len(plan.strategies) == 1 else 'ies'}, {len(plan.venues)} venue(s), "
            f"{len(plan.instruments)} instrument(s)"
        )
    if problems:
        raise ConfigError(problems)
    return 0


def cmd_plan(args: argparse.Namespace, out: Console, err: Console) -> int:
    from orderloom.dsl.compiler import compile_file
    from orderloom.dsl.plan_format import format_plan

    plan = compile_file(args.file, args.overrides)
    print(format_plan(plan, args.format))
    return 0


def cmd_kinds(args: argparse.Namespace, out: Console, err: Console) -> int:
    from orderloom.dsl.docgen import kinds_text

    print(kinds_text(args.kind))
    return 0


def cmd_deploy(args: argparse.Namespace, out: Console, err: Console) -> int:
    from orderloom.dsl.compiler import compile_file
    from orderloom.runtime.run import DeployOptions, deploy

    plan = compile_file(args.file, args.overrides)
    run_id = args.run_id or f"{plan.name}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    options = DeployOptions(
        run_id=run_id,
        sink_url=args.sink,
        workers=max(1, args.workers),
        processes=max(1, args.processes),
        mode=args.mode,
    )
    err.print(
        f"deploying [bold]{escape(plan.name)}[/] ({args.mode}) as run [bold]{escape(run_id)}[/]"
    )
    show = not args.no_progress and err.is_terminal
    progress = Progress(
        TextColumn("replay"),
        BarColumn(),
        TextColumn("{task.completed:,.0f} events"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=err,
        disable=not show,
    )
    task = progress.add_task("replay", total=None, rate="")
    t0 = time.perf_counter()

    def on_progress(events: int, total: int | None) -> None:
        rate = events / max(time.perf_counter() - t0, 1e-9)
        progress.update(task, completed=events, total=total, rate=f"{rate:,.0f}/s")

    with progress:
        summary = deploy(plan, options, on_progress)
    table = Table(title=f"run {run_id}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    rows = [
        ("events", f"{summary.events:,}"),
        ("dead letters", f"{summary.dead_letters:,}"),
        ("orders", f"{summary.orders:,}"),
        ("fills", f"{summary.fills:,}"),
        ("fees", f"{summary.fees:,.2f}"),
        ("pnl", f"{summary.pnl:,.2f}"),
        ("wall time", f"{summary.wall_s:.2f} s"),
        ("events/s", f"{summary.events_per_s:,.0f}"),
        ("sink", summary.sink),
    ]
    for name, value in rows:
        table.add_row(name, escape(value))
    out.print(table)
    return 0


def cmd_sql(args: argparse.Namespace, out: Console, err: Console) -> int:
    from orderloom.runtime.sinks.query import run_query

    url: str | None = args.sink
    database = "orderloom"
    if args.pipeline:
        from orderloom.dsl.compiler import compile_file
        from orderloom.runtime.run import sink_url_for

        plan = compile_file(Path(args.pipeline))
        url, database = sink_url_for(plan, None)
    print(run_query(url, args.query, args.format, database=database))
    return 0
