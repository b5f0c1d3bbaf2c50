"""The sanity stage: one vectorised pass per read batch that splits parsed rows into a market
batch and dead letters, each with the first reason its record fails.

Checks, in order: missing or unparseable fields; prices that are not finite or not positive;
sizes that are not finite or are negative (trades: not positive); crossed quotes; and time
going backwards against the last accepted record of the feed, carried across batches.
L2 book feeds add the checks only a book's state reveals (book_sanity.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from orderloom.runtime.events import (
    DeadLetter,
    Float64s,
    Int64s,
    MarketBatch,
    QuoteBatch,
    TradeBatch,
)
from orderloom.runtime.feeds.fields import Bools, ParsedColumn

_NO_TS = np.iinfo(np.int64).min
_QUOTE_PRICES = ("bid_price", "ask_price")
_QUOTE_SIZES = ("bid_qty", "ask_qty")


@dataclass(frozen=True, slots=True)
class ParsedRows:
    """A read batch after parsing, before checks. `fields` holds the number columns of the
    schema (price, qty or the quote columns) by canonical name."""

    offset: int  # first feed offset the read batch covers
    ts_ns: ParsedColumn
    fields: dict[str, ParsedColumn]
    raw: pa.RecordBatch  # the record as read (file column names), for dead-letter text
    side: ParsedColumn | None = None  # trades only; None when the file has no side column
    row_offsets: Int64s | None = None  # per row, when the rows are not contiguous offsets
    extra_dead: Sequence[DeadLetter] = field(default=())  # found before parsing (malformed)

    def __len__(self) -> int:
        return len(self.ts_ns.values)


Reason = Callable[[int], str]


class RowVerdicts:
    """Each row's verdict in one pass of vectorised checks: code 0 is good, code k says
    `reasons[k](row)`; the first check a row fails is the reason it is dead-lettered with."""

    __slots__ = ("codes", "reasons")

    def __init__(self, n: int) -> None:
        self.codes = np.zeros(n, dtype=np.int16)
        self.reasons: list[Reason] = [_never]

    def flag(self, mask: Bools | None, reason: Reason) -> None:
        """Mark the rows of `mask` not already marked with `reason` (None: nothing to mark)."""
        if mask is None:
            return
        hit = mask & (self.codes == 0)
        if hit.any():
            self.reasons.append(reason)
            self.codes[hit] = len(self.reasons) - 1


class SanityCheck:
    """Per-feed sanity state: the last accepted timestamp and the dead-letter count."""

    def __init__(self, feed: str, instrument: str, schema: str) -> None:
        self.feed = feed
        self.instrument = instrument
        self.schema = schema
        self.last_ts_ns = _NO_TS
        self.dead_letters = 0

    def check(self, rows: ParsedRows) -> tuple[MarketBatch | None, list[DeadLetter]]:
        verdicts = RowVerdicts(len(rows))
        codes, reasons, flag = verdicts.codes, verdicts.reasons, verdicts.flag
        ts = rows.ts_ns
        flag(ts.missing, lambda i: "ts_ns is missing")
        flag(ts.bad, lambda i: f"ts_ns is not a timestamp: {_raw(ts, i)!r}")
        for name, column in rows.fields.items():
            flag(column.missing, _missing(name))
            flag(column.bad, _not_a_number(name, column))
        if rows.side is not None:
            flag(rows.side.bad, lambda i: f"side is not buy/sell: {_raw(rows.side, i)!r}")
        if self.schema == "trades":
            for name in ("price", "qty"):
                values = rows.fields[name].values
                flag(~np.isfinite(values), _value(name, values, "is not finite"))
                flag(values <= 0, _value(name, values, "is not positive"))
        else:
            for name in _QUOTE_PRICES:
                values = rows.fields[name].values
                flag(~np.isfinite(values), _value(name, values, "is not finite"))
                flag(values <= 0, _value(name, values, "is not positive"))
            for name in _QUOTE_SIZES:
                values = rows.fields[name].values
                flag(~np.isfinite(values), _value(name, values, "is not finite"))
                flag(values < 0, _value(name, values, "is negative"))
            bid, ask = rows.fields["bid_price"].values, rows.fields["ask_price"].values
            flag(bid > ask, _crossed(bid, ask))
        self._flag_backwards(ts.values, codes, reasons)
        batch = self._batch(rows, codes == 0)
        dead = self._dead(rows, codes, reasons)
        self.dead_letters += len(dead)
        return batch, dead

    def _flag_backwards(
        self, ts_ns: Int64s, codes: npt.NDArray[np.int16], reasons: list[Reason]
    ) -> None:
        # A candidate is accepted iff it is >= every earlier candidate and the carried last
        # timestamp: a rejected one is below an accepted one, so the running max of all
        # candidates equals the running max of the accepted ones.
        candidates = np.flatnonzero(codes == 0)
        if not len(candidates):
            return
        times = ts_ns[candidates]
        running = np.maximum.accumulate(times)
        before = np.empty_like(times)
        before[0] = self.last_ts_ns
        np.maximum(running[:-1], self.last_ts_ns, out=before[1:])
        backwards = times < before
        self.last_ts_ns = max(self.last_ts_ns, int(running[-1]))
        if backwards.any():
            rows = candidates[backwards].tolist()
            previous = dict(zip(rows, before[backwards].tolist(), strict=True))
            reasons.append(
                lambda i: (
                    f"timestamp goes backwards: {int(ts_ns[i])} < {previous[i]} (last accepted)"
                )
            )
            codes[candidates[backwards]] = len(reasons) - 1

    def _batch(self, rows: ParsedRows, good: Bools) -> MarketBatch | None:
        if not good.any():
            return None
        all_good = bool(good.all())
        offsets = rows.row_offsets
        if not all_good:
            offsets = (
                rows.row_offsets[good]
                if rows.row_offsets is not None
                else rows.offset + np.flatnonzero(good).astype(np.int64)
            )

        def pick(values: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
            return values if all_good else values[good]

        ts_ns = pick(rows.ts_ns.values)
        fields = rows.fields
        if self.schema == "trades":
            side = rows.side.values if rows.side is not None else np.zeros(len(rows), np.int8)
            return TradeBatch(
                feed=self.feed,
                instrument=self.instrument,
                offset=rows.offset,
                ts_ns=ts_ns,
                price=pick(fields["price"].values),
                qty=pick(fields["qty"].values),
                side=pick(side),
                offsets=offsets,
            )
        return QuoteBatch(
            feed=self.feed,
            instrument=self.instrument,
            offset=rows.offset,
            ts_ns=ts_ns,
            bid_price=pick(fields["bid_price"].values),
            bid_qty=pick(fields["bid_qty"].values),
            ask_price=pick(fields["ask_price"].values),
            ask_qty=pick(fields["ask_qty"].values),
            offsets=offsets,
        )

    def _dead(
        self, rows: ParsedRows, codes: npt.NDArray[np.int16], reasons: list[Reason]
    ) -> list[DeadLetter]:
        bad = np.flatnonzero(codes)
        dead = list(rows.extra_dead)
        if not len(bad) and not dead:
            return dead
        if len(bad):
            ts = rows.ts_ns
            unreadable_ts = np.zeros(len(rows), dtype=bool)
            for mask in (ts.missing, ts.bad):
                if mask is not None:
                    unreadable_ts |= mask
            offsets = (
                rows.row_offsets[bad] if rows.row_offsets is not None else rows.offset + bad
            ).tolist()
            records = record_texts(rows.raw, bad)
            for k, i in enumerate(bad.tolist()):
                dead.append(
                    DeadLetter(
                        feed=self.feed,
                        offset=offsets[k],
                        ts_ns=0 if unreadable_ts[i] else int(ts.values[i]),
                        reason=reasons[codes[i]](i),
                        record=records[k],
                    )
                )
        if rows.extra_dead:
            dead.sort(key=lambda letter: letter.offset)
        return dead


def _never(i: int) -> str:
    raise AssertionError("row was not flagged")


def _raw(column: ParsedColumn | None, i: int) -> object:
    assert column is not None
    return column.raw[i].as_py()


def _missing(name: str) -> Reason:
    return lambda i: f"{name} is missing"


def _not_a_number(name: str, column: ParsedColumn) -> Reason:
    return lambda i: f"{name} is not a number: {_raw(column, i)!r}"


def _value(name: str, values: Float64s, problem: str) -> Reason:
    return lambda i: f"{name} {problem}: {float(values[i])!r}"


def _crossed(bid: Float64s, ask: Float64s) -> Reason:
    return lambda i: f"crossed quote: bid {float(bid[i])!r} > ask {float(ask[i])!r}"


def record_texts(raw: pa.RecordBatch, indices: npt.NDArray[np.intp]) -> list[str]:
    """Compact text of the records as read: `name=value` per file column."""
    names = raw.schema.names
    taken = raw.take(pa.array(indices)).to_pylist()
    return [
        " ".join(f"{name}={'' if row[name] is None else row[name]}" for name in names)
        for row in taken
    ]
