"""Timestamps of any common encoding → int64 UTC nanoseconds, vectorised: epoch integers (or
decimals) in s/ms/us/ns, ISO-8601 text, or Arrow timestamp columns.

With `ts_unit: auto` the epoch unit is inferred once per feed from the magnitude of the first
readable value (a 2024 timestamp is ~1.7e9 s, 1.7e12 ms, 1.7e15 us, 1.7e18 ns).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orderloom.dsl.errors import DataError
from orderloom.runtime.feeds.fields import (
    FLOAT_PATTERN,
    INT_PATTERN,
    ParsedColumn,
    cast_or_null,
    is_text,
    null_mask,
    plain,
)

UNIT_NS: dict[str, int] = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
TS_UNITS = ("auto", "iso", *UNIT_NS)

ISO_PATTERN = (
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d{1,9})?)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$"
)
_ZONE_PATTERN = r"(Z|[+-]\d{2}(:?\d{2})?)\s*$"
_DECIMAL_PATTERN = r"^-?\d+\.\d*$"
_INT64_MAX = np.iinfo(np.int64).max
_UTC_NS = pa.timestamp("ns", tz="UTC")
_NAIVE_NS = pa.timestamp("ns")


def infer_unit(value: float) -> str:
    magnitude = abs(value)
    if magnitude > 1e17:
        return "ns"
    if magnitude > 1e14:
        return "us"
    if magnitude > 1e11:
        return "ms"
    return "s"


class TimestampParser:
    """Parses one feed's timestamp column batch by batch; remembers the inferred unit."""

    def __init__(self, feed: str, unit: str, column: str) -> None:
        if unit not in TS_UNITS:
            raise DataError(feed, None, f"unknown ts_unit '{unit}'; use one of: {TS_UNITS}")
        self.feed = feed
        self.unit = unit  # "auto" until the first readable value decides
        self.column = column

    def parse(self, values: pa.Array | pa.ChunkedArray) -> ParsedColumn:
        raw = plain(values)
        kind = raw.type
        if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
            # Arrow timestamps carry their unit; naive ones are taken as UTC.
            target = _UTC_NS if getattr(kind, "tz", None) else _NAIVE_NS
            return self._column(raw, pc.cast(raw, target).cast(pa.int64()))
        if pa.types.is_integer(kind) or pa.types.is_floating(kind):
            if not self._numeric_unit(raw):
                return self._column(raw, pa.nulls(len(raw), pa.int64()))
            scale = UNIT_NS[self.unit]
            if pa.types.is_integer(kind):
                return self._column(raw, _scale_ints(raw, scale))
            return self._column(raw, _scale_floats(raw, scale))
        if not is_text(raw):
            return self._column(raw, pa.nulls(len(raw), pa.int64()))
        if self.unit == "auto":
            self._infer_from_text(raw)
        if self.unit == "auto":  # nothing readable yet: every present value is bad
            return self._column(raw, pa.nulls(len(raw), pa.int64()))
        if self.unit == "iso":
            return self._column(raw, _parse_iso(raw))
        scale = UNIT_NS[self.unit]
        ints = _scale_ints(cast_or_null(raw, pa.int64(), INT_PATTERN), scale)
        if ints.null_count == raw.null_count:
            return self._column(raw, ints)
        # Decimal epochs ("1704067200.25") are split at the point to stay exact; only
        # exponent forms ("1.7e9") go through float64.
        decimals = _scale_decimal_text(raw, scale)
        floats = _scale_floats(cast_or_null(raw, pa.float64(), FLOAT_PATTERN), scale)
        return self._column(raw, pc.coalesce(ints, decimals, floats))

    def _infer_from_text(self, raw: pa.Array) -> None:
        present = raw.drop_null()
        if len(present) == 0:
            return
        iso = pc.match_substring_regex(present, ISO_PATTERN).to_numpy(zero_copy_only=False)
        numbers = cast_or_null(present, pa.float64(), FLOAT_PATTERN)
        as_float = numbers.to_numpy(zero_copy_only=False).astype(np.float64)
        readable = np.flatnonzero(iso | np.isfinite(as_float))
        if len(readable):
            first = readable[0]
            self.unit = "iso" if iso[first] else infer_unit(float(as_float[first]))

    def _numeric_unit(self, numbers: pa.Array) -> bool:
        """Settles the unit for a numeric column; False while no value is readable."""
        if self.unit == "iso":
            raise DataError(
                self.feed,
                None,
                f"ts_unit is iso but column '{self.column}' holds numbers; "
                "set `ts_unit:` to s, ms, us, ns or auto",
            )
        if self.unit == "auto":
            values = numbers.to_numpy(zero_copy_only=False).astype(np.float64)
            finite = np.flatnonzero(np.isfinite(values))
            if not len(finite):
                return False
            self.unit = infer_unit(float(values[finite[0]]))
        return True

    @staticmethod
    def _column(raw: pa.Array, parsed: pa.Array) -> ParsedColumn:
        missing = null_mask(raw)
        bad = None
        if parsed.null_count != raw.null_count:
            bad = pc.and_(raw.is_valid(), parsed.is_null()).to_numpy(zero_copy_only=False)
        ns = parsed.fill_null(0) if parsed.null_count else parsed
        return ParsedColumn(ns.to_numpy(zero_copy_only=False), raw, missing=missing, bad=bad)


