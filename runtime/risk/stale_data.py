"""Cancel-on-disconnect: when no market event for an instance's instruments arrives for longer
than its `stale_after`, cancel every open order and refuse new ones until fresh data arrives.

Detection costs nothing per market event: one event-time timer is armed at
last event + stale_after and, when it fires, re-armed lazily from the engine's last market
time (read once per timer firing), so the work is O(1) per `stale_after` period.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orderloom.runtime.risk import actions

if TYPE_CHECKING:
    from orderloom.runtime.engine.clock import Clock
    from orderloom.runtime.engine.context import EngineContext


class StaleDataGuard:
    """The stale-data timer of one strategy instance. The engine writes `last_market_ns` (the
    last market event processed) and `next_market_ns` (the event about to be processed) each
    time it fires due timers; the deadline and resume callbacks read them."""

    __slots__ = ("clock", "ctx", "last_market_ns", "next_market_ns", "stale_after_ns")

    def __init__(self, ctx: EngineContext, clock: Clock, stale_after_ns: int) -> None:
        self.ctx = ctx
        self.clock = clock
        self.stale_after_ns = stale_after_ns
        self.last_market_ns = -1
        self.next_market_ns = -1
        ctx.stale_after_ns = stale_after_ns

    def arm(self, last_market_ns: int) -> None:
        self.clock.at(last_market_ns + self.stale_after_ns, self._on_deadline)

    def _on_deadline(self, at_ns: int, _: Any) -> None:
        last = self.last_market_ns
        if last + self.stale_after_ns > at_ns:
            self.arm(last)  # data arrived since the timer was armed: push the deadline on
            return
        upcoming = self.next_market_ns
        if upcoming <= at_ns:
            self.arm(upcoming)  # a gap of exactly stale_after is not longer than it
            return
        ctx = self.ctx
        message = (
            f"stale_data: no market data since ts {last} ({self.stale_after_ns} ns): "
            "open orders cancelled, new orders refused until fresh data"
        )
        actions.block_stale(ctx, last)  # before cancelling: on_cancel must not requote
        actions.trip_row(
            ctx, actions.STALE_DATA, "cancel_all", self.stale_after_ns, at_ns - last, message
        )
        actions.cancel_all(ctx, message)
        # The event that made this timer fire is the fresh data: resume just before it.
        self.clock.at(upcoming, self._on_fresh)

    def _on_fresh(self, at_ns: int, _: Any) -> None:
        ctx = self.ctx
        gap_ns = at_ns - ctx.stale_since_ns
        message = f"stale_data: fresh market data after a gap of {gap_ns} ns: trading resumed"
        actions.trip_row(ctx, actions.STALE_DATA, "resume", self.stale_after_ns, gap_ns, message)
        actions.unblock_stale(ctx)
        self.arm(at_ns)
