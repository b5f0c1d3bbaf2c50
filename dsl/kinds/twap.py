"""Strategy kind `twap`: work a parent quantity in equal child orders on a fixed schedule."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.plan import Expr
from orderloom.dsl.registry import KindSpec, register


@dataclass(frozen=True)
class TwapParams:
    instrument: str
    side: str  # "buy" | "sell"
    quantity: float
    start_ns: int
    duration_ns: int
    slices: int
    limit_price: Expr | None = None  # price-typed; None: market orders


SCHEMA = {
    "type": "object",
    "required": ["side", "quantity", "start", "duration", "slices"],
    "properties": {
        "side": {"enum": ["buy", "sell"], "description": "buy or sell"},
        "quantity": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "parent quantity, in units of the base asset",
        },
        "start": {"$ref": "#/$defs/timestamp", "description": "when the first slice is sent"},
        "duration": {"$ref": "#/$defs/duration", "description": "time over which to trade"},
        "slices": {
            "type": "integer",
            "minimum": 1,
            "description": "number of equal child orders, one every duration / slices",
        },
        "limit_price": {
            "$ref": "#/$defs/expression",
            "description": "price expression capping each child order; default: market orders",
        },
    },
}


def compile_twap(node: Mapping, ctx: KindContext) -> TwapParams:
    duration_ns = ctx.positive_duration_ns(node, "duration")
    return TwapParams(
        instrument=ctx.default_instrument or "",
        side=ctx.text(node, "side"),
        quantity=ctx.number(node, "quantity"),
        start_ns=ctx.timestamp_ns(node, "start"),
        duration_ns=duration_ns,
        slices=ctx.integer(node, "slices", 1),
        limit_price=ctx.expr(node, "limit_price", "price"),
    )


register(
    KindSpec(
        category="strategy",
        name="twap",
        summary="buy or sell a quantity in equal slices over a time window",
        schema=SCHEMA,
        params_type=TwapParams,
        compile=compile_twap,
        runtime="orderloom.runtime.strategies.twap:TwapStrategy",
        doc=(
            "Sends `slices` child orders of `quantity / slices` (rounded to the lot size, the "
            "remainder in the last slice), one every `duration / slices` starting at `start`. "
            "With `limit_price` each child is a limit order at that price (an expression of "
            "type price, evaluated when the slice is sent); without, a market order."
        ),
        examples=(
            """\
strategies:
  buy_twap:
    kind: twap
    instrument: BTC/USDT@sim
    side: buy
    quantity: 5
    start: 2024-01-01T00:00:00Z
    duration: 1h
    slices: 60
    limit_price: "last * (1 + 10bps)"
""",
        ),
    )
)
