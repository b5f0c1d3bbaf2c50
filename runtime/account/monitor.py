"""AccountMonitor: sums the instances' Snapshots of one account and trips its `risk: account:`
limits (loss, drawdown from the account's peak, gross and net exposure per base asset).

Deterministic in event time: the monitor evaluates a report time only once every instance of
the account has reported it or a later time (or ended), so the sums, the trip times and the
risk_events rows never depend on how workers interleave. A trip writes the action into the
control file `control_state.monitor_control_path` chose, which every instance of the run
polls: the run's own file in a backtest (a simulated breach stops this run only, never the
account's other deployments or its later runs), the account's shared file in a live run. The
trip time is deterministic; the moment each engine acts on it is its next control poll (wall
time). In a backtest the account's instances run in one step instead (group.py), which drives
the monitor in process and applies each trip at its event time.
"""

from __future__ import annotations

import math
from collections import deque
from pathlib import Path
from typing import Any

from orderloom.dsl.kinds.risk_account import AccountLimitParams
from orderloom.dsl.plan import Plan
from orderloom.runtime.account.snapshot import Snapshot
from orderloom.runtime.control_state import write_account_action
from orderloom.runtime.risk.actions import FOREVER_NS

# metric name in risk_events (check = "account_" + metric) -> AccountLimitParams field
METRICS = (
    ("loss", "max_loss"),
    ("drawdown", "max_drawdown"),
    ("gross_exposure", "max_gross_exposure"),
    ("net_exposure", "max_net_exposure"),
)


class AccountMonitor:
    def __init__(
        self,
        plan: Plan,
        run_id: str,
        control: Path | None = None,
        instances: tuple[str, ...] | None = None,
    ) -> None:
        """`control`: the file trips write their action to (`monitor_control_path`; None:
        trips are only written to risk_events); `instances`: the account's instances
        (default: every one of `plan`)."""
        self.account = plan.account
        self.run_id = run_id
        self.control = control
        self.limits: tuple[AccountLimitParams, ...] = tuple(plan.risk.account)
        names = instances if instances is not None else tuple(s.name for s in plan.strategies)
        self.pending: dict[str, deque[Snapshot]] = {n: deque() for n in names}
        self.reported: dict[str, float] = {n: -math.inf for n in names}  # latest time sent
        self.current: dict[str, Snapshot] = {}
        self.peak = 0.0
        self.armed = [[True] * len(METRICS) for _ in self.limits]
        self.trips = 0
        self.evaluations = 0
        self.last: tuple[int, dict[str, float]] | None = None  # last evaluation (for tests)
        # (trip time, action, halt until) of each trip, for an in-process caller to apply
        self.actions: list[tuple[int, str, int]] = []

    # --- input ---------------------------------------------------------------------------

    def on_snapshots(self, snapshots: list[Snapshot]) -> list[tuple]:
        """Take reports (each instance's in its own order); risk_events rows of the trips
        that every report needed for them has now made certain."""
        for snap in snapshots:
            queue = self.pending.get(snap.instance)
            if queue is None:
                continue  # an instance of another account
            queue.append(snap)
            self.reported[snap.instance] = math.inf if snap.final else snap.ts_ns
        return self._advance(final=False)

    def on_eof(self) -> list[tuple]:
        """Every input has arrived: evaluate what is left (instances that never reported
        count as flat)."""
        return self._advance(final=True)

    def advance_to(self, ts_ns: int) -> list[tuple]:
        """Evaluate every report time up to `ts_ns`: the caller (the in-process account group,
        group.py) vouches that every report at or before it has arrived."""
        return self._advance(final=False, through=ts_ns)

    # --- evaluation ----------------------------------------------------------------------

    def _advance(self, final: bool, through: float = -math.inf) -> list[tuple]:
        rows: list[tuple] = []
        pending = self.pending
        while True:
            heads = [q[0].ts_ns for q in pending.values() if q]
            if not heads:
                return rows
            ts = min(heads)
            if not final and ts > through and min(self.reported.values()) < ts:
                return rows  # an instance may still report an earlier or equal time
            for name, queue in pending.items():
                while queue and queue[0].ts_ns <= ts:
                    self.current[name] = queue.popleft()
            if ts >= 0:
                rows += self._evaluate(ts)

    def _evaluate(self, ts_ns: int) -> list[tuple]:
        self.evaluations += 1
        pnl = 0.0
        gross = 0.0
        net: dict[str, float] = {}
        for snap in self.current.values():
            pnl += snap.pnl
            for base, exposure in snap.exposures:
                gross += abs(exposure)
                net[base] = net.get(base, 0.0) + exposure
        if pnl > self.peak:
            self.peak = pnl
        values = {
            "loss": -pnl,
            "drawdown": self.peak - pnl,
            "gross_exposure": gross,
            "net_exposure": max((abs(v) for v in net.values()), default=0.0),
        }
        self.last = (ts_ns, values)
        rows: list[tuple] = []
        for k, limits in enumerate(self.limits):
            armed = self.armed[k]
            for m, (metric, field) in enumerate(METRICS):
                limit = getattr(limits, field)
                if limit <= 0:
                    continue
                value = values[metric]
                if value > limit:
                    if armed[m]:
                        armed[m] = False
                        rows.append(self._trip(ts_ns, limits, metric, limit, value))
                else:
                    armed[m] = True
        return rows

    def _trip(
        self, ts_ns: int, limits: AccountLimitParams, metric: str, limit: float, value: float
    ) -> tuple[Any, ...]:
        self.trips += 1
        action = limits.action
        what = action
        if action == "halt":
            until = ts_ns + limits.halt_ns if limits.halt_ns else FOREVER_NS
            what = f"halt until ts {until}" if limits.halt_ns else "halt until resume"
        else:
            until = 0
        self.actions.append((ts_ns, action, until))
        message = (
            f"account '{self.account}': {metric.replace('_', ' ')} {value:.8g} exceeds "
            f"max_{metric} {limit:.8g}: {what} on every instance"
        )
        if self.control is not None:
            state = write_account_action(self.control, action, halt_until_ns=until)
            message += f" (command {state.seq} in {self.control})"
        return (
            self.run_id,
            f"account-{self.account}-{action}-{self.trips}",
            ts_ns,
            f"account:{self.account}",
            "",
            f"account_{metric}",
            limit,
            value,
            action,
            message,
        )
