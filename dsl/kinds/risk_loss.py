"""Post-trade risk kinds `max_loss` and `max_drawdown`: stop a strategy instance (cancel its
orders and block new ones until resume) once its PnL, fees and marks included, loses more
than a limit, or falls more than a limit below its peak. `max_loss` with `period: daily`
counts the loss since the last UTC midnight of event time and halts until the next one."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping, Node
from orderloom.dsl.registry import KindSpec, register
from orderloom.dsl.risk_scopes import as_mapping, check_schema

POST_TRADE_KINDS = frozenset({"max_loss", "max_drawdown", "circuit_breakers", "max_position_age"})
PERIODS = ("run", "daily")


@dataclass(frozen=True)
class MaxLossParams:
    limit: float  # largest loss (a positive amount) in the quote currency
    currency: str | None = None
    # "run": from the start, kills; "daily": since the last UTC midnight (event time), halts
    # until the next one.
    period: str = "run"

    def scaled(self, share: float) -> MaxLossParams:
        return MaxLossParams(self.limit * share, self.currency, self.period)


@dataclass(frozen=True)
class MaxDrawdownParams:
    limit: float  # largest fall of PnL below its running peak
    currency: str | None = None

    def scaled(self, share: float) -> MaxDrawdownParams:
        return MaxDrawdownParams(self.limit * share, self.currency)


def _schema(what: str, period: bool = False) -> dict:
    properties: dict = {"limit": {"$ref": "#/$defs/money", "description": what}}
    if period:
        properties["period"] = {
            "enum": list(PERIODS),
            "description": "run (default): loss from the start, kills the instance; daily: "
            "loss since the last UTC midnight of event time, halts the instance (orders "
            "cancelled, new ones refused) until the next one",
        }
    return check_schema(
        f"{what}, e.g. 500 USDT; the instance is stopped when it is exceeded",
        properties,
        ["limit"],
        scalar="money",
        budget=True,
    )


def _limit(node: Node, ctx: KindContext, kind: str) -> tuple[float, str | None]:
    item = as_mapping(node, "limit")
    limit, currency = ctx.money(item, "limit")
    if ctx.ok and limit <= 0:
        ctx.report(codes.BAD_VALUE, f"{kind} must be more than 0", ctx.span(item, "limit"))
    return limit, currency


def compile_max_loss(node: Node, ctx: KindContext) -> MaxLossParams:
    limit, currency = _limit(node, ctx, "max_loss")
    period = ctx.text(node, "period", "run") if isinstance(node, Mapping) else "run"
    return MaxLossParams(limit, currency, period)


def compile_max_drawdown(node: Node, ctx: KindContext) -> MaxDrawdownParams:
    return MaxDrawdownParams(*_limit(node, ctx, "max_drawdown"))


_RUNTIME = "orderloom.runtime.risk.post_trade:PostTradeCheck"

register(
    KindSpec(
        category="risk",
        name="max_loss",
        summary="kill an instance whose PnL loses more than a limit",
        schema=_schema("largest loss (PnL incl. fees and marks)", period=True),
        params_type=MaxLossParams,
        compile=compile_max_loss,
        runtime=_RUNTIME,
        doc=(
            "Post-trade check, evaluated on every market event and fill in event time: when "
            "the instance's PnL (realized + unrealized at the mark, minus fees) falls below "
            "−limit, its open orders are cancelled and new ones blocked until "
            "`orderloom resume` (a `kill` row in risk_events). With `period: daily` the loss "
            "counts from the PnL at the last UTC midnight of event time (the first day: from "
            "the start); exceeding it cancels the open orders and halts the instance until "
            "the next midnight (a `halt` row), when it may lose up to the limit again. An "
            "account-wide limit is split among the instances it covers, like the other "
            "additive limits."
        ),
        examples=(
            "risk:\n  max_loss: {limit: 500 USDT, scope: {venue: sim}}\n",
            "risk:\n  max_loss:\n    - {limit: 2_000 USDT}\n"
            "    - {limit: 500 USDT, period: daily}\n",
        ),
    )
)

register(
    KindSpec(
        category="risk",
        name="max_drawdown",
        summary="kill an instance whose PnL falls more than a limit below its peak",
        schema=_schema("largest fall of PnL below its running peak"),
        params_type=MaxDrawdownParams,
        compile=compile_max_drawdown,
        runtime=_RUNTIME,
        doc=(
            "Post-trade check like `max_loss`, against the running peak of the instance's "
            "PnL (the peak starts at 0): peak − PnL > limit kills the instance."
        ),
        examples=("risk:\n  max_drawdown: 300 USDT\n",),
    )
)
