"""Risk check `max_daily_notional`: cap the value traded per UTC day of event time."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Node
from orderloom.dsl.registry import KindSpec, register
from orderloom.dsl.risk_scopes import as_mapping, check_schema


@dataclass(frozen=True)
class MaxDailyNotionalParams:
    limit: float
    currency: str | None = None  # None: the instruments' quote currency

    def scaled(self, share: float) -> MaxDailyNotionalParams:
        return MaxDailyNotionalParams(self.limit * share, self.currency)


SCHEMA = check_schema(
    "largest value traded per UTC day (filled, plus open orders), e.g. 1_000_000 USDT",
    {"limit": {"$ref": "#/$defs/money", "description": "largest value per day"}},
    ["limit"],
    scalar="money",
    budget=True,
)


def compile_max_daily_notional(node: Node, ctx: KindContext) -> MaxDailyNotionalParams:
    item = as_mapping(node, "limit")
    limit, currency = ctx.money(item, "limit")
    if ctx.ok and limit <= 0:
        ctx.report(
            codes.BAD_VALUE, "max_daily_notional must be more than 0", ctx.span(item, "limit")
        )
    return MaxDailyNotionalParams(limit, currency)


register(
    KindSpec(
        category="risk",
        name="max_daily_notional",
        summary="cap the value traded per UTC day",
        schema=SCHEMA,
        params_type=MaxDailyNotionalParams,
        compile=compile_max_daily_notional,
        runtime="orderloom.runtime.risk.history:MaxDailyNotional",
        doc=(
            "Pre-trade check: the value filled since 00:00 UTC of the event-time day, plus "
            "the remaining value of open orders, plus the new order (limit price, or the touch "
            "for a market order) must not exceed the limit, in the quote currency. The count "
            "restarts with each UTC day. An account-wide limit is split among the instances "
            "by `shares` (e.g. {mm: 60%, arb: 40%}) or equally."
        ),
        examples=(
            "risk:\n  max_daily_notional: {limit: 1_000_000 USDT, shares: {buy_twap: 100%}}\n",
        ),
    )
)
