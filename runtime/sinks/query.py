"""`orderloom sql`: run one statement against the analytics store and format the answer as a
table (rich), CSV, or JSON lines (one object per row).

Decimals print exactly (JSON numbers, never floats); non-finite floats are JSON null.
"""

from __future__ import annotations

import csv
import io
import json
import math
from decimal import Decimal

from rich import box
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from orderloom.dsl.errors import SinkError
from orderloom.runtime.sinks.base import QueryResult, check_format, open_store
from orderloom.runtime.sinks.url import DEFAULT_DATABASE, parse_sink_url

_NUMERIC = ("Int", "UInt", "Float", "Decimal", "Nullable(Int", "Nullable(UInt", "Nullable(Float")


def run_query(
    url: str | None, sql: str, fmt: str = "table", database: str = DEFAULT_DATABASE
) -> str:
    """The result of `sql` as text; any failure is a one-line SinkError."""
    try:
        checked = check_format(fmt)
    except ValueError as exc:
        raise SinkError(parse_sink_url(url, database).redacted(), str(exc)) from None
    with open_store(url, database) as store:
        # The database is created on first use, so a fresh store answers "no rows", not
        # "no database".
        store.ensure_schema()
        return render(store.query(sql, checked), checked)


def render(result: QueryResult, fmt: str) -> str:
    if fmt == "csv":
        return _csv(result)
    if fmt == "json":
        return _json_lines(result)
    return _table(result)


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _table(result: QueryResult) -> str:
    table = RichTable(box=box.SIMPLE_HEAD)
    types = result.types or ("",) * len(result.columns)
    for name, ch_type in zip(result.columns, types, strict=True):
        table.add_column(Text(name), justify="right" if ch_type.startswith(_NUMERIC) else "left")
    for row in result.rows:
        # Text, not str: a value like "[red]" is data, not rich markup.
        table.add_row(*(Text(cell_text(v)) for v in row))
    out = io.StringIO()
    # Wide enough never to wrap: the text is the answer, a terminal may scroll it.
    Console(file=out, width=10_000, color_system=None, highlight=False).print(table)
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    body = "\n".join(lines).strip("\n")
    return f"{body}\n{_rows_caption(len(result.rows))}\n"


def _rows_caption(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def _csv(result: QueryResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows([cell_text(v) for v in row] for row in result.rows)
    return out.getvalue()


def _json_value(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float) and not math.isfinite(value):
        return "null"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_json_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False, default=str)


def _json_lines(result: QueryResult) -> str:
    keys = [json.dumps(c, ensure_ascii=False) for c in result.columns]
    lines = (
        "{" + ",".join(f"{k}:{_json_value(v)}" for k, v in zip(keys, row, strict=True)) + "}"
        for row in result.rows
    )
    return "".join(line + "\n" for line in lines)
