"""Integration helpers: run the real CLI in a subprocess (each gets its own embedded
ClickHouse, as a user's shell would) and read tables back as CSV text."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

from orderloom.runtime.sinks.tables import TABLES

ROOT = Path(__file__).resolve().parents[2]
ANALYTICS = ("orders", "fills", "positions", "pnl", "risk_events", "dead_letters")


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(
        [sys.executable, "-m", "orderloom.cli.main", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert res.returncode == 0, f"orderloom {' '.join(args)} failed:\n{res.stderr}"
    return res


def table_csv(sink: str, table: str, run_id: str) -> list[str]:
    """Every row of a run's table except run_id, in key order, as CSV lines."""
    spec = TABLES[table]
    cols = [c.name for c in spec.columns if c.name != "run_id"]
    order = ", ".join(k for k in spec.key if k != "run_id")
    select = ", ".join(f"toString({c})" if c != "ts_ns" else c for c in cols)
    sql = f"SELECT {select} FROM {table} FINAL WHERE run_id = '{run_id}' ORDER BY {order}"
    out = cli("sql", sql, "--sink", sink, "--format", "csv").stdout
    rows = [row for row in csv.reader(io.StringIO(out)) if row][1:]
    return [",".join(_canonical(v) for v in row) for row in rows]


def _canonical(value: str) -> str:
    """Numbers as exact decimals without padding: servers differ in how they print them
    (18.16 pads Decimal(38,12) with zeros, 26.x does not; 1e-05 vs 0.00001)."""
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    if not number.is_finite():
        return value
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text
