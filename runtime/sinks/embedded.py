"""Embedded ClickHouse (chDB) as an analytics store: no server, data under a local path.

chDB runs one engine per process bound to one path, so sessions are shared: every store on
the same path uses one cached Session (serialised by a lock), and a different path can be
opened only once no store uses the current one. Worker processes of a multi-process run
cannot open the same path at all; they write to a spool (`spool.py`) instead.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
from chdb import session as chdb_session

from orderloom.dsl.errors import SinkError
from orderloom.runtime.events import MarketBatch
from orderloom.runtime.sinks.arrow import MARKET_TABLES, market_arrays, rows_to_arrow
from orderloom.runtime.sinks.base import AnalyticsStore, Row, one_line, table_for
from orderloom.runtime.sinks.ddl import identifier, insert_prefix, sql_string
from orderloom.runtime.sinks.url import SinkURL

_RESULT_FORMAT = "JSONCompactEachRowWithNamesAndTypes"
# Exact decimals and non-finite floats in JSON output (as strings), for every query.
_SESSION_SETTINGS = (
    "SET output_format_json_quote_decimals = 1",
    "SET output_format_json_quote_denormals = 1",
)
_WRAPPER = re.compile(r"(Nullable|LowCardinality)\((.*)\)")


@dataclass
class _SharedSession:
    path: str
    session: chdb_session.Session
    lock: threading.RLock
    users: int = 0


_registry_lock = threading.Lock()
_current: _SharedSession | None = None


def _acquire(path: str, shown: str) -> _SharedSession:
    global _current
    with _registry_lock:
        if _current is not None and _current.path != path:
            if _current.users:
                raise SinkError(
                    shown,
                    f"chDB opens one path per process and {_current.path} is in use; close its "
                    "store first (worker processes write to a spool instead)",
                )
            _current.session.close()
            _current = None
        if _current is None:
            _current = _SharedSession(path, _open_session(path, shown), threading.RLock())
        _current.users += 1
        return _current


def open_stores(path: str) -> int:
    """How many stores hold the session at `path` (tests check that they close them)."""
    with _registry_lock:
        return _current.users if _current is not None and _current.path == path else 0


def _release(shared: _SharedSession) -> None:
    # The session stays open at zero users: reopening costs ~25 ms and loses nothing.
    with _registry_lock:
        shared.users -= 1


@atexit.register
def _close_session() -> None:
    # chDB tears its engine down unreliably from interpreter finalisation (a segfault or
    # "ShutdownTablesThreadPool is not initialized" at exit): close it while Python runs.
    global _current
    with _registry_lock:
        if _current is not None:
            with _current.lock:
                _current.session.close()
            _current = None


def _open_session(path: str, shown: str) -> chdb_session.Session:
    try:
        os.makedirs(path, exist_ok=True)
        session = chdb_session.Session(path)
        for setting in _SESSION_SETTINGS:
            session.query(setting)
    except Exception as exc:  # chDB raises RuntimeError/ChdbError, the OS raises OSError
        raise SinkError(
            shown,
            f"cannot open chDB ({one_line(str(exc))}); another process may be using this path",
        ) from None
    return session


def _converter(ch_type: str) -> Callable[[object], object]:
    """JSON value → Python value for a ClickHouse type, matching clickhouse-driver's types."""
    wrapped = _WRAPPER.fullmatch(ch_type)
    if wrapped:
        inner = _converter(wrapped.group(2))
        if wrapped.group(1) == "Nullable":
            return lambda v: None if v is None else inner(v)
        return inner
    if ch_type.startswith(("Int", "UInt")):
        return lambda v: int(str(v))
    if ch_type.startswith("Float"):
        return lambda v: float(str(v))
    if ch_type.startswith("Decimal"):
        return lambda v: Decimal(str(v))
    if ch_type.startswith("Array("):
        element = _converter(ch_type[len("Array(") : -1])
        return lambda v: [element(x) for x in v]  # type: ignore[attr-defined]
    return lambda v: v


class EmbeddedStore(AnalyticsStore):
    """chDB at `sink_url.path`; the database is selected (USE) before each query."""

    def __init__(self, sink_url: SinkURL) -> None:
        super().__init__(sink_url)
        assert sink_url.path is not None
        self._shared: _SharedSession | None = _acquire(sink_url.path, self.url)

    def _session(self) -> _SharedSession:
        if self._shared is None:
            raise self.error("store is closed")
        return self._shared

    def _run(self, sql: str, fmt: str = "CSV", use_database: bool = False) -> str:
        shared = self._session()
        with shared.lock:
            try:
                if use_database:
                    shared.session.query(f"USE {identifier(self.database)}")
                return shared.session.query(sql, fmt).bytes().decode()
            except Exception as exc:  # chDB's errors are RuntimeError subclasses
                raise self.error(one_line(str(exc))) from None

    def command(self, sql: str) -> None:
        self._run(sql)

    def _select(self, sql: str, in_database: bool = True) -> tuple[list[str], list[str], list[Row]]:
        text = self._run(sql, _RESULT_FORMAT, use_database=in_database)
        lines = text.splitlines()
        if len(lines) < 2:
            return [], [], []
        try:
            names, types = json.loads(lines[0]), json.loads(lines[1])
            convert = [_converter(t) for t in types]
            rows = [
                tuple(f(v) for f, v in zip(convert, json.loads(line), strict=True))
                for line in lines[2:]
                if line
            ]
        except (ValueError, TypeError):
            raise self.error("cannot read the result; remove any FORMAT clause") from None
        return names, types, rows

    def insert_rows(self, table: str, rows: Sequence[Row]) -> None:
        if not rows:
            return
        target = table_for(table)
        try:
            data = rows_to_arrow(target, rows)
        except (TypeError, ValueError, ArithmeticError, pa.ArrowException) as exc:
            raise self.error(f"cannot encode a value for {table}: {one_line(str(exc))}") from None
        self.insert_arrow(table, data)

    def insert_arrow(self, table: str, data: pa.Table) -> None:
        if data.num_rows:
            target = table_for(table)
            columns = ", ".join(identifier(c) for c in target.column_names)
            self._insert_frame(
                f"{insert_prefix(self.database, target)} "
                f"SELECT {columns} FROM Python(orderloom_frame)",
                data,
            )

    def insert_market(self, run_id: str, batch: MarketBatch) -> None:
        if not len(batch):
            return
        arrays = market_arrays(batch)
        target = table_for(MARKET_TABLES[batch.kind])
        constants = ", ".join(sql_string(s) for s in (run_id, batch.feed, batch.instrument))
        per_row = ", ".join(identifier(c) for c in arrays)
        # Run id, feed and instrument are constants of the batch: SQL literals, not columns.
        self._insert_frame(
            f"{insert_prefix(self.database, target)} "
            f"SELECT {constants}, {per_row} FROM Python(orderloom_frame)",
            pa.table(arrays),
        )

    def _insert_frame(self, sql: str, orderloom_frame: pa.Table) -> None:
        # chDB's Python(name) table function finds `orderloom_frame` among the caller's locals.
        shared = self._session()
        with shared.lock:
            try:
                shared.session.query(sql)
            except Exception as exc:
                raise self.error(one_line(str(exc))) from None

    def close(self) -> None:
        if self._shared is not None:
            _release(self._shared)
            self._shared = None
