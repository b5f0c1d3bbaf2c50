"""Risk check `max_order_qty`: refuse any order for more than a quantity of the base asset."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Node
from orderloom.dsl.registry import KindSpec, register
from orderloom.dsl.risk_scopes import as_mapping, check_schema


@dataclass(frozen=True)
class MaxOrderQtyParams:
    limit: float  # base units of the order's instrument


SCHEMA = check_schema(
    "largest order quantity, in base units of the order's instrument",
    {"limit": {"type": "number", "description": "largest order quantity, in base units"}},
    ["limit"],
    scalar="number",
)


def compile_max_order_qty(node: Node, ctx: KindContext) -> MaxOrderQtyParams:
    item = as_mapping(node, "limit")
    limit = ctx.number(item, "limit")
    if ctx.ok and limit <= 0:
        ctx.report(codes.BAD_VALUE, "max_order_qty must be more than 0", ctx.span(item, "limit"))
    return MaxOrderQtyParams(limit)


register(
    KindSpec(
        category="risk",
        name="max_order_qty",
        summary="refuse orders for more than a quantity",
        schema=SCHEMA,
        params_type=MaxOrderQtyParams,
        compile=compile_max_order_qty,
        runtime="orderloom.runtime.risk.checks:MaxOrderQty",
        doc=(
            "Pre-trade check on every order: its quantity (after rounding down to whole lots) "
            "must not exceed the limit. Quantities mean different things per instrument, so "
            "scope it to instruments (`scope: {instrument: BTC/USDT@sim}`) when the strategies "
            "trade several."
        ),
        examples=("risk:\n  max_order_qty: {limit: 2, scope: {instrument: BTC/USDT@sim}}\n",),
    )
)
