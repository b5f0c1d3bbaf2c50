"""Risk check `self_trade`: refuse an order that would trade against the instance's own
resting order."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Node, Scalar
from orderloom.dsl.registry import KindSpec, register
from orderloom.dsl.risk_scopes import check_schema


@dataclass(frozen=True)
class SelfTradeParams:
    enabled: bool = True


SCHEMA = check_schema(
    "refuse orders that would cross the strategy instance's own open orders (true to enable)",
    {},
)
SCHEMA["type"] = ["boolean", *SCHEMA["type"]]  # `self_trade: true`


def compile_self_trade(node: Node, ctx: KindContext) -> SelfTradeParams:
    return SelfTradeParams(enabled=not (isinstance(node, Scalar) and node.value is False))


register(
    KindSpec(
        category="risk",
        name="self_trade",
        summary="refuse orders that would trade against the instance's own open orders",
        schema=SCHEMA,
        params_type=SelfTradeParams,
        compile=compile_self_trade,
        runtime="orderloom.runtime.risk.self_trade:SelfTrade",
        doc=(
            "Pre-trade self-trade prevention within a strategy instance: a buy priced at or "
            "above the instance's lowest open sell on the same instrument (or a market buy "
            "while it has a sell open) is refused, and sells mirrored. Orders of different "
            "instances are not compared (that needs the account monitor)."
        ),
        examples=("risk:\n  self_trade: true\n",),
    )
)
