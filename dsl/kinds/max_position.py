"""Risk check `max_position`: cap the absolute position per instrument."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.registry import KindSpec, register


@dataclass(frozen=True)
class MaxPositionParams:
    limits: tuple[tuple[str, float], ...]  # (instrument id, max |position|)


SCHEMA = {
    "type": "object",
    "description": "instrument id -> largest absolute position, in base units",
    "propertyNames": {"$ref": "#/$defs/instrument_id"},
    "additionalProperties": {"type": "number", "minimum": 0},
}


def compile_max_position(node: Mapping, ctx: KindContext) -> MaxPositionParams:
    limits: list[tuple[str, float]] = []
    table = ctx.mapping(node, "max_position")
    if table is not None:
        for key, _ in table.items:
            limits.append((ctx.instrument_ref(key), ctx.number(table, key.text)))
    return MaxPositionParams(limits=tuple(limits))


register(
    KindSpec(
        category="risk",
        name="max_position",
        summary="cap the absolute position per instrument",
        schema=SCHEMA,
        params_type=MaxPositionParams,
        compile=compile_max_position,
        runtime="orderloom.runtime.risk.checks:MaxPosition",
        doc=(
            "Pre-trade check: an order is refused when filling it (together with the "
            "strategy's other open orders on the same side) could take |position| above the "
            "limit for its instrument. Instruments not listed are not limited."
        ),
        examples=("risk:\n  max_position: {BTC/USDT@sim: 10}\n",),
    )
)
