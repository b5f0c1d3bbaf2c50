"""Risk check `max_open_orders`: cap the number of working orders."""

from __future__ import annotations

import math
from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Node
from orderloom.dsl.registry import KindSpec, register
from orderloom.dsl.risk_scopes import as_mapping, check_schema


@dataclass(frozen=True)
class MaxOpenOrdersParams:
    limit: int

    def scaled(self, share: float) -> MaxOpenOrdersParams:
        limit = math.floor(self.limit * share + 1e-9)
        if limit < 1:
            raise ValueError(f"leaves {self.limit * share:.4g} open orders; at least 1 is needed")
        return MaxOpenOrdersParams(limit)


SCHEMA = check_schema(
    "largest number of open orders",
    {"limit": {"type": "integer", "minimum": 1, "description": "largest number of open orders"}},
    ["limit"],
    scalar="integer",
    budget=True,
)


def compile_max_open_orders(node: Node, ctx: KindContext) -> MaxOpenOrdersParams:
    item = as_mapping(node, "limit")
    limit = ctx.integer(item, "limit", 1)
    if ctx.ok and limit < 1:
        ctx.report(codes.BAD_VALUE, "max_open_orders must be at least 1", ctx.span(item, "limit"))
    return MaxOpenOrdersParams(limit)


register(
    KindSpec(
        category="risk",
        name="max_open_orders",
        summary="cap the number of working orders",
        schema=SCHEMA,
        params_type=MaxOpenOrdersParams,
        compile=compile_max_open_orders,
        runtime="orderloom.runtime.risk.throttles:MaxOpenOrders",
        doc=(
            "Pre-trade check: an order is refused when the strategy instance already has "
            "`limit` orders working (sent and not yet filled, cancelled or rejected; on the "
            "scope's instruments when it names some). An account-wide limit is split into "
            "whole per-instance budgets (rounded down)."
        ),
        examples=("risk:\n  max_open_orders: 50\n",),
    )
)
