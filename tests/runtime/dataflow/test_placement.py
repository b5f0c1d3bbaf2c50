"""Placement: with several workers, strategy instances spread over them and each feed runs
beside the instance that reads it, checked by where the rows are actually written."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from bytewax.testing import cluster_main

from orderloom.dsl.compiler import compile_text
from orderloom.runtime.build import build_dataflow
from orderloom.runtime.events import MarketBatch
from orderloom.runtime.placement import place

PIPELINE = """\
orderloom: 1
name: placement
instruments:
{instruments}
venues:
  sim: {{kind: simulated, latency: 1ms}}
feeds:
{feeds}
strategies:
  trend:
    kind: signal
    for_each: {{instrument: [{ids}]}}
    instrument: ${{each.instrument}}
    target: "if ema(last, 5) > ema(last, 20) then 1 else -1"
routing: {{default: sim}}
"""


def pipeline(n: int) -> str:
    ids = [f"A{i}/USD@sim" for i in range(n)]
    instruments = "".join(f"  {i}: {{tick_size: 0.01, lot_size: 1}}\n" for i in ids)
    feeds = "".join(
        f"  f{k}: {{kind: synthetic, model: gbm, instrument: {i}, seed: {k}, s0: 100, mu: 0,\n"
        f"        sigma: 0.5, dt: 1s, start: 2024-01-01T00:00:00Z, count: 3000}}\n"
        for k, i in enumerate(ids)
    )
    return PIPELINE.format(instruments=instruments.rstrip("\n"), feeds=feeds, ids=", ".join(ids))


class Recorder:
    """A writer per worker that notes which strategies' rows and which feeds' batches it got."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.strategies: dict[str, set[int]] = {}
        self.feeds: dict[str, set[int]] = {}

    def factory(self, worker: int) -> Any:
        recorder = self

        class Writer:
            def put_rows(self, table: str, rows: list[tuple[Any, ...]]) -> None:
                if table == "orders":
                    with recorder.lock:
                        for row in rows:
                            recorder.strategies.setdefault(row[4], set()).add(worker)

            def put_market(self, run_id: str, batch: MarketBatch) -> None:
                with recorder.lock:
                    recorder.feeds.setdefault(batch.feed, set()).add(worker)

            def flush(self) -> None:
                return None

        return Writer()


def test_instances_spread_and_feeds_sit_beside_their_reader(tmp_path: Path) -> None:
    plan = compile_text(pipeline(4), str(tmp_path / "p.yaml"))
    placement = place(plan, 2)
    recorder = Recorder()
    flow = build_dataflow(plan, "r", recorder.factory, placement=placement)
    cluster_main(flow, [], 0, worker_count_per_proc=2)
    names = [s.name for s in plan.strategies]
    assert {n: recorder.strategies[n] for n in names} == {
        names[0]: {0},
        names[1]: {1},
        names[2]: {0},
        names[3]: {1},
    }
    assert {f: recorder.feeds[f] for f in ("f0", "f1", "f2", "f3")} == {
        "f0": {0},
        "f1": {1},
        "f2": {0},
        "f3": {1},
    }


def test_one_worker_needs_no_placement(tmp_path: Path) -> None:
    plan = compile_text(pipeline(2), str(tmp_path / "p.yaml"))
    assert place(plan, 1).instance_keys == {}
