"""The kill switch's persisted state: one small JSON file per pipeline
(`.orderloom/control/<pipeline>.json`) that `orderloom kill`/`resume` write and a running
deployment polls. It survives restarts, so a pipeline killed before it starts stays killed.

Every command takes the next sequence number and stamps the targets it touches with it;
an instance acts only when a target that covers it (the account, its name or its template)
carries a newer number than it has seen, so killing one strategy never resumes another.

An account (the pipeline's top-level `account:`) has its own file,
`.orderloom/control/accounts/<account>.json`, written by `orderloom kill --account NAME` and
by the account monitor (runtime/account/); every deployment of the account polls it beside its
own file and obeys both (killed when either kills it). Its sequence numbers are its own.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

from orderloom.runtime import control_file
from orderloom.runtime.control_file import CONTROL_DIR_ENV as CONTROL_DIR_ENV  # re-exported


def control_dir() -> Path:
    return Path(control_file.control_dir())


def control_path(pipeline: str, directory: Path | None = None) -> Path:
    return Path(control_file.pipeline_file(pipeline, str(directory) if directory else None))


def account_control_path(account: str, directory: Path | None = None) -> Path:
    """The control file shared by every deployment of `account`."""
    return Path(control_file.account_file(account, str(directory) if directory else None))


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
    one-shot commands."""

    killed: bool
    flatten: bool
    seq: int
    account_seq: int = 0
    halt_until_ns: int = 0
    halt_seq: int = 0
    cancel_seq: int = 0
    by: str = ""


@dataclass(frozen=True)
class ControlState:
    seq: int = 0
    account: Switch = field(default_factory=Switch)  # every instance of the pipeline
    strategies: tuple[tuple[str, Switch], ...] = ()  # instance names or templates
    written_ns: int = 0  # wall time of the last command (for latency figures)
    shared: Switch = field(default_factory=Switch)  # the account file's switch (not saved)

    def for_instance(self, name: str, template: str) -> InstanceControl:
        own = [self.account, *(s for n, s in self.strategies if n in (name, template))]
        shared = self.shared
        killed = [s for s in (*own, shared) if s.killed]
        by = shared.by if shared.killed and not any(s.killed for s in own) else ""
        return InstanceControl(
            bool(killed),
            any(s.flatten for s in killed),
            max(s.seq for s in own),
            shared.seq,
            shared.halt_until_ns,
            shared.halt_seq,
            shared.cancel_seq,
            by,
        )

    def with_shared(self, account_state: ControlState) -> ControlState:
        """This pipeline's state with its account file's state beside it."""
        return dataclasses.replace(
            self,
            shared=account_state.account,
            written_ns=max(self.written_ns, account_state.written_ns),
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


def read_deployment_state(path: Path, account_path: Path | None) -> ControlState:
    """The pipeline's state with its account file's switch beside it (`shared`)."""
    state = read_state(path)
    if account_path is None:
        return state
    return state.with_shared(read_state(account_path))


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
    """The account monitor's command to every instance of an account (`path`: its account
    file): kill, flatten (kill and close), cancel_all, or halt until `halt_until_ns` (event
    time). cancel_all and halt leave a standing kill as it is."""
    data = control_file.account_action(str(path), action, halt_until_ns=halt_until_ns, by=by)
    return ControlState.from_data(data)
