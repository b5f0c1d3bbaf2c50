"""Risk check `duplicate_orders`: refuse an order repeating a recent one (side, price, size)."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Node
from orderloom.dsl.registry import KindSpec, register
from orderloom.dsl.risk_scopes import as_mapping, check_schema


@dataclass(frozen=True)
class DuplicateOrdersParams:
    window_ns: int


SCHEMA = check_schema(
    "refuse an order with the same instrument, side, price and size as one sent within a window",
    {"window": {"$ref": "#/$defs/duration", "description": "how long an order counts as recent"}},
    ["window"],
)
SCHEMA["type"] = ["string", "integer", *SCHEMA["type"]]  # `duplicate_orders: 1s`


def compile_duplicate_orders(node: Node, ctx: KindContext) -> DuplicateOrdersParams:
    item = as_mapping(node, "window")
    window_ns = ctx.positive_duration_ns(item, "window")
    return DuplicateOrdersParams(window_ns)


register(
    KindSpec(
        category="risk",
        name="duplicate_orders",
        summary="refuse an order repeating one sent within a window",
        schema=SCHEMA,
        params_type=DuplicateOrdersParams,
        compile=compile_duplicate_orders,
        runtime="orderloom.runtime.risk.history:DuplicateOrders",
        doc=(
            "Pre-trade check: an order on the same instrument, with the same side, limit price "
            "(in ticks; market orders match market orders) and quantity (in lots) as an order "
            "the instance sent less than `window` ago (event time) is refused as a likely "
            "duplicate. Refused orders do not restart the window."
        ),
        examples=("risk:\n  duplicate_orders: 1s\n",),
    )
)
