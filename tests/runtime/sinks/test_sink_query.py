"""`orderloom sql` answers as a table, CSV or JSON lines; every failure is one line naming the
(redacted) URL and the server's message, with no stack trace."""

from __future__ import annotations

import socket
import time

import pytest

from orderloom.dsl.errors import SinkError
from orderloom.runtime.sinks.base import open_store
from orderloom.runtime.sinks.migrations import MIGRATIONS
from orderloom.runtime.sinks.query import run_query

SQL = "SELECT fill_id, price, qty, liquidity FROM fills FINAL ORDER BY fill_id"


@pytest.fixture
def filled_url(store_url: str, sample_rows: dict[str, list[tuple[object, ...]]]) -> str:
    with open_store(store_url) as store:
        store.ensure_schema()
        store.insert_rows("fills", sample_rows["fills"])
    return store_url


def test_csv(filled_url: str) -> None:
    assert run_query(filled_url, SQL, "csv") == (
        "fill_id,price,qty,liquidity\n"
        "f-1,42999.5,0.25,taker\n"
        "f-2,12345678901234.123456789012,0.000000000001,maker\n"
    )


def test_json_lines_keep_decimals_exact(filled_url: str) -> None:
    assert run_query(filled_url, SQL, "json") == (
        '{"fill_id":"f-1","price":42999.5,"qty":0.25,"liquidity":"taker"}\n'
        '{"fill_id":"f-2","price":12345678901234.123456789012,"qty":0.000000000001,'
        '"liquidity":"maker"}\n'
    )


def test_table(filled_url: str) -> None:
    lines = run_query(filled_url, SQL).splitlines()
    assert lines[0].split() == ["fill_id", "price", "qty", "liquidity"]
    assert lines[2].split() == ["f-1", "42999.5", "0.25", "taker"]
    assert lines[3].split() == ["f-2", "12345678901234.123456789012", "0.000000000001", "maker"]
    assert lines[-1] == "2 rows"
    # Numbers are right-aligned: both prices end in the same column.
    assert lines[2].index("42999.5") + len("42999.5") == lines[3].index(".123456789012") + 13


@pytest.mark.parametrize(
    ("sql", "code"),
    [("SELEC 1", "Code: 62."), ("SELECT * FROM nope", "Code: 60."), ("SELECT nope()", "Code: 46.")],
)
def test_bad_sql_is_one_line(filled_url: str, sql: str, code: str) -> None:
    with pytest.raises(SinkError) as caught:
        run_query(filled_url, sql, "csv")
    message = str(caught.value)
    assert "\n" not in message and "Stack trace" not in message and "DB::Exception" not in message
    assert message.startswith(f"{caught.value.url}: {code} ")
    assert caught.value.url.startswith(("chdb://", "clickhouse://"))


def test_unknown_format_names_the_choices(filled_url: str) -> None:
    with pytest.raises(SinkError, match="expected one of table, csv, json"):
        run_query(filled_url, SQL, "xml")


@pytest.mark.server
def test_inline_insert_is_refused_not_hung(clickhouse_url: str) -> None:
    started = time.monotonic()
    with pytest.raises(SinkError, match="INSERT … SELECT"):
        run_query(clickhouse_url, "INSERT INTO fills VALUES ('x')", "csv")
    assert time.monotonic() - started < 5


def test_unreachable_server_is_one_line_without_password() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(SinkError) as caught:
            run_query(f"clickhouse://trader:hunter2@127.0.0.1:{port}/x", "SELECT 1", "csv")
    message = str(caught.value)
    assert message.startswith(f"clickhouse://trader:***@127.0.0.1:{port}/x: ")
    assert "hunter2" not in message and "\n" not in message
    assert "refused" in message.lower()


def test_chdb_refuses_a_second_path_while_one_is_open(
    chdb_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other = tmp_path_factory.mktemp("other") / "ch"
    with open_store(chdb_url) as first:
        first.ensure_schema()
        with pytest.raises(SinkError, match="one path per process"):
            open_store(f"chdb://{other}")
    with open_store(f"chdb://{other}") as second:  # free once the first store is closed
        assert second.ensure_schema() == max(m.version for m in MIGRATIONS)
