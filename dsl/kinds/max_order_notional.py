"""Risk check `max_order_notional`: refuse any order worth more than a limit."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.registry import KindSpec, register


@dataclass(frozen=True)
class MaxOrderNotionalParams:
    limit: float
    currency: str | None = None  # None: the instruments' quote currency


SCHEMA = {
    "$ref": "#/$defs/money",
    "description": "largest order value (price x quantity), e.g. 50_000 USDT",
}


def compile_max_order_notional(node: Mapping, ctx: KindContext) -> MaxOrderNotionalParams:
    limit, currency = ctx.money(node, "max_order_notional")
    if ctx.ok and limit <= 0:
        ctx.report(
            codes.BAD_VALUE,
            "max_order_notional must be more than 0",
            ctx.span(node, "max_order_notional"),
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
            "order) times quantity must not exceed the limit. A refused order is recorded as a "
            "risk event and never reaches the venue."
        ),
        examples=("risk:\n  max_order_notional: 50_000 USDT\n",),
    )
)
