"""Strategy kind `market_maker`: two-sided quoting around the mid, by the Avellaneda–Stoikov
(2008) reservation price and optimal spread, or the same spread centred on the mid."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.registry import KindSpec, register

MODELS = ("avellaneda_stoikov", "symmetric")


@dataclass(frozen=True)
class MarketMakerParams:
    instrument: str
    model: str  # "avellaneda_stoikov" | "symmetric"
    gamma: float  # risk aversion
    k: float  # order-arrival decay per price unit (as the venue's intensity model)
    sigma: float  # mid-price volatility, price units per sqrt(second)
    horizon_ns: int  # T, from the first market event
    quantity: float  # size of each quote
    max_inventory: float | None = None  # no quote on the side that would pass |q| > this


SCHEMA = {
    "type": "object",
    "required": ["gamma", "k", "sigma", "horizon", "quantity"],
    "properties": {
        "model": {
            "enum": list(MODELS),
            "default": "avellaneda_stoikov",
            "description": "avellaneda_stoikov: quotes around the inventory-skewed reservation "
            "price; symmetric: the same spread centred on the mid",
        },
        "gamma": {"type": "number", "exclusiveMinimum": 0, "description": "risk aversion γ"},
        "k": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "order-arrival decay k, per price unit (λ(δ) = A·exp(-k·δ))",
        },
        "sigma": {
            "type": "number",
            "minimum": 0,
            "description": "mid-price volatility σ, price units per sqrt(second)",
        },
        "horizon": {
            "$ref": "#/$defs/duration",
            "description": "terminal time T, counted from the first market event",
        },
        "quantity": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "size of each bid and ask, in units of the base asset",
        },
        "max_inventory": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "inventory limit: stop bidding at +limit, stop offering at -limit",
        },
    },
}


def compile_market_maker(node: Mapping, ctx: KindContext) -> MarketMakerParams:
    horizon_ns = ctx.duration_ns(node, "horizon")
    if ctx.ok and horizon_ns <= 0:
        ctx.report(codes.BAD_VALUE, "horizon must be more than 0", ctx.span(node, "horizon"))
    return MarketMakerParams(
        instrument=ctx.default_instrument or "",
        model=ctx.text(node, "model", "avellaneda_stoikov"),
        gamma=ctx.number(node, "gamma"),
        k=ctx.number(node, "k"),
        sigma=ctx.number(node, "sigma"),
        horizon_ns=horizon_ns,
        quantity=ctx.number(node, "quantity"),
        max_inventory=ctx.number(node, "max_inventory") if "max_inventory" in node else None,
    )


register(
    KindSpec(
        category="strategy",
        name="market_maker",
        summary="two-sided quotes by Avellaneda–Stoikov or a symmetric spread",
        schema=SCHEMA,
        params_type=MarketMakerParams,
        compile=compile_market_maker,
        runtime="orderloom.runtime.strategies.market_maker:MarketMakerStrategy",
        doc=(
            "On every market event until `horizon` (T, from the first event) it cancels its "
            "quotes and places a bid and an ask of `quantity` each. With τ = T - t in seconds, "
            "mid s and inventory q: spread = γσ²τ + (2/γ)·ln(1 + γ/k); "
            "`avellaneda_stoikov` quotes r ± spread/2 around the reservation price "
            "r = s - q·γ·σ²·τ, `symmetric` quotes s ± spread/2. With `max_inventory` it stops "
            "bidding at q >= limit and offering at q <= -limit. Pair it with a simulated venue "
            "using `fill_model: {kind: intensity, A, k}` for research on synthetic mids."
        ),
        examples=(
            """\
strategies:
  mm:
    kind: market_maker
    model: avellaneda_stoikov
    instrument: BTC/USDT@sim
    gamma: 0.1
    k: 1.5
    sigma: 2
    horizon: 1s
    quantity: 1
""",
        ),
    )
)
