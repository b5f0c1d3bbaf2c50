"""Sink kind `clickhouse`: analytics into embedded ClickHouse (chDB) or a server."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClickHouseSinkParams:
    url: str | None = None  # chdb://PATH or clickhouse://[user[:password]@]host[:port]/database
