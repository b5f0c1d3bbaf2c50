"""Assembling the Plan from the checked document: every component goes through its kind's
compile hook, names are resolved and the graph is checked. Parts that failed are left out
(their problems are reported) and whatever depends on them is skipped without a second
message, so one mistake gives one diagnostic.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from orderloom.dsl import registry
from orderloom.dsl.context import KindContext, Names
from orderloom.dsl.diagnostics import Diagnostics
from orderloom.dsl.expand import Expanded
from orderloom.dsl.graph import check_feeds, check_instrument_venues
from orderloom.dsl.kinds.max_order_notional import MaxOrderNotionalParams
from orderloom.dsl.kinds.max_position import MaxPositionParams
from orderloom.dsl.nodes import Mapping, Scalar
from orderloom.dsl.plan import Feed, Instrument, Plan, RiskLimits, Routing, Sink, Strategy, Venue
from orderloom.dsl.resolve import DefaultRoute, default_route, route, subscribed_feeds
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
        default = default_route(routing, names, ctx)
        key = self.doc.key("routing")
        return Plan(
            name=self.text("name"),
            description=self.text("description"),
            source=self.source,
            instruments=tuple(instruments),
            venues=tuple(venues),
            feeds=tuple(feeds),
            signals=tuple(signals),
            strategies=tuple(self.strategies(feeds, default)),
            risk=self.risk(),
            routing=Routing(default.venue, key.span) if key is not None else Routing(),
            sinks=tuple(self.sinks()),
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
            schema: Literal["trades", "quotes"] = (
                "quotes" if ctx.text(body, "schema") == "quotes" else "trades"
            )
            params = self.hook("feed", body, ctx)
            if ctx.ok:
                out.append(Feed(key.text, _kind(body), instrument, schema, params, key.span))
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

    def risk(self) -> RiskLimits:
        node = self.doc.get("risk")
        key = self.doc.key("risk")
        if not isinstance(node, Mapping) or key is None:
            return RiskLimits()
        limits: dict[str, Any] = {}
        for name, _ in node.items:
            spec = registry.get("risk", name.text)
            if spec is None or ("risk", name.text) not in self.checked.clean:
                continue
            ctx = KindContext(self.diags, self.names, owner=name.span)
            params = spec.compile(node, ctx)
            if not ctx.ok:
                continue
            if isinstance(params, MaxOrderNotionalParams):
                limits["max_order_notional"] = params.limit
                limits["notional_currency"] = params.currency
            elif isinstance(params, MaxPositionParams):
                limits["max_position"] = params.limits
        return RiskLimits(**limits, span=key.span)

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


def expression_keys(schema: dict[str, Any]) -> list[str]:
    """The keys of a kind's schema whose values are expressions."""
    return [
        name
        for name, prop in schema.get("properties", {}).items()
        if isinstance(prop, dict) and prop.get("$ref") == "#/$defs/expression"
    ]


def _kind(body: Mapping) -> str:
    kind = body.get("kind")
    return str(kind.value) if isinstance(kind, Scalar) else ""
