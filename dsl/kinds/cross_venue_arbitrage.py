"""Strategy kind `cross_venue_arbitrage`: the same asset quoted on several venues; buy at one
venue's ask and sell at another's bid when the edge after both taker fees and an expected
slippage clears a threshold, with the leg risk of a one-sided fill hedged or unwound."""

from __future__ import annotations

from dataclasses import dataclass

from orderloom.dsl import codes
from orderloom.dsl.context import KindContext
from orderloom.dsl.nodes import Mapping, Scalar, Sequence
from orderloom.dsl.registry import KindSpec, register

LEG_RISK = ("hedge", "unwind")


@dataclass(frozen=True)
class CrossVenueArbitrageParams:
    legs: tuple[str, ...]  # instrument ids, one per venue, same BASE/QUOTE; the first is slot 0
    min_edge_bps: float  # trade when the edge after fees and slippage is more than this
    max_quantity: float  # per attempt, in units of the base asset
    max_position: float  # |position| limit per leg (per venue), base units
    leg_timeout_ns: int  # a leg not filled by then is cancelled and its risk handled
    leg_risk: str = "hedge"  # "hedge" | "unwind"
    slippage_bps: float = 0.0  # expected slippage charged against the edge
    max_hedge_slippage_bps: float = 10.0  # hedge price band around the failed leg's price
    cooldown_ns: int = 0  # pause after each attempt, from the moment it is settled


SCHEMA = {
    "type": "object",
    "required": ["instruments", "min_edge", "max_quantity", "max_position", "leg_timeout"],
    "properties": {
        "instruments": {
            "type": "array",
            "minItems": 2,
            "items": {"type": "string"},
            "description": "the same asset on two or more venues (BTC/USDT@binance, "
            "BTC/USDT@okx); `instrument` must be one of them",
        },
        "min_edge": {
            "$ref": "#/$defs/ratio",
            "description": "trade when bid_j·(1−fee_j) − ask_i·(1+fee_i), in bps of ask_i, less "
            "`slippage`, is more than this",
        },
        "slippage": {
            "$ref": "#/$defs/ratio",
            "default": "0bps",
            "description": "expected slippage of the round trip, charged against the edge",
        },
        "max_quantity": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "largest attempt, in units of the base asset (also limited by the "
            "displayed size of both touches)",
        },
        "max_position": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "inventory limit per venue: |position| of each leg, base units",
        },
        "leg_timeout": {
            "$ref": "#/$defs/duration",
            "description": "a leg not filled this long after it was sent is cancelled, and "
            "the imbalance is handled by `leg_risk`",
        },
        "leg_risk": {
            "enum": list(LEG_RISK),
            "default": "hedge",
            "description": "hedge: complete the missing leg on its venue with a marketable "
            "limit inside `max_hedge_slippage`; unwind: close the filled leg on its own venue",
        },
        "max_hedge_slippage": {
            "$ref": "#/$defs/ratio",
            "default": "10bps",
            "description": "hedge price band around the missing leg's intended price; beyond "
            "it (or when the hedge times out) the filled leg is unwound instead",
        },
        "cooldown": {
            "$ref": "#/$defs/duration",
            "default": "0s",
            "description": "no new attempt for this long after an attempt is settled",
        },
    },
}


def compile_cross_venue_arbitrage(node: Mapping, ctx: KindContext) -> CrossVenueArbitrageParams:
    traded = ctx.default_instrument or ""
    legs = _legs(node, ctx, traded)
    venue = ctx.scalar(node, "venue")
    if venue is not None and traded and str(venue.value) != traded.rsplit("@", 1)[1]:
        # The engine routes the traded leg to the strategy's venue, every other leg to its own.
        ctx.report(
            codes.BAD_VALUE,
            f"venue '{venue.value}' would take the orders of {traded} off its own venue",
            venue.span,
            "remove `venue`: each leg trades on the venue of its instrument",
        )
    min_edge = ctx.bps(node, "min_edge")
    if min_edge < 0:
        ctx.report(
            codes.BAD_VALUE,
            "min_edge cannot be negative: it would pay to cross",
            ctx.span(node, "min_edge"),
            "0bps trades any edge left after fees and slippage",
        )
    slippage = ctx.bps(node, "slippage", 0.0)
    band = ctx.bps(node, "max_hedge_slippage", 10.0)
    for key, value in (("slippage", slippage), ("max_hedge_slippage", band)):
        if value < 0:
            ctx.report(codes.BAD_VALUE, f"{key} cannot be negative", ctx.span(node, key))
    max_quantity = ctx.number(node, "max_quantity")
    max_position = ctx.number(node, "max_position")
    if ctx.ok and max_position < max_quantity:
        ctx.report(
            codes.BAD_VALUE,
            f"max_position ({max_position:g}) is less than max_quantity ({max_quantity:g})",
            ctx.span(node, "max_position"),
            "an attempt could never be sent at full size",
        )
    return CrossVenueArbitrageParams(
        legs=legs,
        min_edge_bps=min_edge,
        max_quantity=max_quantity,
        max_position=max_position,
        leg_timeout_ns=ctx.positive_duration_ns(node, "leg_timeout"),
        leg_risk=ctx.text(node, "leg_risk", "hedge"),
        slippage_bps=slippage,
        max_hedge_slippage_bps=band,
        cooldown_ns=ctx.duration_ns(node, "cooldown", 0),
    )


