"""Risk check `max_order_notional`: refuse any order worth more than a limit."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Node
from orderloom.dsl.registry import KindSpec, register
from orderloom.dsl.risk_scopes import as_mapping, check_schema


@dataclass(frozen=True)
class MaxOrderNotionalParams:
    limit: float
    currency: str | None = None  # None: the instruments' quote currency


SCHEMA = check_schema(
    "largest order value (price x quantity), e.g. 50_000 USDT",
    {"limit": {"$ref": "#/$defs/money", "description": "largest order value, e.g. 50_000 USDT"}},
    ["limit"],
    scalar="money",
)


def compile_max_order_notional(node: Node, ctx: KindContext) -> MaxOrderNotionalParams:
    item = as_mapping(node, "limit")
    limit, currency = ctx.money(item, "limit")
    if ctx.ok and limit <= 0:
        ctx.report(
            codes.BAD_VALUE, "max_order_notional must be more than 0", ctx.span(item, "limit")
        )
    return MaxOrderNotionalParams(limit=limit, currency=currency)


register(
    KindSpec(
        category="risk",
        name="max_order_notional",
        summary="refuse orders worth more than a limit",
        schema=SCHEMA,
        params_type=MaxOrderNotionalParams,
        compile=compile_max_order_notional,
        runtime="orderloom.runtime.risk.checks:MaxOrderNotional",
        doc=(
            "Pre-trade check on every order: price (the limit price, or the touch for a market "
            "order) times quantity must not exceed the limit, in the instrument's quote "
            "currency. A bare amount applies to every order of the account; a mapping (or a "
            "list of them) takes a `scope`. A market order with no reference price yet is "
            "refused. A refused order is recorded as a risk event and never reaches the venue."
        ),
        examples=(
            "risk:\n  max_order_notional: 50_000 USDT\n",
            "risk:\n  max_order_notional:\n    - {limit: 50_000 USDT}\n"
            "    - {limit: 5_000 USDT, scope: {strategy: buy_twap}}\n",
        ),
    )
)
