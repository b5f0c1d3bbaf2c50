"""Post-trade risk kind `max_position_age`: a position (in any instrument of an instance) held
longer than a duration of event time, counted from the fill that opened it, trips an action —
flatten by default, or kill."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Node
from orderloom.dsl.registry import KindSpec, register
from orderloom.dsl.risk_scopes import as_mapping, check_schema

AGE_ACTIONS = ("flatten", "kill")


@dataclass(frozen=True)
class MaxPositionAgeParams:
    max_age_ns: int
    action: str = "flatten"  # one of AGE_ACTIONS
    band_bps: float = 0.0  # flatten: limit order this far through the mark; 0: market order


SCHEMA = check_schema(
    "longest a position may stay open (event time) before it is flattened, e.g. 4h",
    {
        "max_age": {"$ref": "#/$defs/duration", "description": "e.g. 30m, 4h, 1d"},
        "action": {
            "enum": list(AGE_ACTIONS),
            "description": "flatten (default: cancel the open orders and close the position) "
            "or kill (cancel all, stop until resume)",
        },
        "band": {
            "$ref": "#/$defs/ratio",
            "description": "flatten with a limit order this far through the mark (e.g. 50bps)",
        },
    },
    ["max_age"],
    scalar="money",  # a bare duration string: `max_position_age: 4h`
)


def compile_max_position_age(node: Node, ctx: KindContext) -> MaxPositionAgeParams:
    item = as_mapping(node, "max_age")
    max_age_ns = ctx.positive_duration_ns(item, "max_age")
    action = ctx.text(item, "action", "flatten")
    band_bps = ctx.bps(item, "band")
    if item.get("band") is not None and action != "flatten":
        ctx.report(
            codes.BAD_VALUE, "`band` applies only to `action: flatten`", ctx.span(item, "band")
        )
    return MaxPositionAgeParams(max_age_ns, action, band_bps)


register(
    KindSpec(
        category="risk",
        name="max_position_age",
        summary="flatten (or kill) a position held longer than a duration of event time",
        schema=SCHEMA,
        params_type=MaxPositionAgeParams,
        compile=compile_max_position_age,
        runtime="orderloom.runtime.risk.post_trade:PostTradeCheck",
        doc=(
            "Post-trade check in event time: a position's age counts from the fill that "
            "opened it (from flat, or through zero to the other side); adding to it does not "
            "reset the age. At open time + max_age, if that position is still open, the "
            "action runs at exactly that time: `flatten` cancels the instance's open orders "
            "and closes every position with a market order (or a limit order `band` through "
            "the mark), `kill` cancels everything and stops the instance until resume. One "
            "risk_events row (check max_position_age, value = the age in seconds)."
        ),
        examples=(
            "risk:\n  max_position_age: 4h\n",
            "risk:\n  max_position_age: {max_age: 30m, action: flatten, band: 20bps}\n",
        ),
    )
)
