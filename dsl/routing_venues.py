"""The `venues:` list every router kind declares: the venues it may send child orders to."""

from __future__ import annotations

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping, Scalar, Sequence
from orderloom.dsl.resolve import venue_ref

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
        name = venue_ref(ctx, item)  # reports an undeclared venue
        if name not in ctx.names.venues:
            continue
        if name in out:
            ctx.report(codes.BAD_VALUE, f"venue '{name}' is listed twice", item.span)
        else:
            out.append(name)
    return tuple(out)
