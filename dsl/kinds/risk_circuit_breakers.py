"""Risk kind `circuit_breakers`: boolean expressions over market and account state, each with
an action taken (and written to risk_events) when it becomes true — halt for a while, cancel
all open orders, flatten the position, or kill the instance."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping, Node
from orderloom.dsl.plan import Expr
from orderloom.dsl.registry import KindSpec, register
from orderloom.dsl.risk_actions import read_action
from orderloom.dsl.risk_scopes import check_schema

ACTIONS = ("halt", "cancel_all", "flatten", "kill")


@dataclass(frozen=True)
class CircuitBreakerParams:
    name: str  # the `name:` given, else the expression text
    when: Expr  # bool; bare `last` etc. mean the instance's traded instrument
    action: str  # one of ACTIONS
    duration_ns: int = 0  # halt only; 0: until resume
    band_bps: float = 0.0  # flatten only: limit price within this of the mark; 0: market order


SCHEMA = check_schema(
    "expressions that trip an action: halt [duration] | cancel_all | flatten | kill",
    {
        "name": {"type": "string", "description": "label in risk_events (default: `when`)"},
        "when": {"$ref": "#/$defs/expression", "description": "trip condition (bool)"},
        "then": {
            "type": "string",
            "description": "halt 5m (no new orders, resting ones stay; no duration: until "
            "resume), cancel_all, flatten (close the position) or kill (cancel all, stop "
            "until resume)",
        },
        "band": {
            "$ref": "#/$defs/ratio",
            "description": "flatten with a limit order this far through the mark (e.g. 50bps) "
            "instead of a market order",
        },
    },
    ["when", "then"],
)


def compile_circuit_breaker(node: Node, ctx: KindContext) -> CircuitBreakerParams:
    assert isinstance(node, Mapping)  # the schema allows only mappings in the list
    if ctx.default_instrument is None and ctx.names.instruments:
        # Bare `last` means each covered instance's traded instrument; it is checked again
        # against every instance when the engine builds. Any instrument types it here.
        ctx.default_instrument = sorted(ctx.names.instruments)[0]
    when = ctx.expr(node, "when", "bool")
    then = ctx.scalar(node, "then")
    action, duration_ns = "halt", 0
    if then is not None:
        action, duration_ns = read_action(ctx, then, "then", ACTIONS, "circuit breaker")
    band_bps = ctx.bps(node, "band")
    if node.get("band") is not None and action != "flatten":
        ctx.report(
            codes.BAD_VALUE, "`band` applies only to `then: flatten`", ctx.span(node, "band")
        )
    name = ctx.text(node, "name") or (when.source if when is not None else "")
    return CircuitBreakerParams(
        name, when if when is not None else Expr("", None, "bool"), action, duration_ns, band_bps
    )


register(
    KindSpec(
        category="risk",
        name="circuit_breakers",
        summary="trip halt, cancel_all, flatten or kill when an expression becomes true",
        schema=SCHEMA,
        params_type=CircuitBreakerParams,
        compile=compile_circuit_breaker,
        runtime="orderloom.runtime.risk.post_trade:PostTradeCheck",
        doc=(
            "Evaluated after every market event of an instance it covers, in event time. "
            "`halt D` blocks new orders for D (resting orders stay); `cancel_all` cancels the "
            "open orders; `flatten` cancels them and closes the position with a market order "
            "(or a limit order `band` through the mark); `kill` cancels everything and blocks "
            "the instance until `orderloom resume`. Each trip writes a risk_events row "
            "(check = the breaker's name, action, value = 1). An action re-trips only after "
            "its condition has been false (halt: after the halt ends)."
        ),
        examples=(
            """\
risk:
  circuit_breakers:
    - when: "abs(returns(last, 1m)) > 3%"
      then: halt 5m
    - {name: deep_loss, when: "pnl < -1000 USDT", then: flatten, band: 50bps}
""",
        ),
    )
)
