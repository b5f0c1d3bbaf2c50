"""Assembling the Plan from the checked document: every component goes through its kind's
compile hook, names are resolved and the graph is checked. Parts that failed are left out
(their problems are reported) and whatever depends on them is skipped without a second
message, so one mistake gives one diagnostic.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from orderloom.dsl import codes, registry
from orderloom.dsl.account import account_name
from orderloom.dsl.bars import check_bar_feeds, compile_bars
from orderloom.dsl.context import KindContext, Names
from orderloom.dsl.diagnostics import Diagnostics
from orderloom.dsl.errors import Span
from orderloom.dsl.expand import Expanded
from orderloom.dsl.graph import check_feeds, check_instrument_venues
from orderloom.dsl.kinds.max_order_notional import MaxOrderNotionalParams
from orderloom.dsl.kinds.max_position import MaxPositionParams
from orderloom.dsl.kinds.risk_account import AccountLimitParams
from orderloom.dsl.nodes import Mapping, Scalar, Sequence
from orderloom.dsl.plan import (
    Feed,
    InstanceRisk,
    Instrument,
    Plan,
    RiskLimits,
    RiskScope,
    Routing,
    Sink,
    Strategy,
    Venue,
)
from orderloom.dsl.resolve import DefaultRoute, default_route, route, subscribed_feeds
from orderloom.dsl.risk_budgets import resolve
from orderloom.dsl.risk_scopes import Declared, StrategyNames, read_declaration
from orderloom.dsl.routing import apply_routing, compile_routing, reachable_venues
from orderloom.dsl.signals import compile_signals
from orderloom.dsl.validate import Checked


class Assembler:
    def __init__(self, expanded: Expanded, checked: Checked, diags: Diagnostics, source: str):
        self.doc = expanded.doc
        self.templates = expanded.templates
        self.checked = checked
        self.diags = diags
        self.source = source
        self.names = Names(base_dir=os.path.dirname(os.path.abspath(source)))

    def section(self, name: str) -> Mapping:
        node = self.doc.get(name)
        return node if isinstance(node, Mapping) else Mapping((), self.doc.span)

    def plan(self) -> Plan:
        names = self.names
        names.instruments = {k.text: k.span for k, _ in self.section("instruments").items}
        names.venues = {k.text: k.span for k, _ in self.section("venues").items}
        names.feeds = {k.text: k.span for k, _ in self.section("feeds").items}
        instruments = self.instruments()
        check_instrument_venues(self.section("instruments"), names.venues, self.diags)
        venues = self.venues()
        feeds = self.feeds()
        signals = compile_signals(self.doc.get("signals"), names, self.diags)
        routing_node = self.doc.get("routing")
        routing = routing_node if isinstance(routing_node, Mapping) else None
        ctx = KindContext(self.diags, names)
        key = self.doc.key("routing")
        section = compile_routing(routing, key, names, self.diags)
        default = DefaultRoute(None, True) if section.active else default_route(routing, names, ctx)
        strategies = self.strategies(feeds, default)
        explicit = {k.text for k, v in self.section("strategies").items if _has_venue(v)}
        strategies, routed = apply_routing(
            section, strategies, explicit, instruments, feeds, self.diags
        )
        reach = reachable_venues(strategies, routed, instruments, set(names.venues))
        return Plan(
            name=self.text("name"),
            description=self.text("description"),
            source=self.source,
            instruments=tuple(instruments),
            venues=tuple(venues),
            feeds=tuple(feeds),
            signals=tuple(signals),
            strategies=tuple(strategies),
            risk=self.risk(instruments, strategies, feeds, reach),
            routing=routed if section.active else _plain_routing(default, key),
            sinks=tuple(self.sinks()),
            account=account_name(self.doc),
        )

    def text(self, key: str) -> str:
        node = self.doc.get(key)
        return str(node.value) if isinstance(node, Scalar) and node.value is not None else ""

    def clean(self, section: str) -> list[tuple[Scalar, Mapping]]:
        return [
            (k, v)
            for k, v in self.section(section).items
            if (section, k.text) in self.checked.clean and isinstance(v, Mapping)
        ]

    def hook(self, category: str, body: Mapping, ctx: KindContext) -> Any:
        kind = body.get("kind")
        assert isinstance(kind, Scalar)
        spec = registry.get(category, str(kind.value))
        assert spec is not None  # unknown kinds are not clean
        return spec.compile(body, ctx)

    # --- sections -------------------------------------------------------------------------

    def instruments(self) -> list[Instrument]:
        out: list[Instrument] = []
        for key, body in self.clean("instruments"):
            ctx = KindContext(self.diags, self.names, owner=key.span)
            symbol, venue = key.text.rsplit("@", 1)
            base, quote = symbol.split("/", 1)
            out.append(
                Instrument(
                    id=key.text,
                    symbol=symbol,
                    base=base,
                    quote=quote,
                    venue=venue,
                    tick_size=ctx.number(body, "tick_size"),
                    lot_size=ctx.number(body, "lot_size"),
                    min_notional=ctx.number(body, "min_notional", 0.0),
                    span=key.span,
                )
            )
        return out

    def venues(self) -> list[Venue]:
        out: list[Venue] = []
        for key, body in self.clean("venues"):
            ctx = KindContext(self.diags, self.names, owner=key.span)
            params = self.hook("venue", body, ctx)
            if ctx.ok:
                out.append(Venue(key.text, _kind(body), params, key.span))
        return out

    def feeds(self) -> list[Feed]:
        out: list[Feed] = []
        for key, body in self.clean("feeds"):
            ctx = KindContext(self.diags, self.names, owner=key.span)
            instrument = ctx.instrument(body, "instrument")
            ctx.default_instrument = instrument
            written = ctx.text(body, "schema")
            schema: Literal["trades", "quotes", "book"] = (
                written if written in ("quotes", "book") else "trades"  # type: ignore[assignment]
            )
            params = self.hook("feed", body, ctx)
            bars_ns, bars_wait_ns = compile_bars(body, ctx, schema)
            if ctx.ok:
                out.append(
                    Feed(
                        key.text,
                        _kind(body),
                        instrument,
                        schema,
                        params,
                        key.span,
                        bars_ns=bars_ns,
                        bars_wait_ns=bars_wait_ns,
                    )
                )
        check_bar_feeds(out, self.diags)
        return out

    def strategies(self, feeds: list[Feed], default: DefaultRoute) -> list[Strategy]:
        self.check_rejected_expressions()
        by_name = {f.name: f for f in feeds}
        out: list[Strategy] = []
        for key, body in self.clean("strategies"):
            template = self.templates.get(key.text, key.text)
            ctx = KindContext(self.diags, self.names, owner=key.span)
            instrument = ctx.instrument(body, "instrument")
            if not ctx.ok:
                continue  # expressions would only repeat the unknown instrument
            ctx.default_instrument = instrument
            extra = subscribed_feeds(ctx, body, by_name)
            venue = route(ctx, body, template, instrument, default, key.span)
            params = self.hook("strategy", body, ctx)
            stale_after_ns = stale_after(ctx, body)
            if not ctx.ok:
                continue
            others = sorted((ctx.reads | extra) - {instrument})
            check_feeds(template, [instrument], feeds, ctx.span(body, "instrument"), self.diags)
            check_feeds(template, others, feeds, key.span, self.diags)
            out.append(
                Strategy(
                    name=key.text,
                    template=template,
                    kind=_kind(body),
                    instruments=(instrument, *others),
                    venue=venue,
                    params=params,
                    span=key.span,
                    stale_after_ns=stale_after_ns,
                )
            )
        return out

    def check_rejected_expressions(self) -> None:
        """A strategy the schema rejected is not compiled, but its expressions are still
        checked (syntax, names, types inside), so one run shows every problem."""
        for key, body in self.section("strategies").items:
            if ("strategies", key.text) in self.checked.clean or not isinstance(body, Mapping):
                continue
            kind = body.get("kind")
            spec = registry.get("strategy", str(kind.value)) if isinstance(kind, Scalar) else None
            if spec is None:
                continue
            ctx = KindContext(self.diags, self.names, owner=key.span)
            instrument = body.get("instrument")
            if isinstance(instrument, Scalar) and instrument.text in self.names.instruments:
                ctx.default_instrument = instrument.text
            for name in expression_keys(spec.schema):
                value = body.get(name)
                if isinstance(value, Scalar) and isinstance(value.value, str):
                    ctx.typed(value, None)

    def risk(
        self,
        instruments: list[Instrument],
        strategies: list[Strategy],
        feeds: list[Feed],
        reach: dict[str, tuple[str, ...]],
    ) -> RiskLimits:
        """Every check under `risk:`, split into per-instance budgets (see risk_budgets)."""
        node = self.doc.get("risk")
        key = self.doc.key("risk")
        if not isinstance(node, Mapping) or key is None:
            return RiskLimits()
        names = StrategyNames(self.section("strategies").keys(), self.templates)
        shorthand: dict[str, Any] = {}
        declared: list[Declared] = []
        account: list[AccountLimitParams] = []
        for name, value in node.items:
            spec = registry.get("risk", name.text)
            if spec is None or ("risk", name.text) not in self.checked.clean:
                continue
            for item in value.items if isinstance(value, Sequence) else (value,):
                ctx = KindContext(self.diags, self.names, owner=name.span)
                params = spec.compile(item, ctx)
                if isinstance(params, AccountLimitParams):
                    # Summed over every instance by the account monitor, never split.
                    if ctx.ok:
                        account.append(params)
                    continue
                declaration = read_declaration(name.text, params, item, ctx, names)
                if not ctx.ok:
                    continue
                if isinstance(params, MaxPositionParams):
                    # One budget per instrument: instances trading it share that limit.
                    shorthand["max_position"] = params.limits
                    declared += [
                        Declared(name.text, MaxPositionParams((limit,)), RiskScope(), item.span)
                        for limit in params.limits
                    ]
                    continue
                if isinstance(params, MaxOrderNotionalParams) and declaration.scope == RiskScope():
                    shorthand["max_order_notional"] = params.limit
                    shorthand["notional_currency"] = params.currency
                declared.append(declaration)
        by_id = {i.id: i for i in instruments}
        written = set(self.section("strategies").keys())
        instances = resolve(declared, strategies, by_id, written, self.diags, reach)
        self.check_quotes(instances, strategies, feeds)
        return RiskLimits(**shorthand, span=key.span, instances=instances, account=tuple(account))

    def check_quotes(
        self, instances: tuple[InstanceRisk, ...], strategies: list[Strategy], feeds: list[Feed]
    ) -> None:
        """A check on the mid price needs a quotes feed for the instruments it covers."""
        quoted = {f.instrument for f in feeds if f.schema in ("quotes", "book")}
        reported: set[Span] = set()
        by_name = {s.name: s for s in strategies}
        for instance in instances:
            for check in instance.checks:
                if not getattr(check.params, "requires_quotes", False) or check.span in reported:
                    continue
                covered = check.instruments or by_name[instance.strategy].instruments
                missing = [i for i in covered if i not in quoted]
                if missing:
                    reported.add(check.span)
                    self.diags.error(
                        codes.NO_FEED,
                        f"{check.kind} uses the mid price, but {missing[0]} (read by "
                        f"'{instance.strategy}') has no quotes feed",
                        check.span,
                        "use `reference: mark` (mid when quoted, else last) or `last`, or add "
                        "a quotes feed",
                    )

    def sinks(self) -> list[Sink]:
        out: list[Sink] = []
        for key, body in self.clean("sinks"):
            ctx = KindContext(self.diags, self.names, owner=key.span)
            params = self.hook("sink", body, ctx)
            if ctx.ok:
                url = getattr(params, "url", None)
                database = getattr(params, "database", "orderloom")
                out.append(Sink(key.text, _kind(body), url, database, key.span))
        return out


def stale_after(ctx: KindContext, body: Mapping) -> int:
    """The strategy's `stale_after` in ns (cancel-on-disconnect); 0 when not given."""
    stale_after_ns = ctx.duration_ns(body, "stale_after")
    if ctx.ok and body.get("stale_after") is not None and stale_after_ns <= 0:
        ctx.report(
            codes.BAD_VALUE,
            "stale_after must be more than 0",
            ctx.span(body, "stale_after"),
            "leave stale_after out to never cancel on stale data",
        )
    return stale_after_ns


def expression_keys(schema: dict[str, Any]) -> list[str]:
    """The keys of a kind's schema whose values are expressions."""
    return [
        name
        for name, prop in schema.get("properties", {}).items()
        if isinstance(prop, dict) and prop.get("$ref") == "#/$defs/expression"
    ]


def _has_venue(body: Any) -> bool:
    return isinstance(body, Mapping) and body.get("venue") is not None


def _plain_routing(default: DefaultRoute, key: Scalar | None) -> Routing:
    return Routing(default.venue, key.span) if key is not None else Routing()


def _kind(body: Mapping) -> str:
    kind = body.get("kind")
    return str(kind.value) if isinstance(kind, Scalar) else ""
