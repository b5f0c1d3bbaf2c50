"""What a pipeline test run produced (orders as their final state, fills, risk events, dead
letters of the tape's book events, final positions) and its comparison with the test's
expectations, as readable failures: the expectation's place, then `expected …` and
`received …` in the test file's own syntax.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orderloom.dsl.errors import Span
from orderloom.dsl.expr.units import DURATION_NS
from orderloom.dsl.testfile import FIELDS, Expectation, PipelineTest
from orderloom.runtime.sinks.tables import TABLES

Row = dict[str, Any]
MAX_ROWS_SHOWN = 10


@dataclass(frozen=True)
class Outcome:
    orders: tuple[Row, ...]  # one per order: its final state, `at` = when it was placed
    fills: tuple[Row, ...]
    risk_events: tuple[Row, ...]
    positions: Mapping[str, float]  # final, per instrument, summed over instances
    dead_letters: tuple[Row, ...] = ()  # refused book events; `span`: their place on the tape

    def rows(self, table: str) -> tuple[Row, ...]:
        rows: tuple[Row, ...] = getattr(self, table)
        return rows


@dataclass(frozen=True)
class Failure:
    span: Span  # the expectation in the test file
    what: str  # "orders", "positions", …
    expected: str
    received: tuple[str, ...]  # the first line, then the rows shown under it

    def lines(self) -> list[str]:
        out = [f"{self.span.file}:{self.span.line}:{self.span.col}: {self.what}"]
        out.append(f"  expected: {self.expected}")
        out.append(f"  received: {self.received[0]}")
        out.extend(f"    {row}" for row in self.received[1:])
        return out


def outcome_from_rows(
    rows: Mapping[str, list[tuple]],
    positions: Mapping[str, float],
    start_ns: int,
    dead_letters: list[Row] | None = None,
) -> Outcome:
    """`dead_letters`: {instrument, ts_ns, reason, span} per refused tape record."""
    return Outcome(
        _orders(rows.get("orders", []), start_ns),
        tuple(_fill(r, start_ns) for r in _dicts("fills", rows)),
        tuple(_risk_event(r, start_ns) for r in _dicts("risk_events", rows)),
        dict(positions),
        tuple(
            {
                "instrument": r["instrument"],
                "at": r["ts_ns"] - start_ns,
                "reason": r["reason"],
                "span": r.get("span"),
            }
            for r in dead_letters or ()
        ),
    )


def check(test: PipelineTest, outcome: Outcome) -> list[Failure]:
    """Every expectation of `test` that `outcome` does not meet; dead letters the test does
    not expect fail it too (at the first refused event), so no tape event is lost unseen."""
    failures = []
    for expectation in test.expectations:
        failure = _check_one(expectation, outcome)
        if failure is not None:
            failures.append(failure)
    letters = outcome.dead_letters
    if letters and not any(e.table == "dead_letters" for e in test.expectations):
        place = next((r["span"] for r in letters if r.get("span") is not None), test.span)
        shown = [_flow(r, "dead_letters") for r in letters[:MAX_ROWS_SHOWN]]
        if len(letters) > MAX_ROWS_SHOWN:
            shown.append(f"… and {len(letters) - MAX_ROWS_SHOWN} more")
        failures.append(
            Failure(
                place,
                "dead_letters",
                "no dead letters (list them under `expect: dead_letters:` if the tape means "
                "to send refused book events)",
                (_amount(len(letters), "dead letter", "dead letters") + ":", *shown),
            )
        )
    return failures


def _check_one(expectation: Expectation, outcome: Outcome) -> Failure | None:
    table = expectation.table
    if table == "positions":
        instrument, qty = expectation.fields[0]
        got = outcome.positions.get(instrument, 0.0)
        if _close(got, qty):
            return None
        return Failure(
            expectation.span,
            "positions",
            f"position {instrument} = {_number(qty)}",
            (f"position {instrument} = {_number(got)}",),
        )
    rows = outcome.rows(table)
    matching = [r for r in rows if _matches(r, expectation.fields)]
    count = expectation.count
    if (len(matching) >= 1) if count is None else (len(matching) == count):
        return None
    noun = table.replace("_", " ")
    singular = noun[:-1]
    pattern = _flow(dict(expectation.fields), table, [k for k, _ in expectation.fields])
    if not expectation.fields:
        expected = _amount(count or 0, singular, noun)
        received_head = _amount(len(rows), singular, noun) + (":" if rows else "")
    else:
        if count is None:
            article = "an" if singular[0] in "aeiou" else "a"
            expected = f"{article} {singular} matching {pattern}"
        else:
            expected = f"{_amount(count, singular, noun)} matching {pattern}"
        total = _amount(len(rows), singular, noun)
        if count is None:
            received_head = f"none among {total}" + (":" if rows else "")
        else:
            received_head = f"{len(matching)} matching among {total}" + (":" if rows else "")
    shown = [_flow(r, table) for r in rows[:MAX_ROWS_SHOWN]]
    if len(rows) > MAX_ROWS_SHOWN:
        shown.append(f"… and {len(rows) - MAX_ROWS_SHOWN} more")
    return Failure(expectation.span, table, expected, (received_head, *shown))


def _amount(n: int, singular: str, plural: str) -> str:
    if n == 0:
        return f"no {plural}"
    return f"{n} {singular if n == 1 else plural}"


def _matches(row: Row, fields: tuple[tuple[str, Any], ...]) -> bool:
    for key, want in fields:
        got = row.get(key)
        if got is None:
            return False
        how = _how(key)
        if how == "number":
            if not _close(got, want):
                return False
        elif how == "text":
            if str(want) not in str(got):
                return False
        elif got != want:
            return False
    return True


def _how(key: str) -> Any:
    for fields in FIELDS.values():
        if key in fields:
            return fields[key]
    return "word"


def _close(a: float, b: float) -> bool:
    # Engine numbers are floats on a tick/lot grid: compare within float noise, never exactly.
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


# --- views of the engine's rows -----------------------------------------------------------


def _dicts(table: str, rows: Mapping[str, list[tuple]]) -> list[Row]:
    names = TABLES[table].column_names
    return [dict(zip(names, row, strict=True)) for row in rows.get(table, [])]


def _orders(rows: list[tuple], start_ns: int) -> tuple[Row, ...]:
    names = TABLES["orders"].column_names
    orders: dict[str, Row] = {}
    for raw in rows:
        r = dict(zip(names, raw, strict=True))
        order = orders.get(r["order_id"])
        if order is None:
            order = orders[r["order_id"]] = {
                "strategy": r["strategy"],
                "instrument": r["instrument"],
                "venue": r["venue"],
                "side": "buy" if r["side"] > 0 else "sell",
                "type": r["order_type"],
                "qty": float(r["qty"]),
                "price": float(r["price"]) if r["order_type"] == "limit" else None,
                "at": r["ts_ns"] - start_ns,
            }
        order["status"] = r["status"]
        order["filled_qty"] = float(r["filled_qty"])
        order["avg_price"] = float(r["avg_price"]) if r["filled_qty"] else None
        if r["reason"]:
            order["reason"] = r["reason"]
    return tuple(orders.values())


def _fill(r: Row, start_ns: int) -> Row:
    return {
        "strategy": r["strategy"],
        "instrument": r["instrument"],
        "venue": r["venue"],
        "side": "buy" if r["side"] > 0 else "sell",
        "qty": float(r["qty"]),
        "price": float(r["price"]),
        "fee": float(r["fee"]),
        "liquidity": r["liquidity"],
        "at": r["ts_ns"] - start_ns,
    }


def _risk_event(r: Row, start_ns: int) -> Row:
    return {
        "strategy": r["strategy"],
        "check": r["check"],
        "action": r["action"],
        "limit": float(r["limit_value"]),
        "value": float(r["value"]),
        "at": r["ts_ns"] - start_ns,
        "message": r["message"],
    }


# --- the test file's syntax ---------------------------------------------------------------


def _flow(row: Row, table: str, order: list[str] | None = None) -> str:
    """A row (or a pattern) as a YAML flow mapping, fields in the documented order (or in
    `order`, the order a pattern was written in)."""
    parts = []
    fields = FIELDS[table]
    for key in order if order is not None else fields:
        how = fields[key]
        if key not in row or row[key] is None:
            continue
        value = row[key]
        if how == "number":
            text = _number(value)
        elif how == "duration":
            text = duration_text(value)
        elif how == "text":
            text = "'" + str(value).replace("'", "''") + "'"
        else:
            text = str(value)
        parts.append(f"{key}: {text}")
    return "{" + ", ".join(parts) + "}"


def _number(value: float) -> str:
    text = f"{value:.10g}"
    return "0" if text == "-0" else text


def duration_text(ns: int) -> str:
    """`ns` in the largest unit that writes it exactly (90s → 90s, 120s → 2m); negative
    offsets (before `start:`) keep their sign."""
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    for unit in ("d", "h", "m", "s", "ms", "us", "ns"):
        size = DURATION_NS[unit]
        if ns % size == 0:
            return f"{sign}{ns // size}{unit}"
    return f"{sign}{ns}ns"
