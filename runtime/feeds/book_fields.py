"""Vectorised parsing of the columns only L2 book files have: the sequence number, the
action (snapshot or delta) and the book side (bid or ask)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orderloom.runtime.feeds.fields import (
    INT_PATTERN,
    ParsedColumn,
    cast_or_null,
    is_text,
    null_mask,
    plain,
    unparsed_mask,
)

SNAPSHOT = 1  # a row of a snapshot (the parser's value; sanity numbers the snapshot's rows)
DELTA = 0

_ACTIONS = ("snapshot", "snap", "s", "delta", "d", "update", "u", "incremental")
_ACTION_VALUES = np.array([1, 1, 1, 0, 0, 0, 0, 0, -1], dtype=np.int8)  # last: unknown
_SIDES = ("bid", "b", "buy", "1", "+1", "ask", "a", "sell", "offer", "-1", "", "0")
_SIDE_VALUES = np.array([1, 1, 1, 1, 1, -1, -1, -1, -1, -1, 0, 0, 0], dtype=np.int8)


def _lookup(
    values: pa.Array | pa.ChunkedArray, spellings: tuple[str, ...], codes: np.ndarray
) -> ParsedColumn:
    raw = plain(values)
    text = raw if is_text(raw) else raw.cast(pa.string())
    lower = pc.utf8_trim_whitespace(pc.ascii_lower(text))
    index = pc.index_in(lower, value_set=pa.array(spellings))
    positions = index.fill_null(len(spellings)).to_numpy(zero_copy_only=False)
    return ParsedColumn(
        codes[positions], raw, missing=null_mask(raw), bad=unparsed_mask(raw, index)
    )


def parse_action(values: pa.Array | pa.ChunkedArray) -> ParsedColumn:
    """snapshot/snap/s → 1, delta/d/update/u/incremental → 0 (any case)."""
    return _lookup(values, _ACTIONS, _ACTION_VALUES)


def parse_book_side(values: pa.Array | pa.ChunkedArray) -> ParsedColumn:
    """bid/b/buy/1 → +1, ask/a/sell/offer/-1 → -1, empty or 0 → 0 (a snapshot row without
    a level, e.g. an empty book)."""
    raw = plain(values)
    if pa.types.is_integer(raw.type) or pa.types.is_floating(raw.type):
        numbers = raw.fill_null(0).to_numpy(zero_copy_only=False)
        bad = (numbers != 1) & (numbers != -1) & (numbers != 0)
        side = np.where(bad, 0, numbers).astype(np.int8)
        return ParsedColumn(side, raw, bad=bad if bad.any() else None)
    parsed = _lookup(raw.fill_null(""), _SIDES, _SIDE_VALUES)
    return ParsedColumn(parsed.values, raw, bad=parsed.bad)


def parse_int(values: pa.Array | pa.ChunkedArray) -> ParsedColumn:
    """Whole numbers (sequence numbers) as int64; missing and unparseable rows hold 0."""
    raw = plain(values)
    if pa.types.is_integer(raw.type):
        parsed = pc.cast(raw, pa.int64())
    elif is_text(raw):
        parsed = cast_or_null(raw, pa.int64(), INT_PATTERN)
    else:
        parsed = pa.nulls(len(raw), pa.int64())
    numbers = parsed.fill_null(0) if parsed.null_count else parsed
    return ParsedColumn(
        values=numbers.to_numpy(zero_copy_only=False).astype(np.int64, copy=False),
        raw=raw,
        missing=null_mask(raw),
        bad=unparsed_mask(raw, parsed),
    )
