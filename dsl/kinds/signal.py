"""Strategy kind `signal`: hold the target position an expression gives, trading the
difference with market orders."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.plan import Expr
from orderloom.dsl.registry import KindSpec, register


@dataclass(frozen=True)
class SignalParams:
    instrument: str
    target: Expr  # quantity-typed
    min_trade_qty: float = 0.0  # 0: the instrument's lot size


SCHEMA = {
    "type": "object",
    "required": ["target"],
    "properties": {
        "target": {
            "$ref": "#/$defs/expression",
            "description": "target position (an expression of type quantity), re-evaluated "
            "on every market event",
        },
        "min_trade_qty": {
            "type": "number",
            "minimum": 0,
            "default": 0,
            "description": "ignore differences smaller than this; 0: the lot size",
        },
    },
}


def compile_signal(node: Mapping, ctx: KindContext) -> SignalParams:
    target = ctx.expr(node, "target", "quantity")
    return SignalParams(
        instrument=ctx.default_instrument or "",
        target=target if target is not None else Expr("", None, "quantity"),
        min_trade_qty=ctx.number(node, "min_trade_qty", 0.0),
    )


register(
    KindSpec(
        category="strategy",
        name="signal",
        summary="hold the position an expression asks for",
        schema=SCHEMA,
        params_type=SignalParams,
        compile=compile_signal,
        runtime="orderloom.runtime.strategies.signal:SignalStrategy",
        doc=(
            "Evaluates `target` on every market event once its indicators are warm, and sends "
            "a market order for the difference between the target and the current position "
            "when it is at least `min_trade_qty`. Combine with `for_each` to run one instance "
            "per instrument."
        ),
        examples=(
            """\
strategies:
  trend:
    kind: signal
    for_each: {instrument: [BTC/USDT@sim]}
    instrument: ${each.instrument}
    target: "if ema(last, 10) > ema(last, 50) then 0.01 else -0.01"
    min_trade_qty: 0.001
""",
        ),
    )
)
