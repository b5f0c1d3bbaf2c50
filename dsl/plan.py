"""The Plan: the compiler's output and the runtime's only input.

Frozen, JSON-serialisable dataclasses. Per-kind parameters are each kind's own frozen
dataclass (declared beside the kind's schema in `dsl/kinds/`); `Plan.to_json` tags them with
their kind so `Plan.from_json` can rebuild them through the registry.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from orderloom.dsl.errors import NO_SPAN, Span

Side = Literal["buy", "sell"]


@dataclass(frozen=True)
class Expr:
    """A type-checked expression. `ast` is the JSON form of dsl.expr's typed AST; signal
    references are already inlined, so the runtime needs nothing else to compile it."""

    source: str
    ast: Any
    type: str
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Instrument:
    id: str  # "BTC/USDT@sim": symbol@venue
    symbol: str  # "BTC/USDT"
    base: str
    quote: str
    venue: str
    tick_size: float
    lot_size: float
    min_notional: float = 0.0
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Venue:
    name: str
    kind: str  # registry kind, e.g. "simulated"
    params: Any  # the kind's frozen params dataclass
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Feed:
    name: str
    kind: str  # "replay" | "synthetic" | ...
    instrument: str
    schema: Literal["trades", "quotes", "book"]
    params: Any
    span: Span = NO_SPAN
    # Time bars built from its trades (dsl/bars.py): intervals in ns, and the watermark wait.
    bars_ns: tuple[int, ...] = ()
    bars_wait_ns: int = 0


@dataclass(frozen=True)
class Signal:
    name: str
    expr: Expr
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Strategy:
    """One strategy *instance* (a `for_each` template yields several)."""

    name: str  # instance name, also the engine key: "buy_twap" or "mm[ETH/USDT@sim]"
    template: str  # the YAML key it came from
    kind: str
    instruments: tuple[str, ...]  # market data it subscribes to; first is the traded one
    venue: str  # where its orders are routed
    params: Any
    span: Span = NO_SPAN
    # Cancel-on-disconnect: market data silent this long cancels all and blocks orders; 0: off.
    stale_after_ns: int = 0


@dataclass(frozen=True)
class RiskScope:
    """Where a declared limit applies: the strategy instances matching every dimension given
    (strategy names or templates, instruments they read, venues they route to). Empty
    everywhere: the whole account."""

    strategies: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    venues: tuple[str, ...] = ()

    def label(self) -> str:
        parts = [
            f"{word} {'|'.join(names)}"
            for word, names in (
                ("strategy", self.strategies),
                ("instrument", self.instruments),
                ("venue", self.venues),
            )
            if names
        ]
        return ", ".join(parts) or "account"

    def matches(self, strategy: Strategy, reach: Sequence[str] | None = None) -> bool:
        """Whether the instance is in scope; `reach` lists the venues its orders may reach
        (its own and, when routed, every route's; default: its own venue only)."""
        venues = self.venues
        return (
            (
                not self.strategies
                or strategy.name in self.strategies
                or strategy.template in self.strategies
            )
            and (not venues or any(v in venues for v in reach or (strategy.venue,)))
            and (not self.instruments or any(i in self.instruments for i in strategy.instruments))
        )


@dataclass(frozen=True)
class RiskCheck:
    """One pre-trade check of one strategy instance, resolved at compile time: `params` is
    the kind's frozen params with budgets already scaled to this instance's `share` of the
    declared limit."""

    kind: str  # registry name, category "risk"
    params: Any
    instruments: tuple[str, ...] = ()  # checks only orders on these; () = every instrument
    scope: RiskScope = field(default_factory=RiskScope)  # as declared, for messages
    share: float = 1.0
    span: Span = NO_SPAN


@dataclass(frozen=True)
class InstanceRisk:
    strategy: str  # instance name
    checks: tuple[RiskCheck, ...]


@dataclass(frozen=True)
class RiskLimits:
    """The `risk:` section. The shorthand fields keep what `max_order_notional` and
    `max_position` declared; `instances` holds every instance's resolved checks (a compiled
    plan lists every instance; a plan built by hand may leave it empty, and the runtime then
    applies the shorthand fields as they stand)."""

    max_order_notional: float | None = None
    notional_currency: str | None = None
    max_position: tuple[tuple[str, float], ...] = ()  # (instrument id, max |position|)
    span: Span = NO_SPAN
    instances: tuple[InstanceRisk, ...] = ()
    # `risk: account:` entries (dsl/kinds/risk_account.py), enforced by the account monitor.
    account: tuple[Any, ...] = ()

    def position_limit(self, instrument: str) -> float | None:
        for inst, limit in self.max_position:
            if inst == instrument:
                return limit
        return None

    def checks_for(self, strategy: str) -> tuple[RiskCheck, ...] | None:
        """The instance's resolved checks; None when the plan carries no resolution."""
        for instance in self.instances:
            if instance.strategy == strategy:
                return instance.checks
        return None


@dataclass(frozen=True)
class RouteRule:
    """`- when: "<order expression>"  route: <venue or router>`; `when` is kept as text (the
    runtime compiles it with dsl/routing.py condition_closure) and was checked by the compiler."""

    when: str
    route: str
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Router:
    """A declared smart order router: kind `best_price` | `split` | `cheapest_fees`; its
    params name the venues it may use (`params.venues`)."""

    name: str
    kind: str
    params: Any
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Routing:
    default: str | None = None  # a venue, or (with rules/routers) a router
    span: Span = NO_SPAN
    rules: tuple[RouteRule, ...] = ()  # evaluated in order, first match wins
    routers: tuple[Router, ...] = ()
    strategies: tuple[str, ...] = ()  # instances whose orders the rules route

    def router(self, name: str) -> Router | None:
        return next((r for r in self.routers if r.name == name), None)


@dataclass(frozen=True)
class Sink:
    name: str
    kind: str  # "clickhouse"
    url: str | None  # None: the embedded default (chdb://.orderloom/clickhouse)
    database: str = "orderloom"
    span: Span = NO_SPAN


@dataclass(frozen=True)
class Plan:
    name: str
    description: str
    source: str  # path of the pipeline file
    instruments: tuple[Instrument, ...]
    venues: tuple[Venue, ...]
    feeds: tuple[Feed, ...]
    signals: tuple[Signal, ...]
    strategies: tuple[Strategy, ...]
    risk: RiskLimits = field(default_factory=RiskLimits)
    routing: Routing = field(default_factory=Routing)
    sinks: tuple[Sink, ...] = ()
    version: int = 1
    account: str = "default"  # top-level `account:`: what the account monitor sums over

    def instrument(self, instrument_id: str) -> Instrument:
        return next(i for i in self.instruments if i.id == instrument_id)

    def venue(self, name: str) -> Venue:
        return next(v for v in self.venues if v.name == name)

    def slot_venues(self, strategy: Strategy) -> tuple[str, ...]:
        """The venue each of the instance's instrument slots sends its orders to."""
        instruments = [self.instrument(i) for i in strategy.instruments]
        return slot_venues(strategy, instruments, {v.name for v in self.venues})

    def feeds_for(self, instrument_id: str) -> tuple[Feed, ...]:
        return tuple(f for f in self.feeds if f.instrument == instrument_id)

    def to_json(self) -> dict[str, Any]:
        return _encode(self)

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=False)

    def redacted(self) -> Plan:
        """The plan as it may be shown or stored: sink passwords replaced by `***`
        (credentials never appear in plans, logs or ClickHouse)."""
        sinks = tuple(
            dataclasses.replace(s, url=redact_url(s.url)) if s.url else s for s in self.sinks
        )
        return dataclasses.replace(self, sinks=sinks)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        return _decode_plan(data)


