"""The `venues:` list every router kind declares: the venues it may send child orders to."""

from __future__ import annotations

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.diagnostics import did_you_mean
from orderloom.dsl.nodes import Mapping, Scalar, Sequence

VENUES_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "items": {"type": "string"},
    "description": "venues this router may send child orders to, each with a quotes feed "
    "for the strategy's symbol",
}


def read_venues(node: Mapping, ctx: KindContext) -> tuple[str, ...]:
    """A router's `venues:` list, each declared and listed once."""
    listed = node.get("venues")
    out: list[str] = []
    if not isinstance(listed, Sequence):
        return ()
    for item in listed.items:
        if not isinstance(item, Scalar):
            continue
        name = str(item.value)
        if name not in ctx.names.venues:
            ctx.report(
                codes.UNKNOWN_REFERENCE,
                f"unknown venue '{name}'",
                item.span,
                did_you_mean(name, ctx.names.venues) or "declare it under `venues:`",
            )
        elif name in out:
            ctx.report(codes.BAD_VALUE, f"venue '{name}' is listed twice", item.span)
        else:
            out.append(name)
    return tuple(out)
