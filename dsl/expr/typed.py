"""The typed tree `check` returns: signals inlined, constants folded, every node with its
type. It is what the Plan stores (as JSON, through to_json/from_json) and what the runtime
compiles to closures."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from orderloom.dsl.expr.types import Ty


@dataclass(frozen=True, kw_only=True)
class Typed:
    KIND: ClassVar[str] = ""
    type: str
    currency: str | None = None  # money only (and a price's quote currency, to label money)

    @property
    def ty(self) -> Ty:
        return Ty(self.type, self.currency)

    def children(self) -> Iterator[Typed]:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Typed):
                yield value
            elif isinstance(value, tuple):
                yield from (v for v in value if isinstance(v, Typed))


@dataclass(frozen=True, kw_only=True)
class Const(Typed):
    KIND: ClassVar[str] = "const"
    value: float | int | bool | str  # a "number" const is a bare literal and may take a unit


@dataclass(frozen=True, kw_only=True)
class Market(Typed):
    """A market value of an instrument: last, bid, ask, mid, spread, spread_bps, bid_qty..."""

    KIND: ClassVar[str] = "market"
    field: str
    instrument: str


@dataclass(frozen=True, kw_only=True)
class BookRead(Typed):
    """A value of an instrument's L2 book: `level_price`/`level_qty` (level from 1, side
    +1 bid / -1 ask), `depth` (side, arg = ratio of the mid), `imbalance` (arg = levels per
    side) or `microprice`. Without an L2 book it reads the top of book."""

    KIND: ClassVar[str] = "book"
    field: str
    instrument: str
    side: int = 0
    arg: float = 0.0


@dataclass(frozen=True, kw_only=True)
class Account(Typed):
    """position (per instrument), pnl and drawdown (per strategy instance)."""

    KIND: ClassVar[str] = "account"
    field: str
    instrument: str | None = None


@dataclass(frozen=True, kw_only=True)
class OrderField(Typed):
    """A field of the order a routing rule decides on (dsl/expr/functions.py ORDER_FIELDS);
    the closure reads it as an attribute of the object it is called with."""

    KIND: ClassVar[str] = "order"
    field: str


@dataclass(frozen=True, kw_only=True)
class InstrumentRef(Typed):
    KIND: ClassVar[str] = "instrument"
    instrument: str


@dataclass(frozen=True, kw_only=True)
class Unary(Typed):
    KIND: ClassVar[str] = "unary"
    op: str  # "neg" | "not" | "abs"
    operand: Typed


@dataclass(frozen=True, kw_only=True)
class Arith(Typed):
    KIND: ClassVar[str] = "arith"
    op: str  # + - * /
    left: Typed
    right: Typed


@dataclass(frozen=True, kw_only=True)
class Compare(Typed):
    KIND: ClassVar[str] = "compare"
    op: str  # < <= > >= == !=
    left: Typed
    right: Typed


@dataclass(frozen=True, kw_only=True)
class Logic(Typed):
    KIND: ClassVar[str] = "logic"
    op: str  # and | or
    left: Typed
    right: Typed


@dataclass(frozen=True, kw_only=True)
class If(Typed):
    KIND: ClassVar[str] = "if"
    condition: Typed
    then: Typed
    otherwise: Typed


@dataclass(frozen=True, kw_only=True)
class Extremum(Typed):
    KIND: ClassVar[str] = "extremum"
    op: str  # min | max
    args: tuple[Typed, ...]


@dataclass(frozen=True, kw_only=True)
class Indicator(Typed):
    """A stateful function of an input over a window of ticks (count) or event time (ns)."""

    KIND: ClassVar[str] = "indicator"
    function: str  # ema | sma | vwap | zscore | returns | volatility
    input: Typed
    window: int  # ticks, or nanoseconds
    window_kind: str  # "count" | "duration"
    drivers: tuple[str, ...]  # instruments whose ticks update it


_NODE_CLASSES: tuple[type[Typed], ...] = (
    Const,
    Market,
    BookRead,
    Account,
    OrderField,
    InstrumentRef,
    Unary,
    Arith,
    Compare,
    Logic,
    If,
    Extremum,
    Indicator,
)
_KINDS: dict[str, type[Typed]] = {cls.KIND: cls for cls in _NODE_CLASSES}


def to_json(t: Typed) -> Any:
    """A plain JSON value (dicts, lists, str, numbers, bool) for the Plan."""
    out: dict[str, Any] = {"node": t.KIND}
    for f in dataclasses.fields(t):
        value = getattr(t, f.name)
        if f.name == "currency" and value is None:
            continue
        if isinstance(value, Typed):
            value = to_json(value)
        elif isinstance(value, tuple):
            value = [to_json(v) if isinstance(v, Typed) else v for v in value]
        out[f.name] = value
    return out


def from_json(data: Any) -> Typed:
    """Inverse of to_json; accepts tuples where lists were written (Plan.from_json)."""
    if not isinstance(data, dict) or data.get("node") not in _KINDS:
        raise ValueError(f"not a typed expression: {data!r}")
    cls = _KINDS[data["node"]]
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key == "node":
            continue
        if isinstance(value, dict):
            value = from_json(value)
        elif isinstance(value, list | tuple):
            value = tuple(from_json(v) if isinstance(v, dict) else v for v in value)
        kwargs[key] = value
    return cls(**kwargs)


def free_instruments(t: Typed) -> frozenset[str]:
    """Every instrument the expression reads, directly or through an indicator."""
    found: set[str] = set()
    stack = [t]
    while stack:
        node = stack.pop()
        reads = isinstance(node, Market | BookRead | InstrumentRef | Account)
        if reads and node.instrument is not None:  # type: ignore[attr-defined]
            found.add(node.instrument)  # type: ignore[attr-defined]
        elif isinstance(node, Indicator):
            found.update(node.drivers)
        stack.extend(node.children())
    return frozenset(found)
