"""Name resolution for the parts of a strategy that point elsewhere: its venue (explicit,
`routing.default`, or the instrument's own venue) and the extra feeds it subscribes to."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext, Names
from orderloom.dsl.diagnostics import did_you_mean
from orderloom.dsl.errors import Span
from orderloom.dsl.nodes import Mapping, Scalar, Sequence
from orderloom.dsl.plan import Feed


@dataclass(frozen=True)
class DefaultRoute:
    venue: str | None  # routing.default as written
    known: bool  # whether that venue is declared (unknown: reported once, at routing)


def venue_ref(ctx: KindContext, s: Scalar) -> str:
    name = str(s.value)
    if name not in ctx.names.venues:
        ctx.report(
            codes.UNKNOWN_REFERENCE,
            f"unknown venue '{name}'",
            s.span,
            did_you_mean(name, ctx.names.venues) or "declare it under `venues:`",
        )
    return name


def route(
    ctx: KindContext,
    body: Mapping,
    strategy: str,
    instrument: str,
    default: DefaultRoute,
    span: Span,
) -> str:
    """The venue a strategy's orders go to, or "" (reported) when there is none."""
    explicit = ctx.scalar(body, "venue")
    if explicit is not None:
        return venue_ref(ctx, explicit)
    if default.venue is not None:
        if not default.known:
            ctx.fail_quietly()
        return default.venue
    venue = instrument.rsplit("@", 1)[-1]
    if venue in ctx.names.venues:
        return venue
    ctx.report(
        codes.NO_ROUTE,
        f"strategy '{strategy}' has no route: venue '{venue}' of {instrument} is not declared",
        span,
        f"declare venue '{venue}', set routing.default, or give the strategy a `venue:`",
    )
    return ""


def subscribed_feeds(ctx: KindContext, body: Mapping, feeds: dict[str, Feed]) -> set[str]:
    """Instruments of the feeds listed under the strategy's `feeds:`."""
    listed = body.get("feeds")
    instruments: set[str] = set()
    if not isinstance(listed, Sequence):
        return instruments
    for item in listed.items:
        if not isinstance(item, Scalar):
            continue
        name = str(item.value)
        if name in feeds:
            instruments.add(feeds[name].instrument)
        elif name in ctx.names.feeds:
            ctx.fail_quietly()  # declared but broken: reported where it is defined
        else:
            ctx.report(
                codes.UNKNOWN_REFERENCE,
                f"unknown feed '{name}'",
                item.span,
                did_you_mean(name, ctx.names.feeds) or "declare it under `feeds:`",
            )
    return instruments


def default_route(routing: Mapping | None, names: Names, ctx: KindContext) -> DefaultRoute:
    s = ctx.scalar(routing, "default") if routing is not None else None
    if s is None:
        return DefaultRoute(None, True)
    venue_ref(ctx, s)
    return DefaultRoute(str(s.value), ctx.ok)
