"""Turns a Plan into a bytewax Dataflow: feeds → sanity → fan-out by subscription →
one engine step keyed by strategy instance → analytics sink, with the kill-switch control
input (control_source.py) broadcast to every instance key of the engine step.

Step ids are fixed names and feed partitions carry the feed's YAML name, never a position,
so a runtime error names the part of the pipeline it came from. Market data moves as
columnar batches: bytewax's per-item cost is paid once per batch, not once per tick
(FIELD-NOTES: threads vs processes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import bytewax.operators as op
from bytewax.dataflow import Dataflow, Stream
from bytewax.outputs import DynamicSink, StatelessSinkPartition

from orderloom.dsl.plan import Plan
from orderloom.runtime.account.flow import account_branch
from orderloom.runtime.account.group import AccountGroup
from orderloom.runtime.account.snapshot import engine_type
from orderloom.runtime.bars.flow import bar_stream
from orderloom.runtime.control_apply import ControlApplier
from orderloom.runtime.control_source import ControlSource, FeedsDone, TrackedFeedSource
from orderloom.runtime.control_state import (
    ControlState,
    account_control_path,
    control_path,
    monitor_control_path,
    read_deployment_state,
    remove_run_controls,
)
from orderloom.runtime.engine.instance import StrategyEngine
from orderloom.runtime.events import DeadLetter, MarketBatch
from orderloom.runtime.placement import Placement, account_grouped, units

ProgressHook = Callable[[str, int], None]


class AnalyticsWriter(Protocol):
    """What the sink step hands rows to: a BatchWriter (in-process store) or a SpoolWriter
    (worker processes that cannot share the embedded store)."""

    def put_rows(self, table: str, rows: list[tuple[Any, ...]]) -> None: ...
    def put_market(self, run_id: str, batch: MarketBatch) -> None: ...
    def flush(self) -> None: ...


WriterFactory = Callable[[int], AnalyticsWriter]  # worker index -> writer


@dataclass(frozen=True, slots=True)
class Rows:
    table: str
    rows: list[tuple[Any, ...]]


SinkItem: TypeAlias = MarketBatch | Rows


# (strategy instance name, market batch or kill-switch state)
Keyed: TypeAlias = tuple[str, MarketBatch | ControlState]


class _EngineLogic(op.StatefulBatchLogic[Keyed, list[Rows], None]):
    """Adapts StrategyEngine to bytewax: one engine per key (strategy instance).

    bytewax 0.21 builds the logic without telling it its key, so values carry the instance
    name (the key is a routing name, see placement.py) and the engine is created on the
    first batch.
    """

    def __init__(
        self,
        plan: Plan,
        run_id: str,
        control: Path | None = None,
        account_control: Path | None = None,
        run_control: Path | None = None,
    ) -> None:
        self.plan = plan
        self.run_id = run_id
        self.control = control
        self.account_control = account_control  # the account's shared file
        self.run_control = run_control  # the run's own account file (simulated runs)
        self.applier = ControlApplier("")
        self.engine: StrategyEngine | None = None

    def on_batch(self, values: list[Keyed]) -> tuple[Iterable[list[Rows]], bool]:
        engine = self.engine
        if engine is None:
            engine = self.engine = self._create(values[0][0])
        out: list[tuple[str, list[tuple]]] = []
        market: list[MarketBatch] = []
        for _name, value in values:
            if isinstance(value, ControlState):
                if market:
                    out += engine.on_batches(market)
                    market = []
                self._apply_control(engine, value)
            else:
                market.append(value)
        out += engine.on_batches(market)
        emitted = [Rows(t, r) for t, r in out if r]
        return ([emitted] if emitted else []), False

    def _create(self, name: str) -> StrategyEngine:
        engine = engine_type(self.plan)(self.plan, name, self.run_id)
        template = next(s.template for s in self.plan.strategies if s.name == name)
        self.applier = ControlApplier(template)
        if self.control is not None:
            # Read before the first event: a pipeline killed before it starts never trades.
            state = read_deployment_state(self.control, self.account_control, self.run_control)
            self._apply_control(engine, state, at_start=True)
        return engine

    def _apply_control(
        self, engine: StrategyEngine, state: ControlState, at_start: bool = False
    ) -> None:
        # Pipeline and account files, kill/resume and the account's one-shots: control_apply.
        self.applier.apply(engine, state, at_start)

    def on_eof(self) -> tuple[Iterable[list[Rows]], bool]:
        if self.engine is None:
            return [], True
        return [[Rows(t, r) for t, r in self.engine.on_eof() if r]], True

    def snapshot(self) -> None:
        # Backtests restart from the beginning; resumable live state is a later issue.
        return None


class _GroupLogic(op.StatefulBatchLogic[Keyed, list[Rows], None]):
    """Adapts AccountGroup to bytewax: the key of an account whose instances run together
    (a backtest with account limits); values carry the instance they are for."""

    def __init__(
        self, plan: Plan, run_id: str, control: Path | None, account_control: Path | None
    ) -> None:
        self.group = AccountGroup(plan, run_id)
        if control is not None:
            # Read before the first event: a pipeline killed before it starts never trades.
            state = read_deployment_state(control, account_control)
            for engine in self.group.engines:
                self.group.on_control(engine.name, state, at_start=True)

    def on_batch(self, values: list[Keyed]) -> tuple[Iterable[list[Rows]], bool]:
        group = self.group
        out: list[tuple[str, list[tuple]]] = []
        market: list[tuple[str, MarketBatch]] = []
        for name, value in values:
            if isinstance(value, ControlState):
                if market:
                    out += group.on_batches(market)
                    market = []
                group.on_control(name, value)
            else:
                market.append((name, value))
        out += group.on_batches(market)
        emitted = [Rows(t, r) for t, r in out if r]
        return ([emitted] if emitted else []), False

    def on_eof(self) -> tuple[Iterable[list[Rows]], bool]:
        return [[Rows(t, r) for t, r in self.group.on_eof() if r]], True

    def snapshot(self) -> None:
        return None  # backtests restart from the beginning


class _SinkPartition(StatelessSinkPartition[SinkItem]):
    def __init__(self, writer: AnalyticsWriter, run_id: str) -> None:
        self.writer = writer
        self.run_id = run_id

    def write_batch(self, items: list[SinkItem]) -> None:
        writer = self.writer
        for item in items:
            if isinstance(item, Rows):
                writer.put_rows(item.table, item.rows)
            else:
                writer.put_market(self.run_id, item)

    def close(self) -> None:
        self.writer.flush()


class AnalyticsSink(DynamicSink[SinkItem]):
    def __init__(self, writer_factory: WriterFactory, run_id: str) -> None:
        self.writer_factory = writer_factory
        self.run_id = run_id

    def build(self, step_id: str, worker_index: int, worker_count: int) -> _SinkPartition:
        return _SinkPartition(self.writer_factory(worker_index), self.run_id)


def subscriptions(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Instrument id → the strategy instances that read it."""
    subs: dict[str, list[str]] = {}
    for strategy in plan.strategies:
        for instrument in strategy.instruments:
            subs.setdefault(instrument, []).append(strategy.name)
    return {k: tuple(v) for k, v in subs.items()}


