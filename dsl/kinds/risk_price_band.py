"""Risk check `price_band`: refuse limit prices too far from a reference (fat-finger guard)."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.registry import KindSpec, register
from orderloom.dsl.risk_scopes import check_schema

REFERENCES = ("mid", "last", "mark")


@dataclass(frozen=True)
class PriceBandParams:
    max_deviation_bps: float
    reference: str = "mark"  # "mid" | "last" | "mark" (mid when quoted, else last)

    @property
    def requires_quotes(self) -> bool:
        return self.reference == "mid"


SCHEMA = check_schema(
    "largest distance of a limit price from a reference price, in % or bps",
    {
        "reference": {
            "enum": list(REFERENCES),
            "default": "mark",
            "description": "mid (needs a quotes feed), last trade, or mark (mid when quoted, "
            "else last)",
        },
        "max_deviation": {
            "$ref": "#/$defs/ratio",
            "description": "largest |price / reference - 1|, e.g. 50bps or 2%",
        },
    },
    ["max_deviation"],
)


def compile_price_band(node: Mapping, ctx: KindContext) -> PriceBandParams:
    max_bps = ctx.bps(node, "max_deviation")
    if ctx.ok and max_bps <= 0:
        ctx.report(
            codes.BAD_VALUE,
            "max_deviation must be more than 0",
            ctx.span(node, "max_deviation"),
            "e.g. 50bps or 2%",
        )
    return PriceBandParams(max_bps, ctx.text(node, "reference", "mark"))


register(
    KindSpec(
        category="risk",
        name="price_band",
        summary="refuse limit prices too far from the mid, last or mark price",
        schema=SCHEMA,
        params_type=PriceBandParams,
        compile=compile_price_band,
        runtime="orderloom.runtime.risk.checks:PriceBand",
        doc=(
            "Pre-trade fat-finger check on limit orders: |price / reference - 1| must not "
            "exceed `max_deviation`, on either side. The reference is the current mid, last "
            "trade or mark; a limit order sent before the reference exists is refused. Market "
            "orders take the touch and are bounded by the notional and quantity checks instead."
        ),
        examples=("risk:\n  price_band: {reference: last, max_deviation: 50bps}\n",),
    )
)
