"""How one engine obeys the control state: kill and resume from the pipeline's and the
account's control files, and the account monitor's one-shot commands (cancel_all, halt) from
the account file it writes (the run's own in a simulated run, see control_state.py), each
acted on once, when its command number is new to the instance."""

from __future__ import annotations

import time

from orderloom.runtime.control_state import ControlState, Switch
from orderloom.runtime.engine.instance import StrategyEngine
from orderloom.runtime.risk import actions


class ControlApplier:
    """The command numbers one instance has acted on (its pipeline file's, its account
    file's, its run's own account file's)."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.seq = 0
        self.account_seq = 0
        self.run_seq = 0

    def apply(self, engine: StrategyEngine, state: ControlState, at_start: bool = False) -> None:
        wanted = state.for_instance(engine.name, self.template)
        seen_account, seen_run = self.account_seq, self.run_seq
        fresh_account = wanted.account_seq > seen_account
        fresh_run = wanted.run_seq > seen_run
        if wanted.seq <= self.seq and not fresh_account and not fresh_run:
            return
        self.seq = max(self.seq, wanted.seq)
        self.account_seq = max(seen_account, wanted.account_seq)
        self.run_seq = max(seen_run, wanted.run_seq)
        if fresh_run:  # the monitor's message names the file (the run's own)
            command = f"{wanted.run_seq} (account)"
        elif fresh_account:
            command = f"{wanted.account_seq} (account)"
        else:
            command = f"{wanted.seq}"
        if at_start:
            reason = f"killed before the start (command {command})"
        else:
            latency_ms = (time.time_ns() - state.written_ns) / 1e6
            reason = f"command {command}, applied {latency_ms:.1f} ms after it was written"
        check = "account" if wanted.by else "kill_switch"
        if wanted.killed and not engine.killed:
            engine.kill(check, reason, close=wanted.flatten)
        elif not wanted.killed and engine.killed:
            engine.resume(check, reason)
        elif (
            fresh_account
            and state.shared.halt_seq <= seen_account
            and engine.ctx.gate_check == "account"
        ):
            engine.resume(check, reason)  # an account resume also lifts the monitor's halt
        if at_start or engine.killed:
            return
        # One-shot commands belong to the run that was going when they were written.
        if fresh_account:
            _one_shots(engine, state.shared, seen_account, reason)
        if fresh_run:
            _one_shots(engine, state.run, seen_run, reason)


def _one_shots(engine: StrategyEngine, switch: Switch, seen: int, reason: str) -> None:
    """The account monitor's cancel_all and halt in `switch` that are newer than `seen`."""
    if switch.cancel_seq > seen:
        apply_account_action(engine, "cancel_all", reason)
    if switch.halt_seq > seen:
        apply_account_action(engine, "halt", reason, halt_until_ns=switch.halt_until_ns)


def apply_account_action(
    engine: StrategyEngine, action: str, reason: str, *, halt_until_ns: int = 0
) -> None:
    """One account action on one engine at its current event time, as the control path and
    the in-process account group (runtime/account/group.py) both apply it: kill, flatten
    (kill and close), cancel_all, or halt until `halt_until_ns`. A kill leaves an instance
    that is already killed as it is; cancel_all and halt do nothing to a killed one."""
    ctx = engine.ctx
    if action in ("kill", "flatten"):
        if not engine.killed:
            engine.kill("account", reason, close=action == "flatten")
        return
    if engine.killed:
        return
    if action == "cancel_all":
        actions.trip_row(ctx, "account", "cancel_all", 0.0, 1.0, f"account: {reason}")
        actions.cancel_all(ctx, f"account: {reason}")
    elif action == "halt" and halt_until_ns > int(ctx.state.ts_ns):
        message = f"account: halt until ts {halt_until_ns}: {reason}"
        actions.trip_row(ctx, "account", "halt", 0.0, 1.0, message)
        actions.halt(ctx, halt_until_ns, "account")
    elif action not in ("halt", "cancel_all"):
        raise ValueError(f"unknown account action '{action}'")
