"""The other processes of a backtest cluster: the deploying process is process 0 and runs its
share of the dataflow itself; processes 1..P-1 are forked from it and spool their analytics,
which a thread here loads into the store while they run (chDB is one session per process).
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from orderloom.dsl.errors import RunFailed
from orderloom.dsl.plan import Plan
from orderloom.runtime.placement import Placement
from orderloom.runtime.sinks.spool import SpoolLoader
from orderloom.runtime.worker import run_worker


class Cluster:
    """Processes 1..P-1 and the thread that loads their spool (`loader.directory`, which this
    class removes when done); `on_spooled(market rows loaded)` feeds the progress bar."""

    def __init__(
        self,
        plan: Plan,
        run_id: str,
        workers: int,
        processes: int,
        loader: SpoolLoader,
        on_spooled: Callable[[int], None],
        placement: Placement,
    ) -> None:
        self.plan = plan
        self.run_id = run_id
        self.workers = workers
        self.processes = processes
        self.placement = placement
        self.loader = loader
        self.spool = loader.directory
        self.on_spooled = on_spooled
        self.addresses = [f"127.0.0.1:{port}" for port in _free_ports(processes)]
        self.procs: list[multiprocessing.process.BaseProcess] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._load, name="orderloom-spool-loader")

    def start(self) -> None:
        # Fork, so a worker process starts with everything imported and the plan in memory
        # (a fresh interpreter spends ~0.6 s importing before the cluster can connect). No
        # bytewax runtime exists yet at this point; the child never touches the store.
        ctx = multiprocessing.get_context("fork")
        for proc_id in range(1, self.processes):
            proc = ctx.Process(
                target=_worker_process,
                args=(
                    self.plan,
                    self.run_id,
                    self.workers,
                    self.spool,
                    self.addresses,
                    proc_id,
                    self.placement,
                ),
                name=f"orderloom-worker-{proc_id}",
            )
            proc.start()
            self.procs.append(proc)
        self.thread.start()

    def _load(self) -> None:
        try:
            while not self.stop.wait(0.05):
                if self.loader.load_ready():
                    self.on_spooled(self.loader.market_rows)
        except BaseException as exc:  # reported by finish()
            self.error = exc

    def finish(self) -> None:
        for proc in self.procs:
            proc.join()
        self.stop.set()
        self.thread.join()
        if self.error is not None:
            raise self.error
        self._check_exits()
        self.loader.load_ready()
        shutil.rmtree(self.spool, ignore_errors=True)

    def abort(self) -> None:
        self.stop.set()
        deadline = time.monotonic() + 5.0
        for proc in self.procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.exitcode is None:
                proc.kill()
                proc.join()
        if self.thread.is_alive():
            self.thread.join()
        self._check_exits()

    def _check_exits(self) -> None:
        for proc_id, proc in enumerate(self.procs, start=1):
            if proc.exitcode not in (0, None):
                log = (self.spool / f"worker-{proc_id}.log").read_text(errors="replace")
                raise RunFailed(f"worker process {proc_id} failed:\n{log[-2000:]}")


def _worker_process(
    plan: Plan,
    run_id: str,
    workers: int,
    spool: Path,
    addresses: list[str],
    proc_id: int,
    placement: Placement,
) -> None:
    # The child's stderr goes to a log that process 0 shows if this process fails.
    log = os.open(spool / f"worker-{proc_id}.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(log, 2)
    sys.stderr = os.fdopen(2, "w", buffering=1)
    run_worker(plan, run_id, spool, addresses, proc_id, workers, placement)


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()
