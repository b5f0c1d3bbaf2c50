"""Strategy kind `market_maker`: two-sided quoting around the mid, by the Avellaneda–Stoikov
(2008) reservation price and optimal spread, the same spread centred on the mid, or a fixed
spread in bps with a linear inventory skew (`fixed_spread`)."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.registry import KindSpec, register

MODELS = ("avellaneda_stoikov", "symmetric", "fixed_spread")
# Parameters of the Avellaneda–Stoikov spread; `fixed_spread` takes `spread` instead.
AS_KEYS = ("gamma", "k", "sigma", "horizon")


@dataclass(frozen=True)
class MarketMakerParams:
    instrument: str
    model: str  # "avellaneda_stoikov" | "symmetric" | "fixed_spread"
    gamma: float  # risk aversion (0 for fixed_spread)
    k: float  # order-arrival decay per price unit (as the venue's intensity model)
    sigma: float  # mid-price volatility, price units per sqrt(second)
    horizon_ns: int  # T, from the first market event (0: no end, fixed_spread only)
    quantity: float  # size of each quote
    max_inventory: float | None = None  # no quote on the side that would pass |q| > this
    spread_bps: float = 0.0  # fixed_spread: ask - bid, in bps of the mid
    skew_bps: float = 0.0  # fixed_spread: centre shift per unit of inventory, bps of the mid
    requote_bps: float | None = None  # fixed_spread: min move to re-quote; None: one tick


SCHEMA = {
    "type": "object",
    "required": ["quantity"],
    "properties": {
        "model": {
            "enum": list(MODELS),
            "default": "avellaneda_stoikov",
            "description": "avellaneda_stoikov: quotes around the inventory-skewed reservation "
            "price; symmetric: the same spread centred on the mid; fixed_spread: `spread` "
            "around the mid shifted by `skew` per unit of inventory",
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
            "description": "terminal time T, counted from the first market event "
            "(optional with fixed_spread: quote until the feed ends)",
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
        "spread": {
            "$ref": "#/$defs/ratio",
            "description": "fixed_spread: ask - bid as a fraction of the mid (10bps, 0.1%)",
        },
        "skew": {
            "$ref": "#/$defs/ratio",
            "description": "fixed_spread: the quote centre moves by -skew × inventory (a "
            "fraction of the mid per unit of the base asset, like 2bps)",
        },
        "requote_threshold": {
            "$ref": "#/$defs/ratio",
            "description": "fixed_spread: keep a quote until its target price moves by at "
            "least this fraction of the mid (default: one tick)",
        },
    },
}


def compile_market_maker(node: Mapping, ctx: KindContext) -> MarketMakerParams:
    model = ctx.text(node, "model", "avellaneda_stoikov")
    fixed = model == "fixed_spread"
    for key in ("spread",) if fixed else AS_KEYS:
        if key not in node:
            ctx.report(
                codes.MISSING_KEY,
                f"missing key '{key}' (needed with model '{model}')",
                ctx.span(node, "model"),
                "fixed_spread takes spread (and skew); the other models gamma, k, sigma, horizon",
            )
    horizon_ns = ctx.duration_ns(node, "horizon")
    if ctx.ok and horizon_ns <= 0 and not (fixed and "horizon" not in node):
        ctx.report(codes.BAD_VALUE, "horizon must be more than 0", ctx.span(node, "horizon"))
    spread_bps = ctx.bps(node, "spread")
    if ctx.ok and fixed and spread_bps < 0:
        ctx.report(codes.BAD_VALUE, "spread cannot be negative", ctx.span(node, "spread"))
    requote_bps = ctx.bps(node, "requote_threshold") if "requote_threshold" in node else None
    if ctx.ok and requote_bps is not None and requote_bps < 0:
        ctx.report(
            codes.BAD_VALUE,
            "requote_threshold cannot be negative",
            ctx.span(node, "requote_threshold"),
        )
    return MarketMakerParams(
        instrument=ctx.default_instrument or "",
        model=model,
        gamma=ctx.number(node, "gamma"),
        k=ctx.number(node, "k"),
        sigma=ctx.number(node, "sigma"),
        horizon_ns=horizon_ns,
        quantity=ctx.number(node, "quantity"),
        max_inventory=ctx.number(node, "max_inventory") if "max_inventory" in node else None,
        spread_bps=spread_bps,
        skew_bps=ctx.bps(node, "skew"),
        requote_bps=requote_bps,
    )


register(
    KindSpec(
        category="strategy",
        name="market_maker",
        summary="two-sided quotes by Avellaneda–Stoikov, a symmetric or a fixed spread",
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
            "using `fill_model: {kind: intensity, A, k}` for research on synthetic mids. "
            "`fixed_spread` needs only `spread` (and optionally `skew`, `requote_threshold`, "
            "`horizon`): with mid s and inventory q it quotes "
            "s·(1 - skew·q ∓ spread/2), so a long position lowers both quotes. A quote is "
            "kept until its target moves by `requote_threshold` (default one tick), so small "
            "mid moves cause no cancel/replace. With `max_inventory` a side is quoted only if "
            "the position plus every open order on that side (cancels in flight included) "
            "plus `quantity` stays within the limit. The mid is (bid + ask)/2, or the last "
            "trade on a trades-only feed; it works with the `trades` and `intensity` fill "
            "models."
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
            """\
strategies:
  quoter:
    kind: market_maker
    model: fixed_spread
    instrument: BTC/USDT@sim
    spread: 10bps            # ask - bid, as a fraction of the mid
    skew: 50bps              # per BTC of inventory: long 0.1 BTC lowers both quotes 5bps
    quantity: 0.01
    max_inventory: 0.05
""",
        ),
    )
)
