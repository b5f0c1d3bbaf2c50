"""Typed tree -> nested Python closures, compiled once per expression; a tick then costs a
few closure calls and no tree walk (and never eval/exec). ExprCompiler gives each
strategy instance its instrument slots and shares identical indicators between its
expressions."""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from orderloom.dsl.expr import typed as t
from orderloom.dsl.expr.errors import UNKNOWN_INSTRUMENT, ExprError
from orderloom.dsl.expr.indicators import Indicator, make_indicator
from orderloom.dsl.expr.state import NAN, MarketState

Fn = Callable[[MarketState], Any]

# A leaf lets its parent fuse the read into its own closure (one call instead of two):
# ("const", value) | ("ind", slot) | None.
Leaf = tuple[str, Any] | None

_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass
class Compiled:
    fn: Callable[[MarketState], float | bool]
    type: str
    indicators: tuple[Indicator, ...]  # those this expression reads, in update order

    def ready(self) -> bool:
        """All indicators it reads are warm (before that, fn may return nan)."""
        return all(indicator.ready() for indicator in self.indicators)


class ExprCompiler:
    """Compiles the expressions of one strategy instance against its instrument slots."""

    def __init__(self, instruments: Sequence[str]) -> None:
        self.instruments = tuple(instruments)  # slot i = instruments[i]
        self._slots = {instrument: i for i, instrument in enumerate(self.instruments)}
        self._indicators: list[Indicator] = []
        self._shared: dict[str, Indicator] = {}
        self._by_instrument: dict[int, tuple[Indicator, ...]] = {}
        self._states: list[MarketState] = []

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        """Every indicator compiled so far, in dependency (update) order."""
        return tuple(self._indicators)

    def compile(self, typed_json: Any) -> Compiled:
        node = typed_json if isinstance(typed_json, t.Typed) else t.from_json(typed_json)
        if node.type == "instrument":
            raise ValueError("an instrument is not a value; read one of its values instead")
        used: list[Indicator] = []
        fn, _leaf = self._compile(node, used)
        ordered = tuple(sorted(set(used), key=lambda indicator: indicator.slot))
        return Compiled(fn=fn, type=node.type, indicators=ordered)

    def new_state(self) -> MarketState:
        """A fresh state sized for these instruments; it grows with later compiles."""
        state = MarketState(len(self.instruments), len(self._indicators))
        self._states.append(state)
        return state

    def indicators_for(self, instrument_slot: int) -> tuple[Indicator, ...]:
        """The indicators a tick of this instrument updates, inner ones first."""
        found = self._by_instrument.get(instrument_slot)
        if found is None:
            found = tuple(i for i in self._indicators if instrument_slot in i.instruments)
            self._by_instrument[instrument_slot] = found
        return found

    def snapshot(self) -> list[dict[str, Any]]:
        """Every indicator's warm-up state as plain data, for engine checkpoints."""
        return [indicator.snapshot() for indicator in self._indicators]

    def restore(self, data: Sequence[dict[str, Any]]) -> None:
        """Load a snapshot() taken from a compiler fed the same expressions in the same order."""
        for indicator, saved in zip(self._indicators, data, strict=True):
            indicator.restore(saved)

    # --- closures -------------------------------------------------------------------------

    def _slot(self, instrument: str) -> int:
        slot = self._slots.get(instrument)
        if slot is None:
            raise ExprError.one(
                UNKNOWN_INSTRUMENT,
                f"expression reads {instrument}, which this strategy does not subscribe to",
            )
        return slot

    def _compile(self, node: t.Typed, used: list[Indicator]) -> tuple[Fn, Leaf]:
        if isinstance(node, t.Const):
            value = node.value
            return (lambda s: value), ("const", value)
        if isinstance(node, t.Market):
            return _market(node.field, self._slot(node.instrument)), None
        if isinstance(node, t.Account):
            return self._account(node), None
        if isinstance(node, t.OrderField):  # routing rules call fn with the order's fields
            return operator.attrgetter(node.field), None
        if isinstance(node, t.BookRead):
            return _book(node, self._slot(node.instrument)), None
        if isinstance(node, t.Indicator):
            slot = self._indicator(node, used)
            return (lambda s: s.ind[slot]), ("ind", slot)
        if isinstance(node, t.Unary):
            return _unary(node.op, self._compile(node.operand, used)[0]), None
        if isinstance(node, t.Arith):
            left, right = self._compile(node.left, used), self._compile(node.right, used)
            return _arith(node.op, left, right), None
        if isinstance(node, t.Compare):
            left, right = self._compile(node.left, used), self._compile(node.right, used)
            return _compare(_COMPARE[node.op], left, right), None
        if isinstance(node, t.Logic):
            a, b = self._compile(node.left, used)[0], self._compile(node.right, used)[0]
            if node.op == "and":
                return (lambda s: a(s) and b(s)), None
            return (lambda s: a(s) or b(s)), None
        if isinstance(node, t.If):
            return _conditional(
                self._compile(node.condition, used)[0],
                self._compile(node.then, used),
                self._compile(node.otherwise, used),
            ), None
        if isinstance(node, t.Extremum):
            fns = [self._compile(arg, used)[0] for arg in node.args]
            fn = fns[0]
            for other in fns[1:]:
                fn = _extremum(node.op, fn, other)
            return fn, None
        raise ValueError(f"cannot evaluate {node.KIND!r} nodes")

    def _account(self, node: t.Account) -> Fn:
        if node.field == "position":
            assert node.instrument is not None
            i = self._slot(node.instrument)
            return lambda s: s.position[i]
        if node.field == "pnl":
            return lambda s: s.pnl
        if node.field == "drawdown":
            return lambda s: s.peak_pnl - s.pnl
        raise ValueError(f"unknown account value {node.field!r}")

    def _indicator(self, node: t.Indicator, used: list[Indicator]) -> int:
        key = json.dumps(
            [node.function, t.to_json(node.input), node.window, node.window_kind, node.drivers],
            sort_keys=True,
        )
        indicator = self._shared.get(key)
        if indicator is None:
            inner: list[Indicator] = []
            source, _leaf = self._compile(node.input, inner)
            used.extend(inner)
            # inner indicators were created first, so slot order is dependency order
            indicator = make_indicator(
                node.function,
                node.window_kind,
                len(self._indicators),
                tuple(self._slot(d) for d in node.drivers),
                source,
                node.window,
            )
            if _reads_trades_only(node.input):
                plain = isinstance(node.input, t.Market) and node.drivers == (
                    node.input.instrument,
                )
                indicator.sample_on_trades(plain_last=plain)
            self._indicators.append(indicator)
            self._shared[key] = indicator
            self._by_instrument.clear()
            for state in self._states:
                state.ind.append(NAN)
            indicator.inputs = tuple(inner)
        else:
            used.extend(indicator.inputs)
        used.append(indicator)
        return indicator.slot


