"""Router kind `split`: divide an order across venues by displayed liquidity or fixed weights."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.registry import KindSpec, register
from orderloom.dsl.routing_venues import VENUES_SCHEMA, read_venues


@dataclass(frozen=True)
class SplitParams:
    venues: tuple[str, ...]
    by: str = "liquidity"  # "liquidity" | "weights"
    weights: tuple[float, ...] = ()  # per venue, in `venues` order (by: weights)


SCHEMA = {
    "type": "object",
    "required": ["venues"],
    "properties": {
        "venues": VENUES_SCHEMA,
        "by": {
            "enum": ["liquidity", "weights"],
            "default": "liquidity",
            "description": "split in proportion to the size each book shows (within the limit "
            "price), or to fixed `weights`",
        },
        "weights": {
            "type": "object",
            "additionalProperties": {"type": "number", "exclusiveMinimum": 0},
            "description": "by: weights — a positive weight per venue, e.g. {a: 2, b: 1}",
        },
    },
}


def compile_split(node: Mapping, ctx: KindContext) -> SplitParams:
    venues = read_venues(node, ctx)
    by = ctx.text(node, "by", "liquidity")
    given = ctx.mapping(node, "weights")
    weights: tuple[float, ...] = ()
    if by == "weights":
        if given is None:
            ctx.report(
                codes.MISSING_KEY,
                "split by weights needs `weights:`",
                ctx.span(node, "by"),
                "add `weights: {venue: weight, ...}` for every venue",
            )
            return SplitParams(venues, by)
        for key, _ in given.items:
            if key.text not in venues and ctx.ok:
                ctx.report(
                    codes.BAD_VALUE,
                    f"weight for '{key.text}', which is not in this router's venues",
                    key.span,
                    f"venues: {', '.join(venues)}",
                )
        missing = [v for v in venues if given.get(v) is None]
        if missing and ctx.ok:
            ctx.report(
                codes.MISSING_KEY,
                f"no weight for venue '{missing[0]}'",
                ctx.span(node, "weights"),
                "give every venue of the router a weight",
            )
        if ctx.ok:
            weights = tuple(ctx.number(given, v) for v in venues)
    elif given is not None:
        ctx.report(
            codes.CONFLICTING_KEYS,
            "`weights` is used only with `by: weights`",
            ctx.span(node, "weights"),
            "add `by: weights`, or remove `weights`",
        )
    return SplitParams(venues, by, weights)


register(
    KindSpec(
        category="router",
        name="split",
        summary="divide an order across venues by displayed liquidity or fixed weights",
        schema=SCHEMA,
        params_type=SplitParams,
        compile=compile_split,
        runtime="orderloom.runtime.routing.split:SplitRouter",
        doc=(
            "One child order per venue with a share of the quantity: in proportion to the size "
            "each venue's book shows on the side the order takes (within a limit order's "
            "price), or to fixed `weights`. Shares are whole lots (largest remainders get the "
            "odd lots, ties to the venue listed first); when no book shows size, liquidity "
            "splitting sends everything to the first venue listed."
        ),
        examples=(
            "feeds:\n  btc: {kind: synthetic, instrument: BTC/USDT@sim, schema: quotes, s0: 100, "
            "sigma: 0.5, dt: 1s, count: 10}\n"
            "routing:\n  routers:\n    spread_out:\n      kind: split\n      venues: [sim]\n"
            "  default: spread_out\n",
            "routing:\n  routers:\n    fixed:\n      kind: split\n      venues: [sim]\n"
            "      by: weights\n      weights: {sim: 1}\n  default: fixed\n",
        ),
    )
)
