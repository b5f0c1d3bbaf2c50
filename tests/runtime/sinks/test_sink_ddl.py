"""DDL: logical types → ClickHouse types per server version, and the schema as applied by the
migrations on both backends (18.16 server, 26.9 chDB)."""

from __future__ import annotations

import pytest

from orderloom.runtime.sinks.base import AnalyticsStore, open_store
from orderloom.runtime.sinks.ddl import ServerFeatures, column_type, create_table
from orderloom.runtime.sinks.migrations import MIGRATIONS
from orderloom.runtime.sinks.tables import TABLES, Column

OLD = ServerFeatures.from_version("18.16.1")
NEW = ServerFeatures.from_version("26.9.2.1")


def test_versions_parse() -> None:
    assert OLD.version == (18, 16)
    assert NEW.version == (26, 9)
    assert not OLD.low_cardinality and not OLD.codecs
    assert NEW.low_cardinality and NEW.codecs
    with pytest.raises(ValueError):
        ServerFeatures.from_version("unknown")


@pytest.mark.parametrize(
    ("column", "old", "new"),
    [
        (Column("price", "Decimal"), "Decimal(38, 12)", "Decimal(38, 12)"),
        (Column("liquidity", "Enum:maker,taker"), *["Enum8('maker' = 1, 'taker' = 2)"] * 2),
        (Column("feed", "String"), "String", "LowCardinality(String)"),
        (Column("venue", "String"), "String", "LowCardinality(String)"),
        (Column("order_id", "String"), "String", "String"),
        (Column("offset", "UInt64"), "UInt64", "UInt64"),
        (Column("side", "Int8"), "Int8", "Int8"),
    ],
)
def test_column_types_by_server_version(column: Column, old: str, new: str) -> None:
    assert column_type(column, OLD) == old
    assert column_type(column, NEW) == new


def test_create_table_is_replacing_merge_tree_on_the_key() -> None:
    old = create_table("db", TABLES["market_trades"], OLD)
    new = create_table("db", TABLES["market_trades"], NEW)
    for ddl in (old, new):
        assert ddl.startswith("CREATE TABLE IF NOT EXISTS `db`.`market_trades` (")
        assert ddl.endswith("ENGINE = ReplacingMergeTree\nORDER BY (`run_id`, `feed`, `offset`)")
    assert "CODEC" not in old
    assert "`ts_ns` Int64 CODEC(Delta, ZSTD(1))" in new


def test_schema_applies_with_every_column(store: AnalyticsStore) -> None:
    """system.columns lists columns in table order (18.16 has no `position` to sort by);
    codecs are not part of the reported type."""
    for table in TABLES.values():
        found = store.query(
            "SELECT name, type FROM system.columns "
            f"WHERE database = currentDatabase() AND table = '{table.name}'"
        ).rows
        assert found == [(c.name, column_type(c, store.features)) for c in table.columns]
    engines = store.query(
        "SELECT name, engine, sorting_key FROM system.tables "
        "WHERE database = currentDatabase() ORDER BY name"
    ).rows
    assert engines == sorted(
        [(t.name, "ReplacingMergeTree", ", ".join(t.key)) for t in TABLES.values()]
        + [("schema_migrations", "ReplacingMergeTree", "version")]
    )


def test_migrations_are_recorded_once(store: AnalyticsStore) -> None:
    latest = max(m.version for m in MIGRATIONS)
    assert store.ensure_schema() == latest  # second run: nothing pending
    with open_store(store.url) as again:  # a second store on the same database
        assert again.ensure_schema() == latest
    rows = store.query("SELECT version, name FROM schema_migrations FINAL ORDER BY version").rows
    assert rows == [(m.version, m.name) for m in MIGRATIONS]
