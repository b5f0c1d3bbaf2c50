"""Router kind `best_price`: sweep the venues' books, best fee-adjusted price first."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.registry import KindSpec, register
from orderloom.dsl.routing_venues import VENUES_SCHEMA, read_venues


@dataclass(frozen=True)
class BestPriceParams:
    venues: tuple[str, ...]


SCHEMA = {
    "type": "object",
    "required": ["venues"],
    "properties": {"venues": VENUES_SCHEMA},
}


def compile_best_price(node: Mapping, ctx: KindContext) -> BestPriceParams:
    return BestPriceParams(venues=read_venues(node, ctx))


register(
    KindSpec(
        category="router",
        name="best_price",
        summary="sweep the venues' books, best fee-adjusted price first",
        schema=SCHEMA,
        params_type=BestPriceParams,
        compile=compile_best_price,
        runtime="orderloom.runtime.routing.best_price:BestPriceRouter",
        doc=(
            "Takes the levels of every venue's book on the side an order would take (asks for "
            "a buy, bids for a sell), ranks them by fee-adjusted price (a buy costs "
            "price·(1+taker fee), a sell yields price·(1−taker fee)) and fills the order "
            "level by level, one child order per venue. A limit order takes only levels at or "
            "better than its limit. Quantity the books do not show goes to the venue with the "
            "best fee-adjusted touch."
        ),
        examples=(
            "feeds:\n  btc: {kind: synthetic, instrument: BTC/USDT@sim, schema: quotes, s0: 100, "
            "sigma: 0.5, dt: 1s, count: 10}\n"
            "routing:\n  routers:\n    sor:\n      kind: best_price\n      venues: [sim]\n"
            "  default: sor\n",
        ),
    )
)