_PASSWORD = re.compile(r"^(?P<head>[a-z][a-z0-9+.-]*://[^:@/]*:)(?P<password>[^@/]*)(?=@)", re.I)


def redact_url(url: str) -> str:
    """`scheme://user:secret@host…` → `scheme://user:***@host…`; other URLs unchanged."""
    return _PASSWORD.sub(lambda m: m.group("head") + "***", url)


# --- JSON encoding -------------------------------------------------------------------------
# Dataclasses become dicts tagged with "__type__" so that per-kind params round-trip without a
# hand-written codec per kind; the registry supplies the classes by name.


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {"__type__": type(value).__qualname__}
        for f in dataclasses.fields(value):
            out[f.name] = _encode(getattr(value, f.name))
        return out
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


def plan_types() -> dict[str, type]:
    """Every dataclass that may appear in a Plan, by qualified name."""
    from orderloom.dsl import registry  # late: registry imports the kind modules

    types: dict[str, type] = {
        t.__qualname__: t
        for t in (
            Expr,
            Instrument,
            Venue,
            Feed,
            Signal,
            Strategy,
            RiskScope,
            RiskCheck,
            InstanceRisk,
            RiskLimits,
            RouteRule,
            Router,
            Routing,
            Sink,
            Span,
            Plan,
        )
    }
    for kind in registry.all_kinds():
        types[kind.params_type.__qualname__] = kind.params_type
    return types


def _decode(value: Any, types: dict[str, type]) -> Any:
    if isinstance(value, dict):
        if "__type__" in value:
            cls = types[value["__type__"]]
            kwargs = {k: _decode(v, types) for k, v in value.items() if k != "__type__"}
            return cls(**kwargs)
        return {k: _decode(v, types) for k, v in value.items()}
    if isinstance(value, list):
        return tuple(_decode(v, types) for v in value)
    return value


def _decode_plan(data: dict[str, Any]) -> Plan:
    plan = _decode(data, plan_types())
    if not isinstance(plan, Plan):
        raise TypeError("not a Plan document")
    return plan


def slot_venues(
    strategy: Strategy, instruments: Sequence[Instrument], declared: Collection[str]
) -> tuple[str, ...]:
    """Where each slot's orders go: the traded instrument (slot 0) to the instance's venue;
    another instrument to its own venue (`symbol@venue`) when that venue is declared, so one
    instance can trade the same asset on several venues; else the instance's venue."""
    return tuple(
        strategy.venue if k == 0 or i.venue not in declared else i.venue
        for k, i in enumerate(instruments)
    )
