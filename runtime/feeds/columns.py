"""The canonical columns of each market-data schema, and the mapping from a file's own column
names onto them (`columns:` in a replay feed), with errors that say how to fix a missing one."""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence

from orderloom.dsl.errors import DataError

SCHEMA_COLUMNS: dict[str, tuple[str, ...]] = {
    "trades": ("ts_ns", "price", "qty", "side"),
    "quotes": ("ts_ns", "bid_price", "bid_qty", "ask_price", "ask_qty"),
    "book": ("ts_ns", "seq", "action", "side", "price", "qty"),
}
# A tape without aggressor information is still a tape: its trades get side 0.
OPTIONAL_COLUMNS = frozenset({"side"})  # trades only: a book row needs its side
# Short names the pipeline docs also use for quote prices; accepted as `columns:` keys and
# as column names in the file.
ALIASES: dict[str, str] = {"bid": "bid_price", "ask": "ask_price"}

# Names venues and vendors commonly use, so the error can suggest the mapping line.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "ts_ns": ("timestamp", "ts", "time", "datetime", "date", "t", "ts_us", "ts_ms", "ts_s"),
    "price": ("px", "p", "last", "trade_price", "last_price"),
    "qty": ("size", "quantity", "amount", "volume", "q", "sz", "vol", "base_qty"),
    "side": ("aggressor", "taker_side", "direction", "aggressor_side", "s"),
    "bid_price": ("bid_px", "best_bid", "bidprice", "bp", "bid_prc"),
    "bid_qty": ("bid_size", "bid_sz", "bid_amount", "bidsize", "bq"),
    "ask_price": ("ask_px", "best_ask", "askprice", "ap", "offer", "ask_prc"),
    "ask_qty": ("ask_size", "ask_sz", "ask_amount", "asksize", "aq", "offer_size"),
    "seq": ("sequence", "seq_num", "seqnum", "update_id", "u", "sequence_number"),
    "action": ("type", "update_type", "event", "kind", "msg_type"),
}


def display_path(path: str) -> str:
    """The path as the user wrote it, roughly: relative to the working folder when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return path if rel.startswith("..") else rel


def schema_columns(feed: str, schema: str) -> tuple[str, ...]:
    try:
        return SCHEMA_COLUMNS[schema]
    except KeyError:
        known = ", ".join(SCHEMA_COLUMNS)
        raise DataError(feed, None, f"unknown schema '{schema}'; use one of: {known}") from None


def resolve_columns(
    feed: str,
    schema: str,
    mapping: Sequence[tuple[str, str]],
    file_columns: Sequence[str],
    path: str,
) -> dict[str, str]:
    """Canonical column → column name in the file, for every column the file provides.

    Raises DataError naming the file, its columns and the `columns:` line that would fix it.
    """
    canonical = schema_columns(feed, schema)
    renames = {ALIASES.get(name, name) if schema == "quotes" else name: c for name, c in mapping}
    unknown = [name for name in renames if name not in canonical]
    if unknown:
        raise DataError(
            feed,
            None,
            f"`columns:` maps '{unknown[0]}', which is not a {schema} column; "
            f"{schema} columns are {', '.join(canonical)}",
        )
    present = set(file_columns)
    listed = ", ".join(file_columns)
    where = display_path(path)
    resolved: dict[str, str] = {}
    short = {full: alias for alias, full in ALIASES.items()} if schema == "quotes" else {}
    for name in canonical:
        in_file = renames.get(name, name)
        if in_file not in present and name not in renames and short.get(name) in present:
            in_file = short[name]
        if in_file in present:
            resolved[name] = in_file
            continue
        if name in OPTIONAL_COLUMNS and schema == "trades" and name not in renames:
            continue
        if name in renames:
            reason = (
                f"column '{in_file}' (mapped to {name} by `columns:`) not found in {where} "
                f"(columns: {listed}); fix it to `columns: {{{name}: "
                f"{_suggest(name, file_columns)}}}`"
            )
        else:
            reason = (
                f"column '{name}' not found in {where} (columns: {listed}); map it with "
                f"`columns: {{{name}: {_suggest(name, file_columns)}}}`"
            )
        raise DataError(feed, None, reason)
    return resolved


def _suggest(name: str, file_columns: Sequence[str]) -> str:
    by_lower = {c.lower(): c for c in file_columns}
    for synonym in _SYNONYMS.get(name, ()):
        if synonym in by_lower:
            return by_lower[synonym]
    close = difflib.get_close_matches(name, file_columns, n=1, cutoff=0.6)
    return close[0] if close else "<column in file>"