def _legs(node: Mapping, ctx: KindContext, traded: str) -> tuple[str, ...]:
    """The listed instruments, `instrument` first: known, distinct, one asset, one per venue."""
    listed = node.get("instruments")
    if not isinstance(listed, Sequence):
        return ()
    scalars = [s for s in listed.items if isinstance(s, Scalar) and s.value is not None]
    ids: list[str] = []
    asset: Scalar | None = None  # the first leg: every other must be its BASE/QUOTE
    for s in scalars:
        known = ctx.instrument_ref(s)
        if not known:
            continue
        if known in ids:
            ctx.report(codes.BAD_VALUE, f"{known} is listed twice", s.span)
            continue
        symbol = known.rsplit("@", 1)[0]
        if asset is not None and symbol != asset.text.rsplit("@", 1)[0]:
            ctx.report(
                codes.BAD_VALUE,
                f"{known} is not the same asset as {asset.text}",
                s.span,
                "every leg must be the same BASE/QUOTE on a different venue",
            )
            continue
        asset = asset or s
        ids.append(known)  # same symbol, different id: a different venue
    if ctx.ok and len(ids) < 2:
        ctx.report(
            codes.BAD_VALUE,
            "cross-venue arbitrage needs the asset on at least two venues",
            listed.span,
            "e.g. instruments: [BTC/USDT@binance, BTC/USDT@okx]",
        )
    if ctx.ok and traded not in ids:
        ctx.report(
            codes.BAD_VALUE,
            f"instrument {traded} is not one of the listed instruments",
            ctx.span(node, "instrument"),
            "list it under instruments (it is the leg the strategy is routed by)",
        )
    for leg in ids:
        if leg != traded:
            ctx.reads.add(leg)  # the assembler subscribes to it and checks that a feed gives it
    return (traded, *(leg for leg in ids if leg != traded)) if traded in ids else tuple(ids)


register(
    KindSpec(
        category="strategy",
        name="cross_venue_arbitrage",
        summary="buy the asset on one venue and sell it on another when the edge pays the fees",
        schema=SCHEMA,
        params_type=CrossVenueArbitrageParams,
        compile=compile_cross_venue_arbitrage,
        runtime="orderloom.runtime.strategies.cross_venue_arbitrage:CrossVenueArbitrageStrategy",
        doc=(
            "`instruments` lists the same BASE/QUOTE on two or more venues, each declared as a "
            "venue of its own, each with a quotes feed; `instrument` is one of them, and each "
            "leg's orders go to its own venue. Fees are each venue's taker fee (`fees.taker` of "
            "the simulated venue). On every quote, when no attempt is working, every ordered "
            "pair (buy on i, sell on j) is priced: edge = (bid_j·(1−fee_j) − ask_i·(1+fee_i)) / "
            "ask_i in bps, minus `slippage`; the best pair trades when its edge is more than "
            "`min_edge`. Its size is the smallest of `max_quantity`, the displayed ask size on "
            "i, the displayed bid size on j and the room under `max_position` on both legs "
            "(position plus open orders), rounded down to lots; nothing is sent below one lot. "
            "Both legs go out together as marketable limits at the touch (buy at ask_i, sell "
            "at bid_j). A leg still open `leg_timeout` after it was sent is cancelled; a leg "
            "refused by risk, cancelled or partly filled leaves an imbalance (bought − sold). "
            "`leg_risk: hedge` sends the missing quantity on the missing leg's venue as a "
            "limit at its intended price moved `max_hedge_slippage` against us, when the touch "
            "is still inside that band; otherwise, or if the hedge is not filled within "
            "`leg_timeout`, the filled leg is unwound. `leg_risk: unwind` closes the imbalance "
            "on the filled leg's venue at once. Unwinds are market orders. When nothing of the "
            "attempt is open and the imbalance is under one lot, the strategy waits `cooldown` "
            "and looks again."
        ),
        examples=(
            """\
instruments:
  BTC/USDT@binance: {tick_size: 0.01, lot_size: 0.0001}
  BTC/USDT@okx: {tick_size: 0.01, lot_size: 0.0001}
venues:
  binance: {kind: simulated, latency: 20ms, fees: {taker: 10bps}}
  okx: {kind: simulated, latency: 30ms, fees: {taker: 8bps}}
feeds:
  binance_quotes: {kind: synthetic, schema: quotes, instrument: BTC/USDT@binance, s0: 42000,
                   sigma: 0.5, dt: 1s, count: 10}
  okx_quotes: {kind: synthetic, schema: quotes, instrument: BTC/USDT@okx, s0: 42000,
               sigma: 0.5, dt: 1s, count: 10}
strategies:
  arb:
    kind: cross_venue_arbitrage
    instrument: BTC/USDT@binance
    instruments: [BTC/USDT@binance, BTC/USDT@okx]
    min_edge: 5bps            # after both taker fees
    slippage: 1bps
    max_quantity: 0.05
    max_position: 0.2         # per venue
    leg_timeout: 500ms
    leg_risk: hedge
    max_hedge_slippage: 10bps
    cooldown: 1s
risk:
  max_order_notional: 10_000 USDT
routing:
  default: binance
""",
        ),
    )
)
