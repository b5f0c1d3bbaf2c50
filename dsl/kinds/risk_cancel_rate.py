"""Risk check `cancel_rate`: a token-bucket throttle on cancel requests, in event time."""

from __future__ import annotations

from orderloom.dsl.kinds.risk_order_rate import RATE_PROPERTIES, RateLimitParams, compile_rate
from orderloom.dsl.registry import KindSpec, register
from orderloom.dsl.risk_scopes import check_schema

register(
    KindSpec(
        category="risk",
        name="cancel_rate",
        summary="throttle cancel requests with a token bucket (max per period)",
        schema=check_schema(
            "largest rate of cancel requests: max per period, with a burst",
            RATE_PROPERTIES,
            ["max"],
            budget=True,
        ),
        params_type=RateLimitParams,
        compile=compile_rate,
        runtime="orderloom.runtime.risk.throttles:CancelRate",
        doc=(
            "Throttle on cancels, like `order_rate` on orders: each cancel request takes a "
            "token from a bucket of `burst` tokens refilled at `max` per `per` of event time. "
            "A refused cancel leaves the order working: `cancel()` returns false and the "
            "refusal is a risk event naming the order."
        ),
        examples=("risk:\n  cancel_rate: {max: 10, per: 1s}\n",),
    )
)
