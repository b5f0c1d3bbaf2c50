"""The kill switch's persisted state: one small JSON file per pipeline
(`.orderloom/control/<pipeline>.json`) that `orderloom kill`/`resume` write and a running
deployment polls. It survives restarts, so a pipeline killed before it starts stays killed.

Every command takes the next sequence number and stamps the targets it touches with it;
an instance acts only when a target that covers it (the account, its name or its template)
carries a newer number than it has seen, so killing one strategy never resumes another.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CONTROL_DIR_ENV = "ORDERLOOM_CONTROL_DIR"


def control_dir() -> Path:
    return Path(os.environ.get(CONTROL_DIR_ENV) or os.path.join(".orderloom", "control"))


def control_path(pipeline: str, directory: Path | None = None) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in pipeline) or "pipeline"
    return (directory or control_dir()) / f"{safe}.json"


@dataclass(frozen=True)
class Switch:
    killed: bool = False
    flatten: bool = False
    seq: int = 0  # the command that last set it


@dataclass(frozen=True)
class InstanceControl:
    """What the control state asks of one instance: killed or not, as of command `seq`."""

    killed: bool
    flatten: bool
    seq: int


@dataclass(frozen=True)
class ControlState:
    seq: int = 0
    account: Switch = field(default_factory=Switch)
    strategies: tuple[tuple[str, Switch], ...] = ()  # instance names or templates
    written_ns: int = 0  # wall time of the last command (for latency figures)

    def for_instance(self, name: str, template: str) -> InstanceControl:
        switches = [self.account, *(s for n, s in self.strategies if n in (name, template))]
        killed = [s for s in switches if s.killed]
        return InstanceControl(
            bool(killed), any(s.flatten for s in killed), max(s.seq for s in switches)
        )

    def to_json(self) -> str:
        def switch(s: Switch) -> dict:
            return {"killed": s.killed, "flatten": s.flatten, "seq": s.seq}

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
        data = json.loads(text)

        def switch(d: dict) -> Switch:
            return Switch(bool(d.get("killed")), bool(d.get("flatten")), int(d.get("seq", 0)))

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


def write_command(
    path: Path, *, kill: bool, strategy: str | None = None, flatten: bool = False
) -> ControlState:
    """Apply one kill/resume command to the file at `path` (atomically: write and rename) and
    return the new state. Without `strategy` it targets the account; an account resume also
    clears every strategy's kill."""
    state = read_state(path)
    seq = state.seq + 1
    strategies = dict(state.strategies)
    account = state.account
    if strategy is None:
        account = Switch(kill, flatten and kill, seq)
        if not kill:
            strategies = {n: Switch(False, False, seq) for n in strategies}
    else:
        strategies[strategy] = Switch(kill, flatten and kill, seq)
    new = ControlState(seq, account, tuple(sorted(strategies.items())), time.time_ns())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".control-", suffix=".json")
    with os.fdopen(fd, "w") as out:
        out.write(new.to_json())
    os.replace(tmp, path)  # readers see the old file or the new one, never half of one
    return new
