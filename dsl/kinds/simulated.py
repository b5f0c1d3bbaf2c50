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
    },
}


def compile_simulated(node: Mapping, ctx: KindContext) -> SimulatedVenueParams:
    fees = ctx.mapping(node, "fees") or Mapping((), node.span)
    return SimulatedVenueParams(
        latency_ns=ctx.duration_ns(node, "latency", 0),
        maker_fee_bps=ctx.bps(fees, "maker", 0.0),
        taker_fee_bps=ctx.bps(fees, "taker", 0.0),
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
            "before its next decision, so backtests are deterministic."
        ),
        examples=(
            """\
venues:
  sim:
    kind: simulated
    latency: 5ms
    fees: {maker: 1bps, taker: 5bps}
""",
        ),
    )
)
