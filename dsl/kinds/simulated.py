"""Venue kind `simulated`: the backtest/paper venue that fills orders against market data.

Its rules (fill models, latency, order types) are described in docs/venue.md and implemented
in runtime/venues/.
"""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.registry import KindSpec, register

FILL_MODELS = ("trades", "touch", "intensity")
LATENCY_DISTS = ("fixed", "uniform", "normal", "lognormal", "exponential")
SELF_TRADE = ("none", "cancel_newest", "cancel_oldest", "cancel_both")
POST_ONLY = ("reject", "reprice")

# The keys each latency distribution takes (durations, except lognormal's sigma).
_DIST_KEYS: dict[str, tuple[str, ...]] = {
    "uniform": ("min", "max"),
    "normal": ("mean", "std"),
    "lognormal": ("median", "sigma"),
    "exponential": ("mean",),
}


@dataclass(frozen=True)
class SimulatedVenueParams:
    latency_ns: int = 0  # order entry latency (latency_dist "fixed")
    maker_fee_bps: float = 0.0
    taker_fee_bps: float = 0.0
    fill_model: str = "trades"  # "trades" | "touch" | "intensity"
    intensity_a: float = 140.0  # intensity: arrival rate at the mid, per second
    intensity_k: float = 1.5  # intensity: decay per price unit of distance from the mid
    seed: int = 0  # intensity: random seed of the fill draws
    # Order entry latency drawn per message: uniform(a, b), normal(mean a, std b),
    # lognormal(median a, sigma b), exponential(mean a); a and b in ns except sigma.
    latency_dist: str = "fixed"
    latency_a_ns: float = 0.0
    latency_b: float = 0.0
    latency_seed: int = 0
    md_latency_ns: int = 0  # market data: the strategy sees an event this much later
    min_notional: float = 0.0  # in each instrument's quote currency; 0 = no minimum
    self_trade: str = "none"  # "none" | "cancel_newest" | "cancel_oldest" | "cancel_both"
    post_only: str = "reject"  # a post-only order that would take: "reject" | "reprice"
    queue_position: bool = True  # trades: queue behind displayed size (False: through only)


# One schema for both shapes (a duration, or a distribution): object keywords do not apply to
# strings, so each shape gets its own precise message instead of an anyOf summary; the
# compile hook checks the duration text.
_LATENCY = {
    "type": ["string", "integer", "object"],
    "additionalProperties": False,
    "required": ["dist"],
    "default": "0ms",
    "description": "order entry latency: orders and cancels reach the book this much later; "
    "a duration, or a distribution drawn per message, seeded per run, draws below zero count "
    "as zero: {dist: uniform, min, max} | {dist: normal, mean, std} | "
    "{dist: lognormal, median, sigma} | {dist: exponential, mean}",
    "properties": {
        "dist": {"enum": list(LATENCY_DISTS[1:]), "description": "distribution"},
        "min": {"$ref": "#/$defs/duration", "description": "uniform: lower bound"},
        "max": {"$ref": "#/$defs/duration", "description": "uniform: upper bound"},
        "mean": {"$ref": "#/$defs/duration", "description": "normal, exponential: the mean"},
        "std": {"$ref": "#/$defs/duration", "description": "normal: standard deviation"},
        "median": {"$ref": "#/$defs/duration", "description": "lognormal: the median"},
        "sigma": {
            "type": "number",
            "minimum": 0,
            "description": "lognormal: standard deviation of the log latency",
        },
        "seed": {"type": "integer", "default": 0, "description": "random seed of the draws"},
    },
    "allOf": [
        {"if": {"type": ["string", "integer"]}, "then": {"$ref": "#/$defs/duration"}},
        *(
            {"if": {"properties": {"dist": {"const": dist}}}, "then": {"required": list(keys)}}
            for dist, keys in _DIST_KEYS.items()
        ),
    ],
}

SCHEMA = {
    "type": "object",
    "properties": {
        "latency": _LATENCY,
        "market_data_latency": {
            "$ref": "#/$defs/duration",
            "default": "0ms",
            "description": "market data latency: a decision made on an event at time t reaches "
            "the venue at t + market_data_latency + latency",
        },
        "fees": {
            "type": "object",
            "additionalProperties": False,
            "description": "fees as a ratio of notional; a negative maker fee is a rebate",
            "properties": {
                "maker": {"$ref": "#/$defs/ratio", "description": "fee for resting orders"},
                "taker": {"$ref": "#/$defs/ratio", "description": "fee for crossing orders"},
            },
        },
        "min_notional": {
            "$ref": "#/$defs/money",
            "description": "orders below this price × quantity (in the instrument's quote "
            "currency) are rejected by the venue; market orders are valued at the touch",
        },
        "self_trade": {
            "enum": list(SELF_TRADE),
            "default": "none",
            "description": "self-trade prevention: what happens when an order would trade "
            "against the same instance's resting order",
        },
        "post_only": {
            "enum": list(POST_ONLY),
            "default": "reject",
            "description": "a post-only order that would take liquidity is rejected, or "
            "re-priced one tick behind the opposite touch",
        },
        "fill_model": {
            "type": "object",
            "additionalProperties": False,
            "required": ["kind"],
            "description": "how orders fill: `trades` (default: resting orders fill from "
            "prints, with queue position), `touch` (against displayed book sizes) or "
            "`intensity` (Poisson arrivals at rate A·exp(-k·δ) for a quote δ away from the "
            "mid, for market-making research on synthetic mid paths)",
            "properties": {
                "kind": {"enum": list(FILL_MODELS), "description": "fill model"},
                "A": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "default": 140,
                    "description": "intensity: arrivals per second at the mid",
                },
                "k": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "default": 1.5,
                    "description": "intensity: decay per price unit away from the mid",
                },
                "seed": {
                    "type": "integer",
                    "default": 0,
                    "description": "intensity: random seed of the fill draws",
                },
                "queue": {
                    "type": "boolean",
                    "default": True,
                    "description": "trades: queue position behind the displayed size (prints at "
                    "the order's price fill it once the queue is consumed); false: only prints "
                    "through the price fill, and book updates cost nothing",
                },
            },
        },
    },
}


