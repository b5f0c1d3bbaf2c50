"""The replay feed: trades, quotes or L2 book updates read back from a CSV, gzip CSV or
Parquet file in batches of `batch_size` records, columns renamed by `columns:`, values parsed
and sanity-checked (book feeds by runtime/feeds/book_sanity.py)."""

from __future__ import annotations

from collections.abc import Generator

import pyarrow as pa

from orderloom.dsl.errors import DataError
from orderloom.dsl.kinds.replay import ReplayParams
from orderloom.dsl.plan import Feed
from orderloom.runtime.events import DeadLetter
from orderloom.runtime.feeds.blocks import RawBatch, rebatch
from orderloom.runtime.feeds.book_fields import parse_action, parse_book_side, parse_int
from orderloom.runtime.feeds.book_sanity import BookSanity
from orderloom.runtime.feeds.columns import resolve_columns
from orderloom.runtime.feeds.fields import parse_float, parse_side
from orderloom.runtime.feeds.files import open_table_file
from orderloom.runtime.feeds.reader import FeedReader, ReadBatch
from orderloom.runtime.feeds.sanity import ParsedRows, SanityCheck
from orderloom.runtime.feeds.timestamps import TimestampParser


class ReplayReader(FeedReader):
    offset: int

    def __init__(self, feed: Feed, start_offset: int = 0) -> None:
        super().__init__(feed, start_offset)
        params: ReplayParams = feed.params
        if params.batch_size <= 0:
            raise DataError(feed.name, None, f"batch_size must be positive: {params.batch_size}")
        self.params = params
        self._file = open_table_file(feed.name, params.path, params.format)
        self.total_hint = self._file.total_rows
        try:
            self._in_file = resolve_columns(
                feed.name, feed.schema, params.columns, self._file.columns, params.path
            )
        except DataError:
            self._file.close()
            raise
        self._number_columns = [
            c for c in self._in_file if c not in ("ts_ns", "side", "seq", "action")
        ]
        self._timestamps = TimestampParser(feed.name, params.ts_unit, self._in_file["ts_ns"])
        self._sanity = (
            BookSanity(feed.name, feed.instrument)
            if feed.schema == "book"
            else SanityCheck(feed.name, feed.instrument, feed.schema)
        )
        self._finished = False
        wanted = list(dict.fromkeys(self._in_file.values()))  # a file column may feed two
        schema, self._pieces = self._file.pieces(wanted, start_offset, params.batch_size)
        self._batches: Generator[RawBatch, None, None] = rebatch(
            self._pieces, schema, params.batch_size, start_offset
        )

    def next_batch(self) -> ReadBatch:
        try:
            raw = next(self._batches)
        except StopIteration:
            self.close()
            if isinstance(self._sanity, BookSanity) and not self._finished:
                self._finished = True  # the snapshot still open at the end of the file
                batch, dead = self._sanity.finish()
                self.dead_letter_count = self._sanity.dead_letters
                return batch, dead
            raise
        except (pa.ArrowException, OSError) as err:
            self.close()
            raise DataError(
                self.feed.name,
                self.offset,
                f"cannot read {self._file.where} past record {self.offset}: {err}",
            ) from None
        batch, dead = self._sanity.check(self._parse(raw))
        self.offset = raw.offset + raw.span  # the resume point after this batch
        self.dead_letter_count = self._sanity.dead_letters
        return batch, dead

    def _parse(self, raw: RawBatch) -> ParsedRows:
        rows = raw.rows
        columns = self._in_file
        extra_dead = [
            DeadLetter(self.feed.name, row.offset, 0, row.reason, row.text) for row in raw.malformed
        ]
        if self.feed.schema == "book":
            fields = {name: parse_float(rows.column(columns[name])) for name in ("price", "qty")}
            fields["seq"] = parse_int(rows.column(columns["seq"]))
            fields["action"] = parse_action(rows.column(columns["action"]))
            fields["side"] = parse_book_side(rows.column(columns["side"]))
            return ParsedRows(
                offset=raw.offset,
                ts_ns=self._timestamps.parse(rows.column(columns["ts_ns"])),
                fields=fields,
                raw=rows,
                row_offsets=raw.row_offsets,
                extra_dead=extra_dead,
            )
        side = parse_side(rows.column(columns["side"])) if "side" in columns else None
        return ParsedRows(
            offset=raw.offset,
            ts_ns=self._timestamps.parse(rows.column(columns["ts_ns"])),
            fields={name: parse_float(rows.column(columns[name])) for name in self._number_columns},
            raw=rows,
            side=side,
            row_offsets=raw.row_offsets,
            extra_dead=extra_dead,
        )

    def close(self) -> None:
        self._batches.close()
        self._pieces.close()
        self._file.close()
