"""Vectorised parsing of one column of a read batch (prices, sizes, sides) into numpy, keeping
which rows were missing or unparseable so the sanity stage can dead-letter them by reason.

Text columns arrive as Arrow strings (the CSV reader never guesses types, so one bad value
cannot fail a whole block); Parquet columns arrive typed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

Bools = npt.NDArray[np.bool_]

# What Arrow's string → number casts accept; a value outside these is unparseable, and
# filtering by pattern first lets one bad value null a single row instead of failing the cast.
INT_PATTERN = r"^-?\d+$"
FLOAT_PATTERN = r"^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|(?i:nan|inf|infinity))$"

_SIDE_SPELLINGS = ("buy", "b", "1", "+1", "sell", "s", "-1", "0")
_SIDE_VALUES = np.array([1, 1, 1, 1, -1, -1, -1, 0, 0], dtype=np.int8)  # last: unknown → 0
_SIDE_SET = pa.array(_SIDE_SPELLINGS)


@dataclass(frozen=True, slots=True)
class ParsedColumn:
    """One column of a read batch as numbers. `missing` and `bad` are None when no row is."""

    values: npt.NDArray[np.generic]
    raw: pa.Array  # the values as read, for dead-letter messages
    missing: Bools | None = None  # no value in the record
    bad: Bools | None = None  # a value that does not parse


def plain(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous, non-dictionary array (Parquet may hand out dictionary-encoded text)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    return values


def is_text(values: pa.Array) -> bool:
    return pa.types.is_string(values.type) or pa.types.is_large_string(values.type)


def cast_or_null(values: pa.Array, to: pa.DataType, pattern: str) -> pa.Array:
    """Cast text to `to`; values that do not parse become null instead of failing the batch."""
    try:
        return pc.cast(values, to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    values = pc.utf8_trim_whitespace(values)  # "1704067200, 42000.5" style files
    try:
        return pc.cast(values, to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    well_formed = pc.match_substring_regex(values, pattern)
    candidates = pc.if_else(well_formed, values, pa.scalar(None, values.type))
    try:
        return pc.cast(candidates, to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # The pattern admits a few values the cast refuses (month 13, int64 overflow); only
        # then, and only for this batch, fall back to casting value by value.
        return pa.concat_arrays([_cast_one(v, to) for v in candidates.to_pylist()])


def _cast_one(value: str | None, to: pa.DataType) -> pa.Array:
    try:
        return pc.cast(pa.array([value], pa.string()), to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.nulls(1, to)


def null_mask(values: pa.Array) -> Bools | None:
    if values.null_count == 0:
        return None
    mask: Bools = values.is_null().to_numpy(zero_copy_only=False)
    return mask


def unparsed_mask(raw: pa.Array, parsed: pa.Array) -> Bools | None:
    """Rows with a value in `raw` that `parsed` could not represent."""
    if parsed.null_count == raw.null_count:
        return None
    mask: Bools = pc.and_(raw.is_valid(), parsed.is_null()).to_numpy(zero_copy_only=False)
    return mask


def parse_float(values: pa.Array | pa.ChunkedArray) -> ParsedColumn:
    """Prices and sizes as float64; missing and unparseable rows hold NaN."""
    raw = plain(values)
    kind = raw.type
    if pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_decimal(kind):
        parsed = pc.cast(raw, pa.float64())
    elif is_text(raw):
        parsed = cast_or_null(raw, pa.float64(), FLOAT_PATTERN)
    else:  # booleans, dates, nested values: not a price
        parsed = pa.nulls(len(raw), pa.float64())
    numbers = parsed.fill_null(np.nan) if parsed.null_count else parsed
    return ParsedColumn(
        values=numbers.to_numpy(zero_copy_only=False),
        raw=raw,
        missing=null_mask(raw),
        bad=unparsed_mask(raw, parsed),
    )


def parse_side(values: pa.Array | pa.ChunkedArray) -> ParsedColumn:
    """Aggressor side as int8 +1/-1/0: buy/sell, b/s (any case) or 1/-1; empty means 0."""
    raw = plain(values)
    kind = raw.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        numbers = raw.fill_null(0).to_numpy(zero_copy_only=False)
        unknown = (numbers != 1) & (numbers != -1) & (numbers != 0)
        side = np.where(unknown, 0, numbers).astype(np.int8)
        return ParsedColumn(side, raw, bad=unknown if unknown.any() else None)
    if not is_text(raw):
        raw = raw.cast(pa.string())
    index = pc.index_in(pc.ascii_lower(raw), value_set=_SIDE_SET)
    if index.null_count > raw.null_count:  # maybe padded: " buy"
        index = pc.index_in(pc.utf8_trim_whitespace(pc.ascii_lower(raw)), value_set=_SIDE_SET)
    positions = index.fill_null(len(_SIDE_SPELLINGS)).to_numpy(zero_copy_only=False)
    # An empty side is an unknown aggressor (0), not a broken record.
    return ParsedColumn(_SIDE_VALUES[positions], raw, bad=unparsed_mask(raw, index))
