"""The sanity stage of L2 book feeds: a vectorised pass for malformed rows (as for trades and
quotes), then a replica of the feed's book that applies every row in order to find what only
state reveals — sequence gaps, deltas while the book waits for a snapshot, updates that would
cross or lock it — so each goes to the dead letters with its offset and the strategies'
books only ever see a consistent stream.

Rules (docs/books.md): consecutive snapshot rows with one seq are one snapshot; it replaces
the book and every row of it takes the first row's timestamp. A delta must carry the
previous seq + 1; after a gap, or a malformed delta, the book is gapped and deltas are
dead-lettered until the next snapshot. A delta that would cross or lock the book is dropped;
a crossed snapshot leaves the book invalid until the next one. An open snapshot at the end
of a read batch is held back to the next batch, so a BookBatch never ends inside one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from orderloom.runtime.books.l2 import APPLIED, CROSSED, GAP, L2Book
from orderloom.runtime.events import (
    BOOK_DELTA,
    BOOK_LEVEL,
    BOOK_SNAPSHOT,
    BookBatch,
    DeadLetter,
)
from orderloom.runtime.feeds.sanity import (
    ParsedRows,
    Reason,
    RowVerdicts,
    SanityCheck,
    record_texts,
)

# One output row: ts_ns, seq, action, side, price, qty, feed offset.
OutRow = tuple[int, int, int, int, float, float, int]


@dataclass(slots=True)
class _Snapshot:
    """The snapshot being read: its rows (as output columns) and where they came from."""

    seq: int
    ts_ns: int
    rows: list[OutRow] = field(default_factory=list)
    sources: list[tuple[pa.RecordBatch, int]] = field(default_factory=list)  # for dead text
    spoiled: str = ""  # why the snapshot cannot be used (a malformed row inside it)


class BookSanity(SanityCheck):
    def __init__(self, feed: str, instrument: str) -> None:
        super().__init__(feed, instrument, "book")
        self.book = L2Book()
        self._open: _Snapshot | None = None
        self._waiting = "no snapshot yet"  # why deltas are refused while the book is invalid

    def check(self, rows: ParsedRows) -> tuple[BookBatch | None, list[DeadLetter]]:
        codes, reasons = self._malformed(rows)
        out: list[OutRow] = []
        dead: list[DeadLetter] = []
        n = len(rows)
        offsets = (
            rows.row_offsets.tolist()
            if rows.row_offsets is not None
            else list(range(rows.offset, rows.offset + n))
        )
        malformed = sorted(rows.extra_dead, key=lambda letter: letter.offset)
        m = 0
        fields = rows.fields
        ts_list = rows.ts_ns.values.tolist()
        seq_list = fields["seq"].values.tolist()
        action_list = fields["action"].values.tolist()
        side_list = fields["side"].values.tolist()
        price_list = fields["price"].values.tolist()
        qty_list = fields["qty"].values.tolist()
        code_list = codes.tolist()
        bad_rows = np.flatnonzero(codes)
        bad_text = dict(zip(bad_rows.tolist(), record_texts(rows.raw, bad_rows), strict=True))
        for i in range(n):
            offset = offsets[i]
            while m < len(malformed) and malformed[m].offset < offset:
                self._lose(malformed[m], out, dead)
                m += 1
            if code_list[i]:
                letter = DeadLetter(
                    self.feed, offset, int(ts_list[i]), reasons[code_list[i]](i), bad_text[i]
                )
                if action_list[i] == 1 and self._open is not None and seq_list[i] == self._open.seq:
                    self._open.spoiled = self._open.spoiled or f"its row at offset {offset} is bad"
                    dead.append(letter)
                else:
                    self._lose(letter, out, dead)
                continue
            seq = seq_list[i]
            if action_list[i] == 1:
                current = self._open
                if current is not None and current.seq == seq:
                    current.rows.append(
                        (current.ts_ns, seq, BOOK_LEVEL, side_list[i], price_list[i],
                         qty_list[i], offset)
                    )  # fmt: skip
                    current.sources.append((rows.raw, i))
                    continue
                self._close(out, dead)
                snapshot = _Snapshot(seq, ts_list[i])
                snapshot.rows.append(
                    (ts_list[i], seq, BOOK_SNAPSHOT, side_list[i], price_list[i], qty_list[i],
                     offset)
                )  # fmt: skip
                snapshot.sources.append((rows.raw, i))
                self._open = snapshot
                continue
            self._close(out, dead)
            side, price, qty = side_list[i], price_list[i], qty_list[i]
            expected = self.book.seq + 1
            result = self.book.delta(seq, side, price, qty)
            if result == APPLIED:
                out.append((ts_list[i], seq, BOOK_DELTA, side, price, qty, offset))
                continue
            if result == GAP:
                reason = f"sequence gap: expected seq {expected}, got {seq}"
                self._waiting = f"sequence gap at offset {offset}"
            elif result == CROSSED:
                reason = (
                    f"update would cross the book: {'bid' if side > 0 else 'ask'} {price!r} "
                    f"against best bid {self.book.price(1, 0)!r} / ask {self.book.price(-1, 0)!r}"
                )
            else:
                reason = f"book waits for a snapshot ({self._waiting}): delta ignored"
            dead.append(DeadLetter(self.feed, offset, int(ts_list[i]), reason, _text(rows.raw, i)))
        for letter in malformed[m:]:
            self._lose(letter, out, dead)
        self.dead_letters += len(dead)
        dead.sort(key=lambda letter: letter.offset)
        return self._batch_of(out), dead

    def finish(self) -> tuple[BookBatch | None, list[DeadLetter]]:
        """At the end of the data: close the snapshot still open, if any."""
        out: list[OutRow] = []
        dead: list[DeadLetter] = []
        self._close(out, dead)
        self.dead_letters += len(dead)
        return self._batch_of(out), dead

    # --- state ---------------------------------------------------------------------------

    def _malformed(self, rows: ParsedRows) -> tuple[np.ndarray, list[Reason]]:
        verdicts = RowVerdicts(len(rows))
        codes, reasons, flag = verdicts.codes, verdicts.reasons, verdicts.flag
        ts = rows.ts_ns
        flag(ts.missing, lambda i: "ts_ns is missing")
        flag(ts.bad, lambda i: f"ts_ns is not a timestamp: {ts.raw[i].as_py()!r}")
        fields = rows.fields
        side = fields["side"].values
        action = fields["action"].values
        has_level = side != 0
        for name, what in (("seq", "a whole number"), ("action", "snapshot or delta")):
            column = fields[name]
            flag(column.missing, _say(f"{name} is missing"))
            flag(column.bad, _quote(f"{name} is not {what}: ", name, column.raw))
        flag(fields["side"].bad, _quote("side is not bid/ask: ", "side", fields["side"].raw))
        flag((action == 0) & ~has_level, _say("a delta needs a side (bid or ask)"))
        for name in ("price", "qty"):
            column = fields[name]
            values = column.values
            if column.missing is not None:
                flag(column.missing & has_level, _say(f"{name} is missing"))
            if column.bad is not None:
                flag(column.bad & has_level, _quote(f"{name} is not a number: ", name, column.raw))
            flag(has_level & ~np.isfinite(values), _value(name, values, "is not finite"))
        price = fields["price"].values
        flag(has_level & (price <= 0), _value("price", price, "is not positive"))
        qty = fields["qty"].values
        flag(has_level & (qty < 0), _value("qty", qty, "is negative"))
        self._flag_backwards(ts.values, codes, reasons)
        return codes, reasons

    def _lose(
        self,
        letter: DeadLetter,
        out: list[OutRow],
        dead: list[DeadLetter],
    ) -> None:
        """A record that could not be read: whatever it said is lost, so the book can no
        longer be trusted until the next snapshot."""
        self._close(out, dead)
        dead.append(letter)
        if self.book.valid:
            self.book.valid = False
            self.book.gaps += 1
            self._waiting = f"unreadable record at offset {letter.offset}"

    def _close(
        self,
        out: list[OutRow],
        dead: list[DeadLetter],
    ) -> None:
        snapshot = self._open
        if snapshot is None:
            return
        self._open = None
        book = self.book
        book.begin_snapshot(snapshot.seq)
        for _, _, _, side, price, qty, _ in snapshot.rows:
            if side:
                book.set_level(side, price, qty)
        if snapshot.spoiled:
            book.valid = False
            reason = f"snapshot seq {snapshot.seq} is incomplete: {snapshot.spoiled}"
            self._waiting = f"incomplete snapshot at offset {snapshot.rows[0][6]}"
        elif book.end_snapshot() == CROSSED:
            reason = (
                f"crossed snapshot seq {snapshot.seq}: best bid {book.price(1, 0)!r} >= "
                f"best ask {book.price(-1, 0)!r}"
            )
            self._waiting = f"crossed snapshot at offset {snapshot.rows[0][6]}"
        else:
            out.extend(snapshot.rows)
            return
        for row, (raw, i) in zip(snapshot.rows, snapshot.sources, strict=True):
            dead.append(DeadLetter(self.feed, row[6], row[0], reason, _text(raw, i)))

    def _batch_of(self, out: list[OutRow]) -> BookBatch | None:
        if not out:
            return None
        ts, seq, action, side, price, qty, offsets = zip(*out, strict=True)
        return BookBatch(
            feed=self.feed,
            instrument=self.instrument,
            offset=int(offsets[0]),
            ts_ns=np.array(ts, dtype=np.int64),
            seq=np.array(seq, dtype=np.int64),
            action=np.array(action, dtype=np.int8),
            side=np.array(side, dtype=np.int8),
            price=np.array(price, dtype=np.float64),
            qty=np.array(qty, dtype=np.float64),
            offsets=np.array(offsets, dtype=np.int64),
        )


def _say(text: str) -> Reason:
    return lambda i: text


def _quote(prefix: str, name: str, raw: pa.Array) -> Reason:
    return lambda i: f"{prefix}{raw[i].as_py()!r}"


def _value(name: str, values: np.ndarray, problem: str) -> Reason:
    return lambda i: f"{name} {problem}: {float(values[i])!r}"


def _text(raw: pa.RecordBatch, i: int) -> str:
    return record_texts(raw, np.array([i], dtype=np.intp))[0]
