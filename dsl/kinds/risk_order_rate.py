"""Risk check `order_rate`: a token-bucket throttle on new orders, in event time."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.registry import KindSpec, register
from orderloom.dsl.risk_scopes import check_schema


@dataclass(frozen=True)
class RateLimitParams:
    """`max` requests per `per_ns`, refilled continuously; up to `burst` at once."""

    max: float
    per_ns: int
    burst: float

    def scaled(self, share: float) -> RateLimitParams:
        burst = self.burst * share
        if burst < 1.0:
            raise ValueError(
                f"leaves a burst of {burst:.4g} requests; at least 1 is needed to send anything"
            )
        return RateLimitParams(self.max * share, self.per_ns, burst)


RATE_PROPERTIES: dict[str, Any] = {
    "max": {"type": "number", "exclusiveMinimum": 0, "description": "requests per `per`"},
    "per": {"$ref": "#/$defs/duration", "description": "the period of `max` (default 1s)"},
    "burst": {
        "type": "number",
        "minimum": 1,
        "description": "requests allowed at once (the bucket size); default: max",
    },
}


def compile_rate(node: Mapping, ctx: KindContext) -> RateLimitParams:
    per_ns = ctx.positive_duration_ns(node, "per", 1_000_000_000)
    limit = ctx.number(node, "max")
    burst = ctx.number(node, "burst", limit)
    if ctx.ok and not math.isfinite(limit):
        ctx.report(codes.BAD_VALUE, "max must be a finite number", ctx.span(node, "max"))
    return RateLimitParams(limit, per_ns, burst)


register(
    KindSpec(
        category="risk",
        name="order_rate",
        summary="throttle new orders with a token bucket (max per period)",
        schema=check_schema(
            "largest rate of new orders: max per period, with a burst",
            RATE_PROPERTIES,
            ["max"],
            budget=True,
        ),
        params_type=RateLimitParams,
        compile=compile_rate,
        runtime="orderloom.runtime.risk.throttles:OrderRate",
        doc=(
            "Pre-trade throttle: every order that passes all checks takes a token from a "
            "bucket of `burst` tokens (default `max`) refilled at `max` per `per` in event "
            "time; an order finding less than one token is refused, so a runaway loop sends at "
            "most burst + max x elapsed / per orders. Refused orders take no token. A limit for "
            "a scope with several instances (a template, a venue, the account) is split into "
            "per-instance buckets."
        ),
        examples=(
            "risk:\n  order_rate:\n    - {max: 20, per: 1s, scope: {strategy: buy_twap}}\n"
            "    - {max: 100, per: 10s, scope: {venue: sim}}\n",
        ),
    )
)
