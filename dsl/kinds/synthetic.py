"""Feed kind `synthetic`: a seeded random market (geometric Brownian motion, or the
arithmetic Brownian mid-price walk of market-making research) for tests, research and
capacity planning."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.literals import parse_timestamp_ns
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.registry import KindSpec, register


@dataclass(frozen=True)
class SyntheticParams:
    model: str  # "gbm" | "brownian"
    seed: int
    s0: float  # starting price
    mu: float  # drift per year
    sigma: float  # gbm: volatility per sqrt(year); brownian: price units per sqrt(second)
    dt_ns: int  # event spacing
    start_ns: int  # first event time (UTC ns)
    count: int  # number of events (horizon / dt when a horizon is given)
    qty_mean: float = 0.1  # mean trade size (exponential)
    spread_bps: float = 2.0  # quotes: full spread around the path
    batch_size: int = 10_000


DEFAULT_START = "2024-01-01T00:00:00Z"

SCHEMA = {
    "type": "object",
    "required": ["s0", "sigma", "dt"],
    "properties": {
        "model": {
            "enum": ["gbm", "brownian"],
            "default": "gbm",
            "description": "price model: gbm (geometric, sigma per sqrt(year)) or brownian "
            "(arithmetic: each step moves the price ±sigma·sqrt(dt), sigma per sqrt(second))",
        },
        "seed": {
            "type": "integer",
            "default": 0,
            "description": "random seed (same seed, same data)",
        },
        "s0": {"type": "number", "exclusiveMinimum": 0, "description": "starting price"},
        "mu": {"type": "number", "default": 0.0, "description": "drift per year"},
        "sigma": {
            "type": "number",
            "minimum": 0,
            "description": "volatility: per sqrt(year) for gbm, price units per sqrt(second) "
            "for brownian",
        },
        "dt": {"$ref": "#/$defs/duration", "description": "time between events"},
        "start": {
            "$ref": "#/$defs/timestamp",
            "default": DEFAULT_START,
            "description": "time of the first event",
        },
        "count": {"type": "integer", "minimum": 1, "description": "number of events"},
        "horizon": {
            "$ref": "#/$defs/duration",
            "description": "length of the run (instead of count)",
        },
        "qty_mean": {
            "type": "number",
            "exclusiveMinimum": 0,
            "default": 0.1,
            "description": "mean trade size",
        },
        "spread": {
            "$ref": "#/$defs/ratio",
            "description": "quotes: full bid-ask spread around the price path (default 2bps "
            "for gbm, 0 for brownian: a mid-price stream)",
        },
        "batch_size": {
            "type": "integer",
            "minimum": 1,
            "default": 10_000,
            "description": "events per batch",
        },
    },
}


def compile_synthetic(node: Mapping, ctx: KindContext) -> SyntheticParams:
    dt_ns = ctx.positive_duration_ns(node, "dt")
    count = ctx.integer(node, "count", 0)
    has_count, has_horizon = "count" in node, "horizon" in node
    if has_count == has_horizon:
        ctx.report(
            codes.CONFLICTING_KEYS,
            "give either `count` or `horizon`, not both"
            if has_count
            else "a synthetic feed needs `count` or `horizon`",
            ctx.span(node, "horizon"),
            "count: number of events; horizon: a duration such as 1h",
        )
    elif has_horizon:
        horizon_ns = ctx.duration_ns(node, "horizon")
        count = horizon_ns // dt_ns if dt_ns > 0 else 0
        if ctx.ok and count < 1:
            ctx.report(codes.BAD_VALUE, "horizon is shorter than dt", ctx.span(node, "horizon"))
    model = ctx.text(node, "model", "gbm")
    return SyntheticParams(
        model=model,
        seed=ctx.integer(node, "seed", 0),
        s0=ctx.number(node, "s0"),
        mu=ctx.number(node, "mu", 0.0),
        sigma=ctx.number(node, "sigma"),
        dt_ns=dt_ns,
        start_ns=ctx.timestamp_ns(node, "start", parse_timestamp_ns(DEFAULT_START)),
        count=count,
        qty_mean=ctx.number(node, "qty_mean", 0.1),
        spread_bps=ctx.bps(node, "spread", 0.0 if model == "brownian" else 2.0),
        batch_size=ctx.integer(node, "batch_size", 10_000),
    )


register(
    KindSpec(
        category="feed",
        name="synthetic",
        summary="seeded random market data (geometric Brownian motion)",
        schema=SCHEMA,
        params_type=SyntheticParams,
        compile=compile_synthetic,
        runtime="orderloom.runtime.feeds.synthetic:SyntheticReader",
        doc=(
            "Generates `count` events (or `horizon / dt`) `dt` apart from `start`, following "
            "a geometric Brownian motion from `s0` with drift `mu` and volatility `sigma` (per "
            "year), or with `model: brownian` the arithmetic walk of Avellaneda & Stoikov: "
            "each step the price moves up or down by `sigma`·sqrt(dt) with equal probability "
            "(`sigma` in price units per sqrt(second), `mu` ignored). Trades get exponential "
            "sizes with mean `qty_mean`; quotes straddle the path by `spread` (0 by default "
            "for brownian, so bid = ask = mid). The same seed gives the same data."
        ),
        examples=(
            """\
feeds:
  btc_gbm:
    kind: synthetic
    instrument: BTC/USDT@sim
    schema: quotes
    seed: 7
    s0: 42000
    sigma: 0.6
    dt: 100ms
    start: 2024-01-01T00:00:00Z
    horizon: 1h
    spread: 2bps
""",
            """\
feeds:
  mid:
    kind: synthetic
    model: brownian
    instrument: BTC/USDT@sim
    schema: quotes
    s0: 100
    sigma: 2
    dt: 5ms
    horizon: 1s
""",
        ),
    )
)
