"""Strategy kind `pov`: participate in the market's traded volume at a target rate until a
parent quantity is done or the window ends."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.plan import Expr
from orderloom.dsl.registry import KindSpec, register


@dataclass(frozen=True)
class PovParams:
    instrument: str
    side: str  # "buy" | "sell"
    quantity: float
    rate: float  # in (0, 1]
    start_ns: int
    end_ns: int | None = None  # None: until the parent is done (or the data ends)
    min_order: float = 0.0  # 0: one lot
    max_order: float = 0.0  # 0: no cap
    limit_price: Expr | None = None  # price-typed; None: market orders


SCHEMA = {
    "type": "object",
    "required": ["side", "quantity", "rate", "start"],
    "properties": {
        "side": {"enum": ["buy", "sell"], "description": "buy or sell"},
        "quantity": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "parent quantity, in units of the base asset; the strategy stops "
            "when it is filled",
        },
        "rate": {
            "$ref": "#/$defs/ratio",
            "description": "target participation: own executed quantity as a share of the "
            "market volume printed since `start` (10% or 0.1); more than 0, at most 100%",
        },
        "start": {
            "$ref": "#/$defs/timestamp",
            "description": "prints from this time on count toward the volume",
        },
        "end": {
            "$ref": "#/$defs/timestamp",
            "description": "stop participating and cancel what is open; default: run until "
            "the parent is filled",
        },
        "min_order": {
            "type": "number",
            "minimum": 0,
            "default": 0,
            "description": "smallest child order: wait until the shortfall to the target is "
            "at least this (the parent's last remainder goes out regardless); 0: one lot",
        },
        "max_order": {
            "type": "number",
            "minimum": 0,
            "default": 0,
            "description": "largest child order (a bigger shortfall is worked over later "
            "prints); 0: no cap",
        },
        "limit_price": {
            "$ref": "#/$defs/expression",
            "description": "price expression for limit children, evaluated when each is "
            "sent; default: market orders",
        },
    },
}


def compile_pov(node: Mapping, ctx: KindContext) -> PovParams:
    rate = ctx.ratio(node, "rate")
    if ctx.ok and not 0 < rate <= 1:
        ctx.report(
            codes.BAD_VALUE,
            f"rate must be more than 0% and at most 100%, found {rate * 100:g}%",
            ctx.span(node, "rate"),
            "write it as a percentage (10%) or a fraction (0.1)",
        )
    start_ns = ctx.timestamp_ns(node, "start")
    end_ns = ctx.timestamp_ns(node, "end") if ctx.scalar(node, "end") is not None else None
    if ctx.ok and end_ns is not None and end_ns <= start_ns:
        ctx.report(codes.BAD_VALUE, "end must be after start", ctx.span(node, "end"))
    min_order = ctx.number(node, "min_order", 0.0)
    max_order = ctx.number(node, "max_order", 0.0)
    if ctx.ok and max_order > 0 and min_order > max_order:
        ctx.report(
            codes.BAD_VALUE,
            f"min_order ({min_order:g}) is more than max_order ({max_order:g})",
            ctx.span(node, "min_order"),
        )
    return PovParams(
        instrument=ctx.default_instrument or "",
        side=ctx.text(node, "side"),
        quantity=ctx.number(node, "quantity"),
        rate=rate,
        start_ns=start_ns,
        end_ns=end_ns,
        min_order=min_order,
        max_order=max_order,
        limit_price=ctx.expr(node, "limit_price", "price"),
    )


register(
    KindSpec(
        category="strategy",
        name="pov",
        summary="trade a quantity as a fixed share of the market's traded volume",
        schema=SCHEMA,
        params_type=PovParams,
        compile=compile_pov,
        runtime="orderloom.runtime.strategies.pov:PovStrategy",
        doc=(
            "After every print of the instrument from `start` on, the target is `rate` × the "
            "volume printed since `start`, in whole lots and capped at `quantity`; when the "
            "target exceeds what is filled plus what is working by at least `min_order` (or "
            "by the whole rest of the parent), one child for that shortfall (at most "
            "`max_order`) is sent: a limit order at `limit_price` evaluated then, or a market "
            "order. The volume is the market's printed volume net of the strategy's own "
            "fills, as desks measure participation (the simulated venue never prints them), "
            "so 10% means one lot for every ten that others trade. Working children are "
            "not re-priced, so a limit child the market leaves behind holds back further "
            "children. Needs a trades feed. A child refused by a pre-trade risk check stops "
            "the strategy (it would be refused again on the next print). At `end` open "
            "children are cancelled and the strategy stops."
        ),
        examples=(
            """\
strategies:
  buy_pov:
    kind: pov
    instrument: BTC/USDT@sim
    side: buy
    quantity: 2
    rate: 10%
    start: 2024-01-01T00:00:00Z
    end: 2024-01-01T02:00:00Z
    min_order: 0.01
    max_order: 0.25
    limit_price: "last * (1 + 5bps)"
""",
        ),
    )
)
