"""Where strategy instances and feeds run when a deployment has several workers.

bytewax routes keyed state by a hash of the key, so a few instances can all land on one
worker while another idles. The placement picks, for each instance, a routing key that lands
where it balances the load (instances round-robin over workers in plan order), found by
running a tiny probe dataflow with the same worker count: the mapping depends only on the key
and the total number of workers, the same for threads and for processes (FIELD-NOTES).
Source partitions are dealt to workers round-robin in the sorted order of their names
(measured on bytewax 0.21.1), so each feed gets a partition name whose sorted position puts
it beside its first reader, with idle partitions filling gaps. Routing names never appear in
analytics rows, so output does not depend on them.

The unit placed is an instance, or in a backtest of a plan with account limits the account's
whole group of instances (runtime/account/group.py), which shares one routing key.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import bytewax.operators as op
from bytewax.dataflow import Dataflow
from bytewax.outputs import DynamicSink, StatelessSinkPartition
from bytewax.testing import TestingSource, cluster_main

from orderloom.dsl.plan import Plan

SALTS = 16  # candidates per name; each lands on a given worker with probability 1/W


@dataclass(frozen=True)
class Placement:
    instance_keys: dict[str, str] = field(default_factory=dict)  # strategy → routing key
    feed_parts: dict[str, str] = field(default_factory=dict)  # feed → partition name
    idle_parts: tuple[str, ...] = ()  # empty partitions that keep the deal in step
    workers: dict[str, int] = field(default_factory=dict)  # strategy or feed → worker index

    def key(self, unit: str) -> str:
        """The routing key of a unit (`units(plan, mode)`): an instance or an account group."""
        return self.instance_keys.get(unit, unit)


def account_grouped(plan: Plan, mode: str = "backtest") -> bool:
    """Whether the plan's instances run as one account group (runtime/account/group.py):
    a backtest of a plan with account limits."""
    return bool(plan.risk.account) and mode == "backtest" and bool(plan.strategies)


def group_unit(plan: Plan) -> str:
    return f"account:{plan.account}"


def units(plan: Plan, mode: str = "backtest") -> dict[str, str]:
    """Strategy instance → the unit that runs it: itself, or its account's group."""
    if account_grouped(plan, mode):
        return {s.name: group_unit(plan) for s in plan.strategies}
    return {s.name: s.name for s in plan.strategies}


def place(plan: Plan, worker_count: int, mode: str = "backtest") -> Placement:
    if worker_count <= 1 or not plan.strategies:
        return Placement()
    unit_of = units(plan, mode)
    target: dict[str, int] = {}  # unit -> worker, round-robin in plan order
    for unit in unit_of.values():
        if unit not in target:
            target[unit] = len(target) % worker_count
    feed_target: dict[str, int] = {}
    for i, feed in enumerate(plan.feeds):
        readers = [s.name for s in plan.strategies if feed.instrument in s.instruments]
        feed_target[feed.name] = target[unit_of[readers[0]]] if readers else i % worker_count
    key_workers = _probe([_salted(name, k) for name in target for k in range(SALTS)], worker_count)
    keys = {unit: _pick(unit, w, key_workers) for unit, w in target.items()}
    keys.update({name: keys[unit] for name, unit in unit_of.items()})
    parts, idle = _deal(feed_target, worker_count)
    workers = {name: target[unit] for name, unit in unit_of.items()}
    return Placement(keys, parts, idle, {**workers, **feed_target})


def _deal(feed_target: dict[str, int], worker_count: int) -> tuple[dict[str, str], tuple[str, ...]]:
    """Partition names whose sorted position i lands on worker i % worker_count."""
    queues: list[list[str]] = [[] for _ in range(worker_count)]
    for feed, worker in feed_target.items():
        queues[worker].append(feed)
    parts: dict[str, str] = {}
    idle: list[str] = []
    position = 0
    while any(queues):
        queue = queues[position % worker_count]
        if queue:
            feed = queue.pop(0)
            parts[feed] = f"{position:06d}:{feed}"
        else:
            idle.append(f"{position:06d}:")
        position += 1
    return parts, tuple(idle)


def _salted(name: str, salt: int) -> str:
    return f"{name}~{salt}"


def _pick(name: str, worker: int, landed: dict[str, int]) -> str:
    for salt in range(SALTS):
        candidate = _salted(name, salt)
        if landed.get(candidate) == worker:
            return candidate
    return name  # (1 - 1/W)^16 odds: unbalanced but correct


class _Seen(DynamicSink[str]):
    def __init__(self) -> None:
        self.workers: dict[str, int] = {}
        self.lock = threading.Lock()

    def build(self, step_id: str, worker_index: int, worker_count: int) -> _SeenPart:
        return _SeenPart(self, worker_index)


class _SeenPart(StatelessSinkPartition[str]):
    def __init__(self, seen: _Seen, worker: int) -> None:
        self.seen = seen
        self.worker = worker

    def write_batch(self, items: list[str]) -> None:
        with self.seen.lock:
            for item in items:
                self.seen.workers[item] = self.worker


def _probe(keys: Sequence[str], worker_count: int) -> dict[str, int]:
    """Key → worker index, as bytewax routes keyed state for this many workers."""
    seen = _Seen()
    flow = Dataflow("orderloom_placement_probe")
    keyed = op.key_on("key", op.input("keys", flow, TestingSource(list(keys))), lambda k: k)
    landed = op.stateful_map("landed", keyed, lambda _s, k: (None, k))
    op.output("keys_seen", op.map("unkey", landed, _value), seen)
    cluster_main(flow, [], 0, worker_count_per_proc=worker_count)
    return dict(seen.workers)


def _value(key_value: tuple[str, Any]) -> Any:
    return key_value[1]