def _reads_trades_only(node: t.Typed) -> bool:
    """Whether the value changes only with trades: it reads `last` and nothing else that
    moves (no quotes, positions or pnl), also through the indicators it contains."""
    stack, reads_last = [node], False
    while stack:
        current = stack.pop()
        if isinstance(current, t.Market):
            if current.field != "last":
                return False
            reads_last = True
        elif isinstance(current, t.Account | t.BookRead):
            return False
        elif isinstance(current, t.Indicator):
            stack.append(current.input)
            continue
        stack.extend(current.children())
    return reads_last


def _market(field: str, i: int) -> Fn:
    if field == "last":
        return lambda s: s.last[i]
    if field == "bid":
        return lambda s: s.bid[i]
    if field == "ask":
        return lambda s: s.ask[i]
    if field == "bid_qty":
        return lambda s: s.bid_qty[i]
    if field == "ask_qty":
        return lambda s: s.ask_qty[i]
    if field == "mid":
        return lambda s: (s.bid[i] + s.ask[i]) * 0.5
    if field == "spread":
        return lambda s: s.ask[i] - s.bid[i]
    if field == "spread_bps":

        def spread_ratio(s: MarketState) -> float:
            bid, ask = s.bid[i], s.ask[i]
            mid = (bid + ask) * 0.5
            return (ask - bid) / mid if mid else NAN

        return spread_ratio
    raise ValueError(f"unknown market value {field!r}")


