"""The account branch of the dataflow: the engine rows carrying Snapshots go to one stateful
step keyed by account (AccountMonitor), whose risk_events rows rejoin the analytics stream.
bytewax dataflows have no cycles, so the monitor acts on the engines through an account control
file, which the control input polls (runtime/control_source.py): the run's own file in a
paper run, the account's shared one in a live run (control_state.monitor_control_path). A
backtest runs the account's instances as one group instead (group.py), with no such file."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import bytewax.operators as op
from bytewax.dataflow import Stream

from orderloom.dsl.plan import Plan
from orderloom.runtime.account.monitor import AccountMonitor
from orderloom.runtime.account.snapshot import SNAPSHOT_TABLE, Snapshot


class _MonitorLogic(op.StatefulBatchLogic[list[Snapshot], list[tuple], None]):
    def __init__(self, monitor: AccountMonitor, on_end: Callable[[], None] | None) -> None:
        self.monitor = monitor
        self.on_end = on_end

    def on_batch(self, values: list[list[Snapshot]]) -> tuple[Iterable[list[tuple]], bool]:
        snapshots = [snap for batch in values for snap in batch]
        rows = self.monitor.on_snapshots(snapshots)
        return ([rows] if rows else []), False

    def on_eof(self) -> tuple[Iterable[list[tuple]], bool]:
        rows = self.monitor.on_eof()
        if self.on_end is not None:
            # Every engine has ended (their rows are this step's input): no one polls any more.
            self.on_end()
        return ([rows] if rows else []), True

    def snapshot(self) -> None:
        return None  # backtests restart from the beginning, like the engine step


def account_branch(
    plan: Plan,
    run_id: str,
    rows: Stream[Any],
    make_rows: Callable[[str, list[tuple]], Any],
    control: Path | None,
    on_end: Callable[[], None] | None = None,
) -> Stream[Any]:
    """`rows`: the engine's Rows items; returns them without the Snapshots, plus the
    monitor's risk_events rows (built with `make_rows(table, rows)`). `control`: the control
    file the monitor writes its actions to (None: no actions, rows only); `on_end`: called
    once the monitor has seen every report (a simulated run removes its own file then)."""
    split = op.branch("account_reports", rows, lambda item: item.table == SNAPSHOT_TABLE)
    keyed = op.map("account_key", split.trues, lambda item: (plan.account, item.rows))
    monitored = op.stateful_batch(
        "account_monitor",
        keyed,
        lambda _resume: _MonitorLogic(AccountMonitor(plan, run_id, control), on_end),
    )
    trips = op.map("account_trips", monitored, lambda kv: make_rows("risk_events", kv[1]))
    return op.merge("engine_and_account_rows", split.falses, trips)
