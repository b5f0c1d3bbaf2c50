"""One bytewax process of a backtest cluster: builds the dataflow from the plan file and
spools its analytics for the launching process to load (see run.py)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bytewax.testing import cluster_main

from orderloom.dsl.plan import Plan
from orderloom.runtime.build import build_dataflow
from orderloom.runtime.sinks.spool import SpoolWriter


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="orderloom-worker")
    ap.add_argument("--plan", required=True)
    ap.add_argument("--run-id", required=True)
    ap.add_argument("--spool", required=True)
    ap.add_argument("--addresses", required=True)
    ap.add_argument("--proc-id", type=int, required=True)
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args(argv)
    plan = Plan.from_json(json.loads(Path(args.plan).read_text()))
    writers: dict[int, SpoolWriter] = {}

    def writer_for(worker: int) -> SpoolWriter:
        if worker not in writers:
            # A backtest restarts from scratch after a crash, so spool files need no fsync;
            # few large files keep the loader's per-insert cost low.
            writers[worker] = SpoolWriter(
                Path(args.spool),
                f"p{args.proc_id}w{worker}",
                max_pending_rows=2_000_000,
                flush_rows=500_000,
                flush_interval_ms=2000,
                durable=False,
            )
        return writers[worker]

    flow = build_dataflow(plan, args.run_id, writer_for)
    try:
        cluster_main(
            flow,
            args.addresses.split(","),
            args.proc_id,
            worker_count_per_proc=args.workers,
        )
    finally:
        for w in writers.values():
            w.close()


if __name__ == "__main__":
    main()
