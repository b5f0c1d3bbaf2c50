"""What a tripped limit, circuit breaker, kill switch or stale market data does to one strategy
instance: halt (block new orders for a while), cancel all, flatten, kill and resume. Each writes
a risk_events row; new orders meet the gate in `EngineContext._place`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orderloom.runtime.engine.context import EngineContext

FOREVER_NS = 2**63 - 1
STALE_DATA = "stale_data"  # the check name of cancel-on-disconnect (runtime/risk/stale_data.py)


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
    saved = ctx.stale_saved
    if saved is not None:
        # Stale data holds the gate shut; the halt takes effect behind it.
        if until_ns > saved[0]:
            ctx.stale_saved = (until_ns, check)
        return
    if until_ns > ctx.gate_until_ns:
        ctx.gate_until_ns = until_ns
        ctx.gate_check = check


def cancel_all(ctx: EngineContext, reason: str) -> int:
    """Cancel every open order at once (no latency, no cancel throttle: this is the brake)."""
    now = int(ctx.state.ts_ns)
    orders = list(ctx.oms.open_orders.values())
    for order in orders:
        if order.is_open:
            ctx.venues[order.slot].cancel_now(order, now, reason)
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
    if ctx.stale_saved is not None:
        ctx.stale_saved = (FOREVER_NS, check)
    ctx.gate_check = check
    if close:
        flatten(ctx, 0.0, reason)
    else:
        cancel_all(ctx, reason)


def resume(ctx: EngineContext) -> None:
    ctx.killed = False
    if ctx.stale_saved is not None:
        ctx.stale_saved = (-1, "halt")  # still no fresh data: the stale gate stays
        ctx.gate_check = STALE_DATA
        return
    ctx.gate_until_ns = -1


def block_stale(ctx: EngineContext, last_market_ns: int) -> None:
    """Shut the gate for stale data (cancel-on-disconnect), keeping the gate it replaces."""
    if ctx.stale_saved is None:
        ctx.stale_saved = (ctx.gate_until_ns, ctx.gate_check)
    ctx.stale_since_ns = last_market_ns
    ctx.gate_until_ns = FOREVER_NS
    if not ctx.killed:
        ctx.gate_check = STALE_DATA


def unblock_stale(ctx: EngineContext) -> None:
    """Fresh data: give back the gate that stale data replaced (a halt, a kill, or none)."""
    saved = ctx.stale_saved
    if saved is not None:
        ctx.stale_saved = None
        ctx.gate_until_ns, ctx.gate_check = saved
