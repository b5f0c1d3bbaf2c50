"""Every analytics table round-trips exactly on both backends: integers at their limits,
floats bit for bit, Decimal columns as exact decimals; re-delivery leaves no duplicates
(ReplacingMergeTree read with FINAL); and chDB and the server give back identical rows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orderloom.dsl.errors import SinkError
from orderloom.runtime.sinks.base import AnalyticsStore, open_store
from orderloom.runtime.sinks.tables import TABLES, Table

Rows = dict[str, list[tuple[object, ...]]]


def expected(table: Table, rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """Decimal columns hold the decimal a value prints as; everything else comes back as is."""

    def exact(value: object, logical: str) -> object:
        return Decimal(str(value)) if logical == "Decimal" else value

    out = [tuple(exact(v, c.type) for v, c in zip(row, table.columns, strict=True)) for row in rows]
    return sorted(out, key=lambda r: tuple(r[table.column_names.index(k)] for k in table.key))  # type: ignore[return-value]


def read_back(store: AnalyticsStore, table: Table) -> list[tuple[object, ...]]:
    order = ", ".join(f"`{k}`" for k in table.key)
    return store.query(f"SELECT * FROM {table.name} FINAL ORDER BY {order}").rows


@pytest.mark.parametrize("name", list(TABLES))
def test_round_trip_is_exact(store: AnalyticsStore, sample_rows: Rows, name: str) -> None:
    table = TABLES[name]
    store.insert_rows(name, sample_rows[name])
    back = read_back(store, table)
    assert back == expected(table, sample_rows[name])
    for row in back:
        for value, column in zip(row, table.columns, strict=True):
            kind = {"Decimal": Decimal, "Float64": float, "String": str}.get(column.type, int)
            assert type(value) is (str if column.type.startswith("Enum:") else kind)


def test_redelivery_leaves_no_duplicates(store: AnalyticsStore, sample_rows: Rows) -> None:
    for name, rows in sample_rows.items():
        store.insert_rows(name, rows)
        store.insert_rows(name, rows)  # re-delivered after a crash
    for name, rows in sample_rows.items():
        assert store.query(f"SELECT count() FROM {name} FINAL").rows == [(len(rows),)]


def test_a_bad_value_is_a_one_line_sink_error(store: AnalyticsStore, sample_rows: Rows) -> None:
    good = sample_rows["fills"][0]
    bad_enum = (*good[:-1], "sideways")
    with pytest.raises(SinkError) as caught:
        store.insert_rows("fills", [bad_enum])
    assert "sideways" in str(caught.value) and "\n" not in str(caught.value)
    bad_int = (good[0], good[1], good[2], "eleven", *good[4:])
    with pytest.raises(SinkError, match=r"fills|ts_ns|eleven"):
        store.insert_rows("fills", [bad_int])
    assert store.query("SELECT count() FROM fills").rows == [(0,)]


def test_unknown_table_is_refused(store: AnalyticsStore) -> None:
    with pytest.raises(ValueError, match="unknown analytics table 'fils'"):
        store.insert_rows("fils", [("x",)])


@pytest.mark.server
def test_chdb_and_server_give_identical_rows(
    chdb_url: str, clickhouse_url: str, sample_rows: Rows
) -> None:
    results = []
    for url in (chdb_url, clickhouse_url):
        with open_store(url) as store:
            store.ensure_schema()
            for name, rows in sample_rows.items():
                store.insert_rows(name, rows)
            results.append({name: read_back(store, TABLES[name]) for name in TABLES})
    embedded, server = results
    for name in TABLES:
        assert embedded[name] == server[name], name
        assert [tuple(map(repr, r)) for r in embedded[name]] == [
            tuple(map(repr, r)) for r in server[name]
        ], name
