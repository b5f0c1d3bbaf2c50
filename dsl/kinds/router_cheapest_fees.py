"""Router kind `cheapest_fees`: the whole order to the lowest taker fee showing liquidity."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.registry import KindSpec, register
from orderloom.dsl.routing_venues import VENUES_SCHEMA, read_venues


@dataclass(frozen=True)
class CheapestFeesParams:
    venues: tuple[str, ...]


SCHEMA = {
    "type": "object",
    "required": ["venues"],
    "properties": {"venues": VENUES_SCHEMA},
}


def compile_cheapest_fees(node: Mapping, ctx: KindContext) -> CheapestFeesParams:
    return CheapestFeesParams(venues=read_venues(node, ctx))


register(
    KindSpec(
        category="router",
        name="cheapest_fees",
        summary="send the order to the venue with the lowest taker fee that shows liquidity",
        schema=SCHEMA,
        params_type=CheapestFeesParams,
        compile=compile_cheapest_fees,
        runtime="orderloom.runtime.routing.cheapest_fees:CheapestFeesRouter",
        doc=(
            "One child order for the whole quantity, on the venue with the lowest taker fee "
            "among those whose book shows size on the side the order takes (within the limit "
            "price of a limit order). Equal fees go to the better price, then to the venue "
            "listed first. When no book shows liquidity, the first venue listed gets it."
        ),
        examples=(
            "feeds:\n  btc: {kind: synthetic, instrument: BTC/USDT@sim, schema: quotes, s0: 100, "
            "sigma: 0.5, dt: 1s, count: 10}\n"
            "routing:\n  routers:\n    cheap:\n      kind: cheapest_fees\n"
            "      venues: [sim]\n  default: cheap\n",
        ),
    )
)
