"""Syntax tree -> typed tree: resolve names (signals, market and account values, functions,
instruments), apply the unit algebra of types.py, let bare number literals take the unit
their neighbour expects, and fold constants. Errors carry the span of the offending node."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeGuard

from orderloom.dsl.errors import Span
from orderloom.dsl.expr import nodes
from orderloom.dsl.expr import typed as t
from orderloom.dsl.expr.bars import BAR_FUNCTIONS, check_bar_call
from orderloom.dsl.expr.errors import (
    BAD_ARGUMENTS,
    BAD_LITERAL,
    SYNTAX,
    TYPE_MISMATCH,
    UNKNOWN_INSTRUMENT,
    UNKNOWN_NAME,
    ExprError,
    did_you_mean,
)
from orderloom.dsl.expr.functions import (
    ACCOUNT_VALUES,
    BOOK_FUNCTIONS,
    FUNCTION_NAMES,
    INDICATORS,
    LEVEL_VALUES,
    MARKET_VALUES,
    MATH_FUNCTIONS,
    ORDER_FIELDS,
    ORDER_WORDS,
    PER_INSTRUMENT_ACCOUNT,
    VALUE_NAMES,
)
from orderloom.dsl.expr.types import (
    BOOL,
    COUNT,
    DIMENSIONLESS,
    DURATION,
    INSTRUMENT,
    MONEY,
    NUMBER,
    NUMERIC,
    PRICE,
    QUANTITY,
    RATIO,
    TEXT,
    TYPES,
    Ty,
    TypeClash,
    arithmetic,
    compare,
    unify,
)

# Units a bare number literal may take from its context (durations must say theirs).
_LITERAL_TARGETS = frozenset({"price", "quantity", "money"})


@dataclass(frozen=True)
class Scope:
    instruments: frozenset[str]  # known instrument ids, e.g. "BTC/USDT@sim"
    default_instrument: str | None = None  # what bare `last` etc. refer to
    signals: Mapping[str, t.Typed] = field(default_factory=dict)  # inlined on use
    # Routing rules: `order.<field>` and text values (buy, "name", BTC/USDT) exist only here.
    order: bool = False
    market: bool = True  # market and account values and indicators may be read


def check(node: nodes.Node, scope: Scope, expected: str | None = None) -> t.Typed:
    """Type-check `node`; with `expected`, the result has exactly that type (or ExprError)."""
    typed = _Checker(scope).visit(node)
    if expected is None:
        return typed
    if expected not in TYPES:
        raise ValueError(f"unknown type {expected!r}; one of {', '.join(TYPES)}")
    return _expect(typed, expected, node.span)


def signal_refs(node: nodes.Node) -> set[str]:
    """Every bare name the expression reads as a value; intersect with the signal names to
    find its dependencies (signals shadow built-in values of the same name)."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, nodes.Name):
            found.add(current.name)
        for f in dataclasses.fields(current):
            value = getattr(current, f.name)
            if isinstance(value, nodes.Node):
                stack.append(value)
            elif isinstance(value, tuple):
                stack.extend(v for v in value if isinstance(v, nodes.Node))
    return found


def quote_currency(instrument: str) -> str | None:
    symbol = instrument.split("@", 1)[0]
    return symbol.split("/", 1)[1] if "/" in symbol else None


def _a(type_name: str) -> str:
    return f"an {type_name}" if type_name[0] in "aeiou" else f"a {type_name}"


def _is_literal(typed: t.Typed) -> TypeGuard[t.Const]:
    return isinstance(typed, t.Const) and typed.type == NUMBER


def _retype(typed: t.Typed, ty: Ty) -> t.Typed:
    return dataclasses.replace(typed, type=ty.name, currency=ty.currency)


