"""The kill switch's persisted state: one small JSON file per pipeline
(`.orderloom/control/<pipeline>.json`) that `orderloom kill`/`resume` write and a running
deployment polls. It survives restarts, so a pipeline killed before it starts stays killed.

Every command takes the next sequence number and stamps the targets it touches with it;
an instance acts only when a target that covers it (the account, its name or its template)
carries a newer number than it has seen, so killing one strategy never resumes another.

An account (the pipeline's top-level `account:`) has its own file,
`.orderloom/control/accounts/<account>.json`, written by `orderloom kill --account NAME` (and
by the account monitor of a live run); every deployment of the account polls it beside its own
file and obeys both (killed when either kills it). Its sequence numbers are its own.

A simulated run (backtest, paper) has a third file, `.orderloom/control/runs/<run_id>/
accounts/<account>.json`, that only it polls: its account monitor writes there
(`monitor_control_path`), so a simulated breach stops that run alone and is removed with it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from orderloom.runtime import control_file
from orderloom.runtime.control_file import CONTROL_DIR_ENV as CONTROL_DIR_ENV  # re-exported

if TYPE_CHECKING:
    from orderloom.dsl.plan import Plan


def control_dir() -> Path:
    return Path(control_file.control_dir())


def control_path(pipeline: str, directory: Path | None = None) -> Path:
    return Path(control_file.pipeline_file(pipeline, str(directory) if directory else None))


def account_control_path(account: str, directory: Path | None = None) -> Path:
    """The control file shared by every deployment of `account`."""
    return Path(control_file.account_file(account, str(directory) if directory else None))


def run_control_path(run_id: str, account: str, directory: Path | None = None) -> Path:
    """The account file that only run `run_id` polls (see `monitor_control_path`)."""
    folder = str(directory) if directory else None
    return Path(control_file.run_account_file(run_id, account, folder))


# Modes whose account is simulated: their monitor's actions stay inside the run.
SIMULATED_MODES = ("backtest", "paper")


def monitor_control_path(plan: Plan, run_id: str, mode: str, directory: Path | None = None) -> Path:
    """Where the account monitor of run `run_id` writes its actions. A simulated run
    (backtest, paper) writes a file only this run polls, so a simulated breach never kills
    the desk's real account, nor a later run; a live run writes the account's shared file,
    which every deployment of the account obeys and which survives restarts (like
    `orderloom kill --account`)."""
    if mode in SIMULATED_MODES:
        return run_control_path(run_id, plan.account, directory)
    if mode == "live":
        return account_control_path(plan.account, directory)
    raise ValueError(f"unknown mode '{mode}'; use backtest, paper or live")


def remove_run_controls(run_id: str, directory: Path | None = None) -> None:
    """Remove run `run_id`'s own control files (and `runs/` once empty); nothing if none."""
    folder = Path(control_file.run_dir(run_id, str(directory) if directory else None))
    shutil.rmtree(folder, ignore_errors=True)
    with contextlib.suppress(OSError):  # another run's files are still there, or none
        folder.parent.rmdir()


@dataclass(frozen=True)
class Switch:
    killed: bool = False
    flatten: bool = False
    seq: int = 0  # the command that last set it
    # One-shot commands of the account monitor (account files only): halt new orders until
    # an event time, and cancel every open order; each acts once, on an instance that has
    # not yet seen the command number that set it (kept across later commands).
    halt_until_ns: int = 0
    halt_seq: int = 0
    cancel_seq: int = 0
    by: str = ""  # "" the kill switch (CLI, HTTP, file); "account" the account monitor


@dataclass(frozen=True)
class InstanceControl:
    """What the control state asks of one instance: killed or not, as of command `seq` of
    the pipeline's file and `account_seq` of the account's file, and the account file's
    the run's own account file (`run_seq`). The one-shot commands (halt, cancel_all) are
    account-wide: read them from the state's `shared` and `run` switches."""

    killed: bool
    flatten: bool
    seq: int
    account_seq: int = 0
    run_seq: int = 0
    by: str = ""