def _latency(node: Mapping, ctx: KindContext) -> tuple[int, str, float, float, int]:
    """(fixed ns, dist, a, b, seed) from `latency: 5ms` or `latency: {dist: ...}`."""
    model = ctx.mapping(node, "latency")
    if model is None:
        return ctx.duration_ns(node, "latency", 0), "fixed", 0.0, 0.0, 0
    dist = ctx.text(model, "dist", "fixed")
    keys = _DIST_KEYS.get(dist, ())
    for key in ("min", "max", "mean", "std", "median", "sigma"):
        if key not in keys and model.get(key) is not None:
            ctx.report(
                codes.CONFLICTING_KEYS,
                f"'{key}' does not apply to latency dist '{dist}'",
                ctx.span(model, key),
                f"dist '{dist}' takes: {', '.join(keys)}",
            )
    seed = ctx.integer(model, "seed", 0)
    if dist == "lognormal":
        median = ctx.duration_ns(model, "median", 0)
        if median <= 0:
            ctx.report(
                codes.BAD_VALUE, "lognormal median must be more than 0", ctx.span(model, "median")
            )
        return 0, dist, float(median), ctx.number(model, "sigma", 0.0), seed
    a_key, b_key = (*keys, "")[:2]
    a = ctx.duration_ns(model, a_key, 0)
    b = ctx.duration_ns(model, b_key, 0) if b_key else 0
    if dist == "uniform" and b < a:
        ctx.report(codes.BAD_VALUE, "uniform latency: max is below min", ctx.span(model, "max"))
    if dist == "exponential" and a <= 0:
        ctx.report(codes.BAD_VALUE, "exponential mean must be more than 0", ctx.span(model, "mean"))
    return 0, dist, float(a), float(b), seed


def compile_simulated(node: Mapping, ctx: KindContext) -> SimulatedVenueParams:
    fees = ctx.mapping(node, "fees") or Mapping((), node.span)
    fill_model = ctx.mapping(node, "fill_model") or Mapping((), node.span)
    latency_ns, dist, a, b, latency_seed = _latency(node, ctx)
    min_notional, _ = ctx.money(node, "min_notional")
    kind = ctx.text(fill_model, "kind", "trades")
    queue = ctx.scalar(fill_model, "queue")
    if queue is not None and kind != "trades":
        ctx.report(
            codes.CONFLICTING_KEYS,
            f"'queue' applies to fill_model 'trades', not '{kind}'",
            queue.span,
        )
    if min_notional < 0:
        ctx.report(
            codes.BAD_VALUE, "min_notional cannot be negative", ctx.span(node, "min_notional")
        )
    return SimulatedVenueParams(
        latency_ns=latency_ns,
        maker_fee_bps=ctx.bps(fees, "maker", 0.0),
        taker_fee_bps=ctx.bps(fees, "taker", 0.0),
        fill_model=kind,
        intensity_a=ctx.number(fill_model, "A", 140.0),
        intensity_k=ctx.number(fill_model, "k", 1.5),
        seed=ctx.integer(fill_model, "seed", 0),
        latency_dist=dist,
        latency_a_ns=a,
        latency_b=b,
        latency_seed=latency_seed,
        md_latency_ns=ctx.duration_ns(node, "market_data_latency", 0),
        min_notional=min_notional,
        self_trade=ctx.text(node, "self_trade", "none"),
        post_only=ctx.text(node, "post_only", "reject"),
        queue_position=queue is None or queue.value is True,
    )


register(
    KindSpec(
        category="venue",
        name="simulated",
        summary="simulated exchange that fills orders against the market data",
        schema=SCHEMA,
        params_type=SimulatedVenueParams,
        compile=compile_simulated,
        runtime="orderloom.runtime.venues.simulated:SimulatedVenue",
        doc=(
            "Used in backtest and paper mode; every rule is in docs/venue.md. Orders and "
            "cancels arrive after `latency` of event time (fixed, or drawn per message from a "
            "seeded distribution, never negative, in send order), plus `market_data_latency`. "
            "Fill models: `trades` (default) fills marketable orders at the touch and resting "
            "orders from prints, behind the displayed size at their price (queue position; "
            "`queue: false` keeps the classic rule: only prints through the price); "
            "`touch` fills against displayed book sizes (walking L2 levels up to the limit) "
            "and fills resting orders when the opposite touch reaches them; `intensity` fills "
            "resting quotes by Poisson arrivals at rate A·exp(-k·δ) per second, δ their "
            "distance from the mid (Avellaneda & Stoikov), seeded by `seed`. Orders may be "
            "IOC, FOK, post-only or expire at a time (GTD); the venue rejects orders below "
            "`min_notional` and applies `self_trade` prevention. Maker and taker fees are "
            "ratios of notional."
        ),
        examples=(
            """\
venues:
  sim:
    kind: simulated
    latency: 5ms
    fees: {maker: 1bps, taker: 5bps}
""",
            """\
venues:
  sim:
    kind: simulated
    fill_model: {kind: intensity, A: 140, k: 1.5, seed: 1}
""",
            """\
venues:
  sim:
    kind: simulated
    fill_model: {kind: touch}
    latency: {dist: lognormal, median: 2ms, sigma: 0.5, seed: 7}
    market_data_latency: 1ms
    min_notional: 10 USDT
    self_trade: cancel_newest
    post_only: reprice
""",
        ),
    )
)