def _coerce(typed: t.Typed, target: Ty) -> t.Typed | None:
    """Give a unit to a dimensionless number built from bare literals: `0.01` where a
    quantity is expected, or the literal factor in `zscore * 0.1`. None if it cannot."""
    if typed.type != NUMBER or target.name not in _LITERAL_TARGETS:
        return None
    if isinstance(typed, t.Const):
        return _retype(typed, target)
    if isinstance(typed, t.Unary) and typed.op in ("neg", "abs"):
        operand = _coerce(typed.operand, target)
        return operand and dataclasses.replace(
            typed, operand=operand, type=target.name, currency=target.currency
        )
    if isinstance(typed, t.Arith):
        left, right = typed.left, typed.right
        if typed.op in ("+", "-"):
            left2, right2 = _coerce(left, target), _coerce(right, target)
            if left2 is None or right2 is None:
                return None
            left, right = left2, right2
        elif typed.op == "*" and _is_literal(left):
            left = _retype(left, target)
        elif typed.op == "*" and _is_literal(right):
            right = _retype(right, target)
        elif typed.op == "*" or typed.op == "/":
            scaled = _coerce(left, target)
            if scaled is None:
                return None
            left = scaled
        return dataclasses.replace(
            typed, left=left, right=right, type=target.name, currency=target.currency
        )
    if isinstance(typed, t.If):
        then, otherwise = _coerce(typed.then, target), _coerce(typed.otherwise, target)
        if then is None or otherwise is None:
            return None
        return dataclasses.replace(
            typed, then=then, otherwise=otherwise, type=target.name, currency=target.currency
        )
    if isinstance(typed, t.Extremum):
        args = [_coerce(arg, target) for arg in typed.args]
        if any(arg is None for arg in args):
            return None
        return dataclasses.replace(
            typed,
            args=tuple(a for a in args if a is not None),
            type=target.name,
            currency=target.currency,
        )
    return None


def _pair(left: t.Typed, right: t.Typed) -> tuple[t.Typed, t.Typed]:
    """Let a literal side take the unit of the other side (`last > 100`, `position - 1`)."""
    if left.type == NUMBER and right.type in _LITERAL_TARGETS:
        left = _coerce(left, right.ty) or left
    elif right.type == NUMBER and left.type in _LITERAL_TARGETS:
        right = _coerce(right, left.ty) or right
    return left, right


def _duration_literal(typed: t.Typed, other: t.Typed, span: Span) -> None:
    if other.type == DURATION and _is_literal(typed):
        raise ExprError.one(
            BAD_LITERAL,
            f"the number {typed.value:g} needs a duration unit",
            span,
            "write e.g. 30s, 150ms or 1h",
        )


def _instrument_value(typed: t.Typed) -> t.Typed:
    """An instrument literal as a value to test with == (it is otherwise only an argument)."""
    if isinstance(typed, t.InstrumentRef):
        return t.Const(value=typed.instrument, type=INSTRUMENT)
    return typed


def _expect(typed: t.Typed, expected: str, span: Span) -> t.Typed:
    if typed.type == expected:
        return typed
    if typed.type in DIMENSIONLESS and expected in (NUMBER, RATIO):
        return _retype(typed, Ty(expected))
    if expected == COUNT and _is_literal(typed):
        value = typed.value
        if value == int(value):
            return t.Const(value=int(value), type=COUNT)
    if expected in _LITERAL_TARGETS:
        coerced = _coerce(typed, Ty(expected))
        if coerced is not None:
            return coerced
    if expected == DURATION and _is_literal(typed):
        raise ExprError.one(
            BAD_LITERAL, "a duration needs a unit", span, "write e.g. 30s, 150ms or 1h"
        )
    raise ExprError.one(TYPE_MISMATCH, f"expected {_a(expected)}, found {_a(str(typed.ty))}", span)


_COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _fold_arith(op: str, a: float, b: float) -> float | None:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return a / b if b != 0 else None  # x/0 is nan at run time; leave it to run


