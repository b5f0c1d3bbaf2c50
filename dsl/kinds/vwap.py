"""Strategy kind `vwap`: work a parent quantity over a time window in slices sized by a
volume profile (given weights, uniform, or learned from the market's volume one lag earlier)."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.diagnostics import did_you_mean
from orderloom.dsl.nodes import Mapping, Scalar, Sequence
from orderloom.dsl.plan import Expr
from orderloom.dsl.registry import KindSpec, register

PROFILES = ("uniform", "learned")  # besides a list of weights
DAY_NS = 86_400_000_000_000


@dataclass(frozen=True)
class VwapParams:
    instrument: str
    side: str  # "buy" | "sell"
    quantity: float
    start_ns: int
    duration_ns: int
    slices: int
    profile: str = "uniform"  # "weights" | "uniform" | "learned"
    weights: tuple[float, ...] = ()  # profile "weights": one per slice, sum > 0
    profile_lag_ns: int = DAY_NS  # profile "learned": how far back the volume is read
    limit_price: Expr | None = None  # price-typed; None: market orders


SCHEMA = {
    "type": "object",
    "required": ["side", "quantity", "start", "duration"],
    "properties": {
        "side": {"enum": ["buy", "sell"], "description": "buy or sell"},
        "quantity": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "parent quantity, in units of the base asset",
        },
        "start": {"$ref": "#/$defs/timestamp", "description": "when the first slice is sent"},
        "duration": {"$ref": "#/$defs/duration", "description": "time over which to trade"},
        "slices": {
            "type": "integer",
            "minimum": 1,
            "description": "number of volume buckets, one child order every duration / slices "
            "(default with a list profile: one per weight)",
        },
        "profile": {
            "type": ["string", "array"],
            "items": {"type": "number", "minimum": 0},
            "default": "uniform",
            "description": "share of the parent per bucket: a list of weights, one per slice "
            "(normalised; 0 skips a bucket), `uniform`, or `learned` (each bucket weighted by "
            "the market volume traded in the same bucket `profile_lag` earlier)",
        },
        "profile_lag": {
            "$ref": "#/$defs/duration",
            "default": "1d",
            "description": "with `profile: learned`: how far back the volume profile is "
            "read (1d: the same time yesterday); at least `duration`",
        },
        "limit_price": {
            "$ref": "#/$defs/expression",
            "description": "price expression capping each child order; default: market orders",
        },
    },
}


def compile_vwap(node: Mapping, ctx: KindContext) -> VwapParams:
    duration_ns = ctx.positive_duration_ns(node, "duration")
    profile, weights = _profile(node, ctx)
    slices = ctx.integer(node, "slices", len(weights))
    if profile == "weights" and ctx.scalar(node, "slices") is not None and slices != len(weights):
        ctx.report(
            codes.BAD_VALUE,
            f"profile has {len(weights)} weights but slices is {slices}",
            ctx.span(node, "profile"),
            "give one weight per slice, or leave out `slices`",
        )
    if profile != "weights" and ctx.scalar(node, "slices") is None:
        ctx.report(
            codes.MISSING_KEY,
            f"missing key 'slices' (needed with profile '{profile}')",
            ctx.span(node, "profile"),
            "add `slices:` (number of volume buckets), or give `profile:` as a list of weights",
        )
    lag_ns = ctx.duration_ns(node, "profile_lag", DAY_NS)
    if profile == "learned" and ctx.ok and lag_ns < duration_ns:
        ctx.report(
            codes.BAD_VALUE,
            "profile_lag must be at least the duration, so the volume it learns from has "
            "traded before the first slice",
            ctx.span(node, "profile_lag"),
            "e.g. profile_lag: 1d (the same buckets yesterday)",
        )
    return VwapParams(
        instrument=ctx.default_instrument or "",
        side=ctx.text(node, "side"),
        quantity=ctx.number(node, "quantity"),
        start_ns=ctx.timestamp_ns(node, "start"),
        duration_ns=duration_ns,
        slices=slices,
        profile=profile,
        weights=weights,
        profile_lag_ns=lag_ns,
        limit_price=ctx.expr(node, "limit_price", "price"),
    )


def _profile(node: Mapping, ctx: KindContext) -> tuple[str, tuple[float, ...]]:
    value = node.get("profile")
    if isinstance(value, Sequence):
        # The schema already refused non-numbers and negative weights.
        weights = tuple(
            float(w.value) for w in value.items if isinstance(w, Scalar) and w.value is not None
        )
        if not weights:
            ctx.report(codes.BAD_VALUE, "profile has no weights", value.span)
        elif not sum(weights) > 0:
            ctx.report(
                codes.BAD_VALUE,
                "profile weights are all 0",
                value.span,
                "at least one bucket needs a positive weight",
            )
        return "weights", weights
    name = ctx.text(node, "profile", "uniform")
    if name not in PROFILES:
        ctx.report(
            codes.BAD_VALUE,
            f"'{name}' is not a profile: expected uniform, learned or a list of weights",
            ctx.span(node, "profile"),
            did_you_mean(name, PROFILES) or "e.g. profile: [1, 2, 2, 1]",
        )
    return name, ()


register(
    KindSpec(
        category="strategy",
        name="vwap",
        summary="buy or sell a quantity over a time window following a volume profile",
        schema=SCHEMA,
        params_type=VwapParams,
        compile=compile_vwap,
        runtime="orderloom.runtime.strategies.vwap:VwapStrategy",
        doc=(
            "Splits `duration` into `slices` buckets starting at `start` and sends one child "
            "order at the start of each, sized by the bucket's share of the volume profile: "
            "bucket i gets w_i / (w_i + … + w_last) of what is not yet filled or working, "
            "rounded down to lots, so a child's unfilled part is re-spread over the remaining "
            "buckets in profile proportion; the last bucket sends all the rest. The previous "
            "child is cancelled when a bucket starts. `profile` is a list of weights (one per "
            "bucket), `uniform` (which trades exactly like `twap`) or `learned`: each bucket "
            "weighted by the instrument's traded volume in the same bucket `profile_lag` "
            "earlier, read from the feed before `start` (uniform when the feed does not "
            "cover that whole window or it has no volume). With `limit_price` each child is "
            "a limit order at that price, evaluated when the bucket starts; without, a "
            "market order. At start + duration everything still open is cancelled."
        ),
        examples=(
            """\
strategies:
  buy_vwap:
    kind: vwap
    instrument: BTC/USDT@sim
    side: buy
    quantity: 5
    start: 2024-01-01T09:00:00Z
    duration: 4h
    profile: [3, 2, 1.5, 1, 1, 1.5, 2, 3]   # U-shaped day, 8 buckets of 30m
    limit_price: "last * (1 + 10bps)"
""",
            """\
strategies:
  sell_vwap:
    kind: vwap
    instrument: BTC/USDT@sim
    side: sell
    quantity: 4
    start: 2024-01-02T00:00:00Z
    duration: 6h
    slices: 24
    profile: learned      # yesterday's volume in the same 15m buckets
    profile_lag: 1d
""",
        ),
    )
)
