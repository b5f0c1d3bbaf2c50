"""Feed kind `replay`: market data read back from CSV, gzip CSV or Parquet files."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.diagnostics import did_you_mean
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.registry import KindSpec, register


@dataclass(frozen=True)
class ReplayParams:
    path: str  # absolute, resolved against the pipeline file's folder
    format: str  # "csv" | "csv.gz" | "parquet" (from the suffix unless given)
    columns: tuple[tuple[str, str], ...] = ()  # (canonical, in-file) e.g. (("qty", "size"),)
    ts_unit: str = "auto"  # "auto" | "ns" | "us" | "ms" | "s" | "iso"
    batch_size: int = 10_000


FORMATS = ("csv", "csv.gz", "parquet")
CANONICAL_COLUMNS = {
    "trades": ("ts_ns", "price", "qty", "side"),
    "quotes": ("ts_ns", "bid", "ask", "bid_qty", "ask_qty"),
    "book": ("ts_ns", "seq", "action", "side", "price", "qty"),
}
_SUFFIXES = ((".csv.gz", "csv.gz"), (".csv", "csv"), (".parquet", "parquet"), (".pq", "parquet"))

SCHEMA = {
    "type": "object",
    "required": ["path"],
    "properties": {
        "path": {
            "type": "string",
            "description": "data file, relative to the YAML file naming it",
        },
        "format": {
            "enum": list(FORMATS),
            "description": "file format; default: from the suffix (.csv, .csv.gz, .parquet)",
        },
        "columns": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "canonical column -> column in the file, e.g. {qty: size}",
        },
        "ts_unit": {
            "enum": ["auto", "ns", "us", "ms", "s", "iso"],
            "default": "auto",
            "description": "unit of the timestamp column; auto guesses from magnitude",
        },
        "batch_size": {
            "type": "integer",
            "minimum": 1,
            "default": 10_000,
            "description": "rows per batch handed to the dataflow",
        },
    },
}


def compile_replay(node: Mapping, ctx: KindContext) -> ReplayParams:
    # Not checked for existence here: the data may be produced after validation (the
    # reader reports a missing file with the feed's name).
    path = ctx.path(node, "path", must_exist=False)
    fmt = ctx.text(node, "format")
    if not fmt:
        fmt = next((f for suffix, f in _SUFFIXES if path.lower().endswith(suffix)), "")
        if not fmt:
            ctx.report(
                codes.BAD_VALUE,
                f"cannot tell the format of '{ctx.text(node, 'path')}' from its suffix",
                ctx.span(node, "path"),
                f"add `format:` ({', '.join(FORMATS)})",
            )
    canonical = CANONICAL_COLUMNS[ctx.text(node, "schema", "trades")]
    columns: list[tuple[str, str]] = []
    mapping = ctx.mapping(node, "columns")
    for key, value in mapping.items if mapping is not None else ():
        if key.text not in canonical:
            ctx.report(
                codes.UNKNOWN_KEY,
                f"'{key.text}' is not a column of {ctx.text(node, 'schema', 'trades')} data",
                key.span,
                did_you_mean(key.text, canonical) or f"columns: {', '.join(canonical)}",
            )
        columns.append((key.text, str(getattr(value, "value", ""))))
    return ReplayParams(
        path=path,
        format=fmt,
        columns=tuple(columns),
        ts_unit=ctx.text(node, "ts_unit", "auto"),
        batch_size=ctx.integer(node, "batch_size", 10_000),
    )


register(
    KindSpec(
        category="feed",
        name="replay",
        summary="replay trades, quotes or L2 book updates from a CSV, gzip CSV or Parquet file",
        schema=SCHEMA,
        params_type=ReplayParams,
        compile=compile_replay,
        runtime="orderloom.runtime.feeds.replay:ReplayReader",
        doc=(
            "Reads a file in timestamp order and emits columnar batches. Trades need the "
            "columns ts_ns, price, qty and optionally side (buy/sell or +1/-1); quotes need "
            "ts_ns, bid, ask, bid_qty, ask_qty; L2 books (`schema: book`) need ts_ns, seq, "
            "action (snapshot/delta), side (bid/ask), price, qty (docs/books.md). "
            "Map other column names with `columns:`. "
            "Bad rows go to the dead-letter table with a reason."
        ),
        examples=(
            """\
feeds:
  btc_trades:
    kind: replay
    instrument: BTC/USDT@sim
    path: data/btc_trades.csv.gz
    schema: trades
    columns: {qty: size, ts_ns: timestamp}
    ts_unit: ms
""",
        ),
    )
)
