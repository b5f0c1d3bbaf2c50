"""Strategy kind `implementation_shortfall`: work a parent quantity along the Almgren–Chriss
(2000) optimal trajectory, front-loaded by risk aversion against volatility and impact."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.plan import Expr
from orderloom.dsl.registry import KindSpec, register

NS_PER_S = 1_000_000_000


@dataclass(frozen=True)
class ImplementationShortfallParams:
    instrument: str
    side: str  # "buy" | "sell"
    quantity: float
    start_ns: int
    duration_ns: int
    slices: int
    risk_aversion: float  # λ, per unit of quote currency
    volatility: float  # σ, quote currency per unit of base per √second
    temporary_impact: float  # η, quote currency per (unit of base per second)
    permanent_impact: float = 0.0  # γ, quote currency per unit of base traded
    limit_price: Expr | None = None  # price-typed; None: market orders


SCHEMA = {
    "type": "object",
    "required": [
        "side",
        "quantity",
        "start",
        "duration",
        "slices",
        "risk_aversion",
        "volatility",
        "temporary_impact",
    ],
    "properties": {
        "side": {"enum": ["buy", "sell"], "description": "buy or sell"},
        "quantity": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "parent quantity X, in units of the base asset",
        },
        "start": {"$ref": "#/$defs/timestamp", "description": "when the first slice is sent"},
        "duration": {
            "$ref": "#/$defs/duration",
            "description": "time T over which to trade",
        },
        "slices": {
            "type": "integer",
            "minimum": 1,
            "description": "number N of child orders, one every τ = duration / slices",
        },
        "risk_aversion": {
            "type": "number",
            "minimum": 0,
            "description": "λ, per unit of quote currency: weight of the variance of the cost "
            "against its expectation; 0 trades in equal slices (TWAP)",
        },
        "volatility": {
            "type": "number",
            "minimum": 0,
            "description": "σ, absolute price volatility in quote currency per √second "
            "(price × annual volatility / √31_557_600)",
        },
        "temporary_impact": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "η, temporary price concession in quote currency per unit of "
            "trading rate (units of base per second)",
        },
        "permanent_impact": {
            "type": "number",
            "minimum": 0,
            "default": 0,
            "description": "γ, permanent price move in quote currency per unit of base traded",
        },
        "limit_price": {
            "$ref": "#/$defs/expression",
            "description": "price expression capping each child order; default: market orders",
        },
    },
}


def compile_implementation_shortfall(
    node: Mapping, ctx: KindContext
) -> ImplementationShortfallParams:
    duration_ns = ctx.positive_duration_ns(node, "duration")
    slices = ctx.integer(node, "slices", 1)
    eta = ctx.number(node, "temporary_impact")
    gamma = ctx.number(node, "permanent_impact", 0.0)
    if ctx.ok and slices >= 1:
        # AC's η̃ = η − γτ/2 must stay positive, or the discrete problem has no minimum.
        tau_s = duration_ns / slices / NS_PER_S
        if not eta - gamma * tau_s / 2 > 0:
            ctx.report(
                codes.BAD_VALUE,
                f"temporary_impact ({eta:g}) must be more than permanent_impact × τ / 2 "
                f"({gamma * tau_s / 2:g}, with τ = duration / slices = {tau_s:g} s)",
                ctx.span(node, "temporary_impact"),
                "raise temporary_impact, lower permanent_impact, or use more slices",
            )
    return ImplementationShortfallParams(
        instrument=ctx.default_instrument or "",
        side=ctx.text(node, "side"),
        quantity=ctx.number(node, "quantity"),
        start_ns=ctx.timestamp_ns(node, "start"),
        duration_ns=duration_ns,
        slices=slices,
        risk_aversion=ctx.number(node, "risk_aversion"),
        volatility=ctx.number(node, "volatility"),
        temporary_impact=eta,
        permanent_impact=gamma,
        limit_price=ctx.expr(node, "limit_price", "price"),
    )


register(
    KindSpec(
        category="strategy",
        name="implementation_shortfall",
        summary="trade a quantity along the Almgren–Chriss optimal execution trajectory",
        schema=SCHEMA,
        params_type=ImplementationShortfallParams,
        compile=compile_implementation_shortfall,
        runtime="orderloom.runtime.strategies.implementation_shortfall:"
        "ImplementationShortfallStrategy",
        doc=(
            "Sends `slices` child orders, one every τ = T/N from `start`, following the "
            "discrete Almgren–Chriss (2000) trajectory that minimises E[cost] + λ·Var[cost] "
            "under linear temporary (η) and permanent (γ) impact: holdings after slice j are "
            "x_j = X·sinh(κ(T − t_j))/sinh(κT) with t_j = jτ and "
            "cosh(κτ) = 1 + λσ²τ²/(2η̃), η̃ = η − γτ/2, so child j trades x_(j−1) − x_j. "
            "Time is in seconds: σ is the absolute price volatility per √second, η the price "
            "concession per unit/second of trading rate. Higher λ (or σ, or lower η) trades "
            "earlier; λ = 0 gives equal slices and trades exactly like `twap`. A child's "
            "unfilled part is re-planned along the trajectory from where the order stands "
            "(slice j gets (x_(j−1) − x_j)/x_(j−1) of what is neither filled nor working, "
            "rounded down to lots, the optimal re-plan in AC); the last slice sends all the "
            "rest, and the previous child is cancelled when a slice starts. With "
            "`limit_price` children are limit orders at that price; without, market orders."
        ),
        examples=(
            """\
strategies:
  sell_is:
    kind: implementation_shortfall
    instrument: BTC/USDT@sim
    side: sell
    quantity: 10
    start: 2024-01-01T00:00:00Z
    duration: 1h
    slices: 12
    risk_aversion: 1e-5        # per USDT
    volatility: 4.3            # USDT per √s (40_000 × 60% / √31_557_600)
    temporary_impact: 500      # USDT per (BTC/s)
    permanent_impact: 1        # USDT per BTC
""",
        ),
    )
)
