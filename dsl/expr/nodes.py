"""The untyped syntax tree `parse` returns. Every node keeps its offsets in the expression
text and the Span they map to in the YAML file, so later passes can point at it."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl.errors import NO_SPAN, Span
from orderloom.dsl.expr.units import Quantity


@dataclass(frozen=True, kw_only=True)
class Node:
    start: int = 0  # offset of the first character in the expression text
    end: int = 0  # offset after the last character
    span: Span = NO_SPAN


@dataclass(frozen=True, kw_only=True)
class Number(Node):
    """A number literal, with its unit already applied (10bps -> ratio 0.001)."""

    text: str
    quantity: Quantity


@dataclass(frozen=True, kw_only=True)
class Boolean(Node):
    value: bool


@dataclass(frozen=True, kw_only=True)
class InstrumentLit(Node):
    """`BTC/USDT@sim`: symbol@venue."""

    id: str


@dataclass(frozen=True, kw_only=True)
class Name(Node):
    """A bare name: a signal, or a market/account value of the default instrument."""

    name: str


@dataclass(frozen=True, kw_only=True)
class Field(Node):
    """`order.qty`: a field of a record the scope provides (routing rules' order)."""

    record: str
    name: str
    name_span: Span = NO_SPAN


@dataclass(frozen=True, kw_only=True)
class Text(Node):
    """A text value of routing rules: `"buy_twap"` / `'x'` (quoted) or `BTC/USDT` (symbol)."""

    value: str
    quoted: bool


@dataclass(frozen=True, kw_only=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]
    name_span: Span = NO_SPAN


@dataclass(frozen=True, kw_only=True)
class Unary(Node):
    op: str  # "-" | "+" | "not"
    operand: Node


@dataclass(frozen=True, kw_only=True)
class Binary(Node):
    """Arithmetic, comparison or logic; `op` is the operator as written."""

    op: str  # + - * /  < <= > >= == !=  and or
    left: Node
    right: Node


@dataclass(frozen=True, kw_only=True)
class Conditional(Node):
    condition: Node
    then: Node
    otherwise: Node


ARITHMETIC_OPS = frozenset({"+", "-", "*", "/"})
COMPARISON_OPS = frozenset({"<", "<=", ">", ">=", "==", "!="})
LOGIC_OPS = frozenset({"and", "or"})