def _book(node: t.BookRead, i: int) -> Fn:
    """A read of the slot's L2 book (state.books[i], a BookView), or of the top of book the
    engine keeps when the instrument has no book feed."""
    field, side = node.field, node.side
    if field in ("level_price", "level_qty"):
        level = int(node.arg) - 1
        if field == "level_price":
            return lambda s: b.price(side, level) if (b := s.books[i]) is not None else NAN
        return lambda s: b.qty(side, level) if (b := s.books[i]) is not None else NAN
    if field == "depth":
        ratio = node.arg

        def depth(s: MarketState) -> float:
            book = s.books[i]
            if book is not None:
                return float(book.depth(side, ratio))
            bid, ask = s.bid[i], s.ask[i]
            mid = (bid + ask) * 0.5
            if mid != mid:
                return NAN
            if side > 0:
                return float(s.bid_qty[i]) if bid >= mid * (1 - ratio) else 0.0
            return float(s.ask_qty[i]) if ask <= mid * (1 + ratio) else 0.0

        return depth
    if field == "imbalance":
        n = int(node.arg)

        def imbalance(s: MarketState) -> float:
            book = s.books[i]
            if book is not None:
                return float(book.imbalance(n))
            bid_qty, ask_qty = s.bid_qty[i], s.ask_qty[i]
            total = bid_qty + ask_qty
            return (bid_qty - ask_qty) / total if total > 0 else NAN

        return imbalance
    if field == "microprice":
        # The touch is all it needs, and the engine keeps the touch in the state for every
        # quoted instrument, book feed or not.
        def microprice(s: MarketState) -> float:
            bid_qty, ask_qty = s.bid_qty[i], s.ask_qty[i]
            total = bid_qty + ask_qty
            return (s.bid[i] * ask_qty + s.ask[i] * bid_qty) / total if total > 0 else NAN

        return microprice
    raise ValueError(f"unknown book value {field!r}")


def _unary(op: str, f: Fn) -> Fn:
    if op == "neg":
        return lambda s: -f(s)
    if op == "abs":
        return lambda s: abs(f(s))
    if op == "not":
        return lambda s: not f(s)
    raise ValueError(f"unknown unary operator {op!r}")


def _arith(op: str, left: tuple[Fn, Leaf], right: tuple[Fn, Leaf]) -> Fn:
    (a, a_leaf), (b, b_leaf) = left, right
    if op == "/":
        return _divide(a, b, b_leaf)
    fn = _ARITH[op]
    if b_leaf is not None and b_leaf[0] == "const":
        c = b_leaf[1]
        return lambda s: fn(a(s), c)
    if a_leaf is not None and a_leaf[0] == "const":
        c = a_leaf[1]
        return lambda s: fn(c, b(s))
    return lambda s: fn(a(s), b(s))


def _divide(a: Fn, b: Fn, b_leaf: Leaf) -> Fn:
    """x / 0 is nan: a missing or zero denominator must not stop the engine."""
    if b_leaf is not None and b_leaf[0] == "const":
        c = b_leaf[1]
        if c == 0:
            return lambda s: NAN
        return lambda s: a(s) / c

    def divide(s: MarketState) -> float:
        denominator = b(s)
        return a(s) / denominator if denominator else NAN

    return divide


def _compare(fn: Callable[[Any, Any], bool], left: tuple[Fn, Leaf], right: tuple[Fn, Leaf]) -> Fn:
    (a, a_leaf), (b, b_leaf) = left, right
    if a_leaf is not None and b_leaf is not None and a_leaf[0] == b_leaf[0] == "ind":
        i, j = a_leaf[1], b_leaf[1]

        def compare_indicators(s: MarketState) -> bool:
            ind = s.ind
            return fn(ind[i], ind[j])

        return compare_indicators
    if b_leaf is not None and b_leaf[0] == "const":
        c = b_leaf[1]
        return lambda s: fn(a(s), c)
    if a_leaf is not None and a_leaf[0] == "const":
        c = a_leaf[1]
        return lambda s: fn(c, b(s))
    return lambda s: fn(a(s), b(s))


def _conditional(condition: Fn, then: tuple[Fn, Leaf], otherwise: tuple[Fn, Leaf]) -> Fn:
    (a, a_leaf), (b, b_leaf) = then, otherwise
    if a_leaf is not None and b_leaf is not None and a_leaf[0] == b_leaf[0] == "const":
        x, y = a_leaf[1], b_leaf[1]
        return lambda s: x if condition(s) else y
    return lambda s: a(s) if condition(s) else b(s)


def _extremum(op: str, a: Fn, b: Fn) -> Fn:
    """min/max that give nan when either side is nan (builtin min/max depend on order)."""
    if op == "min":

        def smallest(s: MarketState) -> float:
            x, y = a(s), b(s)
            if x <= y:
                return x
            return y if y < x else NAN

        return smallest

    def largest(s: MarketState) -> float:
        x, y = a(s), b(s)
        if x >= y:
            return x
        return y if y > x else NAN

    return largest
