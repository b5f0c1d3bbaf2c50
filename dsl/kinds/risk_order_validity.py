"""Risk check `order_validity`: price bounds, minimum size and value, and tick/lot grid."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.registry import KindSpec, register
from orderloom.dsl.risk_scopes import check_schema


@dataclass(frozen=True)
class OrderValidityParams:
    min_price: float | None = None
    max_price: float | None = None
    min_qty: float | None = None  # base units
    min_notional: float | None = None  # None: the instrument's own min_notional
    on_grid: bool = False  # refuse prices/quantities off the tick/lot grid instead of rounding


_PRICE = {"type": "number", "exclusiveMinimum": 0}

SCHEMA = check_schema(
    "price bounds, smallest quantity and value, and tick/lot validity of each order",
    {
        "min_price": {**_PRICE, "description": "lowest limit price accepted"},
        "max_price": {**_PRICE, "description": "highest limit price accepted"},
        "min_qty": {**_PRICE, "description": "smallest order quantity, in base units"},
        "min_notional": {
            "$ref": "#/$defs/money",
            "description": "smallest order value; default: the instrument's min_notional",
        },
        "on_grid": {
            "type": "boolean",
            "description": "refuse a price or quantity that is not a whole number of ticks or "
            "lots, instead of rounding it (default false)",
        },
    },
)


def compile_order_validity(node: Mapping, ctx: KindContext) -> OrderValidityParams:
    def optional(key: str) -> float | None:
        return ctx.number(node, key) if key in node else None

    min_price, max_price = optional("min_price"), optional("max_price")
    if min_price is not None and max_price is not None and ctx.ok and min_price > max_price:
        ctx.report(
            codes.BAD_VALUE,
            f"min_price {min_price:g} is above max_price {max_price:g}",
            ctx.span(node, "min_price"),
        )
    min_notional = ctx.money(node, "min_notional")[0] if "min_notional" in node else None
    on_grid = ctx.scalar(node, "on_grid")
    return OrderValidityParams(
        min_price,
        max_price,
        optional("min_qty"),
        min_notional,
        on_grid is not None and on_grid.value is True,
    )


register(
    KindSpec(
        category="risk",
        name="order_validity",
        summary="refuse orders outside price bounds, below minimum size or value, or off-grid",
        schema=SCHEMA,
        params_type=OrderValidityParams,
        compile=compile_order_validity,
        runtime="orderloom.runtime.risk.checks:OrderValidity",
        doc=(
            "Pre-trade check of the order itself: a limit price within [min_price, max_price], "
            "a quantity of at least min_qty, a value (price, or the touch for a market order, "
            "times quantity) of at least min_notional (the instrument's `min_notional` unless "
            "given), and, with `on_grid: true`, a requested price and quantity that are whole "
            "numbers of ticks and lots (otherwise the engine rounds them: quantities down, "
            "buy prices down and sell prices up)."
        ),
        examples=(
            "risk:\n  order_validity: {min_price: 1000, max_price: 1_000_000, on_grid: true}\n",
        ),
    )
)
