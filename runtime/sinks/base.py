"""The analytics store interface both backends implement (embedded chDB and a ClickHouse
server), `open_store` choosing one from a sink URL, the query result they return, and the
one-line form of ClickHouse errors.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Literal, Protocol, get_args

import pyarrow as pa

from orderloom.dsl.errors import SinkError
from orderloom.runtime.events import MarketBatch
from orderloom.runtime.sinks.ddl import ServerFeatures
from orderloom.runtime.sinks.migrations import migrate
from orderloom.runtime.sinks.tables import TABLES, Table
from orderloom.runtime.sinks.url import DEFAULT_DATABASE, SinkURL, parse_sink_url

Fmt = Literal["table", "csv", "json"]
FORMATS: tuple[str, ...] = get_args(Fmt)
Row = tuple[object, ...]

_MAX_REASON = 300
_STACK = re.compile(r"[.\s]*Stack trace.*", re.DOTALL)


@dataclass(frozen=True)
class QueryResult:
    """Column names, ClickHouse type names and rows as Python values (int, float, str,
    Decimal); `fmt` is how `text()` renders it."""

    columns: tuple[str, ...]
    rows: list[Row]
    types: tuple[str, ...] = ()
    fmt: Fmt = "table"

    def text(self) -> str:
        from orderloom.runtime.sinks.query import render

        return render(self, self.fmt)


class RowSink(Protocol):
    """What a writer needs: a store, or the spool files of a worker process."""

    def insert_rows(self, table: str, rows: Sequence[Row]) -> None: ...

    def insert_market(self, run_id: str, batch: MarketBatch) -> None: ...


def one_line(message: str, secret: str = "") -> str:
    """`Code: 60. Table db.t doesn't exist`: the server's message without the stack trace."""
    text = _STACK.sub("", message).replace("DB::Exception: ", "")
    text = " ".join(text.split()).rstrip(". ")
    if len(secret) >= 4:  # belt and braces: drivers do not echo passwords, but never print one
        text = text.replace(secret, "***")
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "…"


def table_for(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise ValueError(f"unknown analytics table '{name}'; known: {', '.join(TABLES)}") from None


def check_format(fmt: str) -> Fmt:
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format '{fmt}'; expected one of {', '.join(FORMATS)}")
    return fmt  # type: ignore[return-value]


class AnalyticsStore(ABC):
    """ClickHouse, embedded or remote, with the analytics database selected.

    Inserts are idempotent by the tables' natural keys (ReplacingMergeTree): read with FINAL.
    Every ClickHouse failure surfaces as a one-line SinkError naming the redacted URL.
    """

    url: str  # redacted: safe to print, log or store
    sink_url: SinkURL
    database: str
    _features: ServerFeatures | None

    def __init__(self, sink_url: SinkURL) -> None:
        self.url = sink_url.redacted()
        self.sink_url = sink_url
        self.database = sink_url.database
        self._features = None

    # -- schema -----------------------------------------------------------------------------

    @property
    def features(self) -> ServerFeatures:
        if self._features is None:
            self._features = ServerFeatures.from_version(self.server_version())
        return self._features

    def server_version(self) -> str:
        return str(self.scalar_rows("SELECT version()")[0][0])

    def ensure_schema(self) -> int:
        """Create the database and tables (pending migrations); return the schema version."""
        return migrate(self)

    # -- writes -----------------------------------------------------------------------------

    @abstractmethod
    def insert_rows(self, table: str, rows: Sequence[Row]) -> None:
        """Rows as tuples in `TABLES[table]` column order (run_id first)."""

    @abstractmethod
    def insert_arrow(self, table: str, data: pa.Table) -> None:
        """An Arrow table with the columns of `TABLES[table]` (see `arrow.arrow_schema`)."""

    @abstractmethod
    def insert_market(self, run_id: str, batch: MarketBatch) -> None:
        """A trade or quote batch into market_trades / market_quotes, columnar."""

    # -- reads and statements ---------------------------------------------------------------

    def query(self, sql: str, fmt: str = "table") -> QueryResult:
        checked = check_format(fmt)
        columns, types, rows = self._select(sql)
        return QueryResult(tuple(columns), rows, tuple(types), checked)

    def scalar_rows(self, sql: str) -> list[Row]:
        """Rows of a statement that qualifies its tables (runs before the database exists)."""
        return self._select(sql, in_database=False)[2]

    @abstractmethod
    def command(self, sql: str) -> None:
        """A statement with no result (DDL, INSERT … SELECT) that qualifies its tables."""

    @abstractmethod
    def _select(self, sql: str, in_database: bool = True) -> tuple[list[str], list[str], list[Row]]:
        """Run a statement (in the configured database): names, ClickHouse types, rows."""

    # -- lifecycle --------------------------------------------------------------------------

    @abstractmethod
    def close(self) -> None: ...

    def error(self, reason: str) -> SinkError:
        return SinkError(self.url, reason)

    def __enter__(self) -> AnalyticsStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_store(url: str | None, database: str = DEFAULT_DATABASE) -> AnalyticsStore:
    """The store a sink URL names; None means chdb://.orderloom/clickhouse under the working
    directory. `database` is used for chdb URLs and for server URLs that name none. The
    schema is not touched: call `ensure_schema()` before the first insert.
    """
    parsed = parse_sink_url(url, database)
    # Imported on demand: a server deployment never loads the chDB engine, and the backends
    # import this module.
    if parsed.scheme == "chdb":
        from orderloom.runtime.sinks.embedded import EmbeddedStore

        return EmbeddedStore(parsed)
    from orderloom.runtime.sinks.server import ServerStore

    return ServerStore(parsed)
