"""The expression types and what operators make of them: the unit algebra a desk expects
(price*ratio -> price, price/price -> ratio, quantity*price -> money, price+duration: error).

Money carries its currency and mixing two known currencies is an error; prices carry their
instrument's quote currency only to label the money they produce, so spreads between
USDT- and USD-quoted books stay allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

PRICE = "price"
QUANTITY = "quantity"
MONEY = "money"
RATIO = "ratio"
DURATION = "duration"
COUNT = "count"
NUMBER = "number"
BOOL = "bool"
INSTRUMENT = "instrument"
SIDE = "side"  # an order's side in routing rules: buy (+1) or sell (-1)
TEXT = "text"  # a name or symbol in routing rules: "buy_twap", BTC/USDT, limit

TYPES: tuple[str, ...] = (
    PRICE,
    QUANTITY,
    MONEY,
    RATIO,
    DURATION,
    COUNT,
    NUMBER,
    BOOL,
    INSTRUMENT,
    SIDE,
    TEXT,
)
# Values that are only ever equal or not: `==` and `!=` compare two of the same type.
EQUALITY_ONLY = frozenset({BOOL, INSTRUMENT, SIDE, TEXT})
DIMENSIONLESS = frozenset({NUMBER, RATIO, COUNT})
UNITS = frozenset({PRICE, QUANTITY, MONEY, DURATION})  # scaled by numbers, added to themselves
NUMERIC = DIMENSIONLESS | UNITS


@dataclass(frozen=True)
class Ty:
    name: str
    currency: str | None = None

    def __str__(self) -> str:
        if self.name == MONEY and self.currency:
            return f"money {self.currency}"
        return self.name


class TypeClash(Exception):
    """An operator applied to types it does not combine; the checker adds the place."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _merge_currency(verb: str, a: Ty, b: Ty) -> str | None:
    if a.currency and b.currency and a.currency != b.currency:
        if a.name == MONEY:
            raise TypeClash(f"cannot {verb} {a} and {b}", "convert one side first")
        return None
    return a.currency or b.currency


def _dimensionless(a: Ty, b: Ty, counts: str) -> Ty:
    if a.name == COUNT and b.name == COUNT:
        return Ty(counts)
    if RATIO in (a.name, b.name):
        return Ty(RATIO)
    return Ty(NUMBER)


def unify(a: Ty, b: Ty) -> Ty | None:
    """The one type two values share (if-branches, min/max, comparisons), or None."""
    if a.name in DIMENSIONLESS and b.name in DIMENSIONLESS:
        return _dimensionless(a, b, COUNT)
    if a.name != b.name:
        return None
    if a.name == MONEY and a.currency and b.currency and a.currency != b.currency:
        return None
    return Ty(a.name, a.currency if a.currency == b.currency else a.currency or b.currency)


def add(op: str, a: Ty, b: Ty) -> Ty:
    verb = "add" if op == "+" else "subtract"
    if a.name in DIMENSIONLESS and b.name in DIMENSIONLESS:
        return _dimensionless(a, b, COUNT)
    if a.name == b.name and a.name in UNITS:
        return Ty(a.name, _merge_currency(verb, a, b))
    message = _cannot(op, a, b)
    hint = None
    if a.name in UNITS and b.name in DIMENSIONLESS:
        hint = f"to move a {a.name} by a ratio, multiply: {a.name} * (1 + ratio)"
    raise TypeClash(message, hint)


def multiply(a: Ty, b: Ty) -> Ty:
    if a.name in DIMENSIONLESS and b.name in DIMENSIONLESS:
        return _dimensionless(a, b, COUNT)
    if a.name in UNITS and b.name in DIMENSIONLESS:
        return a
    if b.name in UNITS and a.name in DIMENSIONLESS:
        return b
    if {a.name, b.name} == {PRICE, QUANTITY}:
        return Ty(MONEY, a.currency if a.name == PRICE else b.currency)
    raise TypeClash(_cannot("*", a, b))


def divide(a: Ty, b: Ty) -> Ty:
    if a.name in DIMENSIONLESS and b.name in DIMENSIONLESS:
        return Ty(RATIO) if COUNT in (a.name, b.name) else _dimensionless(a, b, NUMBER)
    if a.name in UNITS and b.name in DIMENSIONLESS:
        return a
    if a.name == b.name and a.name in UNITS:
        _merge_currency("divide", a, b)
        return Ty(RATIO)
    if a.name == MONEY and b.name == PRICE:
        return Ty(QUANTITY)
    if a.name == MONEY and b.name == QUANTITY:
        return Ty(PRICE, a.currency)
    raise TypeClash(_cannot("/", a, b))


def _cannot(op: str, a: Ty, b: Ty) -> str:
    if op == "+":
        return f"cannot add {a} and {b}"
    if op == "-":
        return f"cannot subtract {b} from {a}"
    return f"cannot multiply {a} by {b}" if op == "*" else f"cannot divide {a} by {b}"


def arithmetic(op: str, a: Ty, b: Ty) -> Ty:
    for side in (a, b):
        if side.name not in NUMERIC:
            raise TypeClash(_cannot(op, a, b), _not_numeric_hint(side))
    if op in ("+", "-"):
        return add(op, a, b)
    return multiply(a, b) if op == "*" else divide(a, b)


def compare(op: str, a: Ty, b: Ty) -> Ty:
    if a.name == b.name and a.name in EQUALITY_ONLY and op in ("==", "!="):
        return Ty(BOOL)
    if {a.name, b.name} & {SIDE, TEXT}:
        if a.name == b.name:
            raise TypeClash(f"'{op}' compares numbers; {_a(a.name)} is only == or != another")
        raise TypeClash(f"cannot compare {_a(a.name)} with {_a(b.name)}", _text_hint(a, b))
    common = unify(a, b)
    if common is None or common.name not in NUMERIC:
        hint = None
        if a.name == MONEY and b.name == MONEY:
            hint = "both sides must be in the same currency"
        raise TypeClash(f"cannot compare {a} with {b}", hint)
    return Ty(BOOL)


def _a(name: str) -> str:
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


def _text_hint(a: Ty, b: Ty) -> str | None:
    if SIDE in (a.name, b.name):
        return "order.side is buy or sell, e.g. order.side == buy"
    if INSTRUMENT in (a.name, b.name):
        return "write the instrument bare, e.g. order.instrument == BTC/USDT@sim"
    return 'text is a bare word, a symbol or quoted, e.g. order.strategy == "buy_twap"'


def _not_numeric_hint(t: Ty) -> str | None:
    if t.name == BOOL:
        return "use 'if <condition> then <value> else <value>' to turn a condition into a value"
    if t.name == INSTRUMENT:
        return "read a value of the instrument, e.g. last(BTC/USDT@sim)"
    if t.name in (SIDE, TEXT):
        return "a side or a text is only compared with == or !="
    return None
