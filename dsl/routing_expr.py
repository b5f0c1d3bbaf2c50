"""Order expressions of routing rules (`when: "order.notional > 50_000 USDT"`): a small typed
language over one order's fields, checked at compile time and compiled once to closures.

The market expression language (dsl/expr) has no dotted names or text values, so routing
keeps its own evaluator; it shares that language's error codes and literal units.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from orderloom.dsl.expr.errors import SYNTAX, TYPE_MISMATCH, UNKNOWN_NAME, ExprError, did_you_mean
from orderloom.dsl.expr.parse import Locate

Fn = Callable[[Any], Any]  # takes an object with the FIELDS as attributes

# Field -> type. The runtime builds one object per routed order with these attributes.
FIELDS: dict[str, str] = {
    "order.side": "side",  # buy | sell
    "order.qty": "number",  # base quantity
    "order.notional": "number",  # qty x (limit price, or the touch for a market order)
    "order.price": "number",  # limit price; the touch for a market order
    "order.symbol": "text",  # BTC/USDT
    "order.instrument": "text",  # BTC/USDT@sim, the strategy's own instrument
    "order.strategy": "text",  # strategy instance name
    "order.type": "text",  # market | limit
}
SIDES = {"buy": 1, "sell": -1}

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>"[^"]*"|'[^']*')
  | (?P<symbol>(?=\d*[A-Z])[A-Z0-9][A-Z0-9_.\-]*/[A-Z0-9][A-Z0-9_.\-]*(?:@[A-Za-z0-9_.\-]+)?)
  | (?P<number>(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?
        (?:%|bps\b|[ \t]+[A-Z][A-Z0-9]+\b)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op><=|>=|==|!=|<|>|\+|-|\*|/|\(|\))
    """,
    re.VERBOSE,
)
_KEYWORDS = frozenset({"and", "or", "not", "true", "false"})
_COMPARE = frozenset({"<", "<=", ">", ">=", "==", "!="})


@dataclass(frozen=True)
class _Token:
    kind: str  # string | symbol | number | name | op | end
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class OrderCondition:
    """A checked `when:` expression: call `fn(order_facts)` for True/False."""

    source: str
    fn: Fn


def compile_condition(text: str, locate: Locate) -> OrderCondition:
    """Parse and type-check `text` (a boolean over the order); ExprError with places."""
    parser = _Parser(text, locate)
    kind, fn = parser.expression()
    parser.expect_end()
    if kind != "bool":
        raise ExprError.one(
            TYPE_MISMATCH,
            f"a routing rule's `when` must be true or false, not a {kind}",
            locate(0, len(text)),
            "compare the order with something, e.g. order.notional > 50_000 USDT",
        )
    return OrderCondition(text, fn)


def _tokens(text: str, locate: Locate) -> list[_Token]:
    out: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            hint = "use '==' to compare" if text[pos] == "=" else None
            hint = hint or ("use 'and' / 'or' / 'not'" if text[pos] in "&|!" else None)
            raise ExprError.one(SYNTAX, f"unexpected '{text[pos]}'", locate(pos, pos + 1), hint)
        kind = match.lastgroup or ""
        if kind != "space":
            out.append(_Token(kind, match.group(), pos, match.end()))
        pos = match.end()
    out.append(_Token("end", "", len(text), len(text)))
    return out


def _number(text: str) -> float:
    body = text.replace("_", "")
    if body.endswith("%"):
        return float(body[:-1]) / 100.0
    if body.endswith("bps"):
        return float(body[:-3]) / 10_000.0
    # A currency (`50_000 USDT`) documents the unit: order amounts are in the quote currency.
    return float(body.split()[0])


