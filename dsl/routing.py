"""The `routing:` section: rules (`- when: <order expression>  route: <venue or router>`),
declared smart order routers (`routers:`, kinds of category "router") and `default:`.

Compiled in two steps: `compile_routing` checks the section on its own; `apply_routing`
gives every routed strategy a slot for its symbol on each venue a rule or router may send
to, so the engine runs a simulated venue and a book for each of them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from orderloom.dsl import codes, registry
from orderloom.dsl.context import KindContext, Names
from orderloom.dsl.diagnostics import Diagnostics, did_you_mean
from orderloom.dsl.errors import NO_SPAN, Span
from orderloom.dsl.expr import ExprCompiler, ExprError, Locate, Scope, Typed, check, parse
from orderloom.dsl.expr.errors import TYPE_MISMATCH
from orderloom.dsl.expr.types import BOOL, NUMERIC
from orderloom.dsl.nodes import Mapping, Node, Scalar, Sequence, to_python
from orderloom.dsl.plan import (
    Feed,
    Instrument,
    Router,
    RouteRule,
    Routing,
    Strategy,
    slot_venues,
)
from orderloom.dsl.schema import component_validator

# Routers read the venues' books, so each of their venues needs a quotes feed.
BOOK_ROUTERS = frozenset({"best_price", "split", "cheapest_fees"})


@dataclass
class RoutingSection:
    """The checked section before strategies are known; `active` when it has rules or
    routers (a bare `default: venue` keeps the one-venue behaviour at no cost)."""

    routing: Routing
    venue_spans: dict[str, list[Span]]  # route target -> places naming it
    active: bool
    ok: bool = True


def compile_routing(
    node: Node | None, key: Scalar | None, names: Names, diags: Diagnostics
) -> RoutingSection:
    if not isinstance(node, Mapping) or key is None:
        return RoutingSection(Routing(), {}, False)
    section = RoutingSection(Routing(span=key.span), {}, False)
    routers = _routers(node, names, diags, section)
    router_names = {r.name for r in routers}
    declared = _declared_router_names(node)
    rules: list[RouteRule] = []
    listed = node.get("rules")
    for item in listed.items if isinstance(listed, Sequence) else ():
        if not isinstance(item, Mapping):
            continue
        when = item.get("when")
        route = item.get("route")
        if not isinstance(when, Scalar) or not isinstance(route, Scalar):
            section.ok = False  # the schema reported the missing key
            continue
        try:
            compile_condition(str(when.value), when.locate, names.instruments)
        except ExprError as error:
            diags.extend(error.diagnostics)
            section.ok = False
            continue
        if _target(route, names, router_names, declared, diags, section):
            rules.append(RouteRule(str(when.value), str(route.value), item.span))
    default = node.get("default")
    default_name = None
    if isinstance(default, Scalar):
        default_name = str(default.value)
        if default_name in declared or isinstance(listed, Sequence) or routers:
            _target(default, names, router_names, declared, diags, section)
        # else: a plain `default: venue`, checked by resolve.default_route as before
    section.active = bool(
        rules or routers or declared or (isinstance(listed, Sequence) and listed.items)
    )
    section.routing = Routing(default_name, key.span, tuple(rules), tuple(routers))
    return section


def compile_condition(text: str, locate: Locate, instruments: Iterable[str]) -> Typed:
    """A rule's `when` checked in the expression language with the order in scope
    (`order.notional > 10_000 USDT`); it must be true or false. ExprError with places."""
    scope = Scope(frozenset(instruments), order=True, market=False)
    typed = check(parse(text, locate), scope)
    if typed.type != BOOL:
        found = "a number" if typed.type in NUMERIC else f"a {typed.type}"
        raise ExprError.one(
            TYPE_MISMATCH,
            f"a routing rule's `when` must be true or false, not {found}",
            locate(0, len(text)),
            "compare the order with something, e.g. order.notional > 50_000 USDT",
        )
    return typed


def condition_closure(text: str, instruments: Iterable[str]) -> Callable[[Any], bool]:
    """The runtime form of a checked `when`: call it with an object that has the order's
    fields as attributes (side +1/-1, qty, price, notional, symbol, instrument, strategy,
    type)."""
    typed = compile_condition(text, lambda start, end: NO_SPAN, instruments)
    fn: Callable[[Any], bool] = ExprCompiler(()).compile(typed).fn  # type: ignore[assignment]
    return fn


def _declared_router_names(node: Mapping) -> set[str]:
    routers = node.get("routers")
    return {k.text for k, _ in routers.items} if isinstance(routers, Mapping) else set()


def _routers(
    node: Mapping, names: Names, diags: Diagnostics, section: RoutingSection
) -> list[Router]:
    routers = node.get("routers")
    out: list[Router] = []
    if not isinstance(routers, Mapping):
        return out
    for name_key, body in routers.items:
        if not isinstance(body, Mapping):
            continue
        kind = body.get("kind")
        spec = registry.get("router", str(kind.value)) if isinstance(kind, Scalar) else None
        if spec is None:
            section.ok = False  # the schema names the router kinds
            continue
        if name_key.text in names.venues:
            diags.error(
                codes.BAD_VALUE,
                f"router '{name_key.text}' has the name of a venue",
                name_key.span,
                "give the router its own name, so a route names one thing",
            )
            section.ok = False
            continue
        if not component_validator("router", spec.name).is_valid(to_python(body)):
            section.ok = False  # the document check reported it
            continue
        ctx = KindContext(diags, names, owner=name_key.span)
        params = spec.compile(body, ctx)
        if ctx.ok:
            out.append(Router(name_key.text, spec.name, params, name_key.span))
            for venue in params.venues:
                section.venue_spans.setdefault(venue, []).append(name_key.span)
        else:
            section.ok = False
    return out


def _target(
    route: Scalar,
    names: Names,
    routers: set[str],
    declared: set[str],
    diags: Diagnostics,
    section: RoutingSection,
) -> bool:
    name = str(route.value)
    if name in routers:
        return True
    if name in declared:
        section.ok = False  # the router's own error is reported where it is declared
        return False
    if name in names.venues:
        section.venue_spans.setdefault(name, []).append(route.span)
        return True
    diags.error(
        codes.UNKNOWN_REFERENCE,
        f"unknown venue or router '{name}'",
        route.span,
        did_you_mean(name, [*names.venues, *declared])
        or "route to a venue under `venues:` or a router under `routing.routers:`",
    )
    section.ok = False
    return False


def route_venues(routing: Routing) -> list[str]:
    """Every venue a rule, the default or a router may send to, in first-mention order."""
    out: list[str] = []

    def add(name: str | None) -> None:
        if name is None:
            return
        router = routing.router(name)
        for venue in router.params.venues if router is not None else (name,):
            if venue not in out:
                out.append(venue)

    for rule in routing.rules:
        add(rule.route)
    add(routing.default)
    return out


def reachable_venues(
    strategies: Iterable[Strategy],
    routing: Routing,
    instruments: Iterable[Instrument] = (),
    declared: Collection[str] = (),
) -> dict[str, tuple[str, ...]]:
    """The venues each instance's orders may reach, for instances that reach more than their
    own: a routed one, its own venue then every venue a rule, the default or a router may
    send to; one trading instruments on several venues (cross-venue arbitrage), every slot's
    venue (Plan.slot_venues). Instances left out reach their own venue only."""
    routed = set(routing.strategies)
    targets = route_venues(routing) if routed else ()
    by_id = {i.id: i for i in instruments}
    out: dict[str, tuple[str, ...]] = {}
    for s in strategies:
        slots = slot_venues(s, [by_id[i] for i in s.instruments if i in by_id], declared)
        reach = (s.venue, *slots, *(targets if s.name in routed else ()))
        if s.name in routed or len(set(reach)) > 1:
            out[s.name] = tuple(dict.fromkeys(reach))
    return out


def book_venues(routing: Routing) -> set[str]:
    """Venues whose book a router in use reads (a split by fixed weights reads none)."""
    used = {r.route for r in routing.rules} | {routing.default}
    return {
        v
        for r in routing.routers
        if r.name in used and r.kind in BOOK_ROUTERS and getattr(r.params, "by", "") != "weights"
        for v in r.params.venues
    }


def apply_routing(
    section: RoutingSection,
    strategies: list[Strategy],
    explicit_venue: set[str],
    instruments: list[Instrument],
    feeds: list[Feed],
    diags: Diagnostics,
) -> tuple[list[Strategy], Routing]:
    """Subscribe each routed strategy (one without its own `venue:`) to its symbol on every
    venue it may be routed to: the instruments are appended after the ones it declares."""
    routing = section.routing
    if not section.active or not section.ok:
        return strategies, routing
    by_id = {i.id: i for i in instruments}
    fed = {f.instrument for f in feeds}
    quoted = {f.instrument for f in feeds if f.schema in ("quotes", "book")}
    targets = route_venues(routing)
    needs_book = book_venues(routing)
    out: list[Strategy] = []
    routed: list[str] = []
    reported: set[tuple[str, str]] = set()
    for strategy in strategies:
        if strategy.name in explicit_venue:
            out.append(strategy)
            continue
        home = by_id[strategy.instruments[0]]
        added: list[str] = []
        ok = True
        for venue in targets:
            instrument_id = f"{home.symbol}@{venue}"
            problem = _missing(instrument_id, home, by_id, fed, quoted, venue in needs_book)
            if problem is None:
                if instrument_id not in strategy.instruments:
                    added.append(instrument_id)
                continue
            ok = False
            if (instrument_id, problem[0]) in reported:
                continue
            reported.add((instrument_id, problem[0]))
            span = section.venue_spans.get(venue, [NO_SPAN])[0]
            diags.error(
                problem[0],
                f"strategy '{strategy.template}' may be routed to venue '{venue}', but "
                f"{problem[1]}",
                span,
                problem[2],
            )
        if not ok:
            continue
        out.append(dataclasses.replace(strategy, instruments=(*strategy.instruments, *added)))
        routed.append(strategy.name)
    return out, dataclasses.replace(routing, strategies=tuple(routed))


def _missing(
    instrument_id: str,
    home: Instrument,
    by_id: dict[str, Instrument],
    fed: set[str],
    quoted: set[str],
    needs_book: bool,
) -> tuple[str, str, str] | None:
    """(code, what is missing, hint) when the strategy cannot trade `instrument_id`."""
    instrument = by_id.get(instrument_id)
    if instrument is None:
        return (
            codes.UNKNOWN_REFERENCE,
            f"instrument {instrument_id} is not declared",
            f"declare {instrument_id} under `instruments:` with a feed",
        )
    if (instrument.lot_size, instrument.tick_size) != (home.lot_size, home.tick_size):
        return (
            codes.BAD_VALUE,
            f"{instrument_id} has lot_size {instrument.lot_size} and tick_size "
            f"{instrument.tick_size}, {home.id} has {home.lot_size} and {home.tick_size}",
            "routing sends one order to any of these venues: give them the same lot and tick",
        )
    if instrument_id not in fed:
        return (
            codes.NO_FEED,
            f"{instrument_id} has no market data",
            f"add a feed for {instrument_id}",
        )
    if needs_book and instrument_id not in quoted:
        return (
            codes.NO_FEED,
            f"{instrument_id} has no quotes feed (a router reads the venues' books)",
            f"add a `schema: quotes` (or `schema: book`) feed for {instrument_id}",
        )
    return None
