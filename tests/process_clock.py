"""Waiting on a child process's CPU time: on a busy machine a better clock for "the run is
under way" than wall time (tests that act on a deployment mid-run)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_cpu(pid: int, target_s: float, timeout_s: float = 120.0) -> None:
    """Block until process `pid` has used `target_s` CPU seconds (fails after `timeout_s`)."""
    deadline = time.monotonic() + timeout_s
    while cpu_s(pid) < target_s:
        assert time.monotonic() < deadline, "the deployment made no progress"
        time.sleep(0.05)