class _Parser:
    """Recursive descent, loosest first: or, and, not, comparison, + -, * /, unary -."""

    def __init__(self, text: str, locate: Locate) -> None:
        self.text = text
        self.locate = locate
        self.tokens = _tokens(text, locate)
        self.pos = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def at(self, *words: str) -> bool:
        token = self.token
        return token.kind in ("op", "name") and token.text in words

    def span(self, token: _Token) -> Any:
        return self.locate(token.start, max(token.end, token.start + 1))

    def expect_end(self) -> None:
        token = self.token
        if token.kind != "end":
            raise ExprError.one(
                SYNTAX,
                f"unexpected '{token.text}' after a complete expression",
                self.span(token),
                "join conditions with 'and' / 'or'",
            )

    def expression(self) -> tuple[str, Fn]:
        return self.disjunction()

    def _logic(self, word: str, operand: Callable[[], tuple[str, Fn]]) -> tuple[str, Fn]:
        start = self.token
        fn: Fn
        kind, fn = operand()
        while self.at(word):
            op = self.take()
            right_start = self.token
            right_kind, right = operand()
            self.need("bool", kind, start, f"'{word}' joins true/false conditions")
            self.need("bool", right_kind, right_start, f"'{word}' joins true/false conditions")
            left = fn
            fn = _both(left, right) if word == "and" else _either(left, right)
            kind = "bool"
            del op
        return kind, fn

    def disjunction(self) -> tuple[str, Fn]:
        return self._logic("or", self.conjunction)

    def conjunction(self) -> tuple[str, Fn]:
        return self._logic("and", self.negation)

    def negation(self) -> tuple[str, Fn]:
        if self.at("not"):
            self.take()
            start = self.token
            kind, fn = self.negation()
            self.need("bool", kind, start, "'not' negates a true/false condition")
            return "bool", lambda o, a=fn: not a(o)
        return self.comparison()

    def comparison(self) -> tuple[str, Fn]:
        start = self.token
        kind, left = self.sum()
        if not (self.token.kind == "op" and self.token.text in _COMPARE):
            return kind, left
        op = self.take()
        right_start = self.token
        right_kind, right = self.sum()
        if op.text in ("==", "!="):
            if kind != right_kind:
                raise ExprError.one(
                    TYPE_MISMATCH,
                    f"cannot compare a {_WORDS[kind]} with a {_WORDS[right_kind]}",
                    self.locate(start.start, self.tokens[self.pos - 1].end),
                    _compare_hint(kind, right_kind),
                )
        else:
            self.need("number", kind, start, f"'{op.text}' compares numbers")
            self.need("number", right_kind, right_start, f"'{op.text}' compares numbers")
        if self.token.kind == "op" and self.token.text in _COMPARE:
            raise ExprError.one(
                SYNTAX,
                "comparisons do not chain",
                self.span(self.token),
                "write a < b and b < c",
            )
        compare = {
            "==": lambda a, b: a == b,
            "!=": lambda a, b: a != b,
            "<": lambda a, b: a < b,
            "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b,
            ">=": lambda a, b: a >= b,
        }[op.text]
        return "bool", lambda o, a=left, b=right, c=compare: c(a(o), b(o))

    def _arith(self, ops: str, operand: Callable[[], tuple[str, Fn]]) -> tuple[str, Fn]:
        start = self.token
        kind, fn = operand()
        while self.token.kind == "op" and self.token.text in ops:
            op = self.take()
            right_start = self.token
            right_kind, right = operand()
            self.need("number", kind, start, f"'{op.text}' works on numbers")
            self.need("number", right_kind, right_start, f"'{op.text}' works on numbers")
            left = fn
            fn = {
                "+": lambda o, a=left, b=right: a(o) + b(o),
                "-": lambda o, a=left, b=right: a(o) - b(o),
                "*": lambda o, a=left, b=right: a(o) * b(o),
                "/": lambda o, a=left, b=right: _divide(a(o), b(o)),
            }[op.text]
            kind = "number"
        return kind, fn

    def sum(self) -> tuple[str, Fn]:
        return self._arith("+-", self.product)

    def product(self) -> tuple[str, Fn]:
        return self._arith("*/", self.signed)

    def signed(self) -> tuple[str, Fn]:
        if self.token.kind == "op" and self.token.text == "-":
            self.take()
            start = self.token
            kind, fn = self.signed()
            self.need("number", kind, start, "'-' negates a number")
            return "number", lambda o, a=fn: -a(o)
        return self.atom()

    def atom(self) -> tuple[str, Fn]:
        token = self.take()
        if token.kind == "number":
            value = _number(token.text)
            return "number", lambda o, v=value: v
        if token.kind == "string":
            text = token.text[1:-1]
            return "text", lambda o, v=text: v
        if token.kind == "symbol":
            return "text", lambda o, v=token.text: v
        if token.kind == "op" and token.text == "(":
            result = self.expression()
            if not (self.token.kind == "op" and self.token.text == ")"):
                raise ExprError.one(
                    SYNTAX, "expected ')'", self.span(self.token), "close the parenthesis"
                )
            self.take()
            return result
        if token.kind == "name":
            return self.name(token)
        what = "the end of the expression" if token.kind == "end" else f"'{token.text}'"
        raise ExprError.one(
            SYNTAX,
            f"expected a value, found {what}",
            self.span(token),
            'a value is an order field (order.qty), a number, buy/sell or a "text"',
        )

    def name(self, token: _Token) -> tuple[str, Fn]:
        word = token.text
        if word in ("true", "false"):
            return "bool", lambda o, v=(word == "true"): v
        if word in SIDES:
            return "side", lambda o, v=SIDES[word]: v
        if word in FIELDS:
            attribute = word.split(".", 1)[1]
            return FIELDS[word], lambda o, a=attribute: getattr(o, a)
        if word in _KEYWORDS:
            raise ExprError.one(SYNTAX, f"expected a value, found '{word}'", self.span(token))
        known = [*FIELDS, *SIDES]
        raise ExprError.one(
            UNKNOWN_NAME,
            f"unknown name '{word}' in a routing rule",
            self.span(token),
            did_you_mean(word, known) or f"order fields: {', '.join(FIELDS)}",
        )

    def need(self, expected: str, kind: str, start: _Token, why: str) -> None:
        if kind == expected:
            return
        end = self.tokens[self.pos - 1].end
        raise ExprError.one(
            TYPE_MISMATCH,
            f"expected a {_WORDS[expected]}, found a {_WORDS[kind]}: {why}",
            self.locate(start.start, max(end, start.start + 1)),
        )


_WORDS = {"bool": "true/false value", "number": "number", "side": "side", "text": "text"}


def _compare_hint(a: str, b: str) -> str | None:
    if "side" in (a, b):
        return "order.side is buy or sell, e.g. order.side == buy"
    if "text" in (a, b):
        return 'text is written in quotes, e.g. order.symbol == "BTC/USDT"'
    return None


def _both(a: Fn, b: Fn) -> Fn:
    return lambda o: a(o) and b(o)


def _either(a: Fn, b: Fn) -> Fn:
    return lambda o: a(o) or b(o)


def _divide(a: float, b: float) -> float:
    return a / b if b else float("nan")
