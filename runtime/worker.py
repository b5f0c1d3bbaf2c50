"""One bytewax process of a backtest cluster (processes 1..P-1; the deploying process is
process 0): builds the dataflow and spools its analytics for process 0 to load (run.py).

Started by forking the deploying process (nothing to import again), or as
`python -m orderloom.runtime.worker` with a plan file, e.g. on another machine.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bytewax.testing import cluster_main

from orderloom.dsl.plan import Plan
from orderloom.runtime.build import build_dataflow
from orderloom.runtime.placement import Placement, place
from orderloom.runtime.sinks.spool import SpoolWriter


def run_worker(
    plan: Plan,
    run_id: str,
    spool: Path,
    addresses: list[str],
    proc_id: int,
    workers: int,
    placement: Placement | None = None,
) -> None:
    writers: dict[int, SpoolWriter] = {}

    def writer_for(worker: int) -> SpoolWriter:
        if worker not in writers:
            # A backtest restarts from scratch after a crash, so spool files need no fsync;
            # few large files keep the loader's per-insert cost low.
            writers[worker] = SpoolWriter(
                spool,
                f"p{proc_id}w{worker}",
                max_pending_rows=2_000_000,
                flush_rows=500_000,
                flush_interval_ms=2000,
                durable=False,
            )
        return writers[worker]

    if placement is None:
        placement = place(plan, len(addresses) * workers)
    flow = build_dataflow(plan, run_id, writer_for, placement=placement)
    wait_for_peers(addresses, proc_id)
    try:
        cluster_main(flow, addresses, proc_id, worker_count_per_proc=workers)
    finally:
        for w in writers.values():
            w.close()


def wait_for_peers(addresses: list[str], proc_id: int, timeout_s: float = 30.0) -> None:
    """Wait until every lower-numbered process listens: bytewax connects to them and, when
    one is not up yet, retries only after a whole second. Reads the kernel's socket table
    (Linux), so the wait never touches the peer's port."""
    ports = {int(address.rsplit(":", 1)[1]) for address in addresses[:proc_id]}
    deadline = time.monotonic() + timeout_s
    while ports and time.monotonic() < deadline:
        listening = _listening_ports()
        if listening is None:
            return  # no /proc: let bytewax retry
        ports -= listening
        if ports:
            time.sleep(0.002)


def _listening_ports() -> set[int] | None:
    found: set[int] = set()
    try:
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with open(table) as fh:
                next(fh)
                for line in fh:
                    fields = line.split()
                    if fields[3] == "0A":  # TCP_LISTEN
                        found.add(int(fields[1].rsplit(":", 1)[1], 16))
    except OSError:
        return None
    return found


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
    run_worker(
        plan, args.run_id, Path(args.spool), args.addresses.split(","), args.proc_id, args.workers
    )


if __name__ == "__main__":
    main()