@dataclass(frozen=True)
class ControlState:
    seq: int = 0
    account: Switch = field(default_factory=Switch)  # every instance of the pipeline
    strategies: tuple[tuple[str, Switch], ...] = ()  # instance names or templates
    written_ns: int = 0  # wall time of the last command (for latency figures)
    shared: Switch = field(default_factory=Switch)  # the account file's switch (not saved)
    run: Switch = field(default_factory=Switch)  # the run's own account file's (not saved)

    def for_instance(self, name: str, template: str) -> InstanceControl:
        own = [self.account, *(s for n, s in self.strategies if n in (name, template))]
        accounts = (self.shared, self.run)
        killed = [s for s in (*own, *accounts) if s.killed]
        by = ""
        if not any(s.killed for s in own):  # killed by an account file only: who wrote it
            by = next((s.by for s in accounts if s.killed and s.by), "")
        return InstanceControl(
            bool(killed),
            any(s.flatten for s in killed),
            max(s.seq for s in own),
            self.shared.seq,
            self.run.seq,
            by,
        )

    def with_shared(
        self, account_state: ControlState, run_state: ControlState | None = None
    ) -> ControlState:
        """This pipeline's state with its account file's state beside it, and the run's own
        account file's (`run_state`, the account monitor's in a simulated run)."""
        run = run_state or ControlState()
        return dataclasses.replace(
            self,
            shared=account_state.account,
            run=run.account,
            written_ns=max(self.written_ns, account_state.written_ns, run.written_ns),
        )

    def to_json(self) -> str:
        def switch(s: Switch) -> dict:
            out: dict = {"killed": s.killed, "flatten": s.flatten, "seq": s.seq}
            if s.halt_seq:
                out["halt_until_ns"] = s.halt_until_ns
                out["halt_seq"] = s.halt_seq
            if s.cancel_seq:
                out["cancel_seq"] = s.cancel_seq
            if s.by:
                out["by"] = s.by
            return out

        return json.dumps(
            {
                "seq": self.seq,
                "written_ns": self.written_ns,
                "account": switch(self.account),
                "strategies": {n: switch(s) for n, s in self.strategies},
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> ControlState:
        return cls.from_data(json.loads(text))

    @classmethod
    def from_data(cls, data: dict) -> ControlState:
        """From the file's JSON data (control_file.py)."""

        def switch(d: dict) -> Switch:
            return Switch(
                bool(d.get("killed")),
                bool(d.get("flatten")),
                int(d.get("seq", 0)),
                int(d.get("halt_until_ns", 0)),
                int(d.get("halt_seq", 0)),
                int(d.get("cancel_seq", 0)),
                str(d.get("by", "")),
            )

        return cls(
            int(data.get("seq", 0)),
            switch(data.get("account", {})),
            tuple((n, switch(d)) for n, d in sorted(data.get("strategies", {}).items())),
            int(data.get("written_ns", 0)),
        )


def read_state(path: Path) -> ControlState:
    """The state in `path`; the empty state when there is no file."""
    try:
        return ControlState.from_json(path.read_text())
    except FileNotFoundError:
        return ControlState()


def read_deployment_state(
    path: Path, account_path: Path | None, run_path: Path | None = None
) -> ControlState:
    """The pipeline's state with its account file's switch beside it (`shared`) and the
    run's own account file's (`run`)."""
    state = read_state(path)
    if account_path is None and run_path is None:
        return state
    shared = read_state(account_path) if account_path is not None else ControlState()
    return state.with_shared(shared, read_state(run_path) if run_path is not None else None)


def write_command(
    path: Path, *, kill: bool, strategy: str | None = None, flatten: bool = False
) -> ControlState:
    """Apply one kill/resume command to the file at `path` (atomically: write and rename) and
    return the new state. Without `strategy` it targets the account; an account resume also
    clears every strategy's kill."""
    return ControlState.from_data(
        control_file.command(str(path), kill=kill, strategy=strategy, flatten=flatten)
    )


def write_account_action(
    path: Path, action: str, *, halt_until_ns: int = 0, by: str = "account"
) -> ControlState:
    """The account monitor's command to every instance of an account (`path`: the file
    `monitor_control_path` chose, the run's own or the account's shared one): kill, flatten
    (kill and close), cancel_all, or halt until `halt_until_ns` (event time). cancel_all and
    halt leave a standing kill as it is."""
    data = control_file.account_action(str(path), action, halt_until_ns=halt_until_ns, by=by)
    return ControlState.from_data(data)
