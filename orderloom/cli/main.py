"""The `orderloom` command: validate, plan, kinds, deploy, test, sql.

User mistakes (bad YAML, bad data, a refused query) print a clear message and exit with a
stable code; only bugs show a traceback.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing, argparse and collections cost `orderloom kill` ~5 ms
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

EXIT_OK = 0
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    import argparse

    from orderloom.cli.control import add_control_arguments

    ap = argparse.ArgumentParser(
        prog="orderloom", description="Declarative trading pipelines on Bytewax and ClickHouse."
    )
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_set(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--set",
            dest="overrides",
            action="append",
            default=[],
            metavar="PATH=VALUE",
            help="override a value, e.g. strategies.buy_twap.quantity=3 (repeatable)",
        )

    p = sub.add_parser("validate", help="check pipeline files and print every problem")
    p.add_argument("files", nargs="+", metavar="FILE")
    with_set(p)

    p = sub.add_parser("plan", help="print the compiled plan")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--format", choices=("text", "json", "dot"), default="text")
    with_set(p)

    p = sub.add_parser("kinds", help="list component kinds and their parameters")
    p.add_argument("kind", nargs="?", metavar="KIND")

    p = sub.add_parser("deploy", help="run a pipeline")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--mode", choices=("backtest", "paper", "live"), default="backtest")
    p.add_argument("--workers", type=int, default=1, help="worker threads per process")
    p.add_argument("--processes", type=int, default=1, help="bytewax processes on loopback")
    p.add_argument("--sink", metavar="URL", help="chdb://PATH or clickhouse://host:port/db")
    p.add_argument("--run-id", metavar="ID", help="default: <pipeline>-<UTC time>")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--runs",
        type=int,
        metavar="N",
        help="research: N seeded replications on synthetic feeds, summarised",
    )
    p.add_argument(
        "--seed", type=int, default=0, metavar="S", help="with --runs: replication i uses S + i"
    )
    with_set(p)

    for name, verb in (
        ("kill", "cancel every open order and block new ones"),
        ("resume", "lift a kill"),
    ):
        p = sub.add_parser(name, help=f"kill switch: {verb} on a running (or the next) deployment")
        add_control_arguments(p, name)
        with_set(p)

    p = sub.add_parser(
        "control-server", help="kill switch over HTTP (POST /kill, /resume; bearer token)"
    )
    p.add_argument("file", metavar="FILE", help="the pipeline file")
    p.add_argument("--host", default="127.0.0.1", help="default: loopback only")
    p.add_argument("--port", type=int, default=8787)
    p.add_argument("--control-dir", metavar="DIR", help="default: .orderloom/control")
    with_set(p)

    p = sub.add_parser("test", help="run pipeline tests (*_test.yaml) and compare their results")
    p.add_argument(
        "paths",
        nargs="*",
        default=["."],
        metavar="PATH",
        help="a test file, a pipeline (its _test.yaml), or a folder searched for *_test.yaml",
    )
    p.add_argument("-k", dest="name_filter", metavar="TEXT", help="only tests whose name has TEXT")

    p = sub.add_parser("sql", help="query the analytics store")
    p.add_argument("query", metavar="SQL")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--sink", metavar="URL")
    where.add_argument("--pipeline", metavar="FILE", help="use this pipeline's sink")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("kill", "resume"):
        from orderloom.cli.control import quick_control

        quick = quick_control(argv)  # the kill switch's lean path; None: the full one
        if quick is not None:
            return quick
    # Imported here, after the lean path: rich and the compiler cost a kill ~50 ms.
    from rich.console import Console
    from rich.markup import escape

    from orderloom.dsl.errors import ConfigError, OrderloomError, orderloom_cause

    args = _parser().parse_args(argv)
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        from orderloom.cli import commands

        handler = getattr(commands, f"cmd_{args.command}")
        return int(handler(args, out, err))
    except ConfigError as exc:
        from orderloom.dsl.render import render_diagnostics

        sys.stderr.write(render_diagnostics(exc.diagnostics, color=err.is_terminal) + "\n")
        n = len(exc.diagnostics)
        err.print(f"[bold red]error[/]: {n} problem{'s' if n != 1 else ''} found")
        return exc.exit_code
    except OrderloomError as exc:
        err.print(f"[bold red]error[/]: {escape(str(exc))}")
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except Exception as exc:
        # bytewax wraps an error raised inside a step in its own runtime error: a user's
        # mistake found mid-run (bad data) is still shown as one clear line.
        cause = orderloom_cause(exc)
        if cause is None:
            raise
        err.print(f"[bold red]error[/]: {escape(str(cause))}")
        return cause.exit_code


if __name__ == "__main__":
    sys.exit(main())
