"""The kill switch's file and its commands at the level of plain JSON, with only `json`, `os`
and `time`: `orderloom kill` imports this module alone on its lean path, so a command costs
a Python start-up and one atomic write. `control_state.py` gives the same data its meaning
(frozen dataclasses: which instance is killed, as of which command).

A file holds `seq` (the last command's number), `written_ns` (its wall time), the
pipeline-wide switch `account` and per-name `strategies` switches, each
`{"killed", "flatten", "seq"}` plus the account monitor's one-shot keys (`halt_until_ns`,
`halt_seq`, `cancel_seq`, `by`) when set.
"""

from __future__ import annotations

import json
import os
import time

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs a kill ~3 ms
if TYPE_CHECKING:
    from typing import Any, TypeAlias

    Data: TypeAlias = dict[str, Any]

CONTROL_DIR_ENV = "ORDERLOOM_CONTROL_DIR"


def control_dir() -> str:
    return os.environ.get(CONTROL_DIR_ENV) or os.path.join(".orderloom", "control")


def safe_name(name: str, default: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name) or default


def pipeline_file(pipeline: str, directory: str | None = None) -> str:
    return os.path.join(directory or control_dir(), safe_name(pipeline, "pipeline") + ".json")


def account_file(account: str, directory: str | None = None) -> str:
    """The control file shared by every deployment of `account`."""
    return os.path.join(
        directory or control_dir(), "accounts", safe_name(account, "default") + ".json"
    )


def run_dir(run_id: str, directory: str | None = None) -> str:
    """The folder of one run's own control files (`runs/<run_id>`), removed when it ends."""
    return os.path.join(directory or control_dir(), "runs", safe_name(run_id, "run"))


def run_account_file(run_id: str, account: str, directory: str | None = None) -> str:
    """The account file that only run `run_id` polls: where a simulated run's account
    monitor writes, so a simulated breach never touches the account's shared file."""
    return os.path.join(
        run_dir(run_id, directory), "accounts", safe_name(account, "default") + ".json"
    )


def read_data(path: str) -> Data:
    """The file's data; an empty state when there is no file."""
    try:
        with open(path) as file:
            return dict(json.load(file))
    except FileNotFoundError:
        return {"seq": 0, "written_ns": 0, "account": _switch(False, False, 0), "strategies": {}}


def command(path: str, *, kill: bool, strategy: str | None = None, flatten: bool = False) -> Data:
    """Apply one kill/resume to the file at `path` and return the new data. Without
    `strategy` it targets every instance; such a resume also clears every strategy's kill."""
    data = read_data(path)
    seq = int(data.get("seq", 0)) + 1
    strategies: dict[str, Any] = dict(data.get("strategies", {}))
    if strategy is None:
        account = _switch(kill, flatten and kill, seq)
        if not kill:
            strategies = {n: _switch(False, False, seq) for n in strategies}
    else:
        account = data.get("account", _switch(False, False, 0))
        strategies[strategy] = _switch(kill, flatten and kill, seq)
    new = {
        "seq": seq,
        "written_ns": time.time_ns(),
        "account": account,
        "strategies": dict(sorted(strategies.items())),
    }
    write_data(path, new)
    return new


def account_action(path: str, action: str, *, halt_until_ns: int = 0, by: str = "account") -> Data:
    """The account monitor's command (`path`: the account's file): kill, flatten (kill and
    close), cancel_all, or halt until `halt_until_ns` (event time). cancel_all and halt
    leave a standing kill as it is; each one-shot keeps the number of its command."""
    data = read_data(path)
    seq = int(data.get("seq", 0)) + 1
    switch = {**data.get("account", {}), "seq": seq, "by": by}
    if action in ("kill", "flatten"):
        switch.update(killed=True, flatten=action == "flatten")
    elif action == "cancel_all":
        switch["cancel_seq"] = seq
    elif action == "halt":
        switch.update(halt_until_ns=halt_until_ns, halt_seq=seq)
    else:
        raise ValueError(f"unknown account action '{action}'")
    new = {**data, "seq": seq, "written_ns": time.time_ns(), "account": switch}
    write_data(path, new)
    return new


def write_data(path: str, data: Data) -> None:
    """Write atomically (a private temporary file, then rename): readers see the old file or
    the new one, never half of one."""
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".control-{os.getpid()}-{time.monotonic_ns()}.json")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(json.dumps(data, indent=1))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _switch(killed: bool, flatten: bool, seq: int) -> Data:
    return {"killed": killed, "flatten": flatten, "seq": seq}
