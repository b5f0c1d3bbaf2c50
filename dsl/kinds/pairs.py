"""Strategy kind `pairs`: relative value between two instruments — trade the z-score of the
spread leg a − β·leg b, with β fixed or a rolling OLS hedge ratio."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.registry import KindSpec, register


@dataclass(frozen=True)
class PairsParams:
    leg_a: str  # the strategy's `instrument`: traded first, slot 0
    leg_b: str
    quantity: float  # leg a, in units of its base asset
    window: int  # z-score window: ns of event time, or samples when window_by_count
    window_by_count: bool
    entry_z: float
    exit_z: float
    stop_z: float | None  # None: no stop
    hedge_ratio: float | None  # fixed β; None: rolling OLS over ols_window
    ols_window: int = 0  # ns of event time, or samples when ols_by_count
    ols_by_count: bool = False
    spread: str = "price"  # "price": a − β·b; "log": ln a − β·ln b


WINDOW_DESCRIPTION = "a duration of event time (30m) or a number of samples (500)"

SCHEMA = {
    "type": "object",
    "required": ["leg_b", "quantity", "hedge_ratio", "window", "entry_z", "exit_z"],
    "properties": {
        "leg_b": {
            "type": "string",
            "description": "instrument id of the hedge leg (`instrument` is leg a)",
        },
        "quantity": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "size of leg a, in units of its base asset; leg b is hedged by β",
        },
        "hedge_ratio": {
            "type": ["number", "object"],
            "description": "β: a fixed number (1.2), or {rolling_ols: WINDOW}, the OLS slope "
            "of leg a on leg b over the last WINDOW (" + WINDOW_DESCRIPTION + ")",
            "required": ["rolling_ols"],
            "additionalProperties": False,
            "properties": {
                "rolling_ols": {
                    "type": ["string", "integer"],
                    "description": "regression window: " + WINDOW_DESCRIPTION,
                }
            },
        },
        "window": {
            "type": ["string", "integer"],
            "description": "z-score window of the spread: " + WINDOW_DESCRIPTION,
        },
        "entry_z": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "open when |z| reaches this (short the spread when z > 0)",
        },
        "exit_z": {
            "type": "number",
            "minimum": 0,
            "description": "close when z comes back to within this of 0",
        },
        "stop_z": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "close at a loss when |z| reaches this, then stay out until z "
            "is back within exit_z; default: no stop",
        },
        "spread": {
            "enum": ["price", "log"],
            "default": "price",
            "description": "price: a − β·b, hedge β × quantity of b; log: ln a − β·ln b, "
            "hedge β × the notional of leg a",
        },
    },
}


def read_window(ctx: KindContext, node: Mapping, key: str) -> tuple[int, bool]:
    """A window written as a duration (`30m`, event time) or a whole number of samples:
    (length, by_count), length in ns or samples."""
    s = ctx.scalar(node, key)
    if s is None:
        return 0, False
    if isinstance(s.value, int) and not isinstance(s.value, bool):
        if s.value < 2:
            ctx.report(
                codes.BAD_VALUE,
                f"a window of {s.value} samples has no spread; use at least 2",
                s.span,
                "or a duration of event time, e.g. 30m",
            )
        return s.value, True
    window_ns = ctx.duration_ns(node, key)
    if ctx.ok and window_ns <= 0:
        ctx.report(codes.BAD_VALUE, "the window must be longer than 0", s.span)
    return window_ns, False


def compile_pairs(node: Mapping, ctx: KindContext) -> PairsParams:
    leg_a = ctx.default_instrument or ""
    leg_b = ctx.instrument(node, "leg_b")
    if leg_b and leg_b == leg_a:
        ctx.report(
            codes.BAD_VALUE,
            f"leg_b is the same instrument as leg a ({leg_a})",
            ctx.span(node, "leg_b"),
            "a pair needs two different instruments",
        )
    if leg_b:
        ctx.reads.add(leg_b)  # the assembler subscribes to it and checks that a feed gives it

    hedge_ratio: float | None = None
    ols_window, ols_by_count = 0, False
    ols = ctx.mapping(node, "hedge_ratio")
    if ols is not None:
        ols_window, ols_by_count = read_window(ctx, ols, "rolling_ols")
    else:
        hedge_ratio = ctx.number(node, "hedge_ratio")
        if hedge_ratio == 0:
            ctx.report(
                codes.BAD_VALUE,
                "a hedge_ratio of 0 leaves leg b unhedged",
                ctx.span(node, "hedge_ratio"),
            )
    window, by_count = read_window(ctx, node, "window")

    entry_z = ctx.number(node, "entry_z")
    exit_z = ctx.number(node, "exit_z")
    stop = ctx.scalar(node, "stop_z")
    stop_z = ctx.number(node, "stop_z") if stop is not None else None
    if exit_z >= entry_z:
        ctx.report(
            codes.BAD_VALUE,
            f"exit_z ({_z(exit_z)}) must be less than entry_z ({_z(entry_z)})",
            ctx.span(node, "exit_z"),
            "a position opens at |z| >= entry_z and closes when |z| <= exit_z",
        )
    if stop is not None and stop_z is not None and stop_z <= entry_z:
        ctx.report(
            codes.BAD_VALUE,
            f"stop_z ({_z(stop_z)}) must be more than entry_z ({_z(entry_z)})",
            stop.span,
        )
    return PairsParams(
        leg_a=leg_a,
        leg_b=leg_b,
        quantity=ctx.number(node, "quantity"),
        window=window,
        window_by_count=by_count,
        entry_z=entry_z,
        exit_z=exit_z,
        stop_z=stop_z,
        hedge_ratio=hedge_ratio,
        ols_window=ols_window,
        ols_by_count=ols_by_count,
        spread=ctx.text(node, "spread", "price"),
    )


def _z(value: float) -> str:
    return f"{value:g}"


register(
    KindSpec(
        category="strategy",
        name="pairs",
        summary="trade the z-score of the spread between two instruments",
        schema=SCHEMA,
        params_type=PairsParams,
        compile=compile_pairs,
        runtime="orderloom.runtime.strategies.pairs:PairsStrategy",
        doc=(
            "Leg a is the strategy's `instrument`, leg b is `leg_b`; both need a feed. Each "
            "leg's price is its mid once both sides were quoted, else its last trade. On every "
            "market event of either leg, once both have a price, one sample of the spread "
            "s = a − β·b is taken (`spread: log`: ln a − β·ln b). β is `hedge_ratio`, or with "
            "`{rolling_ols: WINDOW}` the OLS slope (with intercept) of a on b over the samples "
            "of that window, kept incrementally. z = (s − mean) / std of the spreads in "
            "`window`, the current one included (population std, as `zscore`). A window is a "
            "duration of event time (the samples of the last T) or a number of samples; the "
            "hedge window fills first, then the z window. At z ≥ `entry_z` the strategy shorts "
            "the spread: sells `quantity` of a and buys β × quantity of b (β × a's notional "
            "with `spread: log`), rounded to b's lots; at z ≤ −`entry_z` it buys it. It closes "
            "both legs when z comes back to within `exit_z` of 0 (or crosses it), and when z "
            "moves on to `stop_z` on the position's side it closes and stays out until "
            "|z| ≤ `exit_z`; no entry happens at |z| ≥ `stop_z`. Orders are market orders, "
            "leg a first. A leg refused by a risk check on entry unwinds the other leg and "
            "counts as a stop."
        ),
        examples=(
            """\
instruments:
  BTC/USDT@sim: {tick_size: 0.01, lot_size: 0.0001}
  ETH/USDT@sim: {tick_size: 0.01, lot_size: 0.001}
feeds:
  btc: {kind: synthetic, instrument: BTC/USDT@sim, s0: 42000, sigma: 0.5, dt: 1s, count: 10}
  eth: {kind: synthetic, instrument: ETH/USDT@sim, s0: 2300, sigma: 0.6, dt: 1s, count: 10}
strategies:
  eth_btc:
    kind: pairs
    instrument: ETH/USDT@sim     # leg a
    leg_b: BTC/USDT@sim
    hedge_ratio: {rolling_ols: 1h}
    window: 30m
    entry_z: 2
    exit_z: 0.5
    stop_z: 4
    quantity: 1
""",
        ),
    )
)
