"""One function per CLI command; each returns the exit status."""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from orderloom.dsl.errors import ConfigError, Diagnostic

if TYPE_CHECKING:
    from orderloom.dsl.plan import Plan


def cmd_validate(args: argparse.Namespace, out: Console, err: Console) -> int:
    from orderloom.dsl.compiler import compile_sweep

    problems: list[Diagnostic] = []
    for file in args.files:
        try:
            sweep = compile_sweep(file, args.overrides)
        except ConfigError as exc:
            problems.extend(exc.diagnostics)
            continue
        plan = sweep.base
        grid = f"; sweep: {sweep.describe()}" if sweep.points else ""
        out.print(
            f"{escape(file)}: ok — {len(plan.feeds)} feed(s), {len(plan.strategies)} "
            f"strateg{'y' if len(plan.strategies) == 1 else 'ies'}, {len(plan.venues)} venue(s), "
            f"{len(plan.instruments)} instrument(s){escape(grid)}"
        )
    if problems:
        raise ConfigError(problems)
    return 0


def cmd_plan(args: argparse.Namespace, out: Console, err: Console) -> int:
    from orderloom.dsl.compiler import compile_sweep
    from orderloom.dsl.plan_format import format_plan

    sweep = compile_sweep(args.file, args.overrides)
    print(format_plan(sweep.base, args.format))
    if sweep.points:
        # JSON and dot output stay parseable: the grid goes to stderr for them.
        (out if args.format == "text" else err).print(f"sweep: {escape(sweep.describe())}")
    return 0


def cmd_kinds(args: argparse.Namespace, out: Console, err: Console) -> int:
    from orderloom.dsl.docgen import kinds_text

    print(kinds_text(args.kind))
    return 0


def cmd_deploy(args: argparse.Namespace, out: Console, err: Console) -> int:
    from orderloom.dsl.compiler import compile_sweep
    from orderloom.runtime.run import DeployOptions, deploy

    sweep = compile_sweep(args.file, args.overrides)
    plan = sweep.base
    run_id = args.run_id or f"{plan.name}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    if sweep.points:
        from orderloom.cli.sweeps import deploy_sweep

        return deploy_sweep(args, sweep, run_id, out, err)
    if getattr(args, "runs", None) is not None:
        return _deploy_replications(args, plan, run_id, out, err)
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


def _deploy_replications(
    args: argparse.Namespace, plan: Plan, run_id: str, out: Console, err: Console
) -> int:
    from orderloom.dsl.errors import RunFailed
    from orderloom.runtime.replications import replication_run_id, run_replications
    from orderloom.runtime.run import sink_url_for

    if args.mode != "backtest":
        raise RunFailed("--runs needs --mode backtest")
    if args.runs < 1:
        raise RunFailed(f"--runs must be at least 1, got {args.runs}")
    url, database = sink_url_for(plan, args.sink)
    last = replication_run_id(run_id, args.runs - 1)
    err.print(
        f"deploying [bold]{escape(plan.name)}[/] ({args.mode}) as runs "
        f"[bold]{escape(replication_run_id(run_id, 0))}[/] … [bold]{escape(last)}[/] "
        f"(seeds {args.seed} … {args.seed + args.runs - 1})"
    )
    show = not args.no_progress and err.is_terminal
    progress = Progress(
        TextColumn("replications"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f}"),
        TimeElapsedColumn(),
        console=err,
        disable=not show,
    )
    task = progress.add_task("replications", total=args.runs)

    def on_progress(done: int, total: int) -> None:
        progress.update(task, completed=done)

    with progress:
        summary = run_replications(
            plan, run_id, args.runs, args.seed, url, database, on_progress=on_progress
        )
    table = Table(
        title=f"research run {run_id}: {summary.runs} replications, seed {summary.seed}",
        title_justify="left",
    )
    for name in ("strategy", "pnl mean", "pnl std", "final q mean", "final q std", "fills"):
        table.add_column(name, justify="left" if name == "strategy" else "right")
    for s in summary.strategies:
        table.add_row(
            escape(s.strategy),
            f"{s.pnl_mean:,.2f}",
            f"{s.pnl_std:,.2f}",
            f"{s.position_mean:,.2f}",
            f"{s.position_std:,.2f}",
            f"{s.fills_mean:,.1f}",
        )
    out.print(table)
    out.print(
        f"wall time {summary.wall_s:.2f} s; sink {escape(summary.sink)} "
        f"(tables research_runs, runs, orders, fills, positions, pnl)"
    )
    return 0


def cmd_kill(args: argparse.Namespace, out: Console, err: Console) -> int:
    return _control(args, out, err, kill=True)


def cmd_resume(args: argparse.Namespace, out: Console, err: Console) -> int:
    return _control(args, out, err, kill=False)


