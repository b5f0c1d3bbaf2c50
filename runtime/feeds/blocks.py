"""Cutting a file's stream of records into read batches of exactly `batch_size` feed offsets,
starting at a resume offset.

A file reader yields its records in file order as pieces: runs of well-formed rows (an Arrow
batch and the offset of its first row) and, for CSV, single malformed rows (wrong number of
fields) kept as text for the dead-letter table. Offsets are record numbers in the file.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from orderloom.runtime.events import Int64s


@dataclass(frozen=True, slots=True)
class Rows:
    offset: int  # offset of the first row; the rest follow without gaps
    rows: pa.RecordBatch


@dataclass(frozen=True, slots=True)
class Malformed:
    offset: int
    reason: str
    text: str


Piece = Rows | Malformed


@dataclass(frozen=True, slots=True)
class RawBatch:
    """The records of offsets [offset, offset + span): good rows as read, plus malformed ones."""

    offset: int
    span: int
    rows: pa.RecordBatch
    row_offsets: Int64s | None = None  # per good row; None when they are offset, offset+1, ...
    malformed: tuple[Malformed, ...] = ()


def rebatch(
    pieces: Iterator[Piece], schema: pa.Schema, batch_size: int, start_offset: int
) -> Generator[RawBatch, None, None]:
    """Read batches of `batch_size` offsets from `start_offset`. Pieces before it (a Parquet
    reader starts at the row group holding the resume point) are dropped unconverted."""
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    window = start_offset  # first offset of the batch being filled
    runs: list[Rows] = []
    malformed: list[Malformed] = []
    filled = 0

    def cut() -> RawBatch:
        nonlocal runs, malformed, filled, window
        batch = _emit(window, filled, runs, malformed, schema)
        window += filled
        runs, malformed, filled = [], [], 0
        return batch

    for piece in pieces:
        if isinstance(piece, Malformed):
            if piece.offset >= start_offset:
                malformed.append(piece)
                filled += 1
                if filled == batch_size:
                    yield cut()
            continue
        rows, taken = piece.rows, max(0, start_offset - piece.offset)
        while taken < rows.num_rows:
            count = min(batch_size - filled, rows.num_rows - taken)
            runs.append(Rows(piece.offset + taken, rows.slice(taken, count)))
            taken += count
            filled += count
            if filled == batch_size:
                yield cut()
    if filled:
        yield cut()


def _emit(
    offset: int, span: int, runs: list[Rows], malformed: list[Malformed], schema: pa.Schema
) -> RawBatch:
    if not runs:
        rows = pa.RecordBatch.from_pylist([], schema=schema)
    elif len(runs) == 1:
        rows = runs[0].rows
    else:
        rows = pa.concat_batches([run.rows for run in runs])
    row_offsets = None
    if malformed:
        row_offsets = np.concatenate(
            [np.arange(r.offset, r.offset + r.rows.num_rows, dtype=np.int64) for r in runs]
            or [np.empty(0, dtype=np.int64)]
        )
    return RawBatch(offset, span, rows, row_offsets, tuple(malformed))
