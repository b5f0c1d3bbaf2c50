"""Versioned schema migrations: ordered steps recorded in `schema_migrations`, so a database
created by any earlier release converges on the tables in `tables.py`.

Migration 1 creates every table from `TABLES` as it is now, so on a fresh database it already
yields the current schema; every later step must therefore converge rather than assume (e.g.
add a column only if `existing_columns` lacks it — 18.16 has no `ADD COLUMN IF NOT EXISTS`).
Steps may run twice when two processes migrate at once; ReplacingMergeTree keeps one record.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from orderloom.runtime.sinks.ddl import (
    ServerFeatures,
    create_database,
    create_table,
    qualified,
    sql_string,
)
from orderloom.runtime.sinks.tables import TABLES

MIGRATIONS_TABLE = "schema_migrations"


class SchemaTarget(Protocol):
    """What a migration needs from a store."""

    database: str

    @property
    def features(self) -> ServerFeatures: ...

    def command(self, sql: str) -> None: ...

    def scalar_rows(self, sql: str) -> list[tuple[object, ...]]: ...


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[SchemaTarget], None]


def _create_tables(target: SchemaTarget) -> None:
    for table in TABLES.values():
        target.command(create_table(target.database, table, target.features))


def _create_research_runs(target: SchemaTarget) -> None:
    # Migration 1 already creates it on a fresh database; IF NOT EXISTS makes this converge.
    target.command(create_table(target.database, TABLES["research_runs"], target.features))


def _create_sweep_points(target: SchemaTarget) -> None:
    target.command(create_table(target.database, TABLES["sweep_points"], target.features))


def _create_bars(target: SchemaTarget) -> None:
    target.command(create_table(target.database, TABLES["bars"], target.features))


def _create_market_book(target: SchemaTarget) -> None:
    target.command(create_table(target.database, TABLES["market_book"], target.features))


def _create_routing_decisions(target: SchemaTarget) -> None:
    target.command(create_table(target.database, TABLES["routing_decisions"], target.features))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "create analytics tables", _create_tables),
    Migration(2, "add research_runs", _create_research_runs),
    Migration(3, "add sweep_points", _create_sweep_points),
    Migration(4, "add bars", _create_bars),
    Migration(5, "add market_book", _create_market_book),
    Migration(6, "add routing_decisions", _create_routing_decisions),
)


def existing_columns(target: SchemaTarget, table: str) -> set[str]:
    rows = target.scalar_rows(
        "SELECT name FROM system.columns "
        f"WHERE database = {sql_string(target.database)} AND table = {sql_string(table)}"
    )
    return {str(row[0]) for row in rows}


def applied_versions(target: SchemaTarget) -> set[int]:
    table = qualified(target.database, MIGRATIONS_TABLE)
    return {int(str(row[0])) for row in target.scalar_rows(f"SELECT version FROM {table} FINAL")}


def migrate(target: SchemaTarget) -> int:
    """Create the database, apply every pending migration in order; return the schema version."""
    target.command(create_database(target.database))
    table = qualified(target.database, MIGRATIONS_TABLE)
    target.command(
        f"CREATE TABLE IF NOT EXISTS {table} (version UInt32, name String, applied_ns Int64) "
        "ENGINE = ReplacingMergeTree ORDER BY version"
    )
    done = applied_versions(target)
    for step in sorted(MIGRATIONS, key=lambda m: m.version):
        if step.version in done:
            continue
        step.apply(target)
        # INSERT … SELECT: inline VALUES without a data block hangs clickhouse-server 18.16.
        target.command(
            f"INSERT INTO {table} (version, name, applied_ns) "
            f"SELECT {step.version}, {sql_string(step.name)}, {time.time_ns()}"
        )
        done.add(step.version)
    return max(done, default=0)
