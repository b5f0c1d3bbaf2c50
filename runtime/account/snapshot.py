"""What an instance reports to the account monitor, and the engine that reports it: on a grid
of event time (`every` of the `risk: account:` entries) and once at its end, never per market
event. The reports ride the engine's row output under a table name no sink has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orderloom.dsl.plan import Plan
from orderloom.runtime.engine.instance import Rows, StrategyEngine

SNAPSHOT_TABLE = "__account_snapshots"  # split off before the analytics sink


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One instance's state at `ts_ns` (event time), the state before any event at that time.
    `exposures`: (base asset, position × mark in the quote currency) per instrument slot;
    `final`: the instance has ended (its last event time), nothing follows."""

    instance: str
    ts_ns: int
    pnl: float
    exposures: tuple[tuple[str, float], ...]
    final: bool = False


def report_every_ns(plan: Plan) -> int:
    """The grid every instance reports on; 0: the plan has no account limits."""
    return min((limit.every_ns for limit in plan.risk.account), default=0)


class AccountedEngine(StrategyEngine):
    """A StrategyEngine that also reports Snapshots: a timer on its own clock every
    `every_ns` of event time (so the report sits between events exactly like a PnL mark) and
    a final one at the end."""

    def __init__(self, plan: Plan, strategy_name: str, run_id: str, **kwargs: Any) -> None:
        super().__init__(plan, strategy_name, run_id, **kwargs)
        self.every_ns = report_every_ns(plan)
        self.bases = tuple(plan.instrument(i).base for i in self.ctx.instruments)
        self.snapshots: list[Snapshot] = []

    def _start(self, ts_ns: int) -> None:
        super()._start(ts_ns)
        every = self.every_ns
        self.clock.at((ts_ns // every + 1) * every, self._on_report)

    def _on_report(self, ts_ns: int, _: Any) -> None:
        self.snapshots.append(self.snapshot(ts_ns))
        self.clock.at(ts_ns + self.every_ns, self._on_report)

    def snapshot(self, ts_ns: int, final: bool = False) -> Snapshot:
        ctx = self.ctx
        ledger = ctx.ledger
        book = self.book
        marks = [book.mark_price(slot) for slot in range(len(self.bases))]
        exposures = []
        for slot, base in enumerate(self.bases):
            qty = ledger.position_qty[slot]
            mark = marks[slot]
            price = mark if mark == mark else ledger.avg_price[slot]  # unpriced: at entry
            exposures.append((base, qty * price if qty else 0.0))
        return Snapshot(self.name, ts_ns, ledger.total(marks), tuple(exposures), final)

    def on_eof(self) -> Rows:
        started = self._started and not self._finished
        rows = super().on_eof()
        if started:
            self.snapshots.append(self.snapshot(int(self.state.ts_ns), final=True))
        elif not self._started:
            self.snapshots.append(Snapshot(self.name, -1, 0.0, (), final=True))
        return self._snapshot_rows(rows)

    def take_rows(self) -> Rows:
        return self._snapshot_rows(super().take_rows())

    def _snapshot_rows(self, rows: Rows) -> Rows:
        if self.snapshots:
            rows.append((SNAPSHOT_TABLE, self.snapshots.copy()))  # type: ignore[arg-type]
            self.snapshots.clear()
        return rows


def engine_type(plan: Plan) -> type[StrategyEngine]:
    """The engine class the dataflow builds for `plan`'s instances."""
    return AccountedEngine if plan.risk.account else StrategyEngine
