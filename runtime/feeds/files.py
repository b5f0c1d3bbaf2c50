"""Market-data files as streams of records in Arrow batches: CSV (plain or gzip) and Parquet,
read with pyarrow's streaming readers so a file never sits in memory as Python objects.

CSV columns are read as text and parsed later, column by column, so one bad value dead-letters
one record instead of failing a block; rows with the wrong number of fields are kept (as
text, at their record number) for the dead-letter table rather than dropped.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Generator, Sequence

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from orderloom.dsl.errors import DataError
from orderloom.runtime.feeds.blocks import Malformed, Piece, Rows
from orderloom.runtime.feeds.columns import display_path

_GZIP_MAGIC = b"\x1f\x8b"
FORMATS = ("csv", "csv.gz", "parquet")


class TableFile(ABC):
    """One market-data file: its column names, its row count when cheap, its records."""

    def __init__(self, feed: str, path: str) -> None:
        self.feed = feed
        self.path = path
        self.where = display_path(path)
        if not os.path.exists(path):
            raise DataError(
                feed,
                None,
                f"file not found: {self.where}; fix `path:` in the feed (a relative path is "
                "resolved against the pipeline file's folder)",
            )
        if not os.path.isfile(path):
            raise DataError(feed, None, f"{self.where} is not a file; point `path:` at one")
        self.columns: tuple[str, ...] = ()
        self.total_rows: int | None = None

    @abstractmethod
    def pieces(
        self, columns: Sequence[str], start_offset: int, batch_size: int
    ) -> tuple[pa.Schema, Generator[Piece, None, None]]:
        """The schema of the named columns and the file's records from about `start_offset`
        on, in order. Readers may start before `start_offset` (the caller drops the excess)
        but never after it."""

    def close(self) -> None:  # noqa: B027 - only files that keep a handle override it
        """Releases the file handle kept between reads, if any."""


class CsvFile(TableFile):
    def __init__(self, feed: str, path: str) -> None:
        super().__init__(feed, path)
        with open(path, "rb") as probe:
            self.compressed = probe.read(2) == _GZIP_MAGIC  # trust the bytes over the suffix
        stream = self._open()
        try:
            header = pcsv.open_csv(
                stream,
                read_options=pcsv.ReadOptions(use_threads=False),
                parse_options=pcsv.ParseOptions(invalid_row_handler=lambda row: "skip"),
            )
            self.columns = tuple(header.schema.names)
        except pa.ArrowInvalid as err:
            if "Empty CSV file" in str(err):
                raise DataError(
                    feed, None, f"{self.where} is empty; a CSV replay needs a header row"
                ) from None
            raise self._unreadable(err) from None
        except OSError as err:
            raise self._unreadable(err) from None
        finally:
            stream.close()

    def _open(self) -> pa.NativeFile:
        raw = pa.OSFile(self.path, "rb")
        return pa.CompressedInputStream(raw, "gzip") if self.compressed else raw

    def _unreadable(self, err: Exception) -> DataError:
        kind = "gzip CSV" if self.compressed else "CSV"
        return DataError(
            self.feed,
            None,
            f"cannot read {self.where} as {kind}: {err}; check the file and `format:`",
        )

    def pieces(
        self, columns: Sequence[str], start_offset: int, batch_size: int
    ) -> tuple[pa.Schema, Generator[Piece, None, None]]:
        malformed: list[Malformed] = []

        def keep_malformed(row: pcsv.InvalidRow) -> str:
            if row.number is None:  # only known to a serial reader; never place a row wrongly
                return "error"
            reason = (
                f"malformed CSV row: expected {row.expected_columns} fields, "
                f"got {row.actual_columns}"
            )
            # `number` counts records from 1 with the header as record 1.
            malformed.append(Malformed(row.number - 2, reason, row.text))
            return "skip"

        stream = self._open()
        try:
            reader = pcsv.open_csv(
                stream,
                # Serial parsing numbers malformed rows (and measured faster here anyway);
                # skipping after the header counts malformed rows too, so resume is exact.
                read_options=pcsv.ReadOptions(
                    use_threads=False, skip_rows_after_names=start_offset
                ),
                parse_options=pcsv.ParseOptions(invalid_row_handler=keep_malformed),
                convert_options=pcsv.ConvertOptions(
                    include_columns=list(columns),
                    column_types={name: pa.string() for name in columns},
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
        except (pa.ArrowInvalid, OSError) as err:
            stream.close()
            raise self._unreadable(err) from None

        def read() -> Generator[Piece, None, None]:
            # The parser may run ahead of the batches returned, so `malformed` can already
            # hold rows past the current batch; it always holds every one before its end.
            cursor, seen = start_offset, 0
            try:
                while True:
                    try:
                        rows = reader.read_next_batch()
                    except StopIteration:
                        break
                    taken = 0
                    while taken < rows.num_rows:
                        while seen < len(malformed) and malformed[seen].offset <= cursor:
                            yield malformed[seen]
                            cursor = malformed[seen].offset + 1
                            seen += 1
                        count = rows.num_rows - taken
                        if seen < len(malformed):
                            count = min(count, malformed[seen].offset - cursor)
                        yield Rows(cursor, rows.slice(taken, count))
                        taken += count
                        cursor += count
                    del malformed[:seen]
                    seen = 0
                yield from malformed[seen:]
            finally:
                stream.close()

        return reader.schema, read()


class ParquetFile(TableFile):
    def __init__(self, feed: str, path: str) -> None:
        super().__init__(feed, path)
        try:
            self._file = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as err:
            raise DataError(
                feed, None, f"cannot read {self.where} as Parquet: {err}; check `format:`"
            ) from None
        self.columns = tuple(self._file.schema_arrow.names)
        self.total_rows = self._file.metadata.num_rows

    def pieces(
        self, columns: Sequence[str], start_offset: int, batch_size: int
    ) -> tuple[pa.Schema, Generator[Piece, None, None]]:
        schema = pa.schema([self._file.schema_arrow.field(name) for name in columns])
        # Whole row groups before the resume point are skipped through the footer metadata.
        meta = self._file.metadata
        first_offset, group = 0, 0
        while group < meta.num_row_groups:
            rows = meta.row_group(group).num_rows
            if first_offset + rows > start_offset:
                break
            first_offset += rows
            group += 1

        def read() -> Generator[Piece, None, None]:
            if group == meta.num_row_groups:
                return
            offset = first_offset
            for rows in self._file.iter_batches(
                batch_size=batch_size,
                row_groups=range(group, meta.num_row_groups),
                columns=list(columns),
            ):
                yield Rows(offset, rows)
                offset += rows.num_rows

        return schema, read()

    def close(self) -> None:
        self._file.close()


def open_table_file(feed: str, path: str, fmt: str) -> TableFile:
    """The reader for `fmt` ("csv", "csv.gz", "parquet"); an empty format goes by suffix."""
    if not fmt:
        fmt = "parquet" if path.endswith((".parquet", ".pq")) else "csv"
    if fmt == "parquet":
        return ParquetFile(feed, path)
    if fmt in ("csv", "csv.gz"):
        return CsvFile(feed, path)
    raise DataError(feed, None, f"unknown replay format '{fmt}'; use one of: {', '.join(FORMATS)}")
