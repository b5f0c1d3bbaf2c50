"""Feed kind `replay`: market data read back from CSV, gzip CSV or Parquet files."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReplayParams:
    path: str  # absolute, resolved against the pipeline file's folder
    format: str  # "csv" | "csv.gz" | "parquet" (from the suffix unless given)
    columns: tuple[tuple[str, str], ...] = ()  # (canonical, in-file) e.g. (("qty", "size"),)
    ts_unit: str = "auto"  # "auto" | "ns" | "us" | "ms" | "s" | "iso"
    batch_size: int = 10_000
