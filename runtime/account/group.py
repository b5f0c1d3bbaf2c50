"""AccountGroup: every strategy instance of an account with `risk: account:` limits, run in
one engine step in a backtest, so the account monitor's trips act at their event time.

The group merges the market data of all its instances in event-time order (one FeedMerger
over (instance, feed) streams) and, before the first event at or after each report time G of
the account grid, brings every engine to G (its due timers fire, the report among them),
evaluates the monitor for G and applies a trip's action to every engine at G. Rows after a
trip then depend on the data alone, whatever the workers or processes.
"""

from __future__ import annotations

from bisect import bisect_left

from orderloom.dsl.plan import Plan
from orderloom.runtime.account.monitor import AccountMonitor
from orderloom.runtime.account.snapshot import (
    SNAPSHOT_TABLE,
    AccountedEngine,
    Snapshot,
    report_every_ns,
)
from orderloom.runtime.control_apply import ControlApplier, apply_account_action
from orderloom.runtime.control_state import ControlState
from orderloom.runtime.engine.instance import MERGE_WIDTHS, Rows, market_columns
from orderloom.runtime.engine.merge import FeedMerger
from orderloom.runtime.events import MarketBatch

NO_END = 2**63 - 1


class AccountGroup:
    def __init__(self, plan: Plan, run_id: str, names: tuple[str, ...] | None = None) -> None:
        """`names`: the group's instances (default: every instance of `plan`)."""
        names = names if names is not None else tuple(s.name for s in plan.strategies)
        self.account = plan.account
        self.engines = [AccountedEngine(plan, name, run_id) for name in names]
        templates = {s.name: s.template for s in plan.strategies}
        self.appliers = [ControlApplier(templates[name]) for name in names]
        self.index = {name: k for k, name in enumerate(names)}
        self.monitor = AccountMonitor(plan, run_id, None, names)
        self.every = report_every_ns(plan)
        # One merge stream per (instance, feed), instances in plan order, then their feeds.
        self.streams: list[tuple[int, int]] = []  # stream -> (engine index, engine's feed)
        self.stream_of: dict[tuple[str, str], int] = {}
        widths: list[int] = []
        for k, engine in enumerate(self.engines):
            for feed, name in enumerate(engine.feed_names):
                self.stream_of[(engine.name, name)] = len(self.streams)
                self.streams.append((k, feed))
                widths.append(MERGE_WIDTHS[engine.feed_schemas[feed]])
        self.merger = FeedMerger(widths)
        self.next_grid: int | None = None  # the first grid time not yet reached
        self.ends = [NO_END] * len(self.engines)  # last event time, known at the final drain
        self.ended = [False] * len(self.engines)
        self.rows: Rows = []

    # --- input ---------------------------------------------------------------------------

    def on_batches(self, items: list[tuple[str, MarketBatch]]) -> Rows:
        """Market batches, each tagged with the instance it is for."""
        merger = self.merger
        for name, batch in items:
            if len(batch):
                stream = self.stream_of.get((name, batch.feed))
                if stream is None:
                    raise ValueError(f"strategy '{name}' does not read feed '{batch.feed}'")
                merger.push(stream, market_columns(batch))
        self._dispatch(merger.drain())
        return self.take_rows()

    def on_control(self, name: str, state: ControlState, at_start: bool = False) -> None:
        """The kill switch's state as broadcast to instance `name` (every instance of the
        group gets its own copy); its rows come with the next `on_batches` or `on_eof`."""
        k = self.index[name]
        if not self.ended[k]:
            self.appliers[k].apply(self.engines[k], state, at_start)

    def on_eof(self) -> Rows:
        runs = self.merger.drain(final=True)
        ends = self.ends
        for stream, columns in runs:  # each instance's last event time, to end it there
            k = self.streams[stream][0]
            last = columns[0][-1]
            ends[k] = last if ends[k] == NO_END else max(ends[k], last)
        for k, engine in enumerate(self.engines):
            if ends[k] == NO_END:
                ends[k] = int(engine.state.ts_ns) if engine.started else -1
        self._dispatch(runs)
        for k in range(len(self.engines)):
            self._end(k)
        self._monitor_rows(self.monitor.on_eof())
        return self.take_rows()

    # --- event time ----------------------------------------------------------------------

    def _dispatch(self, runs: list[tuple[int, list[list]]]) -> None:
        engines = self.engines
        for stream, columns in runs:
            k, feed = self.streams[stream]
            ts_col = columns[0]
            lo, n = 0, len(ts_col)
            while lo < n:
                cut = self._reach(ts_col[lo])
                hi = n if cut >= NO_END else bisect_left(ts_col, cut, lo)
                part = columns if lo == 0 and hi == n else [c[lo:hi] for c in columns]
                engines[k].process_runs([(feed, part)])
                lo = hi

    def _reach(self, ts: int) -> int:
        """Bring the group to event time `ts` (grid reports and the ends of instances at
        the final drain, in time order); the next such point after it."""
        if self.next_grid is None:
            self.next_grid = (ts // self.every + 1) * self.every
        ends, ended = self.ends, self.ended
        while True:
            end_at = min(
                (e + 1 for k, e in enumerate(ends) if not ended[k] and e < NO_END), default=NO_END
            )
            grid = self.next_grid
            point = min(end_at, grid)
            if point > ts:
                return point
            if end_at <= grid:  # instances whose last event is behind end there
                for k, e in enumerate(ends):
                    if not ended[k] and e + 1 == end_at:
                        self._end(k)
                if end_at > 0:
                    self._monitor_rows(self.monitor.advance_to(end_at - 1))
            else:
                self._grid(grid)
                self.next_grid = grid + self.every

    def _grid(self, grid_ns: int) -> None:
        """Every running engine's timers due by `grid_ns` fire (its report among them), then
        the monitor evaluates the grid time and its trips act on every engine there."""
        for k, engine in enumerate(self.engines):
            if engine.started and not self.ended[k]:
                engine.advance_to(grid_ns)
        self._collect()
        self._monitor_rows(self.monitor.advance_to(grid_ns))

    def _end(self, k: int) -> None:
        """The end of instance k's input (its final report goes to the monitor)."""
        if self.ended[k]:
            return
        self.ended[k] = True
        for table, rows in self.engines[k].on_eof():
            if table == SNAPSHOT_TABLE:
                self._monitor_rows(self.monitor.on_snapshots(rows))  # type: ignore[arg-type]
            else:
                self.rows.append((table, rows))

    def _collect(self) -> None:
        """The engines' reports to the monitor (before their rows are taken)."""
        snapshots: list[Snapshot] = []
        for engine in self.engines:
            if engine.snapshots:
                snapshots += engine.snapshots
                engine.snapshots.clear()
        if snapshots:
            self._monitor_rows(self.monitor.on_snapshots(snapshots))

    def _monitor_rows(self, rows: list[tuple]) -> None:
        if rows:
            self.rows.append(("risk_events", rows))
        monitor = self.monitor
        for ts_ns, action, until in monitor.actions:
            reason = f"trip of '{self.account}' at ts {ts_ns}, applied at it (account)"
            for k, engine in enumerate(self.engines):
                if self.ended[k]:
                    continue
                state = engine.state
                if state.ts_ns < ts_ns:
                    state.ts_ns = ts_ns  # the engine acts at the trip's event time
                apply_account_action(engine, action, reason, halt_until_ns=until)
        monitor.actions.clear()

    def take_rows(self) -> Rows:
        self._collect()
        out = self.rows
        self.rows = []
        for k, engine in enumerate(self.engines):
            if not self.ended[k]:
                out += engine.take_rows()
        return [(t, r) for t, r in out if t != SNAPSHOT_TABLE and r]
