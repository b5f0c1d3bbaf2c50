"""Strategy kind `iceberg`: rest a limit order that shows only part of the parent quantity,
showing the next part each time the visible one fills."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.plan import Expr
from orderloom.dsl.registry import KindSpec, register


@dataclass(frozen=True)
class IcebergParams:
    instrument: str
    side: str  # "buy" | "sell"
    quantity: float
    display_quantity: float
    price: Expr  # price-typed
    start_ns: int | None = None  # None: at the first market event
    end_ns: int | None = None  # None: until the parent is done (or the data ends)


SCHEMA = {
    "type": "object",
    "required": ["side", "quantity", "display_quantity", "price"],
    "properties": {
        "side": {"enum": ["buy", "sell"], "description": "buy or sell"},
        "quantity": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "total (parent) quantity, in units of the base asset",
        },
        "display_quantity": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "quantity shown at a time: each visible child is this size (the "
            "last one what is left)",
        },
        "price": {
            "$ref": "#/$defs/expression",
            "description": "limit price of the children, evaluated when each one is sent (a "
            "number for a fixed price, or e.g. `bid` to rejoin the touch)",
        },
        "start": {
            "$ref": "#/$defs/timestamp",
            "description": "when the first child is shown; default: at the first market event",
        },
        "end": {
            "$ref": "#/$defs/timestamp",
            "description": "cancel the visible child and stop; default: run until the parent "
            "is filled",
        },
    },
}


def compile_iceberg(node: Mapping, ctx: KindContext) -> IcebergParams:
    quantity = ctx.number(node, "quantity")
    display = ctx.number(node, "display_quantity")
    if ctx.ok and display > quantity:
        ctx.report(
            codes.BAD_VALUE,
            f"display_quantity ({display:g}) is more than quantity ({quantity:g})",
            ctx.span(node, "display_quantity"),
            "the visible part is a slice of the total: make it smaller than `quantity`",
        )
    start_ns = ctx.timestamp_ns(node, "start") if ctx.scalar(node, "start") is not None else None
    end_ns = ctx.timestamp_ns(node, "end") if ctx.scalar(node, "end") is not None else None
    if ctx.ok and start_ns is not None and end_ns is not None and end_ns <= start_ns:
        ctx.report(codes.BAD_VALUE, "end must be after start", ctx.span(node, "end"))
    price = ctx.expr(node, "price", "price")
    return IcebergParams(
        instrument=ctx.default_instrument or "",
        side=ctx.text(node, "side"),
        quantity=quantity,
        display_quantity=display,
        price=price if price is not None else Expr("", None, "price"),
        start_ns=start_ns,
        end_ns=end_ns,
    )


register(
    KindSpec(
        category="strategy",
        name="iceberg",
        summary="rest a limit order showing only part of the quantity, replenished as it fills",
        schema=SCHEMA,
        params_type=IcebergParams,
        compile=compile_iceberg,
        runtime="orderloom.runtime.strategies.iceberg:IcebergStrategy",
        doc=(
            "Keeps one visible limit child of `display_quantity` (rounded down to lots; the "
            "last child is what remains of `quantity`) working at `price` from `start`. When "
            "the visible child is completely filled, the next one is sent at once, at `price` "
            "evaluated again (a new order: it joins the back of the queue). While `price` "
            "cannot be computed (no print yet, indicators warming up) nothing is shown; the "
            "strategy tries again on every market event. At `end` the visible child is "
            "cancelled and the strategy stops. A child refused by a pre-trade risk check "
            "stops it too."
        ),
        examples=(
            """\
strategies:
  buy_iceberg:
    kind: iceberg
    instrument: BTC/USDT@sim
    side: buy
    quantity: 3
    display_quantity: 0.25
    price: 41_900
    start: 2024-01-01T00:00:00Z
    end: 2024-01-01T04:00:00Z
""",
        ),
    )
)
