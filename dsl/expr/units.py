"""Number literals with units: `5ms`, `1h`, `10bps`, `2%`, `50_000 USDT`, `1_000`.

Durations become integer nanoseconds, bps and % become ratios (10bps -> 0.001) and an
upper-case word after the number is a currency (money). The grammar's NUMBER terminal and
`parse_literal` (for plain YAML scalars) share the regex and the interpretation here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from orderloom.dsl.errors import Span
from orderloom.dsl.expr.errors import BAD_LITERAL, ExprError, did_you_mean

Locate = Callable[[int, int], Span]

DURATION_NS: dict[str, int] = {
    "ns": 1,
    "us": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
    "d": 86_400_000_000_000,
}
RATIO_DIVISOR: dict[str, int] = {"bps": 10_000, "%": 100}
UNITS: tuple[str, ...] = (*DURATION_NS, *RATIO_DIVISOR)
# Spellings people reach for, each with the unit it means (for the did-you-mean hint).
_ALIASES: dict[str, str] = {
    **dict.fromkeys(("sec", "secs", "second", "seconds"), "s"),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), "m"),
    **dict.fromkeys(("hr", "hrs", "hour", "hours"), "h"),
    **dict.fromkeys(("day", "days"), "d"),
    **dict.fromkeys(("msec", "msecs", "millis"), "ms"),
    **dict.fromkeys(("usec", "usecs", "micros"), "us"),
    **dict.fromkeys(("nsec", "nsecs", "nanos"), "ns"),
    **dict.fromkeys(("bp", "bip", "bips"), "bps"),
    **dict.fromkeys(("pct", "percent"), "%"),
}

# Keep in step with NUMBER in grammar.lark. A currency is an upper-case word of two or more
# letters, attached or after spaces; it must not be the start of an instrument (BTC/USDT@x).
NUMBER_PATTERN = (
    r"(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?"
    r"(?:%|[A-Za-z][A-Za-z0-9]*|[ \t]+[A-Z][A-Z0-9]+(?![\w/@.\-]))?"
)
_PARTS = re.compile(
    r"(?P<number>(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?)"
    r"[ \t]*(?P<unit>%|[A-Za-z][A-Za-z0-9]*)?"
)
_CURRENCY = re.compile(r"[A-Z][A-Z0-9]+")


@dataclass(frozen=True)
class Quantity:
    """A literal value with its type: durations in ns (int), bps/% as ratios."""

    value: float
    type: str  # "number" | "duration" | "ratio" | "money"
    currency: str | None = None


def interpret(text: str, start: int, locate: Locate) -> Quantity:
    """Read one NUMBER token (`text`, found at offset `start` of the expression)."""
    parts = _PARTS.fullmatch(text)
    if parts is None:  # the grammar only hands over NUMBER tokens, so this is a bug
        raise ValueError(f"not a number literal: {text!r}")
    digits = parts["number"]
    try:
        exact = Decimal(digits)
        if "_" in digits:
            float(digits)  # Decimal is laxer with underscores than the language is
    except (InvalidOperation, ValueError):
        raise ExprError.one(
            BAD_LITERAL,
            f"'{digits}' is not a valid number",
            locate(start, start + len(digits)),
            "underscores may only separate digits, as in 50_000",
        ) from None
    if not exact.is_finite() or abs(exact) > Decimal("1e300"):
        raise ExprError.one(
            BAD_LITERAL,
            f"'{digits}' is too large",
            locate(start, start + len(digits)),
            "numbers must stay below 1e300",
        )
    unit = parts["unit"]
    if unit is None:
        return Quantity(float(exact), "number")
    if unit in DURATION_NS:
        ns = exact * DURATION_NS[unit]
        if ns != ns.to_integral_value():
            raise ExprError.one(
                BAD_LITERAL,
                f"duration {text} is not a whole number of nanoseconds",
                locate(start, start + len(text)),
                "nanoseconds are the finest unit",
            )
        return Quantity(int(ns), "duration")
    if unit in RATIO_DIVISOR:
        return Quantity(float(exact / RATIO_DIVISOR[unit]), "ratio")
    if _CURRENCY.fullmatch(unit):
        return Quantity(float(exact), "money", unit)
    unit_start = start + parts.start("unit")
    alias = _ALIASES.get(unit.lower())
    hint = f"did you mean '{alias}'?" if alias else did_you_mean(unit.lower(), UNITS)
    raise ExprError.one(
        BAD_LITERAL,
        f"unknown unit '{unit}'",
        locate(unit_start, unit_start + len(unit)),
        hint or "units: ns us ms s m h d (durations), bps % (ratios), or a currency like USDT",
    )


def parse_literal(text: str, locate: Locate) -> Quantity:
    """A YAML scalar such as `5ms`, `10bps`, `-2%` or `50_000 USDT` as a typed Quantity."""
    body = text.strip()
    offset = len(text) - len(text.lstrip())
    sign = 1
    if body[:1] in ("-", "+"):
        sign = -1 if body[0] == "-" else 1
        body = body[1:].lstrip()
        offset = len(text) - len(text.lstrip()[1:].lstrip())
    if not body or not re.fullmatch(NUMBER_PATTERN, body):
        raise ExprError.one(
            BAD_LITERAL,
            f"'{text.strip()}' is not a number with a unit",
            locate(0, max(len(text), 1)),
            "write a number with an optional unit, e.g. 5ms, 1h, 10bps, 2%, 50_000 USDT",
        )
    quantity = interpret(body, offset, locate)
    if sign < 0:
        return Quantity(-quantity.value, quantity.type, quantity.currency)
    return quantity