class _Checker:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def visit(self, node: nodes.Node) -> t.Typed:
        method = getattr(self, f"visit_{type(node).__name__}")
        result: t.Typed = method(node)
        return result

    # --- leaves ---------------------------------------------------------------------------

    def visit_Number(self, node: nodes.Number) -> t.Typed:
        q = node.quantity
        return t.Const(value=q.value, type=q.type, currency=q.currency)

    def visit_Boolean(self, node: nodes.Boolean) -> t.Typed:
        return t.Const(value=node.value, type=BOOL)

    def visit_InstrumentLit(self, node: nodes.InstrumentLit) -> t.Typed:
        if node.id not in self.scope.instruments:
            hint = did_you_mean(node.id, self.scope.instruments) or (
                "declare it under 'instruments:'"
            )
            raise ExprError.one(
                UNKNOWN_INSTRUMENT, f"unknown instrument '{node.id}'", node.span, hint
            )
        return t.InstrumentRef(instrument=node.id, type=INSTRUMENT)

    def visit_Field(self, node: nodes.Field) -> t.Typed:
        written = f"{node.record}.{node.name}"
        if node.record != "order":
            raise ExprError.one(
                UNKNOWN_NAME,
                f"unknown name '{written}'",
                node.span,
                "only routing rules have dotted names: order.<field>",
            )
        if not self.scope.order:
            raise ExprError.one(
                UNKNOWN_NAME,
                "order fields exist only in routing rules",
                node.span,
                "a routing rule reads the order: `routing: rules: - when: order.qty > 1`",
            )
        if node.name not in ORDER_FIELDS:
            known = [f"order.{f}" for f in ORDER_FIELDS]
            raise ExprError.one(
                UNKNOWN_NAME,
                f"unknown name '{written}' in a routing rule",
                node.span,
                did_you_mean(written, known) or f"order fields: {', '.join(known)}",
            )
        return t.OrderField(field=node.name, type=ORDER_FIELDS[node.name][0])

    def visit_Text(self, node: nodes.Text) -> t.Typed:
        if self.scope.order:
            return t.Const(value=node.value, type=TEXT)
        left, _, right = node.value.partition("/")
        signals = self.scope.signals
        if not node.quoted and left in signals and right in signals:
            # Upper-case signals divided without spaces (FAST/SLOW) lex as a symbol.
            middle = node.start + len(left)
            return self.visit(
                nodes.Binary(
                    op="/",
                    left=nodes.Name(name=left, start=node.start, end=middle, span=node.span),
                    right=nodes.Name(name=right, start=middle + 1, end=node.end, span=node.span),
                    start=node.start,
                    end=node.end,
                    span=node.span,
                )
            )
        if node.quoted:
            raise ExprError.one(
                SYNTAX,
                "text in quotes exists only in routing rules",
                node.span,
                "names and instruments are written bare, e.g. BTC/USDT@sim",
            )
        raise ExprError.one(
            UNKNOWN_INSTRUMENT,
            f"'{node.value}' names no venue",
            node.span,
            f"an instrument is written SYMBOL/SYMBOL@venue, e.g. {node.value}@sim",
        )

    def visit_Name(self, node: nodes.Name) -> t.Typed:
        name = node.name
        if name in self.scope.signals:
            return self.scope.signals[name]
        if self.scope.order and name in ORDER_WORDS:
            type_name, value = ORDER_WORDS[name]
            return t.Const(value=value, type=type_name)
        if not self.scope.market and (name in VALUE_NAMES or name == "microprice"):
            raise self._no_market(name, node.span)
        if name in MARKET_VALUES or name in ACCOUNT_VALUES:
            return self._value(name, None, node.span)
        if name == "microprice":
            return self._book_read("microprice", self._instrument(None, node.span), 0, 0.0)
        if name in FUNCTION_NAMES:
            raise ExprError.one(
                BAD_ARGUMENTS,
                f"'{name}' is a function and needs arguments",
                node.span,
                f"call it, e.g. {name}(last, 30s)" if name in INDICATORS else f"call it: {name}(x)",
            )
        known = [*self.scope.signals, *MARKET_VALUES, *ACCOUNT_VALUES, *FUNCTION_NAMES]
        raise ExprError.one(
            UNKNOWN_NAME, f"unknown name '{name}'", node.span, did_you_mean(name, known)
        )

    def _no_market(self, name: str, span: Span) -> ExprError:
        return ExprError.one(
            UNKNOWN_NAME,
            f"'{name}' reads the market, and routing rules read only the order",
            span,
            "compare order fields, e.g. order.price > 50_000",
        )

    def _value(self, name: str, instrument: str | None, span: Span) -> t.Typed:
        if name in ACCOUNT_VALUES and name not in PER_INSTRUMENT_ACCOUNT:
            default = self.scope.default_instrument
            currency = quote_currency(default) if default else None
            return t.Account(field=name, type=MONEY, currency=currency)
        if instrument is None:
            instrument = self.scope.default_instrument
            if instrument is None:
                example = min(self.scope.instruments, default="BTC/USDT@sim")
                raise ExprError.one(
                    UNKNOWN_INSTRUMENT,
                    f"'{name}' needs an instrument: there is no default instrument here",
                    span,
                    f"name one, e.g. {name}({example})",
                )
        if name in ACCOUNT_VALUES:
            return t.Account(field=name, instrument=instrument, type=ACCOUNT_VALUES[name][0])
        type_name = MARKET_VALUES[name][0]
        currency = quote_currency(instrument) if type_name == PRICE else None
        return t.Market(field=name, instrument=instrument, type=type_name, currency=currency)

    # --- calls ----------------------------------------------------------------------------

    def visit_Call(self, node: nodes.Call) -> t.Typed:
        name = node.name
        if name in self.scope.signals:
            raise ExprError.one(
                BAD_ARGUMENTS,
                f"'{name}' is a signal, not a function",
                node.name_span,
                f"write {name} without arguments",
            )
        if not self.scope.market and name in FUNCTION_NAMES and name not in MATH_FUNCTIONS:
            raise self._no_market(name, node.name_span)
        if name in LEVEL_VALUES and len(node.args) == 2:
            return self._level(node)
        if name in BOOK_FUNCTIONS:
            return self._book_function(node)
        if name in MARKET_VALUES or name in ACCOUNT_VALUES:
            return self._value_call(node)
        if name in INDICATORS:
            return self._indicator(node)
        if name in BAR_FUNCTIONS:
            return check_bar_call(node, self.visit, self.scope.default_instrument, quote_currency)
        if name == "abs":
            if len(node.args) != 1:
                raise self._arity(node, "abs takes one argument")
            operand = self._numeric(node.args[0], "abs")
            if isinstance(operand, t.Const):
                return dataclasses.replace(operand, value=abs(operand.value))
            return t.Unary(op="abs", operand=operand, type=operand.type, currency=operand.currency)
        if name in MATH_FUNCTIONS:
            return self._extremum(node)
        raise ExprError.one(
            UNKNOWN_NAME,
            f"unknown function '{name}'",
            node.name_span,
            did_you_mean(name, FUNCTION_NAMES),
        )

    def _arity(self, node: nodes.Call, message: str, hint: str | None = None) -> ExprError:
        return ExprError.one(BAD_ARGUMENTS, f"{message}, got {len(node.args)}", node.span, hint)

    def _numeric(self, node: nodes.Node, function: str) -> t.Typed:
        value = self.visit(node)
        if isinstance(value, t.InstrumentRef):
            return self._value("last", value.instrument, node.span)
        if value.type not in NUMERIC:
            raise ExprError.one(
                BAD_ARGUMENTS,
                f"{function} needs a numeric value, found {_a(value.type)}",
                node.span,
            )
        return value

    def _value_call(self, node: nodes.Call) -> t.Typed:
        name = node.name
        if name in ACCOUNT_VALUES and name not in PER_INSTRUMENT_ACCOUNT:
            if node.args:
                raise self._arity(node, f"{name} takes no arguments", f"write {name}")
            return self._value(name, None, node.span)
        if not node.args:
            return self._value(name, None, node.span)
        example = min(self.scope.instruments, default="BTC/USDT@sim")
        if len(node.args) > 1:
            raise self._arity(node, f"{name} takes one instrument", f"e.g. {name}({example})")
        arg = self.visit(node.args[0])
        if not isinstance(arg, t.InstrumentRef):
            raise ExprError.one(
                BAD_ARGUMENTS,
                f"{name} takes an instrument, found {_a(arg.type)}",
                node.args[0].span,
                f"e.g. {name}({example})",
            )
        return self._value(name, arg.instrument, node.span)

    # --- L2 book functions ------------------------------------------------------------------

    def _instrument(self, instrument: str | None, span: Span) -> str:
        if instrument is not None:
            return instrument
        if self.scope.default_instrument is None:
            example = min(self.scope.instruments, default="BTC/USDT@sim")
            raise ExprError.one(
                UNKNOWN_INSTRUMENT,
                "this book function needs an instrument: there is no default instrument here",
                span,
                f"name one first, e.g. microprice({example})",
            )
        return self.scope.default_instrument

    def _book_read(self, field: str, instrument: str, side: int, arg: float) -> t.Typed:
        type_name = PRICE if field in ("level_price", "microprice") else QUANTITY
        if field == "imbalance":
            type_name = NUMBER
        currency = quote_currency(instrument) if type_name == PRICE else None
        return t.BookRead(
            field=field,
            instrument=instrument,
            side=side,
            arg=arg,
            type=type_name,
            currency=currency,
        )

    def _split_instrument(self, node: nodes.Call) -> tuple[str | None, tuple[nodes.Node, ...]]:
        """The optional leading instrument of a book function, and the other arguments."""
        args = node.args
        if args and isinstance(args[0], nodes.InstrumentLit):
            ref = self.visit(args[0])
            assert isinstance(ref, t.InstrumentRef)
            return ref.instrument, args[1:]
        return None, args

    def _positive_integer(self, node: nodes.Node, what: str, hint: str) -> int:
        value = self.visit(node)
        if (
            not isinstance(value, t.Const)
            or value.type not in (NUMBER, COUNT)
            or isinstance(value.value, bool)
            or not math.isfinite(value.value)
            or value.value != int(value.value)
            or value.value < 1
        ):
            raise ExprError.one(
                BAD_ARGUMENTS, f"{what} must be a positive whole number", node.span, hint
            )
        return int(value.value)

    def _level(self, node: nodes.Call) -> t.Typed:
        name = node.name
        example = min(self.scope.instruments, default="BTC/USDT@sim")
        hint = f"levels count from 1 (the touch): e.g. {name}({example}, 2)"
        arg = self.visit(node.args[0])
        if not isinstance(arg, t.InstrumentRef):
            raise ExprError.one(
                BAD_ARGUMENTS,
                f"{name}(x, level) takes an instrument first, found {_a(arg.type)}",
                node.args[0].span,
                hint,
            )
        level = self._positive_integer(node.args[1], f"the level of {name}", hint)
        if level == 1:  # the touch: the top of book value the engine keeps anyway
            return self._value(name, arg.instrument, node.span)
        side = 1 if name.startswith("bid") else -1
        field = "level_qty" if name.endswith("_qty") else "level_price"
        return self._book_read(field, arg.instrument, side, float(level))

    def _book_function(self, node: nodes.Call) -> t.Typed:
        name = node.name
        instrument, args = self._split_instrument(node)
        instrument = self._instrument(instrument, node.span)
        example = min(self.scope.instruments, default="BTC/USDT@sim")
        if name == "microprice":
            if args:
                raise self._arity(node, "microprice takes an instrument", f"microprice({example})")
            return self._book_read("microprice", instrument, 0, 0.0)
        if name == "imbalance":
            hint = f"e.g. imbalance({example}, 5) for the top 5 levels of each side"
            if len(args) != 1:
                raise self._arity(node, "imbalance takes (instrument, levels)", hint)
            levels = self._positive_integer(args[0], "the level count of imbalance", hint)
            return self._book_read("imbalance", instrument, 0, float(levels))
        hint = f"e.g. depth({example}, bid, 10bps)"
        if len(args) != 2:
            raise self._arity(node, "depth takes (instrument, bid|ask, distance)", hint)
        side_node = args[0]
        if not isinstance(side_node, nodes.Name) or side_node.name not in ("bid", "ask"):
            raise ExprError.one(
                BAD_ARGUMENTS, "the side of depth must be `bid` or `ask`", side_node.span, hint
            )
        distance = self.visit(args[1])
        if not isinstance(distance, t.Const) or distance.type not in (RATIO, NUMBER):
            raise ExprError.one(
                BAD_ARGUMENTS,
                "the distance of depth must be a constant ratio of the mid, e.g. 10bps or 1%",
                args[1].span,
                hint,
            )
        ratio = float(distance.value)
        if not (0 <= ratio < 1):
            raise ExprError.one(
                BAD_ARGUMENTS,
                "the distance of depth must be between 0 and 100%",
                args[1].span,
                hint,
            )
        side = 1 if side_node.name == "bid" else -1
        return self._book_read("depth", instrument, side, ratio)

    def _extremum(self, node: nodes.Call) -> t.Typed:
        if len(node.args) < 2:
            raise self._arity(node, f"{node.name} takes two or more arguments")
        args = [self._numeric(arg, node.name) for arg in node.args]
        # literals take the unit of the first non-literal argument
        anchor = next((a for a in args if a.type != NUMBER), None)
        if anchor is not None and anchor.type in _LITERAL_TARGETS:
            args = [_coerce(a, anchor.ty) or a if a.type == NUMBER else a for a in args]
        common: Ty | None = args[0].ty
        for arg, arg_node in zip(args[1:], node.args[1:], strict=True):
            assert common is not None
            joined = unify(common, arg.ty)
            if joined is None:
                raise ExprError.one(
                    TYPE_MISMATCH,
                    f"{node.name} needs values of one type, found {common} and {arg.ty}",
                    arg_node.span,
                )
            common = joined
        assert common is not None
        if all(isinstance(a, t.Const) for a in args):
            values = [a.value for a in args if isinstance(a, t.Const)]
            chosen = min(values) if node.name == "min" else max(values)
            return t.Const(value=chosen, type=common.name, currency=common.currency)
        return t.Extremum(
            op=node.name, args=tuple(args), type=common.name, currency=common.currency
        )

    def _indicator(self, node: nodes.Call) -> t.Typed:
        name = node.name
        if len(node.args) != 2:
            raise self._arity(
                node,
                f"{name} takes two arguments (value, window)",
                f"e.g. {name}(last, 30s) or {name}(last, 10)",
            )
        value = self._numeric(node.args[0], name)
        result_type, _doc = INDICATORS[name]
        if result_type == PRICE and value.type != PRICE:
            raise ExprError.one(
                BAD_ARGUMENTS, f"{name} needs a price, found {_a(value.type)}", node.args[0].span
            )
        window, window_kind = self._window(node)
        drivers = tuple(sorted(t.free_instruments(value)))
        if not drivers:
            if self.scope.default_instrument is None:
                raise ExprError.one(
                    UNKNOWN_INSTRUMENT,
                    f"{name} of a value that reads no instrument has nothing to update it",
                    node.args[0].span,
                    "use a market value such as last(BTC/USDT@sim)",
                )
            drivers = (self.scope.default_instrument,)
        ty = value.ty if result_type in (None, value.type) else Ty(result_type)
        return t.Indicator(
            function=name,
            input=value,
            window=window,
            window_kind=window_kind,
            drivers=drivers,
            type=ty.name,
            currency=ty.currency,
        )

    def _window(self, node: nodes.Call) -> tuple[int, str]:
        name, arg = node.name, node.args[1]
        window = self.visit(arg)
        hint = f"e.g. {name}(last, 30s) or {name}(last, 10)"
        if not isinstance(window, t.Const) or window.type not in (DURATION, NUMBER, COUNT):
            found = "a value that changes" if not isinstance(window, t.Const) else _a(window.type)
            raise ExprError.one(
                BAD_ARGUMENTS,
                f"the window of {name} must be a duration or a count of ticks, found {found}",
                arg.span,
                hint,
            )
        value = window.value
        assert not isinstance(value, bool)
        kind = "duration" if window.type == DURATION else "count"
        if not value > 0 or math.isinf(value):
            raise ExprError.one(
                BAD_ARGUMENTS, f"the window of {name} must be positive", arg.span, hint
            )
        if value != int(value):
            what = "a whole number of ticks" if kind == "count" else "whole nanoseconds"
            raise ExprError.one(BAD_ARGUMENTS, f"the window of {name} must be {what}", arg.span)
        return int(value), kind

    # --- operators ------------------------------------------------------------------------

    def visit_Unary(self, node: nodes.Unary) -> t.Typed:
        operand = self.visit(node.operand)
        if node.op == "not":
            if operand.type != BOOL:
                raise ExprError.one(
                    TYPE_MISMATCH,
                    f"'not' needs a condition, found {_a(str(operand.ty))}",
                    node.operand.span,
                    "compare it, e.g. not (x > 0)",
                )
            if isinstance(operand, t.Const):
                return t.Const(value=not operand.value, type=BOOL)
            return t.Unary(op="not", operand=operand, type=BOOL)
        if operand.type not in NUMERIC:
            raise ExprError.one(
                TYPE_MISMATCH,
                f"cannot negate {_a(str(operand.ty))}",
                node.span,
                "use 'not' for conditions" if operand.type == BOOL else None,
            )
        if node.op == "+":
            return operand
        if isinstance(operand, t.Const):
            return dataclasses.replace(operand, value=-operand.value)
        return t.Unary(op="neg", operand=operand, type=operand.type, currency=operand.currency)

    def visit_Binary(self, node: nodes.Binary) -> t.Typed:
        left, right = self.visit(node.left), self.visit(node.right)
        if node.op in nodes.LOGIC_OPS:
            return self._logic(node, left, right)
        if node.op in nodes.COMPARISON_OPS:  # order.instrument == BTC/USDT@a
            left, right = _instrument_value(left), _instrument_value(right)
        if node.op in ("+", "-") or node.op in nodes.COMPARISON_OPS:
            _duration_literal(left, right, node.left.span)
            _duration_literal(right, left, node.right.span)
            left, right = _pair(left, right)
        try:
            if node.op in nodes.COMPARISON_OPS:
                ty = compare(node.op, left.ty, right.ty)
            else:
                ty = arithmetic(node.op, left.ty, right.ty)
        except TypeClash as clash:
            raise ExprError.one(TYPE_MISMATCH, clash.message, node.span, clash.hint) from None
        if isinstance(left, t.Const) and isinstance(right, t.Const):
            a, b = left.value, right.value
            if node.op in nodes.COMPARISON_OPS:
                return t.Const(value=bool(_COMPARE[node.op](a, b)), type=BOOL)
            folded = _fold_arith(node.op, a, b)
            if ty.name == DURATION and folded is not None and math.isfinite(folded):
                folded = round(folded)  # durations stay whole nanoseconds
            if folded is not None:
                return t.Const(value=folded, type=ty.name, currency=ty.currency)
        if node.op in nodes.COMPARISON_OPS:
            return t.Compare(op=node.op, left=left, right=right, type=BOOL)
        return t.Arith(op=node.op, left=left, right=right, type=ty.name, currency=ty.currency)

    def _logic(self, node: nodes.Binary, left: t.Typed, right: t.Typed) -> t.Typed:
        for side, side_node in ((left, node.left), (right, node.right)):
            if side.type != BOOL:
                raise ExprError.one(
                    TYPE_MISMATCH,
                    f"'{node.op}' needs conditions on both sides, found {_a(str(side.ty))}",
                    side_node.span,
                    "compare it, e.g. x > 0",
                )
        if isinstance(left, t.Const) and isinstance(right, t.Const):
            value = (
                (left.value and right.value) if node.op == "and" else (left.value or right.value)
            )
            return t.Const(value=bool(value), type=BOOL)
        return t.Logic(op=node.op, left=left, right=right, type=BOOL)

    def visit_Conditional(self, node: nodes.Conditional) -> t.Typed:
        condition = self.visit(node.condition)
        if condition.type != BOOL:
            raise ExprError.one(
                TYPE_MISMATCH,
                f"the condition of 'if' must be a condition, found {_a(str(condition.ty))}",
                node.condition.span,
                "compare it, e.g. x > 0",
            )
        then, otherwise = _pair(self.visit(node.then), self.visit(node.otherwise))
        common = unify(then.ty, otherwise.ty)
        if common is None:
            raise ExprError.one(
                TYPE_MISMATCH,
                f"the branches of 'if' have different types: {then.ty} and {otherwise.ty}",
                node.span,
                "both branches must give the same kind of value",
            )
        if isinstance(condition, t.Const):
            chosen = then if condition.value else otherwise
            return _retype(chosen, common)
        return t.If(
            condition=condition,
            then=then,
            otherwise=otherwise,
            type=common.name,
            currency=common.currency,
        )
