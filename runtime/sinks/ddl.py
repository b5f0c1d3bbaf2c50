"""SQL text for the analytics schema: logical column types → ClickHouse types per server
version, and the CREATE statements for the tables in `tables.py`.

One schema works on every supported server (Debian's 18.16 and chDB's 26.9 are tested);
where a newer server allows a better physical type (LowCardinality, compression codecs),
`ServerFeatures` chooses it from the server's version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orderloom.runtime.sinks.tables import Column, Table

DECIMAL_PRECISION = 38
# 12 places keep venue precision of prices, sizes and fees (crypto lots go to 1e-8) while
# leaving 26 integer digits, so sums of notionals never overflow Decimal128.
DECIMAL_SCALE = 12

# Columns with few distinct values per part: dictionary-encoded where the server allows.
LOW_CARDINALITY_COLUMNS = frozenset(
    {"feed", "instrument", "strategy", "venue", "fee_currency", "check", "action", "mode"}
)
# Monotonic or slowly growing integers: delta-encoding makes them compress to almost nothing.
DELTA_COLUMNS = frozenset({"ts_ns", "offset", "started_ns", "finished_ns"})
# Long free text.
TEXT_COLUMNS = frozenset({"plan_json", "record"})

_PLAIN = {"String", "Int64", "UInt64", "Int8", "UInt32", "Float64"}
_VERSION = re.compile(r"(\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class ServerFeatures:
    """What the target server supports, decided from `SELECT version()`.

    Only 18.16 and 26.9 are tested; the threshold is conservative (LowCardinality left
    its experimental flag and codecs were complete by 20.1).
    """

    version: tuple[int, int]

    @classmethod
    def from_version(cls, text: str) -> ServerFeatures:
        found = _VERSION.match(text.strip())
        if not found:
            raise ValueError(f"unrecognised ClickHouse version {text!r}")
        return cls((int(found.group(1)), int(found.group(2) or 0)))

    @property
    def low_cardinality(self) -> bool:
        return self.version >= (20, 1)

    @property
    def codecs(self) -> bool:
        return self.version >= (20, 1)


def identifier(name: str) -> str:
    """Backquoted: `offset` and `check` are keywords in some positions."""
    return "`" + name.replace("\\", "\\\\").replace("`", "\\`") + "`"


def sql_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def qualified(database: str, table: str) -> str:
    return f"{identifier(database)}.{identifier(table)}"


def enum_values(logical: str) -> tuple[str, ...]:
    """`Enum:a,b` → ('a', 'b')."""
    return tuple(logical.split(":", 1)[1].split(","))


def column_type(column: Column, features: ServerFeatures) -> str:
    logical = column.type
    if logical == "Decimal":
        return f"Decimal({DECIMAL_PRECISION}, {DECIMAL_SCALE})"
    if logical.startswith("Enum:"):
        members = ", ".join(f"{sql_string(v)} = {i}" for i, v in enumerate(enum_values(logical), 1))
        return f"Enum8({members})"
    if logical not in _PLAIN:
        raise ValueError(f"column {column.name}: unknown logical type {logical!r}")
    if logical == "String" and column.name in LOW_CARDINALITY_COLUMNS and features.low_cardinality:
        return "LowCardinality(String)"
    return logical


def column_codec(column: Column, features: ServerFeatures) -> str:
    if not features.codecs:
        return ""
    if column.name in DELTA_COLUMNS:
        return " CODEC(Delta, ZSTD(1))"
    if column.name in TEXT_COLUMNS:
        return " CODEC(ZSTD(3))"
    return ""


def create_database(database: str) -> str:
    return f"CREATE DATABASE IF NOT EXISTS {identifier(database)}"


def create_table(database: str, table: Table, features: ServerFeatures) -> str:
    """ReplacingMergeTree ordered by the natural row id: re-delivered rows collapse (FINAL)."""
    columns = ",\n    ".join(
        f"{identifier(c.name)} {column_type(c, features)}{column_codec(c, features)}"
        for c in table.columns
    )
    key = ", ".join(identifier(k) for k in table.key)
    if len(table.key) > 1:
        key = f"({key})"
    partition = f"\nPARTITION BY {table.partition}" if table.partition else ""
    return (
        f"CREATE TABLE IF NOT EXISTS {qualified(database, table.name)} (\n    {columns}\n)\n"
        f"ENGINE = ReplacingMergeTree{partition}\nORDER BY {key}"
    )


def insert_prefix(database: str, table: Table) -> str:
    """`INSERT INTO db.t (cols)`: explicit columns so added columns never shift the data."""
    columns = ", ".join(identifier(c) for c in table.column_names)
    return f"INSERT INTO {qualified(database, table.name)} ({columns})"
