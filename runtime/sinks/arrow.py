"""Columnar forms of analytics data: row tuples → Arrow tables with the table's schema (exact
Decimals), and market batches ↔ Arrow (for chDB's `Python()` table function and the spool).
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from decimal import Decimal

import numpy as np
import pyarrow as pa

from orderloom.runtime.events import BookBatch, MarketBatch, QuoteBatch, TradeBatch
from orderloom.runtime.sinks.ddl import DECIMAL_PRECISION, DECIMAL_SCALE
from orderloom.runtime.sinks.tables import TABLES, Table

_ARROW_TYPES: dict[str, pa.DataType] = {
    "String": pa.string(),
    "Int64": pa.int64(),
    "UInt64": pa.uint64(),
    "Int8": pa.int8(),
    "UInt32": pa.uint32(),
    "Float64": pa.float64(),
    "Decimal": pa.decimal128(DECIMAL_PRECISION, DECIMAL_SCALE),
}
_QUANTUM = Decimal(1).scaleb(-DECIMAL_SCALE)
# Decimal's default context keeps 28 digits; Decimal(38, 12) needs all 38.
_CONTEXT = decimal.Context(prec=DECIMAL_PRECISION, rounding=decimal.ROUND_HALF_EVEN)

TRADE_COLUMNS = ("ts_ns", "price", "qty", "side")
QUOTE_COLUMNS = ("ts_ns", "bid_price", "bid_qty", "ask_price", "ask_qty")
BOOK_COLUMNS = ("ts_ns", "seq", "action", "side", "price", "qty")
MARKET_TABLES = {"trades": "market_trades", "quotes": "market_quotes", "book": "market_book"}


def arrow_type(logical: str) -> pa.DataType:
    if logical.startswith("Enum:"):
        return pa.string()  # ClickHouse converts member names to Enum8 on insert
    return _ARROW_TYPES[logical]


def arrow_schema(table: Table) -> pa.Schema:
    return pa.schema([pa.field(c.name, arrow_type(c.type), nullable=False) for c in table.columns])


def to_decimal(value: object) -> Decimal:
    """A float becomes the decimal it prints as (0.1 → 0.1, not 0.1000000000000000055…)."""
    if isinstance(value, Decimal):
        exact = value
    elif isinstance(value, float):
        exact = Decimal(repr(value))
    elif isinstance(value, int | str):
        exact = Decimal(value)
    else:
        raise TypeError(f"cannot store {type(value).__name__} {value!r} as Decimal")
    if not exact.is_finite():
        raise ValueError(f"cannot store {value!r} as Decimal")
    return exact.quantize(_QUANTUM, context=_CONTEXT)


def row_columns(table: Table, rows: Sequence[Sequence[object]]) -> list[list[object]]:
    """Transpose rows into columns, with Decimal columns converted exactly."""
    width = len(table.columns)
    for row in rows:
        if len(row) != width:
            raise ValueError(
                f"{table.name}: row has {len(row)} values, expected {width} "
                f"({', '.join(table.column_names)})"
            )
    columns = [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]
    for i, column in enumerate(table.columns):
        if column.type == "Decimal":
            columns[i] = [to_decimal(v) for v in columns[i]]
    return columns


def rows_to_arrow(table: Table, rows: Sequence[Sequence[object]]) -> pa.Table:
    schema = arrow_schema(table)
    columns = row_columns(table, rows)
    return pa.Table.from_arrays(
        [pa.array(col, type=field.type) for col, field in zip(columns, schema, strict=True)],
        schema=schema,
    )


def row_offsets(batch: MarketBatch) -> np.ndarray:
    """Feed offsets per row: explicit when sanity dropped rows, else consecutive."""
    if batch.offsets is not None:
        return np.asarray(batch.offsets, dtype=np.uint64)
    return np.arange(batch.offset, batch.offset + len(batch), dtype=np.uint64)


def market_value_columns(batch: MarketBatch) -> tuple[str, ...]:
    if isinstance(batch, BookBatch):
        return BOOK_COLUMNS
    return TRADE_COLUMNS if isinstance(batch, TradeBatch) else QUOTE_COLUMNS


def market_arrays(batch: MarketBatch) -> dict[str, np.ndarray]:
    """The per-row columns of a batch (offset first), contiguous and in the table's dtypes."""
    table = TABLES[MARKET_TABLES[batch.kind]]
    types = {c.name: c.type for c in table.columns}
    dtypes = {"Int64": np.int64, "Float64": np.float64, "Int8": np.int8}
    arrays = {"offset": row_offsets(batch)}
    for name in market_value_columns(batch):
        arrays[name] = np.ascontiguousarray(getattr(batch, name), dtype=dtypes[types[name]])
    return arrays


def market_to_arrow(run_id: str, batch: MarketBatch) -> pa.Table:
    """Per-row columns only; run id, feed, instrument and kind travel as schema metadata."""
    arrays = market_arrays(batch)
    metadata = {
        "orderloom.kind": batch.kind,
        "orderloom.run_id": run_id,
        "orderloom.feed": batch.feed,
        "orderloom.instrument": batch.instrument,
    }
    return pa.table(arrays).replace_schema_metadata(metadata)


def market_from_arrow(data: pa.Table) -> tuple[str, MarketBatch]:
    meta = {k.decode(): v.decode() for k, v in (data.schema.metadata or {}).items()}
    col = {name: data.column(name).to_numpy() for name in data.column_names}
    offsets = col["offset"].astype(np.int64)
    feed, instrument = meta["orderloom.feed"], meta["orderloom.instrument"]
    first = int(offsets[0]) if len(offsets) else 0
    batch: MarketBatch
    if meta["orderloom.kind"] == "book":
        batch = BookBatch(
            feed, instrument, first, col["ts_ns"], col["seq"], col["action"], col["side"],
            col["price"], col["qty"], offsets,
        )  # fmt: skip
    elif meta["orderloom.kind"] == "trades":
        batch = TradeBatch(
            feed, instrument, first, col["ts_ns"], col["price"], col["qty"], col["side"], offsets
        )
    else:
        batch = QuoteBatch(
            feed,
            instrument,
            first,
            col["ts_ns"],
            col["bid_price"],
            col["bid_qty"],
            col["ask_price"],
            col["ask_qty"],
            offsets,
        )
    return meta["orderloom.run_id"], batch
