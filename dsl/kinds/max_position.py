"""Risk check `max_position`: cap the absolute position per instrument (the shorthand form of
`position_limit`)."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.plan import Instrument
from orderloom.dsl.registry import KindSpec, register


@dataclass(frozen=True)
class MaxPositionParams:
    limits: tuple[tuple[str, float], ...]  # (instrument id, max |position|)

    def applies_to(self, instrument: Instrument) -> bool:
        return any(instrument.id == i for i, _ in self.limits)

    def scaled(self, share: float) -> MaxPositionParams:
        return MaxPositionParams(tuple((i, limit * share) for i, limit in self.limits))


SCHEMA = {
    "type": "object",
    "description": "instrument id -> largest absolute position, in base units",
    "propertyNames": {"$ref": "#/$defs/instrument_id"},
    "additionalProperties": {"type": "number", "minimum": 0},
}


def compile_max_position(node: Mapping, ctx: KindContext) -> MaxPositionParams:
    limits: list[tuple[str, float]] = []
    for key, _ in node.items:
        limits.append((ctx.instrument_ref(key), ctx.number(node, key.text)))
    return MaxPositionParams(limits=tuple(limits))


register(
    KindSpec(
        category="risk",
        name="max_position",
        summary="cap the absolute position per instrument",
        schema=SCHEMA,
        params_type=MaxPositionParams,
        compile=compile_max_position,
        runtime="orderloom.runtime.risk.positions:MaxPosition",
        doc=(
            "Pre-trade check: an order is refused when filling it (together with the "
            "strategy's other open orders on the same side) could take the position beyond the "
            "limit for its instrument in the order's direction; orders that reduce the "
            "exposure pass. Each limit is account-wide: strategy instances trading the same "
            "instrument split it equally. Instruments not listed are not limited; "
            "`position_limit` adds scopes, shares, base assets and gross limits."
        ),
        examples=("risk:\n  max_position: {BTC/USDT@sim: 10}\n",),
    )
)
