"""The spool: how worker processes hand analytics to the one process that owns the store.

chDB opens a path in one process only, so workers write their batches as Arrow IPC files into
a spool directory (written under a hidden temporary name, then renamed: a visible file is
always complete). `SpoolLoader` ingests complete files in name order — time, pid, sequence —
and deletes each after its insert. A crash between insert and delete re-inserts that file on
the next load, which the ReplacingMergeTree tables absorb (read with FINAL).
"""

from __future__ import annotations

import itertools
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from orderloom.dsl.errors import SinkError
from orderloom.runtime.events import MarketBatch
from orderloom.runtime.sinks.arrow import (
    MARKET_TABLES,
    market_from_arrow,
    market_to_arrow,
    rows_to_arrow,
)
from orderloom.runtime.sinks.base import AnalyticsStore, Row, table_for
from orderloom.runtime.sinks.writer import BatchWriter

SUFFIX = ".arrow"
_KIND_KEY = b"orderloom.kind"
_COMPRESSION = "lz4" if pa.Codec.is_available("lz4") else None
_NAME = re.compile(r"[A-Za-z0-9_]+")


class SpoolFiles:
    """A RowSink that writes each insert as one spool file, named
    `<time_ns>-<writer>-<seq>.<table>.arrow`; `writer` (default: the pid) keeps several
    writers of one process apart."""

    def __init__(self, directory: str | Path, name: str = "", durable: bool = True) -> None:
        if name and not _NAME.fullmatch(name):
            raise ValueError(f"spool writer name {name!r} must match {_NAME.pattern}")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._durable = durable
        self._writer = name or f"{os.getpid():08d}"
        self._seq = itertools.count()

    def insert_rows(self, table: str, rows: Sequence[Row]) -> None:
        if rows:
            self._write(table, rows_to_arrow(table_for(table), rows))

    def insert_market(self, run_id: str, batch: MarketBatch) -> None:
        if len(batch):
            self._write(MARKET_TABLES[batch.kind], market_to_arrow(run_id, batch))

    def _write(self, table: str, data: pa.Table) -> None:
        name = f"{time.time_ns():020d}-{self._writer}-{next(self._seq):09d}.{table}{SUFFIX}"
        final = self.directory / name
        partial = self.directory / f".{name}.tmp"
        options = pa.ipc.IpcWriteOptions(compression=_COMPRESSION)
        with (
            pa.OSFile(str(partial), "wb") as sink,
            pa.ipc.new_file(sink, data.schema, options=options) as out,
        ):
            out.write_table(data)
        if self._durable:
            _fsync(partial)
        os.replace(partial, final)
        if self._durable:
            _fsync(self.directory)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SpoolWriter(BatchWriter):
    """BatchWriter's put_rows/put_market/flush/close, writing spool files instead of inserts."""

    def __init__(
        self,
        directory: str | Path,
        name: str = "",
        *,
        max_pending_rows: int = 1_000_000,
        flush_rows: int = 100_000,
        flush_interval_ms: float = 250.0,
        durable: bool = True,
    ) -> None:
        super().__init__(
            SpoolFiles(directory, name, durable), max_pending_rows, flush_rows, flush_interval_ms
        )


@dataclass(frozen=True)
class SpoolLoad:
    """What one `load_ready` moved; false when it found nothing."""

    files: int
    rows: int

    def __bool__(self) -> bool:
        return self.files > 0


class SpoolLoader:
    """Moves complete spool files into a store (whose schema must exist). One loader per
    directory at a time; calling `load_ready` repeatedly is safe."""

    def __init__(self, store: AnalyticsStore, directory: str | Path) -> None:
        self.store = store
        self.directory = Path(directory)
        self.rows = 0  # loaded so far, every table
        self.market_rows = 0  # loaded so far, market_trades and market_quotes

    def ready(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(p for p in self.directory.iterdir() if p.name.endswith(SUFFIX))

    def load_ready(self) -> SpoolLoad:
        files = rows = 0
        for path in self.ready():
            rows += self._load(path)
            path.unlink()
            files += 1
        return SpoolLoad(files, rows)

    def _load(self, path: Path) -> int:
        table = path.name[: -len(SUFFIX)].rsplit(".", 1)[-1]
        with pa.memory_map(str(path)) as source:  # the insert reads straight from the map
            try:
                data = pa.ipc.open_file(source).read_all()
            except (OSError, pa.ArrowException) as exc:
                raise SinkError(
                    str(self.directory), f"cannot read spool file {path.name}: {exc}"
                ) from None
            if _KIND_KEY in (data.schema.metadata or {}):
                run_id, batch = market_from_arrow(data)
                self.store.insert_market(run_id, batch)
            else:
                self.store.insert_arrow(table, data)
        self.rows += data.num_rows
        if table in MARKET_TABLES.values():
            self.market_rows += data.num_rows
        return data.num_rows