def build_dataflow(
    plan: Plan,
    run_id: str,
    writer_factory: WriterFactory,
    on_progress: ProgressHook | None = None,
    placement: Placement | None = None,
    control: Path | bool | None = True,
    mode: str = "backtest",
) -> Dataflow:
    """`placement` (runtime/placement.py) balances instances and feeds over workers; every
    process of a cluster must build with the same one. `control` is the kill-switch file
    (True: `.orderloom/control/<pipeline>.json`, see control_state.py; None/False: none).
    `mode`: a backtest runs the instances of a plan with account limits as one account
    group (runtime/account/group.py), whose monitor acts at each trip's event time; other
    modes run them apart, with the account monitor writing the account's control file
    (control_state.monitor_control_path) that every instance polls."""
    placement = placement or Placement()
    grouped = account_grouped(plan, mode)
    unit_of = units(plan, mode)
    flow = Dataflow(_flow_id(plan.name))
    control_file = control_path(plan.name) if control is True else (control or None)
    account_file = (  # the account's control file, beside the pipeline's
        account_control_path(plan.account, control_file.parent) if control_file else None
    )
    # Where the account monitor writes; polled beside the two above when it is the run's own.
    monitor_file = run_file = None
    clear_run: Callable[[], None] | None = None
    if control_file is not None and plan.risk.account:
        monitor_file = monitor_control_path(plan, run_id, mode, control_file.parent)
        if grouped:
            # The group applies its trips in process: no file. One left by an older build
            # of an interrupted run under this id goes.
            remove_run_controls(run_id, control_file.parent)
            monitor_file = None
        elif monitor_file != account_file:
            run_file = monitor_file
            clear_run = partial(remove_run_controls, run_id, control_file.parent)
            # A run id used again after an interrupted run must not start killed; every
            # process of a cluster builds before any of them runs (run.py, worker.py).
            clear_run()
    done = FeedsDone()
    # One input, one partition per feed (named after it), so placement can deal the feeds
    # over workers.
    raw = op.input(
        "feeds",
        flow,
        TrackedFeedSource(
            done, plan.feeds, on_progress, placement.feed_parts, placement.idle_parts
        ),
    )
    split = op.branch("sanity", raw, lambda item: item[0] == "market")
    market: Stream[MarketBatch] = op.map("market", split.trues, lambda item: item[1])
    dead = op.map("dead_letters", split.falses, lambda item: _dead_rows(run_id, item[1]))

    routes = {
        instrument: [(placement.key(unit_of[name]), name) for name in names]
        for instrument, names in subscriptions(plan).items()
    }
    keyed = op.flat_map(
        "subscribe",
        market,
        lambda batch: [(key, (name, batch)) for key, name in routes.get(batch.instrument, ())],
    )
    if control_file is not None:
        instances = [(placement.key(unit_of[s.name]), s.name) for s in plan.strategies]
        commands = op.input(
            "control", flow, ControlSource(control_file, instances, done, account_file, run_file)
        )
        keyed = op.merge("engine_inputs", keyed, commands)

    def logic(_resume: None) -> op.StatefulBatchLogic[Keyed, list[Rows], None]:
        if grouped:  # one key per account group, one engine per instance inside it
            return _GroupLogic(plan, run_id, control_file, account_file)
        return _EngineLogic(plan, run_id, control_file, account_file, run_file)

    engine = op.stateful_batch("engine", keyed, logic)
    rows = op.flat_map("engine_rows", engine, lambda key_rows: key_rows[1])
    if plan.risk.account and not grouped:  # the account monitor (runtime/account/flow.py)
        rows = account_branch(plan, run_id, rows, Rows, monitor_file, clear_run)
    bars = bar_stream(plan, run_id, market)  # None unless a feed declares `bars:`
    extra = [op.map("bars_rows", bars, lambda item: Rows(*item))] if bars is not None else []
    sink_items = op.merge("analytics", market, dead, rows, *extra)
    op.output("clickhouse", sink_items, AnalyticsSink(writer_factory, run_id))
    return flow


def _dead_rows(run_id: str, letters: list[DeadLetter]) -> Rows:
    return Rows(
        "dead_letters", [(run_id, d.feed, d.offset, d.ts_ns, d.reason, d.record) for d in letters]
    )


def _flow_id(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name) or "pipeline"
