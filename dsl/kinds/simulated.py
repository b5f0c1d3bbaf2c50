"""Venue kind `simulated`: the backtest/paper venue that fills orders against market data."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.registry import KindSpec, register


@dataclass(frozen=True)
class SimulatedVenueParams:
    latency_ns: int = 0  # order entry latency
    maker_fee_bps: float = 0.0
    taker_fee_bps: float = 0.0
    fill_model: str = "trades"  # "trades" | "intensity"
    intensity_a: float = 140.0  # intensity: arrival rate at the mid, per second
    intensity_k: float = 1.5  # intensity: decay per price unit of distance from the mid
    seed: int = 0  # intensity: random seed of the fill draws


SCHEMA = {
    "type": "object",
    "properties": {
        "latency": {
            "$ref": "#/$defs/duration",
            "default": "0ms",
            "description": "order entry latency: orders reach the book this much later",
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
        "fill_model": {
            "type": "object",
            "additionalProperties": False,
            "required": ["kind"],
            "description": "how resting orders fill: `trades` (default: when trades print "
            "through them) or `intensity` (Poisson arrivals at rate A·exp(-k·δ) for a quote δ "
            "away from the mid, for market-making research on synthetic mid paths)",
            "properties": {
                "kind": {"enum": ["trades", "intensity"], "description": "fill model"},
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
            },
        },
    },
}


def compile_simulated(node: Mapping, ctx: KindContext) -> SimulatedVenueParams:
    fees = ctx.mapping(node, "fees") or Mapping((), node.span)
    fill_model = ctx.mapping(node, "fill_model") or Mapping((), node.span)
    return SimulatedVenueParams(
        latency_ns=ctx.duration_ns(node, "latency", 0),
        maker_fee_bps=ctx.bps(fees, "maker", 0.0),
        taker_fee_bps=ctx.bps(fees, "taker", 0.0),
        fill_model=ctx.text(fill_model, "kind", "trades"),
        intensity_a=ctx.number(fill_model, "A", 140.0),
        intensity_k=ctx.number(fill_model, "k", 1.5),
        seed=ctx.integer(fill_model, "seed", 0),
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
            "Used in backtest and paper mode. Orders arrive after `latency` of event time; "
            "marketable orders fill against the book (taker fee), resting limit orders fill "
            "when the market trades through them (maker fee). Fills feed back to the strategy "
            "before its next decision, so backtests are deterministic. With "
            "`fill_model: {kind: intensity, A, k}` resting limit orders instead fill by "
            "Poisson arrivals at rate A·exp(-k·δ) per second, δ their distance from the mid "
            "(Avellaneda & Stoikov), seeded by `seed`; use it with a synthetic quotes feed."
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
        ),
    )
)
