"""Feed kind `synthetic`: a seeded random market (geometric Brownian motion, Merton's jump
diffusion, or the arithmetic Brownian mid-price walk of market-making research, optionally
with jumps) for tests, research and capacity planning."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.literals import parse_timestamp_ns
from orderloom.dsl.nodes import Mapping
from orderloom.dsl.registry import KindSpec, register


@dataclass(frozen=True)
class SyntheticParams:
    model: str  # "gbm" | "jump_diffusion" | "brownian"
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
    # Compound-Poisson jumps (jump_diffusion, brownian): rate per year for jump_diffusion (the
    # unit of mu and sigma there), per second for brownian; sizes normal with mean jump_mean
    # and std jump_std, of log(S) for jump_diffusion and of the price for brownian.
    jump_rate: float = 0.0
    jump_mean: float = 0.0
    jump_std: float = 0.0


MODELS = ("gbm", "jump_diffusion", "brownian")
JUMP_KEYS = ("jump_rate", "jump_mean", "jump_std")
DEFAULT_START = "2024-01-01T00:00:00Z"

SCHEMA = {
    "type": "object",
    "required": ["s0", "sigma", "dt"],
    "properties": {
        "model": {
            "enum": list(MODELS),
            "default": "gbm",
            "description": "price model: gbm (geometric, sigma per sqrt(year)), jump_diffusion "
            "(Merton: gbm plus compound-Poisson jumps of log price) or brownian (arithmetic: "
            "each step moves the price ±sigma·sqrt(dt), sigma per sqrt(second); optional "
            "additive normal jumps)",
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
            "description": "volatility: per sqrt(year) for gbm and jump_diffusion, price units "
            "per sqrt(second) for brownian",
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
        "jump_rate": {
            "type": "number",
            "minimum": 0,
            "description": "jump_diffusion and brownian: mean number of jumps per year "
            "(jump_diffusion) or per second (brownian)",
        },
        "jump_mean": {
            "type": "number",
            "default": 0.0,
            "description": "mean jump size: of log price (jump_diffusion; -0.05 is about a 5% "
            "drop) or in price units (brownian)",
        },
        "jump_std": {
            "type": "number",
            "minimum": 0,
            "default": 0.0,
            "description": "standard deviation of the jump size, in the unit of jump_mean",
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
    jump_rate, jump_mean, jump_std = _compile_jumps(node, ctx, model)
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
        jump_rate=jump_rate,
        jump_mean=jump_mean,
        jump_std=jump_std,
    )


def _compile_jumps(node: Mapping, ctx: KindContext, model: str) -> tuple[float, float, float]:
    """(jump_rate, jump_mean, jump_std): jumps need a rate and a non-zero size, and only the
    jump_diffusion and brownian models take them."""
    given = [key for key in JUMP_KEYS if key in node]
    if model == "gbm":
        if given:
            ctx.report(
                codes.CONFLICTING_KEYS,
                f"`{given[0]}` needs a model with jumps; model gbm has none",
                ctx.span(node, given[0]),
                "use `model: jump_diffusion` (gbm plus jumps of log price)",
            )
        return 0.0, 0.0, 0.0
    if model == "jump_diffusion" and "jump_rate" not in node:
        ctx.report(
            codes.MISSING_KEY,
            "model jump_diffusion needs `jump_rate` (mean jumps per year)",
            ctx.span(node, "model"),
            "for example jump_rate: 12, jump_mean: -0.02, jump_std: 0.05",
        )
    elif given and "jump_rate" not in node:
        ctx.report(
            codes.MISSING_KEY,
            f"`{given[0]}` without `jump_rate`: how often do jumps happen?",
            ctx.span(node, given[0]),
            "jump_rate: mean jumps per second (brownian)",
        )
    rate = ctx.number(node, "jump_rate", 0.0)
    mean = ctx.number(node, "jump_mean", 0.0)
    std = ctx.number(node, "jump_std", 0.0)
    if ctx.ok and rate > 0 and mean == 0 and std == 0:
        ctx.report(
            codes.BAD_VALUE,
            "jumps of size zero: give `jump_mean` or `jump_std`",
            ctx.span(node, "jump_rate"),
            "jump_std: the standard deviation of a jump (of log price for jump_diffusion)",
        )
    return rate, mean, std


register(
    KindSpec(
        category="feed",
        name="synthetic",
        summary="seeded random market data (geometric Brownian motion, jumps, Brownian walk)",
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
            "for brownian, so bid = ask = mid). The same seed gives the same data. "
            "`model: jump_diffusion` is Merton's (1976) jump diffusion: the gbm above plus "
            "jumps arriving as a Poisson process with `jump_rate` jumps per year, each adding "
            "a normal N(`jump_mean`, `jump_std`²) to log price (`mu` is the drift of the "
            "diffusion part; jumps are not compensated, so a log return over dt has mean "
            "(mu - sigma²/2)·dt + jump_rate·dt·jump_mean). With the same seed its diffusion "
            "draws, trade sizes and sides are those of `model: gbm`, which it equals at "
            "`jump_rate: 0`. `model: brownian` takes the same keys for additive jumps: "
            "`jump_rate` per second, sizes in price units."
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
            """\
feeds:
  btc_jumps:
    kind: synthetic
    model: jump_diffusion
    instrument: BTC/USDT@sim
    schema: trades
    seed: 7
    s0: 42000
    sigma: 0.6
    jump_rate: 50
    jump_mean: -0.01
    jump_std: 0.03
    dt: 1s
    horizon: 1d
""",
        ),
    )
)
