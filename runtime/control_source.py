"""The control input of a deployment: polls the kill-switch file (`control_state.py`), its
account's shared file and, in a simulated run, the run's own account file (where its account
monitor writes) every ~20 ms of wall time and sends each change to every strategy instance
key, so the engine step acts on kill and resume while the feeds run.

Every worker polls (bytewax gives each a partition) and sends to every instance; duplicates
are harmless because an engine applies a command once (by sequence number). A worker's
poller ends when the feed partitions of its process have ended, so a backtest still ends.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bytewax.inputs import DynamicSource, StatefulSourcePartition, StatelessSourcePartition

from orderloom.runtime.control_state import ControlState, read_state
from orderloom.runtime.feeds.source import FeedItem, FeedSource

POLL_S = 0.02
# A process whose workers got no feed partition stops polling this long after its first poll
# (by then bytewax has built every partition of the process).
_NO_FEEDS_GRACE_S = 0.2

ControlItem = tuple[str, tuple[str, ControlState]]  # (instance key, (instance name, state))


class FeedsDone:
    """Counts this process's feed partitions built and ended."""

    def __init__(self) -> None:
        self.built = 0
        self.ended = 0
        self.first_poll: float | None = None

    def all_ended(self) -> bool:
        if self.built == 0:
            now = time.monotonic()
            if self.first_poll is None:
                self.first_poll = now
            return now - self.first_poll > _NO_FEEDS_GRACE_S
        return self.ended >= self.built


class TrackedFeedSource(FeedSource):
    """FeedSource whose partitions report their end to a FeedsDone."""

    def __init__(self, done: FeedsDone, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.done = done

    def build_part(
        self, step_id: str, for_part: str, resume_state: int | None
    ) -> StatefulSourcePartition[FeedItem, int]:
        self.done.built += 1
        return _Tracked(super().build_part(step_id, for_part, resume_state), self.done)


class _Tracked(StatefulSourcePartition[FeedItem, int]):
    def __init__(self, inner: StatefulSourcePartition[FeedItem, int], done: FeedsDone) -> None:
        self.inner = inner
        self.done = done
        self.finished = False

    def next_batch(self) -> list[FeedItem]:
        try:
            return list(self.inner.next_batch())
        except StopIteration:
            if not self.finished:
                self.finished = True
                self.done.ended += 1
            raise

    def next_awake(self) -> datetime | None:
        return self.inner.next_awake()

    def snapshot(self) -> int:
        return self.inner.snapshot()

    def close(self) -> None:
        self.inner.close()


class ControlSource(DynamicSource[ControlItem]):
    def __init__(
        self,
        path: Path,
        instances: Sequence[tuple[str, str]],
        done: FeedsDone,
        account_path: Path | None = None,
        run_path: Path | None = None,
    ) -> None:
        """`instances`: (routing key, instance name) of every strategy instance;
        `account_path`: the account's shared control file, polled beside the pipeline's;
        `run_path`: the run's own account file (control_state.monitor_control_path), the
        same path in every worker and process of the run."""
        self.path = path
        self.instances = tuple(instances)
        self.done = done
        self.account_path = account_path
        self.run_path = run_path

    def build(self, step_id: str, worker_index: int, worker_count: int) -> _ControlPartition:
        return _ControlPartition(
            self.path, self.instances, self.done, self.account_path, self.run_path
        )


class _ControlPartition(StatelessSourcePartition[ControlItem]):
    def __init__(
        self,
        path: Path,
        instances: tuple[tuple[str, str], ...],
        done: FeedsDone,
        account_path: Path | None = None,
        run_path: Path | None = None,
    ) -> None:
        # pipeline, shared account, run's own account: a missing one is never there to read
        self.paths = (path, account_path, run_path)
        self.instances = instances
        self.done = done
        # (mtime_ns, size) of each file when last read; None: absent or to be read again
        self.seen: list[tuple[int, int] | None] = [None] * len(self.paths)
        self.states = [ControlState()] * len(self.paths)
        self.seqs: tuple[int, ...] = ()

    def next_batch(self) -> list[ControlItem]:
        if self.done.all_ended():
            raise StopIteration
        changed = False
        for k, path in enumerate(self.paths):
            if path is None:
                continue
            try:
                stat = os.stat(path)
            except FileNotFoundError:
                continue
            version = (stat.st_mtime_ns, stat.st_size)
            if version == self.seen[k]:
                continue
            self.seen[k] = version
            try:
                self.states[k] = read_state(path)
            except ValueError:  # caught mid-write by a foreign writer: read it next poll
                self.seen[k] = None
                continue
            changed = True
        if not changed:
            return []
        seqs = tuple(state.seq for state in self.states)
        if seqs == self.seqs:
            return []
        self.seqs = seqs
        pipeline, shared, run = self.states
        state = pipeline.with_shared(shared, run)  # either kill kills (ControlState)
        return [(key, (name, state)) for key, name in self.instances]

    def next_awake(self) -> datetime | None:
        return datetime.now(UTC) + timedelta(seconds=POLL_S)
