"""How one engine obeys the control state: kill and resume from the pipeline's and the
account's control files, and the account monitor's one-shot commands (cancel_all, halt),
each acted on once, when its command number is new to the instance."""

from __future__ import annotations

import time

from orderloom.runtime.control_state import ControlState
from orderloom.runtime.engine.instance import StrategyEngine
from orderloom.runtime.risk import actions


class ControlApplier:
    """The command numbers one instance has acted on (its pipeline file's, its account
    file's)."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.seq = 0
        self.account_seq = 0

    def apply(self, engine: StrategyEngine, state: ControlState, at_start: bool = False) -> None:
        wanted = state.for_instance(engine.name, self.template)
        seen_account = self.account_seq
        fresh_account = wanted.account_seq > seen_account
        if wanted.seq <= self.seq and not fresh_account:
            return
        self.seq = max(self.seq, wanted.seq)
        self.account_seq = max(seen_account, wanted.account_seq)
        command = f"{wanted.seq}" if not fresh_account else f"{wanted.account_seq} (account)"
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
            fresh_account and wanted.halt_seq <= seen_account and engine.ctx.gate_check == "account"
        ):
            engine.resume(check, reason)  # an account resume also lifts the monitor's halt
        if fresh_account and not at_start and not engine.killed:
            # One-shot commands belong to the run that was going when they were written.
            ctx = engine.ctx
            if wanted.cancel_seq > seen_account:
                actions.trip_row(ctx, "account", "cancel_all", 0.0, 1.0, f"account: {reason}")
                actions.cancel_all(ctx, f"account: {reason}")
            if wanted.halt_seq > seen_account and wanted.halt_until_ns > int(ctx.state.ts_ns):
                until = wanted.halt_until_ns
                message = f"account: halt until ts {until}: {reason}"
                actions.trip_row(ctx, "account", "halt", 0.0, 1.0, message)
                actions.halt(ctx, until, "account")
