"""A ClickHouse server as an analytics store, over the native protocol (clickhouse-driver).

Every insert sends its data as a columnar block (`INSERT … VALUES` plus data): inline VALUES
with no data block hangs clickhouse-server 18.16, so `query()` refuses such statements.
"""

from __future__ import annotations

import logging
import re
import struct
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
from clickhouse_driver import Client
from clickhouse_driver import errors as driver_errors

from orderloom.runtime.events import MarketBatch
from orderloom.runtime.sinks.arrow import MARKET_TABLES, market_arrays, row_columns
from orderloom.runtime.sinks.base import AnalyticsStore, Row, one_line, table_for
from orderloom.runtime.sinks.ddl import insert_prefix
from orderloom.runtime.sinks.tables import Table
from orderloom.runtime.sinks.url import SinkURL

# The driver logs failed connects with a traceback; with no logging configured Python would
# print it to stderr, next to the one-line SinkError we raise for the same failure.
logging.getLogger("clickhouse_driver").addHandler(logging.NullHandler())

_INLINE_INSERT = re.compile(r"^\s*INSERT\b(?!.*\bSELECT\b)", re.IGNORECASE | re.DOTALL)
_CONNECT_TIMEOUT_S = 10
_SEND_RECEIVE_TIMEOUT_S = 300


class ServerStore(AnalyticsStore):
    """Connections are opened on first use: one in the analytics database for queries and row
    inserts, one in no database for schema statements (the database may not exist yet), and
    one NumPy-enabled for market batches. A lock serialises them: the driver's clients are not
    thread-safe."""

    def __init__(self, sink_url: SinkURL) -> None:
        super().__init__(sink_url)
        self._lock = threading.RLock()
        self._client: Client | None = self._new_client(sink_url.database)
        self._admin = self._new_client("")
        self._numpy_client: Client | None = None

    def _new_client(self, database: str, **settings: Any) -> Client:
        return Client(
            self.sink_url.host,
            port=self.sink_url.port,
            user=self.sink_url.user,
            password=self.sink_url.password,
            database=database,
            client_name="orderloom",
            connect_timeout=_CONNECT_TIMEOUT_S,
            send_receive_timeout=_SEND_RECEIVE_TIMEOUT_S,
            settings=settings,
        )

    def _call(self, action: Callable[[], Any], inserting: str = "") -> Any:
        if self._client is None:
            raise self.error("store is closed")
        with self._lock:
            try:
                return action()
            except driver_errors.ServerException as exc:
                reason = f"Code: {exc.code}. {exc.message}"
            except driver_errors.Error as exc:
                reason = str(exc)
            except (OSError, EOFError) as exc:
                reason = f"connection failed: {exc}"
            except (TypeError, ValueError, ArithmeticError, struct.error) as exc:
                if not inserting:
                    raise
                # The driver encodes values as it sends them (its types_check mishandles
                # Enum names), so a value of the wrong type surfaces here.
                reason = f"cannot encode a value for {inserting}: {exc}"
        raise self.error(one_line(reason, self.sink_url.password))

    # -- statements -------------------------------------------------------------------------

    def command(self, sql: str) -> None:
        self._call(lambda: self._admin.execute(sql))

    def _select(self, sql: str, in_database: bool = True) -> tuple[list[str], list[str], list[Row]]:
        if _INLINE_INSERT.match(sql):
            raise self.error(
                "INSERT with inline data is not supported over the native protocol; "
                "use INSERT … SELECT"
            )
        client = self._client if in_database else self._admin
        rows, columns = self._call(
            lambda: client.execute(sql, with_column_types=True)  # type: ignore[union-attr]
        )
        return [c[0] for c in columns], [c[1] for c in columns], [tuple(r) for r in rows]

    # -- inserts ----------------------------------------------------------------------------

    def insert_rows(self, table: str, rows: Sequence[Row]) -> None:
        if rows:
            target = table_for(table)
            self._insert_columns(target, lambda: row_columns(target, rows))

    def insert_arrow(self, table: str, data: pa.Table) -> None:
        if data.num_rows:
            target = table_for(table)
            self._insert_columns(
                target, lambda: [data.column(name).to_pylist() for name in target.column_names]
            )

    def _insert_columns(self, target: Table, columns: Callable[[], list[list[object]]]) -> None:
        client = self._client
        sql = f"{insert_prefix(self.database, target)} VALUES"
        self._call(
            lambda: client.execute(sql, columns(), columnar=True),  # type: ignore[union-attr]
            inserting=target.name,
        )

    def insert_market(self, run_id: str, batch: MarketBatch) -> None:
        n = len(batch)
        if not n:
            return
        if self._numpy_client is None:
            # NumPy columns go to the wire as raw buffers: ~3x faster than Python lists.
            self._numpy_client = self._new_client(self.database, use_numpy=True)
        client = self._numpy_client
        target = table_for(MARKET_TABLES[batch.kind])
        constants = [np.full(n, s, dtype=object) for s in (run_id, batch.feed, batch.instrument)]
        columns = constants + list(market_arrays(batch).values())
        self._call(
            lambda: client.execute(
                f"{insert_prefix(self.database, target)} VALUES", columns, columnar=True
            ),
            inserting=target.name,
        )

    def close(self) -> None:
        with self._lock:
            for client in (self._client, self._admin, self._numpy_client):
                if client is not None:
                    client.disconnect()
            self._client = self._numpy_client = None