def _control(args: argparse.Namespace, out: Console, err: Console, *, kill: bool) -> int:
    """Write a kill/resume command to the pipeline's control file (control_state.py)."""
    from orderloom.cli.control import quick_pipeline_name
    from orderloom.runtime.control_state import control_path, write_command

    strategy: str | None = args.strategy
    directory = Path(args.control_dir) if args.control_dir else None
    flatten = bool(getattr(args, "flatten", False))
    if args.account:
        return _account_control(args, err, directory, kill=kill, flatten=flatten)
    if args.file is None:
        err.print("[bold red]error[/]: give the pipeline FILE, or --account NAME")
        return 2
    name = quick_pipeline_name(Path(args.file), strategy) if not args.overrides else None
    if name is None:
        from orderloom.dsl.compiler import compile_file

        plan = compile_file(Path(args.file), overrides=args.overrides)
        name = plan.name
        known = {s.name for s in plan.strategies} | {s.template for s in plan.strategies}
        if strategy is not None and strategy not in known:
            names = escape(", ".join(sorted(known)))
            err.print(
                f"[bold red]error[/]: no strategy '{escape(strategy)}' in pipeline "
                f"'{escape(plan.name)}' (instances and templates: {names})"
            )
            return 2
    path = control_path(name, directory)
    state = write_command(path, kill=kill, strategy=strategy, flatten=flatten)
    what = "killed" if kill else "resumed"
    target = f"strategy '{strategy}'" if strategy else "every strategy"
    extra = " (positions flattened)" if kill and flatten else ""
    out.print(f"{what} {escape(target)} of '{escape(name)}'{extra}: command {state.seq} in {path}")
    return 0


def _account_control(
    args: argparse.Namespace, err: Console, directory: Path | None, *, kill: bool, flatten: bool
) -> int:
    """`kill/resume --account NAME [FILE]`: the account's shared file; FILE, if given, must
    belong to that account."""
    from orderloom.cli.control import account_command

    if args.file is not None:
        from orderloom.dsl.compiler import compile_file

        plan = compile_file(Path(args.file), overrides=args.overrides)
        if plan.account != args.account:
            err.print(
                f"[bold red]error[/]: pipeline '{escape(plan.name)}' belongs to account "
                f"'{escape(plan.account)}', not '{escape(args.account)}'"
            )
            return 2
    where = str(directory) if directory is not None else None
    return account_command(args.account, where, kill=kill, flatten=flatten)


def cmd_control_server(args: argparse.Namespace, out: Console, err: Console) -> int:
    """Serve POST /kill and /resume for the pipeline until Ctrl-C (runtime/control_http.py)."""
    import os

    from orderloom.dsl.compiler import compile_file
    from orderloom.runtime.control_http import TOKEN_ENV, ControlServer
    from orderloom.runtime.control_state import control_path

    plan = compile_file(Path(args.file), overrides=args.overrides)
    token = os.environ.get(TOKEN_ENV, "")
    if not token:
        err.print(f"[bold red]error[/]: set {TOKEN_ENV} to the token callers must send")
        return 2
    known = frozenset({s.name for s in plan.strategies} | {s.template for s in plan.strategies})
    directory = Path(args.control_dir) if args.control_dir else None
    path = control_path(plan.name, directory)
    server = ControlServer(path, token, known, args.host, args.port, plan.account)
    host, port = server.server_address[:2]
    out.print(f"kill switch for '{escape(plan.name)}' on http://{host}:{port} (writes {path})")
    try:
        server.serve_forever()
    finally:
        server.server_close()
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


def cmd_test(args: argparse.Namespace, out: Console, err: Console) -> int:
    """Run pipeline test files: one line per test, then every failure with its place and
    `expected` / `received` lines, then `N passed, M failed`; exit 1 when any failed."""
    from orderloom.runtime.pipeline_tests import PipelineTestResult, discover, load_all, run_file

    files = load_all(discover(args.paths))
    if not files:
        err.print(
            f"[bold red]error[/]: no test files (*_test.yaml) in {escape(' '.join(args.paths))}"
        )
        return 1
    results: list[PipelineTestResult] = []
    problems: list[Diagnostic] = []
    for suite in files:
        try:
            ran = run_file(suite, args.name_filter)
        except ConfigError as exc:
            problems.extend(exc.diagnostics)
            continue
        for result in ran:
            mark = "[green]ok[/]  " if result.passed else "[bold red]FAIL[/]"
            where = f"{suite.path}:{result.test.span.line}"
            out.print(f"{mark} {escape(where)}: {escape(result.test.name)}")
        results.extend(ran)
    failed = [r for r in results if not r.passed]
    for result in failed:
        out.print()
        test = result.test
        out.print(f"[bold red]FAIL[/] {escape(test.name)} ({escape(str(test.span))})")
        for failure in result.failures:
            for line in failure.lines():
                out.print(f"  {escape(line)}")
    if results:
        out.print()
    out.print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if problems:
        raise ConfigError(problems)
    return 1 if failed else 0
