"""What a tripped limit, circuit breaker or kill switch does to one strategy instance: halt
(block new orders for a while), cancel all, flatten, kill and resume. Each writes a
risk_events row; new orders meet the gate in `EngineContext._place`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orderloom.runtime.engine.context import EngineContext

FOREVER_NS = 2**63 - 1


def trip_row(
    ctx: EngineContext, check: str, action: str, limit: float, value: float, message: str
) -> None:
    """One risk_events row for an action (no order id); ids count per instance."""
    ctx.trips += 1
    now = int(ctx.state.ts_ns)
    event_id = f"{ctx.strategy_name}-{action}-{ctx.trips}"
    ctx.risk_rows.append(
        (ctx.run_id, event_id, now, ctx.strategy_name, "", check, limit, value, action, message)
    )


def halt(ctx: EngineContext, until_ns: int, check: str) -> None:
    """No new orders before `until_ns`; resting orders keep working."""
    if until_ns > ctx.gate_until_ns:
        ctx.gate_until_ns = until_ns
        ctx.gate_check = check


def cancel_all(ctx: EngineContext, reason: str) -> int:
    """Cancel every open order at once (no latency, no cancel throttle: this is the brake)."""
    now = int(ctx.state.ts_ns)
    orders = list(ctx.oms.open_orders.values())
    for order in orders:
        if order.is_open:
            ctx.venue.cancel_now(order, now, reason)
    return len(orders)


def flatten(ctx: EngineContext, band_bps: float, reason: str) -> None:
    """Cancel all, then close each position with a market order, or a limit order `band_bps`
    through the mark; the closing order passes the pre-trade checks but not the gate."""
    cancel_all(ctx, reason)
    ctx.flattening = True
    try:
        for slot, lots in enumerate(ctx.position_lots):
            if lots == 0:
                continue
            side = -1 if lots > 0 else 1
            price = None
            if band_bps > 0:
                mark = ctx.book.mark_price(slot)
                if mark == mark:
                    price = mark * (1 + side * band_bps / 10_000.0)  # through the mark
            ctx.place_lots(side, abs(lots), price, slot)
    finally:
        ctx.flattening = False


def kill(ctx: EngineContext, check: str, reason: str, *, close: bool = False) -> None:
    """Stop the instance until resume: cancel all (and flatten with `close`), block orders,
    and stop calling the strategy's on_market."""
    ctx.killed = True
    halt(ctx, FOREVER_NS, check)
    ctx.gate_check = check
    if close:
        flatten(ctx, 0.0, reason)
    else:
        cancel_all(ctx, reason)


def resume(ctx: EngineContext) -> None:
    ctx.killed = False
    ctx.gate_until_ns = -1