def _scale_ints(ints: pa.Array, scale: int) -> pa.Array:
    """Epoch integers → ns; values that would overflow int64 (a unit mix-up) become null."""
    ints = ints.cast(pa.int64())
    if scale == 1:
        return ints
    limit = _INT64_MAX // scale
    in_range = pc.and_(pc.less_equal(ints, limit), pc.greater_equal(ints, -limit))
    return pc.multiply(pc.if_else(in_range, ints, pa.scalar(None, pa.int64())), scale)


def _scale_floats(numbers: pa.Array, scale: int) -> pa.Array:
    values = numbers.to_numpy(zero_copy_only=False).astype(np.float64) * scale
    readable = np.isfinite(values) & (np.abs(values) < _INT64_MAX)
    ns = np.zeros(len(values), dtype=np.int64)
    ns[readable] = np.rint(values[readable]).astype(np.int64)
    return pa.array(ns, mask=~readable)


def _scale_decimal_text(raw: pa.Array, scale: int) -> pa.Array:
    """ "1704067200.25" → exact ns: whole part times the unit, fraction digits padded to the
    unit's digits (digits beyond a nanosecond are dropped)."""
    decimal = pc.match_substring_regex(raw, _DECIMAL_PATTERN)
    parts = pc.split_pattern(pc.if_else(decimal, raw, pa.scalar(None, raw.type)), ".", max_splits=1)
    whole = _scale_ints(cast_or_null(pc.list_element(parts, 0), pa.int64(), INT_PATTERN), scale)
    digits = len(str(scale)) - 1
    if digits == 0:
        return whole
    fraction_text = pc.utf8_slice_codeunits(
        pc.utf8_rpad(pc.list_element(parts, 1), digits, "0"), 0, digits
    )
    fraction = pc.cast(fraction_text, pa.int64())
    negative = pc.starts_with(raw, "-")
    return pc.add(whole, pc.if_else(negative, pc.negate(fraction), fraction))


def _parse_iso(raw: pa.Array) -> pa.Array:
    """ISO-8601 text → int64 ns. Text with a zone (Z, +01:00) is converted to UTC; text
    without one is taken as UTC already."""
    zoned = pc.match_substring_regex(raw, _ZONE_PATTERN)
    zoned_count = pc.sum(zoned).as_py() or 0
    present = len(raw) - raw.null_count
    if zoned_count == present:
        return cast_or_null(raw, _UTC_NS, ISO_PATTERN).cast(pa.int64())
    if zoned_count == 0:
        return cast_or_null(raw, _NAIVE_NS, ISO_PATTERN).cast(pa.int64())
    none = pa.scalar(None, raw.type)
    with_zone = cast_or_null(pc.if_else(zoned, raw, none), _UTC_NS, ISO_PATTERN)
    without = cast_or_null(pc.if_else(zoned, none, raw), _NAIVE_NS, ISO_PATTERN)
    return pc.coalesce(with_zone.cast(pa.int64()), without.cast(pa.int64()))
